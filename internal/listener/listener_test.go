package listener

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// flakyListener hands out the kernel's answers to accept: a run of errors
// (the EMFILE a process out of descriptors gets), then the real listener's
// connections. Producing EMFILE for real needs a process of its own; the
// embedded broker's test does that (ingest/broker).
type flakyListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (f *flakyListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		f.mu.Unlock()
		return nil, err
	}
	f.mu.Unlock()
	return f.Listener.Accept()
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func newMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// syncBuffer collects log output written from the accept goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAcceptSurvivesDescriptorExhaustion(t *testing.T) {
	inner := &flakyListener{Listener: loopback(t)}
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{syscall.EMFILE}}
	for range 6 {
		inner.errs = append(inner.errs, emfile)
	}
	inner.errs = append(inner.errs, &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{syscall.ENFILE}})
	var logs syncBuffer
	m := newMetrics(t)
	ln := Wrap(inner, Options{Name: "test", Logger: slog.New(slog.NewTextHandler(&logs, nil)), Metrics: m})
	defer ln.Close()

	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, err = c.Write([]byte("ok"))
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "ok" {
		t.Fatalf("after the failed accepts the connection read %q, %v; want ok", got, err)
	}
	if err := <-accepted; err != nil {
		t.Fatalf("Accept returned %v; it must retry through EMFILE", err)
	}
	if n := testutil.ToFloat64(m.errors.WithLabelValues("test", "EMFILE")); n != 6 {
		t.Errorf("EMFILE accept errors counted = %v, want 6", n)
	}
	if n := testutil.ToFloat64(m.errors.WithLabelValues("test", "ENFILE")); n != 1 {
		t.Errorf("ENFILE accept errors counted = %v, want 1", n)
	}
	out := logs.String()
	if !strings.Contains(out, "out of file descriptors") || !strings.Contains(out, "errno=EMFILE") {
		t.Errorf("log does not report the exhaustion:\n%s", out)
	}
	if !strings.Contains(out, "accepting connections again") {
		t.Errorf("log does not report the recovery:\n%s", out)
	}
	// One line for the run of failures, throttled, plus the recovery.
	if n := strings.Count(out, "accept failed"); n != 1 {
		t.Errorf("%d accept-failure lines for one run of failures, want 1:\n%s", n, out)
	}
}

// osSyscallError wraps an errno as the net package does (os.SyscallError).
type osSyscallError struct{ errno syscall.Errno }

func (e *osSyscallError) Error() string { return "accept4: " + e.errno.Error() }
func (e *osSyscallError) Unwrap() error { return e.errno }

func TestCloseEndsAcceptEvenWhileBackingOff(t *testing.T) {
	inner := &flakyListener{Listener: loopback(t)}
	for range 1000 {
		inner.errs = append(inner.errs, &net.OpError{Op: "accept", Net: "tcp", Err: &osSyscallError{syscall.EMFILE}})
	}
	ln := Wrap(inner, Options{Name: "test", Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	ln.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close = %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept kept retrying after Close")
	}
}

// startHTTP serves h within lim and the connection cap on loopback.
func startHTTP(t *testing.T, h http.Handler, maxConns int, lim HTTPLimits) (string, *Metrics) {
	t.Helper()
	m := newMetrics(t)
	ln, err := Listen(context.Background(), "127.0.0.1:0", Options{Name: "http", MaxConns: maxConns, Refuse: RefuseHTTP, Metrics: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(h, lim, "http", m, slog.New(slog.DiscardHandler))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), m
}

// rawGet sends one GET over c and returns the response's status and body.
func rawGet(c net.Conn, br *bufio.Reader, path string) (int, string, error) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestOverCapConnectionsAreRefusedWhileOpenOnesKeepWorking(t *testing.T) {
	addr, m := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "served")
	}), 2, HTTPLimits{})

	type kept struct {
		c  net.Conn
		br *bufio.Reader
	}
	var open []kept
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		k := kept{c, bufio.NewReader(c)}
		if code, _, err := rawGet(k.c, k.br, "/"); err != nil || code != 200 {
			t.Fatalf("connection within the cap: %d, %v", code, err)
		}
		open = append(open, k)
	}

	// The third is answered 503 and closed.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("over-cap connection: %v, want a 503 answer", err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over-cap connection answered %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	c.Close()
	if n := testutil.ToFloat64(m.refused.WithLabelValues("http")); n != 1 {
		t.Errorf("refused connections counted = %v, want 1", n)
	}

	// Those within the cap keep being served, request after request.
	for i, k := range open {
		for range 3 {
			if code, body, err := rawGet(k.c, k.br, "/"); err != nil || code != 200 || body != "served" {
				t.Fatalf("open connection %d after the refusal: %d %q %v", i, code, body, err)
			}
		}
	}

	// A slot freed is a slot to take.
	open[0].c.Close()
	waitUntil(t, "the closed connection's slot to be free", func() bool { return testutil.ToFloat64(m.open.WithLabelValues("http")) == 1 })
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code, _, err := rawGet(c, bufio.NewReader(c), "/"); err != nil || code != 200 {
		t.Fatalf("connection after a slot was freed: %d, %v", code, err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readAllHandler reads the body, answering 400 with the read's error.
var readAllHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "read %d bytes", len(b))
})

