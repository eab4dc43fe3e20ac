package fault

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is one aurigraph child process that can be started again with the
// same arguments after it stops or is killed. Its stdout and stderr go to a
// log file that every start appends to.
type process struct {
	name    string
	args    []string
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current run has exited
	exitErr error
	starts  int
}

func newProcess(name, logPath string, args ...string) *process {
	return &process{name: name, args: args, logPath: logPath}
}

// start launches the process; it must not be running.
func (p *process) start() error {
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
	fmt.Fprintf(logf, "=== start #%d at %s: aurigraph %s\n", p.starts, time.Now().UTC().Format(time.RFC3339Nano), strings.Join(p.args, " "))
	cmd := exec.Command(binary, p.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C on the test run does not reach the
	// nodes before the harness decides what to do with them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("%s: start %s: %w", p.name, binary, err)
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

// running reports whether the process has been started and not exited.
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isClosed(p.done)
}

// exited returns a channel closed when the current run ends (nil if never started).
func (p *process) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// kill sends SIGKILL and waits for the exit. It is a no-op when not running.
func (p *process) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// signalKill sends SIGKILL without waiting, so several processes can be
// killed within microseconds of each other; wait on exited() afterwards.
func (p *process) signalKill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
}

// terminate sends SIGTERM and waits up to timeout for a clean exit (status
// 0). On timeout the process is killed and an error returned.
func (p *process) terminate(timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return fmt.Errorf("%s: not running", p.name)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(timeout):
		p.kill()
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

// exitError is the result of the last run once it has exited.
func (p *process) exitError() error {
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

// tail returns the last n lines of the process log.
func (p *process) tail(n int) string {
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

// logDir is where a test's process logs go: AURIGRAPH_FAULT_LOGDIR/<test>
// when set, so they survive the run, else a temporary directory.
func logDir(t testing.TB) string {
	base := os.Getenv("AURIGRAPH_FAULT_LOGDIR")
	if base == "" {
		return t.TempDir()
	}
	dir := fmt.Sprintf("%s/%s-%s", base, strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UTC().Format("150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("AURIGRAPH_FAULT_LOGDIR: %v", err)
	}
	return dir
}

// lastRun returns the log of the process's latest start.
func lastRun(p *process) string {
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
