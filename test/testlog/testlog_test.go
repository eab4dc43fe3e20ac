package testlog

import (
	"testing"
)

// A server's handler that logs after its test has returned must neither
// reach the finished test's output nor race with it.
func TestWritesAfterTheTestAreDropped(t *testing.T) {
	var late *writer
	t.Run("server", func(t *testing.T) {
		late = Writer(t).(*writer)
		if _, err := late.Write([]byte("while the test runs\n")); err != nil {
			t.Fatal(err)
		}
	})
	late.mu.Lock()
	closed := late.closed
	late.mu.Unlock()
	if !closed {
		t.Fatal("the writer still forwards after the test's cleanups ran")
	}
	const line = "after the test\n"
	if n, err := late.Write([]byte(line)); err != nil || n != len(line) {
		t.Fatalf("late write: n=%d err=%v, want it dropped quietly", n, err)
	}
}
