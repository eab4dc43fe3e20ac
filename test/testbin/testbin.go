// Package testbin builds the aurigraph binary once per test binary and runs
// it as child processes, each with its output in a log file: the common
// ground of the suites that test real processes (test/fault, test/hostile).
package testbin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/loopport"
)

// Main is the body of a suite's TestMain: it sets *binary to the aurigraph
// executable named by the environment variable env, or else builds
// ./cmd/aurigraph into a temporary directory removed afterwards, then runs
// the tests and returns their exit code.
func Main(m *testing.M, env string, binary *string) int {
	if prebuilt := os.Getenv(env); prebuilt != "" {
		*binary = prebuilt
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "aurigraph-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbin: temp dir for the binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	*binary = filepath.Join(dir, "aurigraph")
	if err := Build(*binary); err != nil {
		fmt.Fprintln(os.Stderr, "testbin:", err)
		return 1
	}
	return m.Run()
}

// BuildVersion is Build with the version stamped as a release build stamps
// it (-X main.version), so a test can tell two builds of one source apart.
// Only the link step differs from Build's, so it costs seconds.
func BuildVersion(out, version string) error {
	return Build(out, "-ldflags", "-X main.version="+version)
}

// Build compiles ./cmd/aurigraph of the enclosing module into out, with
// flags given to go build. The children run as ordinary binaries: -race
// applies to the test process only.
func Build(out string, flags ...string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	args := append(append([]string{"build"}, flags...), "-o", out, "./cmd/aurigraph")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/aurigraph in %s: %w\n%s", root, err, stderr.String())
	}
	return nil
}

// Process is one child process that can be started again with the same
// arguments after it stops or is killed. Its stdout and stderr go to a log
// file that every start appends to.
type Process struct {
	name    string
	bin     string
	args    []string
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current run has exited
	exitErr error
	starts  int
}

// NewProcess describes a run of bin with args, logged to logPath; Start
// starts it.
func NewProcess(bin, name, logPath string, args ...string) *Process {
	return &Process{name: name, bin: bin, args: args, logPath: logPath}
}

// SetBinary makes the next Start run bin, with the same arguments: an
// upgrade in place. It fails while the process runs.
func (p *Process) SetBinary(bin string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("%s: replace the binary of a running process (pid %d): stop it first", p.name, p.cmd.Process.Pid)
	}
	p.bin = bin
	return nil
}

// Name is the name the process was made with.
func (p *Process) Name() string { return p.name }

// LogPath is the file its output goes to.
func (p *Process) LogPath() string { return p.logPath }

// Start launches the process; it must not be running.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("%s: already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.name, err)
	}
	p.starts++
	fmt.Fprintf(logf, "=== start #%d at %s: %s %s\n", p.starts, time.Now().UTC().Format(time.RFC3339Nano), filepath.Base(p.bin), strings.Join(p.args, " "))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C on the test run does not reach the
	// children before the test decides what to do with them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("%s: start %s: %w", p.name, p.bin, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.exitErr = cmd, done, nil
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(logf, "=== exit at %s: %v\n", time.Now().UTC().Format(time.RFC3339Nano), exitText(err))
		logf.Close()
		p.mu.Lock()
		p.exitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Pid is the process id of the current run, 0 if never started.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the process has been started and not exited.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isClosed(p.done)
}

// Exited returns a channel closed when the current run ends (nil if never
// started).
func (p *Process) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// Kill sends SIGKILL and waits for the exit. It does nothing when the
// process is not running.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// SignalKill sends SIGKILL without waiting, so several processes can be
// killed within microseconds of each other; wait on Exited afterwards.
func (p *Process) SignalKill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
}

// Terminate sends SIGTERM and waits up to timeout for a clean exit (status
// 0). On timeout the process is killed and an error returned.
func (p *Process) Terminate(timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return fmt.Errorf("%s: not running", p.name)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		p.Kill()
		return fmt.Errorf("%s: still running %v after SIGTERM; killed it", p.name, timeout)
	}
	p.mu.Lock()
	err := p.exitErr
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: exit after SIGTERM: %w", p.name, err)
	}
	return nil
}

// ExitError is the result of the last run once it has exited: nil while it
// runs or after a clean exit.
func (p *Process) ExitError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return errors.New("never started")
	}
	if !isClosed(p.done) {
		return nil
	}
	return p.exitErr
}

// Tail returns the last n lines of the process log.
func (p *Process) Tail(n int) string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 4*n {
			lines = append(lines[:0], lines[len(lines)-n:]...)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LastRun returns the log of the process's latest start.
func (p *Process) LastRun() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	s := string(b)
	if i := strings.LastIndex(s, "=== start #"); i >= 0 {
		s = s[i:]
	}
	return s
}

// LogDir is where a test's process logs go: $env/<test>-<time> when the
// environment variable env names a directory, so they survive the run, else
// a temporary directory.
func LogDir(t testing.TB, env string) string {
	base := os.Getenv(env)
	if base == "" {
		return t.TempDir()
	}
	dir := fmt.Sprintf("%s/%s-%s", base, strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UTC().Format("150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return dir
}

// ReserveAddrs returns n distinct loopback addresses whose ports were free
// a moment ago. Child processes need fixed addresses that survive restarts,
// so they cannot bind port 0 themselves; holding all n listeners until the
// last is bound keeps the ports distinct.
func ReserveAddrs(t testing.TB, n int) []string {
	t.Helper()
	addrs := make([]string, 0, n)
	for range n {
		ln, err := loopport.Listen()
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}

// ReservePortRun returns a port p such that p+1 to p+n were free a moment
// ago, for a dev process whose validators listen on consecutive ports after
// --raft-port.
func ReservePortRun(t testing.TB, n int) int {
	t.Helper()
	base, err := loopport.Run(n)
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// WaitFor polls cond every 50ms until it holds, failing the test with the
// last status cond gave when timeout passes first.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, status := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last: %s", timeout, what, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
