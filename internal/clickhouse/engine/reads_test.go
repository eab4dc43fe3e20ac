package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// heavyRead keeps one core busy for minutes, within every default limit.
const heavyRead = "SELECT count() FROM numbers(4e8) WHERE NOT ignore(SHA256(toString(number)))"

// slowRead takes about ten seconds without using the CPU.
const slowRead = "SELECT sleepEachRow(0.5) FROM numbers(20) SETTINGS max_block_size = 1"

func wantCode(t *testing.T, err error, code int, what string) {
	t.Helper()
	var ee *Error
	if !errors.As(err, &ee) || ee.Code != code {
		t.Fatalf("%s: %v, want engine error code %d", what, err, code)
	}
}

// listener counts the connections made to it, to show that a refused
// statement never reached the network.
func listener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), accepted
}

// Neither reads nor writes reach files or the network; reads cannot write.
// The HTTP interface's tests go through every class of statement; these
// pin the engine's side of it.
func TestCallsAreConfined(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, accepted := listener(t)
	if _, err := e.Query(ctx, "CREATE TABLE t (a String) ENGINE = MergeTree ORDER BY a", "TSV"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"SELECT * FROM file(" + quoteString(secret) + ", 'LineAsString')", codeAccessDenied},
		{"SELECT file(" + quoteString(secret) + ")", codeAccessDenied},
		{"SELECT * FROM `" + secret + "`", codeAccessDenied},
		{"SELECT * FROM url('http://" + addr + "/x', 'LineAsString')", codeAccessDenied},
		{"SELECT * FROM remote('" + addr + "', system.one)", codeAccessDenied},
		{"SELECT * FROM mysql('" + addr + "', 'd', 't', 'u', 'p')", codeAccessDenied},
		{"CREATE TABLE f (a String) ENGINE = File(LineAsString, " + quoteString(secret) + ")", codeAccessDenied},
		{"INSERT INTO t FROM INFILE " + quoteString(secret) + " FORMAT LineAsString", codeAccessDenied},
		{"SYSTEM DROP DNS CACHE", codeAccessDenied},
	} {
		for _, opts := range [][]CallOption{nil, {AsReader()}} {
			out, err := e.Query(ctx, tc.query, "TSV", opts...)
			if strings.Contains(string(out), "the-secret") || err == nil {
				t.Fatalf("%s (%d options): %q, %v; want a refusal", tc.query, len(opts), out, err)
			}
			if len(opts) == 0 {
				wantCode(t, err, tc.code, tc.query)
			}
		}
	}
	for _, q := range []string{"INSERT INTO t VALUES ('x')", "DROP TABLE t", "CREATE TABLE u (a UInt8) ENGINE = Memory", "CREATE TEMPORARY TABLE u (a UInt8)"} {
		_, err := e.Query(ctx, q, "TSV", AsReader())
		wantCode(t, err, codeReadonly, q)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("refused statements opened %d connections", n)
	}
	if out, err := e.Query(ctx, "SELECT count() FROM t", "TSV", AsReader()); err != nil || string(out) != "0\n" {
		t.Fatalf("table after refused writes: %q, %v", out, err)
	}
}

