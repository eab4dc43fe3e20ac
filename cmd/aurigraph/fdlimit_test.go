package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const fileLimitHelperEnv = "AURIGRAPH_FILE_LIMIT_HELPER"

// The process raises its soft open-file limit to the hard one at start, so
// that connections cannot exhaust a low default (1,024 on many systems)
// long before the listeners' caps, logs the limit, and warns when the caps
// could still use it up. Run as a child started with a soft limit of 256.
// (Go's runtime alone stops one short of the hard limit, on purpose, so the
// check tells the two apart.)
func TestFileLimitIsRaisedAtStart(t *testing.T) {
	if os.Getenv(fileLimitHelperEnv) != "" {
		var buf bytes.Buffer
		caps := 0
		_, _ = fmt.Sscan(os.Getenv(fileLimitHelperEnv), &caps)
		raiseFileLimit(slog.New(slog.NewTextHandler(&buf, nil)), caps)
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("soft=%d hard=%d\n%s", lim.Cur, lim.Max, buf.String())
		return
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max <= 256 {
		t.Skipf("the hard open-file limit is %d: nothing to raise to", lim.Max)
	}
	for _, tc := range []struct {
		name, caps string
		warn       string
	}{
		{"caps within the limit", "100", ""},
		{"caps beyond the limit", fmt.Sprint(lim.Max), "add up to more than the open-file limit"},
		{"an uncapped listener", "-1", "has no connection cap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("sh", "-c", `ulimit -Sn 256 && exec "$0" -test.run='^TestFileLimitIsRaisedAtStart$'`, os.Args[0])
			cmd.Env = append(os.Environ(), fileLimitHelperEnv+"="+tc.caps)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			if want := fmt.Sprintf("soft=%d hard=%d", lim.Max, lim.Max); !strings.Contains(string(out), want) {
				t.Fatalf("started with a soft limit of 256, the process has %q, want %s", strings.SplitN(string(out), "\n", 2)[0], want)
			}
			if !strings.Contains(string(out), "msg=\"open-file limit\"") {
				t.Errorf("the limit is not logged:\n%s", out)
			}
			if got := strings.Contains(string(out), "level=WARN"); got != (tc.warn != "") || tc.warn != "" && !strings.Contains(string(out), tc.warn) {
				t.Errorf("warning: want %q, got:\n%s", tc.warn, out)
			}
		})
	}
}
