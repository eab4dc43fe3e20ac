package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/policy"
)

// commandDocs are the documents whose commands operators copy: the
// runbooks, in the middle of an incident, and the README.
var commandDocs = []string{"../../docs/runbooks/*.md", "../../README.md"}

// TestDocumentedCommands checks every aurigraph command the runbooks and the
// README give against this binary's command tree (each subcommand exists,
// each --flag is one the subcommand takes, positional arguments are
// allowed), and every REST path they call against the routes the HTTP port
// serves, so a renamed flag or route fails here instead of during an
// incident.
func TestDocumentedCommands(t *testing.T) {
	var files []string
	for _, g := range commandDocs {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no runbooks found")
	}
	routes := routeMux()
	commands, calls := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range docSnippets(string(raw)) {
			for _, args := range aurigraphCommands(s.text) {
				commands++
				if err := checkCommand(newRootCommand(), args, s.shell); err != nil {
					t.Errorf("%s:%d: aurigraph %s: %v", f, s.line, strings.Join(args, " "), err)
				}
			}
			for _, c := range restCalls(s.text, s.shell) {
				calls++
				if !served(routes, c.methods, c.path) {
					t.Errorf("%s:%d: %v %s is not a route of the HTTP port (internal/policy.Routes)", f, s.line, c.methods, c.path)
				}
			}
		}
	}
	if commands < 20 || calls < 10 {
		t.Fatalf("found %d aurigraph commands and %d REST calls in %v: the extraction is broken", commands, calls, files)
	}
	t.Logf("checked %d aurigraph commands and %d REST calls in %d documents", commands, calls, len(files))
}

// A snippet is a shell code block (its lines joined where they end in a
// backslash) or an inline code span of the prose.
type snippet struct {
	text  string
	line  int
	shell bool
}

var (
	fence      = regexp.MustCompile("^\\s*```(\\w*)")
	inlineCode = regexp.MustCompile("`([^`]+)`")
)

func docSnippets(doc string) []snippet {
	var out []snippet
	var prose strings.Builder
	proseLine := 1
	flushProse := func() {
		text := prose.String()
		for _, m := range inlineCode.FindAllStringSubmatchIndex(text, -1) {
			span := strings.Join(strings.Fields(text[m[2]:m[3]]), " ")
			out = append(out, snippet{text: span, line: proseLine + strings.Count(text[:m[0]], "\n")})
		}
		prose.Reset()
	}
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			if prose.Len() == 0 {
				proseLine = i + 1
			}
			prose.WriteString(lines[i] + "\n")
			continue
		}
		flushProse()
		shell := m[1] == "" || m[1] == "sh" || m[1] == "bash"
		start := i + 1
		var cmd strings.Builder
		for i++; i < len(lines) && !fence.MatchString(lines[i]); i++ {
			if !shell {
				continue
			}
			l := strings.TrimSpace(lines[i])
			if strings.HasSuffix(l, "\\") {
				cmd.WriteString(strings.TrimSuffix(l, "\\") + " ")
				continue
			}
			cmd.WriteString(l)
			out = append(out, snippet{text: cmd.String(), line: start, shell: true})
			cmd.Reset()
			start = i + 2
		}
		proseLine = i + 2
	}
	flushProse()
	return out
}

// shellWords splits a command line as a shell would, well enough for the
// runbooks: quotes group, and an operator or a comment ends the command.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case strings.ContainsRune("|&;<>)", r) || r == '#' && !inWord:
			if inWord {
				words = append(words, w.String())
			}
			return words
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// aurigraphWord finds the command's name as a word of its own: not a topic
// (aurigraph.tx.v1), a metric (aurigraph_...), a path (/var/lib/aurigraph)
// or a user (aurigraph-validator).
var aurigraphWord = regexp.MustCompile(`(?:^|[\s(])aurigraph(?:\s|$)`)

func aurigraphCommands(s string) [][]string {
	var out [][]string
	for _, loc := range aurigraphWord.FindAllStringIndex(s, -1) {
		rest := s[loc[0]:]
		rest = rest[strings.Index(rest, "aurigraph")+len("aurigraph"):]
		out = append(out, shellWords(rest))
	}
	return out
}

