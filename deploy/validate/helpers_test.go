package validate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// deployDir is deploy/, this module's parent.
func deployDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// binary is the aurigraph binary the deployment files run: $AURIGRAPH_BIN,
// which make check-deploy sets to the release build for this machine.
func binary(t *testing.T) string {
	t.Helper()
	b := os.Getenv("AURIGRAPH_BIN")
	if b == "" {
		t.Fatal("AURIGRAPH_BIN is not set: run make check-deploy, which builds the binary and sets it")
	}
	abs, err := filepath.Abs(b)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// flagSpec is what a subcommand's --help says of one flag.
type flagSpec struct{ takesValue bool }

var (
	helpMu    sync.Mutex
	helpCache = map[string]map[string]flagSpec{}
	// parents are the subcommands that only group others (projector).
	parents = map[string]bool{}
	// A flag line of cobra's help: "  -h, --help", "      --id uint   ...".
	// A type word after the name means the flag takes a value.
	helpFlag = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)( [A-Za-z0-9]+)?\s{2,}`)
)

// help is `aurigraph SUB --help`, SUB one word or a parent and its child.
func help(t *testing.T, sub string) string {
	t.Helper()
	out, err := exec.Command(binary(t), append(strings.Fields(sub), "--help")...).CombinedOutput()
	if err != nil {
		t.Fatalf("aurigraph %s --help: %v\n%s", sub, err, out)
	}
	return string(out)
}

// isParent reports whether `aurigraph SUB` only groups subcommands.
func isParent(t *testing.T, sub string) bool {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	p, ok := parents[sub]
	if !ok {
		p = strings.Contains(help(t, sub), "aurigraph "+sub+" [command]")
		parents[sub] = p
	}
	return p
}

// flagsOf returns the flags of `aurigraph SUB`, global ones included, as
// its --help lists them.
func flagsOf(t *testing.T, sub string) map[string]flagSpec {
	t.Helper()
	helpMu.Lock()
	defer helpMu.Unlock()
	if f, ok := helpCache[sub]; ok {
		return f
	}
	out := help(t, sub)
	if !strings.Contains(out, "aurigraph "+sub+" [flags]") {
		t.Fatalf("aurigraph %s --help does not describe a subcommand %q:\n%s", sub, sub, out)
	}
	f := map[string]flagSpec{}
	for _, m := range helpFlag.FindAllStringSubmatch(out, -1) {
		f[m[1]] = flagSpec{takesValue: m[2] != ""}
	}
	if len(f) < 3 {
		t.Fatalf("aurigraph %s --help: found %d flags in\n%s", sub, len(f), out)
	}
	helpCache[sub] = f
	return f
}

// checkArgs fails the test for each problem argProblems finds.
func checkArgs(t *testing.T, where string, args []string) {
	t.Helper()
	for _, p := range argProblems(t, args) {
		t.Errorf("%s: %s", where, p)
	}
}

// argProblems lists where args (a subcommand, or a parent and its child,
// and its arguments, as a deployment file passes them) name a flag the
// subcommand does not have, give a value-taking flag no value, or carry a
// stray positional argument.
func argProblems(t *testing.T, args []string) []string {
	t.Helper()
	if len(args) == 0 {
		return []string{"no subcommand"}
	}
	sub, first := args[0], 1
	if isParent(t, sub) {
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			return []string{fmt.Sprintf("aurigraph %s needs a subcommand", sub)}
		}
		sub, first = sub+" "+args[1], 2
	}
	var problems []string
	flags := flagsOf(t, sub)
	for i := first; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			problems = append(problems, fmt.Sprintf("argument %q is not a flag (aurigraph %s takes none)", a, sub))
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		spec, ok := flags[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("aurigraph %s has no flag --%s", sub, name))
		case spec.takesValue && !hasValue:
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
				problems = append(problems, fmt.Sprintf("--%s needs a value", name))
			}
			i++
		case !spec.takesValue && hasValue && value != "true" && value != "false":
			problems = append(problems, fmt.Sprintf("--%s is a switch, not %q", name, a))
		}
	}
	return problems
}

// TestCheckArgs makes sure the flag check can fail.
func TestCheckArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		bad  bool
	}{
		{[]string{"node", "--id=1", "--peers", "1=a:7000", "--insecure"}, false},
		{[]string{"node", "--idd=1"}, true},
		{[]string{"node", "--id"}, true},
		{[]string{"node", "stray"}, true},
		{[]string{"node", "--insecure=yes"}, true},
		{[]string{"gateway", "--validators=http://a:8080", "--log-format=json"}, false},
		{[]string{"projector", "run", "--clickhouse=http://ch:8123", "--clickhouse-user", "aurigraph"}, false},
		{[]string{"projector", "--clickhouse=http://ch:8123"}, true},
		{[]string{"projector", "run", "--peers=1=a:7000"}, true},
		{[]string{"projector", "run", "stray"}, true},
	} {
		if got := argProblems(t, tc.args); (len(got) > 0) != tc.bad {
			t.Errorf("argProblems(%q) = %q, want problems: %v", tc.args, got, tc.bad)
		}
	}
}
