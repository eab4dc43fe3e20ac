package validate

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// unitFile reads a unit's [Service] settings; a key set twice keeps both.
func unitFile(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			kv[k] = append(kv[k], v)
		}
	}
	return kv
}

// envFile reads an EnvironmentFile as systemd does for these examples:
// KEY=VALUE lines, comments skipped.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			env[k] = v
		}
	}
	return env
}

var unitVar = regexp.MustCompile(`\$\{([A-Z_]+)\}|\$([A-Z_]+)`)

// TestSystemdUnits checks each unit's sandbox and that its ExecStart, with
// the example environment file's values, passes flags aurigraph has.
// deploy/check.sh runs systemd-analyze verify on the same files.
func TestSystemdUnits(t *testing.T) {
	dir := filepath.Join(deployDir(t), "systemd")
	for _, sub := range []string{"broker", "node", "gateway", "projector"} {
		unit := unitFile(t, filepath.Join(dir, "aurigraph-"+sub+".service"))
		where := "aurigraph-" + sub + ".service"
		for k, want := range map[string]string{
			"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
			"Restart": "on-failure", "User": "aurigraph", "StateDirectory": "aurigraph-" + sub,
			"EnvironmentFile": "/etc/aurigraph/" + sub + ".env", "LimitNOFILE": "65536", "CapabilityBoundingSet": "",
		} {
			if got := unit[k]; len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s=%q, want %q", where, k, got, want)
			}
		}
		env := envFile(t, filepath.Join(dir, sub+".env"))
		exec := unit["ExecStart"]
		if len(exec) != 1 {
			t.Fatalf("%s: %d ExecStart lines", where, len(exec))
		}
		// ${X} is one word, $X splits on white space, as in systemd.
		var args []string
		for _, w := range strings.Fields(exec[0]) {
			if m := unitVar.FindStringSubmatch(w); m != nil && m[2] != "" && w == "$"+m[2] {
				args = append(args, strings.Fields(env[m[2]])...)
				continue
			}
			args = append(args, unitVar.ReplaceAllStringFunc(w, func(ref string) string {
				m := unitVar.FindStringSubmatch(ref)
				v, ok := env[m[1]+m[2]]
				if !ok {
					t.Errorf("%s: %s is not in %s.env", where, ref, sub)
				}
				return v
			}))
		}
		if args[0] != "/usr/local/bin/aurigraph" {
			t.Fatalf("%s: ExecStart runs %q", where, args[0])
		}
		checkArgs(t, where, args[1:])
		if data := flagValue(args, "data"); sub != "gateway" && data != "/var/lib/aurigraph-"+sub {
			t.Errorf("%s: --data %q is not its StateDirectory", where, data)
		}
	}
}