func TestReadLimits(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		e := openTest(t, func(o *Options) { o.Reads.Timeout = 2 * time.Second })
		for _, q := range []string{slowRead, slowRead + ", max_execution_time = 0"} {
			start := time.Now()
			_, err := e.Query(context.Background(), q, "TSV", AsReader())
			wantCode(t, err, codeTimeoutExceeded, q)
			if took := time.Since(start); took > 6*time.Second {
				t.Fatalf("%s ended after %s, want about 2s", q, took)
			}
		}
		// Writes are not reads: they run to their end.
		if _, err := e.Query(context.Background(), "SELECT sleepEachRow(0.5) FROM numbers(6) SETTINGS max_block_size = 1", "TSV"); err != nil {
			t.Fatalf("a 3s write: %v", err)
		}
	})
	t.Run("memory", func(t *testing.T) {
		e := openTest(t, func(o *Options) { o.Reads.MaxMemory = 32 << 20 })
		_, err := e.Query(context.Background(), "SELECT length(groupArray(number)) FROM numbers(1e7)", "TSV", AsReader())
		wantCode(t, err, 241, "groupArray over 1e7 rows")
		_, err = e.Query(context.Background(), "SELECT 1 SETTINGS max_memory_usage = 0", "TSV", AsReader())
		wantCode(t, err, codeSettingConstraintViolation, "lifting max_memory_usage in the query")
		_, err = e.Query(context.Background(), "SELECT 1", "TSV", AsReader(), WithSettings(map[string]string{"max_memory_usage": "100000000000"}))
		wantCode(t, err, codeSettingConstraintViolation, "raising max_memory_usage as a setting")
	})
	t.Run("result", func(t *testing.T) {
		e := openTest(t, func(o *Options) { o.Reads.MaxResultBytes = 1 << 20 })
		_, err := e.Query(context.Background(), "SELECT number FROM numbers(1e6)", "TSV", AsReader())
		wantCode(t, err, codeTooManyRowsOrBytes, "7 MB result")
		_, err = e.Query(context.Background(), "SELECT number FROM numbers(1e6) SETTINGS max_result_bytes = 0", "TSV", AsReader())
		wantCode(t, err, codeSettingConstraintViolation, "lifting max_result_bytes")
		if _, err := e.Query(context.Background(), "SELECT number FROM numbers(1e6)", "TSV"); err != nil {
			t.Fatalf("the same result as a write: %v", err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		e := openTest(t)
		_, err := e.Query(context.Background(), "SELECT count() FROM numbers(1e12)", "TSV", AsReader())
		wantCode(t, err, 158, "1e12 rows")
		_, err = e.Query(context.Background(), "SELECT count() FROM numbers(1e12) SETTINGS max_rows_to_read = 0", "TSV", AsReader())
		wantCode(t, err, codeSettingConstraintViolation, "lifting max_rows_to_read")
	})
	t.Run("concurrency", func(t *testing.T) {
		e := openTest(t, func(o *Options) {
			o.Reads.Concurrency, o.Reads.QueueTimeout, o.Reads.MaxQueued = 1, 300*time.Millisecond, 1
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		first := make(chan error, 1)
		go func() {
			_, err := e.Query(ctx, slowRead, "TSV", AsReader())
			first <- err
		}()
		waitRunning(t, e, 1)
		queued := make(chan error, 1)
		go func() {
			_, err := e.Query(context.Background(), "SELECT 1", "TSV", AsReader())
			queued <- err
		}()
		waitFor(t, "a read waiting for a slot", func() bool { return e.queued.Load() == 1 })
		_, err := e.Query(context.Background(), "SELECT 2", "TSV", AsReader())
		wantCode(t, err, codeTooManySimultaneousQueries, "a read behind a full queue")
		wantCode(t, <-queued, codeTooManySimultaneousQueries, "a read waiting past QueueTimeout")
		// Writes have slots of their own.
		if out, err := e.Query(context.Background(), "SELECT 3", "TSV"); err != nil || string(out) != "3\n" {
			t.Fatalf("a write while reads are full: %q, %v", out, err)
		}
		cancel()
		if err := <-first; !errors.Is(err, context.Canceled) {
			t.Fatalf("the cancelled read: %v, want context.Canceled", err)
		}
	})
}

// running counts the calls of this engine the engine itself is executing.
func running(t *testing.T, e *Engine) int {
	t.Helper()
	out, err := e.Query(context.Background(),
		"SELECT count() FROM system.processes WHERE Settings['log_comment'] LIKE 'aurigraph:call:%' AND query_id != queryID()", "TSV")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(string(out), &n)
	return n
}

func waitRunning(t *testing.T, e *Engine, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d calls running", n), func() bool { return running(t, e) == n })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A read whose caller goes away is killed: it stops using the engine at
// once instead of running to its end.
func TestCancelledReadEnds(t *testing.T) {
	e := openTest(t, func(o *Options) { o.MaxThreads = 1 })
	for _, q := range []string{heavyRead, slowRead} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := e.Query(ctx, q, "TSV", AsReader())
			done <- err
		}()
		waitRunning(t, e, 1)
		time.Sleep(time.Second)
		cancel()
		cancelled := time.Now()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: %v, want context.Canceled", q, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s still running 10s after its caller left", q)
		}
		waitRunning(t, e, 0)
		took := time.Since(cancelled)
		// About a second, and on a loaded machine whose niced engine
		// threads wait for a core, a few.
		if took > 6*time.Second {
			t.Fatalf("%s: the engine took %s to let go of a cancelled read, want about 1s", q, took)
		}
		t.Logf("%s: let go %s after its caller left", q, took.Round(time.Millisecond))
		if out, err := e.Query(context.Background(), "SELECT 1", "TSV", AsReader()); err != nil || string(out) != "1\n" {
			t.Fatalf("SELECT 1 after the cancelled read: %q, %v", out, err)
		}
	}
}