// checkCommand resolves args in the command tree as cobra would and checks
// each long flag. A command line (whole) must also have the positional
// arguments its command takes; prose may name a command alone (`aurigraph
// cluster`) or leave arguments out with "...".
func checkCommand(root *cobra.Command, args []string, whole bool) error {
	cmd := root
	i := 0
	for ; i < len(args) && !strings.HasPrefix(args[i], "-"); i++ {
		next, _, err := cmd.Find([]string{args[i]})
		if err != nil || next == cmd {
			break
		}
		cmd = next
	}
	if cmd == root && i == 0 && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("no subcommand %q", args[0])
	}
	var positional []string
	for ; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			if strings.HasPrefix(a, "-") || a == "..." {
				continue
			}
			positional = append(positional, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		f := cmd.Flag(name)
		if f == nil {
			return fmt.Errorf("%s has no flag --%s", cmd.CommandPath(), name)
		}
		if !hasValue && f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	if cmd.HasSubCommands() && !cmd.Runnable() && len(positional) > 0 {
		return fmt.Errorf("%s has no subcommand %q", cmd.CommandPath(), positional[0])
	}
	if !whole {
		return nil
	}
	if cmd.HasSubCommands() && !cmd.Runnable() {
		return fmt.Errorf("%s needs a subcommand", cmd.CommandPath())
	}
	if err := cmd.ValidateArgs(positional); err != nil {
		return fmt.Errorf("%s: %w", cmd.CommandPath(), err)
	}
	return nil
}

type restCall struct {
	methods []string
	path    string
}

var (
	// A route named in prose, as the README's tables do: "POST /api/v12/...".
	methodPath = regexp.MustCompile(`\b(GET|POST|DELETE) (/(?:api/v12|q)/[^\s?]*|/metrics\b)`)
	// A URL of the HTTP port in a command: the path after the host or a
	// $VARIABLE standing for it.
	urlPath = regexp.MustCompile(`(?:https?://[^/\s'"]+|\$\{?\w+\}?)(/(?:api/v12|q)/[^\s'"?]*|/metrics\b|/debug/pprof/[^\s'"?]*)`)
)

// restCalls finds the HTTP port's routes a snippet uses: curl commands with
// their method (-X, or POST when they send data), and routes named in prose
// (any method when none is named).
func restCalls(s string, shell bool) []restCall {
	var out []restCall
	for _, m := range methodPath.FindAllStringSubmatch(s, -1) {
		out = append(out, restCall{[]string{m[1]}, m[2]})
	}
	words := shellWords(s)
	if shell && len(words) > 0 && words[0] == "curl" {
		method := http.MethodGet
		for i, w := range words {
			switch {
			case w == "-X" && i+1 < len(words):
				method = words[i+1]
			case strings.HasPrefix(w, "-X") && len(w) > 2:
				method = w[2:]
			case (w == "-d" || strings.HasPrefix(w, "--data")) && method == http.MethodGet:
				method = http.MethodPost
			}
		}
		for _, m := range urlPath.FindAllStringSubmatch(s, -1) {
			out = append(out, restCall{[]string{method}, m[1]})
		}
		return out
	}
	if len(out) == 0 && !shell {
		for _, m := range urlPath.FindAllStringSubmatch(s, -1) {
			out = append(out, restCall{[]string{http.MethodGet, http.MethodPost, http.MethodDelete}, m[1]})
		}
	}
	return out
}

func routeMux() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern := range policy.Routes {
		mux.Handle(pattern, http.NotFoundHandler())
	}
	return mux
}

var placeholder = regexp.MustCompile(`\{\w+\}`)

// served reports whether the mux has a route for path with one of methods;
// {placeholders} of the docs stand for any segment. The portal's catch-all
// "/" does not count: it never serves the API's paths.
func served(mux *http.ServeMux, methods []string, path string) bool {
	path = placeholder.ReplaceAllString(path, "x")
	for _, m := range methods {
		if _, pattern := mux.Handler(httptest.NewRequest(m, path, nil)); pattern != "" && pattern != "/" {
			return true
		}
	}
	return false
}
