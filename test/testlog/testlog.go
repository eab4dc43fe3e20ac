// Package testlog gives tests a structured logger that writes to the test's
// output for as long as the test runs.
//
// Servers under test outlive the test by a little: net/http does not wait
// for handlers of hijacked connections (WebSocket) when it closes, so such a
// handler can log its last line after the test has returned. Writing to
// t.Output() then races with the testing package marking the test done, and
// the race detector fails the run. The writer here stops forwarding when the
// test's cleanups run and drops what comes later.
package testlog

import (
	"io"
	"log/slog"
	"sync"
	"testing"
)

// New returns a text logger at level writing to t's output until t's
// cleanups run.
func New(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(Writer(t), &slog.HandlerOptions{Level: level}))
}

// Writer returns t.Output() guarded so that writes after t's cleanups are
// dropped instead of racing with the end of the test.
func Writer(t testing.TB) io.Writer {
	w := &writer{out: t.Output()}
	t.Cleanup(w.close)
	return w
}

type writer struct {
	mu     sync.Mutex
	out    io.Writer
	closed bool
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	return w.out.Write(p)
}

func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}
