package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want buildInfo
	}{
		{
			name: "outside a checkout",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: buildInfo{Version: "dev", GoVersion: "go1.26.8"},
		},
		{
			name: "clean checkout",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v12.1.0"}, Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "d793380f0e2c"},
				{Key: "vcs.time", Value: "2026-12-03T20:59:00Z"},
				{Key: "vcs.modified", Value: "false"},
			}},
			want: buildInfo{Version: "v12.1.0", Commit: "d793380f0e2c", CommitTime: "2026-12-03T20:59:00Z", GoVersion: "go1.26.8"},
		},
		{
			name: "uncommitted changes",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261203205900-d793380f0e2c+dirty"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "d793380f0e2c"},
				{Key: "vcs.modified", Value: "true"},
			}},
			want: buildInfo{Version: "v0.0.0-20261203205900-d793380f0e2c+dirty", Commit: "d793380f0e2c", Modified: true, GoVersion: "go1.26.8"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got := fromBuildInfo(&tc.bi); got != tc.want {
				t.Errorf("fromBuildInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBuildInfoString(t *testing.T) {
	b := buildInfo{Version: "v12.1.0", Commit: "d793380f0e2c", Modified: true, CommitTime: "2026-12-03T20:59:00Z",
		GoVersion: "go1.26.8", Platform: "linux/arm64"}
	want := "aurigraph v12.1.0\n" +
		"  commit:      d793380f0e2c (modified: built with uncommitted changes)\n" +
		"  commit time: 2026-12-03T20:59:00Z\n" +
		"  build date:  unknown\n" +
		"  go:          go1.26.8 linux/arm64\n"
	if got := b.String(); got != want {
		t.Errorf("String:\n%s\nwant:\n%s", got, want)
	}
}

// runRoot runs the root command with args and returns what it printed.
func runRoot(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("aurigraph %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// TestVersionOutput checks that the stamped values win over the build info
// and that `version` and `--version` print the same text.
func TestVersionOutput(t *testing.T) {
	saved := [3]string{version, commit, buildDate}
	t.Cleanup(func() { version, commit, buildDate = saved[0], saved[1], saved[2] })

	unstamped := runRoot(t, "version")
	if !strings.HasPrefix(unstamped, "aurigraph ") || !strings.Contains(unstamped, "  go:          "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n") {
		t.Errorf("version without stamps:\n%s", unstamped)
	}

	// A stamped value goes through cobra's template as plain text.
	version, commit, buildDate = "v12.1.0-rc.1{{.Name}}", "0123456789abcdef0123456789abcdef01234567", "2026-12-03T21:00:00Z"
	got := runRoot(t, "version")
	for _, want := range []string{
		"aurigraph v12.1.0-rc.1{{.Name}}\n",
		"  commit:      0123456789abcdef0123456789abcdef01234567",
		"  build date:  2026-12-03T21:00:00Z\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("aurigraph version lacks %q:\n%s", want, got)
		}
	}
	if flag := runRoot(t, "--version"); flag != got {
		t.Errorf("aurigraph --version:\n%s\ndiffers from aurigraph version:\n%s", flag, got)
	}
}