func TestSlowBodyIsCutOffAtTheReadTimeout(t *testing.T) {
	const readTimeout = 700 * time.Millisecond
	addr, m := startHTTP(t, readAllHandler, 0, HTTPLimits{ReadTimeout: readTimeout})
	took := trickle(t, addr, "POST")
	if took < readTimeout {
		t.Fatalf("connection ended after %v, before the read timeout of %v", took, readTimeout)
	}
	if took > readTimeout+3*time.Second {
		t.Fatalf("connection ended after %v, want about the read timeout of %v", took, readTimeout)
	}
	if n := testutil.ToFloat64(m.limited.WithLabelValues("http", "read_timeout")); n != 1 {
		t.Errorf("read timeouts counted = %v, want 1", n)
	}
}

// trickle sends a request announcing a 1000-byte body and then a byte every
// 100ms; it returns how long until the server ended the connection.
func trickle(t *testing.T, addr, method string) time.Duration {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(c, "%s / HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n", method); err != nil {
		t.Fatal(err)
	}
	ended := make(chan time.Duration, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, _ = io.Copy(io.Discard, c)
		ended <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(10 * time.Second)
	for {
		select {
		case took := <-ended:
			return took
		case <-tick.C:
			_, _ = c.Write([]byte("x"))
		case <-giveUp:
			t.Fatal("a body trickling in was still being read after 10s")
		}
	}
}

func TestUnreadSlowBodyIsCutOffToo(t *testing.T) {
	// The handler answers without reading; net/http then reads what is
	// left to reuse the connection, and that read is bounded as well.
	const readTimeout = 700 * time.Millisecond
	addr, _ := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusMethodNotAllowed)
	}), 0, HTTPLimits{ReadTimeout: readTimeout})
	if took := trickle(t, addr, "PUT"); took > readTimeout+3*time.Second {
		t.Fatalf("connection ended after %v, want about the read timeout of %v", took, readTimeout)
	}
}

func TestReadTimeoutCountsFromTheHandlersFirstRead(t *testing.T) {
	// A handler may wait for a resource before it reads (the ClickHouse
	// interface waits for the engine); the body, sent at once, is fine.
	const readTimeout = 300 * time.Millisecond
	addr, _ := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * readTimeout)
		readAllHandler(w, r)
	}), 0, HTTPLimits{ReadTimeout: readTimeout})
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader(strings.Repeat("x", 4096)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "read 4096 bytes" {
		t.Fatalf("a body read late but sent in time: %d %q", resp.StatusCode, b)
	}
}

func TestBodyInTimeLeavesLongHandlersAlone(t *testing.T) {
	// The body arrives at once, then the handler works past the read
	// timeout: its context must stay live (net/http cancels it when a read
	// of the connection fails, so a leftover deadline would).
	const readTimeout = 300 * time.Millisecond
	addr, _ := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-time.After(3 * readTimeout):
			fmt.Fprint(w, "done")
		case <-r.Context().Done():
			http.Error(w, "canceled", http.StatusInternalServerError)
		}
	}), 0, HTTPLimits{ReadTimeout: readTimeout})
	for _, method := range []string{"POST", "GET"} {
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader(`{"a":1}`)
		}
		req, _ := http.NewRequest(method, "http://"+addr+"/", body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "done" {
			t.Fatalf("%s with a long handler: %d %q", method, resp.StatusCode, b)
		}
	}
}

func TestStalledReaderIsCutOffAtTheWriteTimeout(t *testing.T) {
	const writeTimeout = 500 * time.Millisecond
	result := make(chan error, 1)
	addr, m := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 512 {
			if _, err := w.Write(chunk); err != nil {
				result <- err
				return
			}
		}
		result <- nil
	}), 0, HTTPLimits{WriteTimeout: writeTimeout})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Ask, then never read.
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: test\r\n\r\n")
	select {
	case err := <-result:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("write to a client that stopped reading = %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was still writing to a client that stopped reading after 10s")
	}
	if n := testutil.ToFloat64(m.limited.WithLabelValues("http", "write_timeout")); n < 1 {
		t.Errorf("write timeouts counted = %v, want at least 1", n)
	}
}

func TestResponsesThatKeepMovingOutliveTheWriteTimeout(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	mux := http.NewServeMux()
	// A stream that writes often enough: renewed on each write.
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 10 {
			fmt.Fprintf(w, "%d\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(writeTimeout / 3)
		}
	})
	// A handler that sets its own deadlines, as the SSE handler does, and
	// pauses longer than the write timeout between them.
	mux.HandleFunc("/own", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := range 3 {
			_ = rc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(w, "%d\n", i)
			_ = rc.Flush()
			time.Sleep(2 * writeTimeout)
		}
	})
	// A handler that computes longer than the write timeout before writing.
	mux.HandleFunc("/slow-start", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * writeTimeout)
		fmt.Fprint(w, "late")
	})
	addr, _ := startHTTP(t, mux, 0, HTTPLimits{WriteTimeout: writeTimeout})
	for path, want := range map[string]string{
		"/stream":     "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n",
		"/own":        "0\n1\n2\n",
		"/slow-start": "late",
	} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != want {
			t.Fatalf("%s read %q, %v; want %q", path, b, err, want)
		}
	}
}
