package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir(t), "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	cur := ""
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		if s, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur += s + " "
			continue
		}
		out = append(out, strings.Join(strings.Fields(cur+trimmed), " "))
		cur = ""
	}
	return out
}

// execForm decodes the JSON array of an exec-form instruction.
func execForm(t *testing.T, instr string) []string {
	t.Helper()
	i := strings.Index(instr, "[")
	if i < 0 {
		t.Fatalf("%q is not in exec form", instr)
	}
	var args []string
	if err := json.Unmarshal([]byte(instr[i:]), &args); err != nil {
		t.Fatalf("%q: %v", instr, err)
	}
	return args
}

// goBuild is a go build command with its variables written $(X) or ${X}
// reduced to X, so the Makefile's and the Dockerfile's can be compared.
var goBuildRE = regexp.MustCompile(`CGO_ENABLED=0 .*?go build (.*?) -o \S+ \./cmd/aurigraph`)
var makeVar = regexp.MustCompile(`\$[({]([A-Z_]+)[)}]`)

func goBuild(s string) string {
	m := goBuildRE.FindStringSubmatch(strings.ReplaceAll(s, "$(GO) build", "go build"))
	if m == nil {
		return ""
	}
	return makeVar.ReplaceAllString(strings.ReplaceAll(m[1], "$(RELEASE_LDFLAGS)", ""), "$1")
}

func TestDockerfile(t *testing.T) {
	instrs := dockerfile(t)
	var build, user, stage string
	stages := map[string]bool{}
	for _, in := range instrs {
		kw, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(kw) {
		case "FROM":
			if _, name, ok := strings.Cut(rest, " AS "); ok {
				stage = name
				stages[name] = true
			}
		case "RUN":
			if b := goBuild(in); b != "" {
				build = b
			}
		case "USER":
			user = rest
		case "HEALTHCHECK":
			args := execForm(t, in)
			if len(args) < 2 || args[0] != "/usr/local/bin/aurigraph" {
				t.Fatalf("HEALTHCHECK %q: run the image's aurigraph", args)
			}
			checkArgs(t, "HEALTHCHECK", args[1:])
			if !strings.Contains(strings.Join(args, " "), "/q/health") {
				t.Errorf("HEALTHCHECK %q does not ask /q/health", args)
			}
		case "CMD":
			if stage == "dev" {
				checkArgs(t, "CMD of the dev target", execForm(t, in))
			}
		}
	}
	if user != "65532:65532" {
		t.Errorf("USER %q: run as the non-root 65532:65532", user)
	}
	for _, s := range []string{"portal", "build", "engine", "dev", "aurigraph"} {
		if !stages[s] {
			t.Errorf("no stage %q", s)
		}
	}
	if stage != "aurigraph" {
		t.Errorf("the last stage (docker build's default) is %q, want aurigraph, the image without the engine", stage)
	}

	// The image's binary is the one make release builds.
	mk, err := os.ReadFile(filepath.Join(deployDir(t), "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	ldflags := regexp.MustCompile(`(?m)^RELEASE_LDFLAGS\s*:?=\s*(.*)$`).FindStringSubmatch(string(mk))
	if ldflags == nil {
		t.Fatal("Makefile: no RELEASE_LDFLAGS")
	}
	release := goBuild(strings.ReplaceAll(strings.Join(strings.Fields(string(mk)), " "), "'$(RELEASE_LDFLAGS)'", `"`+ldflags[1]+`"`))
	if build == "" || release == "" || build != release {
		t.Errorf("the Dockerfile builds with\n  %s\nmake release with\n  %s", build, release)
	}
}
