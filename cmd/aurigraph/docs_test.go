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
			for _, args := range aurigraphCommands(s.text, s.shell) {
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

// shellCommands splits a line into its simple commands as a shell would,
// well enough for the docs: quotes group words; |, &, ;, ( and ) separate
// commands; a redirection's file and a comment are dropped. Each command
// starts at its first word after any NAME=value assignments and prefixes
// such as do or sudo.
func shellCommands(s string) [][]string {
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord, redirect := false, false
	var quote rune
	endWord := func() {
		if inWord && !redirect {
			words = append(words, w.String())
		}
		if inWord {
			redirect = false
		}
		w.Reset()
		inWord = false
	}
	endCommand := func() {
		endWord()
		for len(words) > 0 && (assignment.MatchString(words[0]) || prefixes[words[0]]) {
			words = words[1:]
		}
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
		words, redirect = nil, false
	}
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
			endWord()
		case r == '#' && !inWord:
			endCommand()
			return cmds
		case r == '(' && w.String() == "$":
			w.Reset()
			inWord = false
			endCommand()
		case strings.ContainsRune("|&;()", r):
			endCommand()
		case r == '>' || r == '<':
			endWord()
			redirect = true
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	endCommand()
	return cmds
}

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	// Words that run the command after them.
	prefixes = map[string]bool{"do": true, "then": true, "else": true, "time": true, "exec": true, "sudo": true, "nohup": true}
)

// aurigraphCommands returns the arguments of each command of s that runs
// aurigraph (by that name or a path to it). In prose, [optional] parts
// lose their brackets.
func aurigraphCommands(s string, shell bool) [][]string {
	var out [][]string
	for _, words := range shellCommands(s) {
		if words[0] != "aurigraph" && !strings.HasSuffix(words[0], "/aurigraph") {
			continue
		}
		args := words[1:]
		if !shell {
			for i, a := range args {
				args[i] = strings.TrimRight(strings.TrimLeft(a, "["), "]")
			}
		}
		out = append(out, args)
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
	methodPath = regexp.MustCompile(`\b(GET|POST|DELETE) (/(?:api/v12|q)/[^\s?\])` + "`" + `]*|/metrics\b)`)
	// A URL of the HTTP port in a command: the path after the host or a
	// $VARIABLE standing for it.
	urlPath = regexp.MustCompile(`(?:https?://[^/\s'"]+|\$\{?\w+\}?)(/(?:api/v12|q)/[^\s'"?\])]*|/metrics\b|/debug/pprof/[^\s'"?\])]*)`)
)

// restCalls finds the HTTP port's routes a snippet uses: curl commands with
// their method (-X, or POST when they send data), and routes named in prose
// (any method when none is named).
func restCalls(s string, shell bool) []restCall {
	var out []restCall
	for _, m := range methodPath.FindAllStringSubmatch(s, -1) {
		out = append(out, restCall{[]string{m[1]}, m[2]})
	}
	cmds := shellCommands(s)
	if shell && len(cmds) > 0 && cmds[0][0] == "curl" {
		words := cmds[0]
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
