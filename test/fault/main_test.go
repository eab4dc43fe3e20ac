package fault

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the aurigraph executable every test runs, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if prebuilt := os.Getenv("AURIGRAPH_FAULT_BIN"); prebuilt != "" {
		binary = prebuilt
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "aurigraph-fault-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault: temp dir for the binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "aurigraph")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		return 1
	}
	return m.Run()
}

// build compiles ./cmd/aurigraph from the module root. The nodes run as
// ordinary binaries: -race applies to this test process only.
func build(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module root with `go env GOMOD`: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd := exec.Command("go", "build", "-o", out, "./cmd/aurigraph")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/aurigraph in %s: %w\n%s", root, err, stderr.String())
	}
	return nil
}