// The liveness probe and writes have sessions and slots of their own: they
// answer while every read slot runs a heavy read.
func TestPingAndWritesDoNotWaitForReads(t *testing.T) {
	e := openTest(t, func(o *Options) { o.MaxThreads = 1; o.Reads.Concurrency = 2 })
	if _, err := e.Query(context.Background(), "CREATE TABLE w (n UInt64) ENGINE = MergeTree ORDER BY n", "TSV"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reads := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := e.Query(ctx, heavyRead, "TSV", AsReader())
			reads <- err
		}()
	}
	waitRunning(t, e, 2)
	for i := range 5 {
		pctx, pcancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		err := e.Ping(pctx)
		pcancel()
		if err != nil {
			t.Fatalf("Ping %d during heavy reads: %v after %s", i, err, time.Since(start))
		}
		var rows strings.Builder
		for n := range 10_000 {
			fmt.Fprintf(&rows, "%d\n", i*10_000+n)
		}
		ictx, icancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = e.Insert(ictx, "INSERT INTO w", "TSV", strings.NewReader(rows.String()))
		icancel()
		if err != nil {
			t.Fatalf("insert %d during heavy reads: %v", i, err)
		}
	}
	if running(t, e) != 2 {
		t.Fatal("the heavy reads ended before the writes were done; the test proves nothing")
	}
	cancel()
	for range 2 {
		if err := <-reads; !errors.Is(err, context.Canceled) {
			t.Fatalf("heavy read: %v, want context.Canceled", err)
		}
	}
	if out, err := e.Query(context.Background(), "SELECT count() FROM w", "TSV", AsReader()); err != nil || string(out) != "50000\n" {
		t.Fatalf("rows written: %q, %v", out, err)
	}
}

// Close ends the calls still running, and returns within its timeout even
// when one of them cannot be ended.
func TestCloseEndsRunningCalls(t *testing.T) {
	e, err := Open(context.Background(), Options{DataDir: t.TempDir(), Logger: quiet, MaxThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan error, 2)
	go func() {
		_, err := e.Query(context.Background(), heavyRead, "TSV", AsReader())
		calls <- err
	}()
	go func() {
		_, err := e.Query(context.Background(), heavyRead, "TSV")
		calls <- err
	}()
	waitRunning(t, e, 2)
	start := time.Now()
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Close took %s with two heavy calls running, want about a second", took)
	}
	for range 2 {
		if err := <-calls; !errors.Is(err, ErrClosed) {
			t.Fatalf("a call ended by Close: %v, want ErrClosed", err)
		}
	}

	// An insert whose body never comes cannot be ended from inside the
	// engine; Close gives up on it after CloseTimeout.
	e, err = Open(context.Background(), Options{DataDir: t.TempDir(), Logger: quiet, CloseTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(context.Background(), "CREATE TABLE s (n UInt64) ENGINE = Memory", "TSV"); err != nil {
		t.Fatal(err)
	}
	stalled, release := stalledBody()
	inserted := make(chan error, 1)
	go func() {
		_, err := e.Insert(context.Background(), "INSERT INTO s", "TSV", stalled)
		inserted <- err
	}()
	waitRunning(t, e, 1)
	start = time.Now()
	if err := e.Close(); err == nil || !strings.Contains(err.Error(), "stays loaded") {
		t.Fatalf("Close with a stalled insert: %v, want it to give up", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Close took %s, want about its 1s timeout", took)
	}
	if _, err := e.Query(context.Background(), "SELECT 1", "TSV"); !errors.Is(err, ErrClosed) {
		t.Fatalf("a call after a Close that gave up: %v, want ErrClosed", err)
	}
	release()
	<-inserted
	if err := e.Close(); err != nil {
		t.Fatalf("Close once the insert returned: %v", err)
	}
}

// stalledBody yields one row, then blocks until released.
func stalledBody() (*os.File, func()) {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(w, 1)
	return r, func() { w.Close() }
}
