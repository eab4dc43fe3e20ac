package fault

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// linkState is what a link does with the bytes it is given.
type linkState int

const (
	// linkUp forwards bytes, after the link's delay if one is set.
	linkUp linkState = iota
	// linkReset drops every connection with a TCP reset and refuses new
	// ones the same way: the peer sees errors at once, like a host that
	// went down or a firewall that rejects.
	linkReset
	// linkStalled keeps connections open but forwards nothing, in either
	// direction, until the link comes back up; then the held bytes flow on.
	// The peer sees no error, only silence: a partition that TCP rides out.
	linkStalled
)

func (s linkState) String() string {
	switch s {
	case linkUp:
		return "up"
	case linkReset:
		return "reset"
	case linkStalled:
		return "stalled"
	default:
		return "unknown"
	}
}

// link is a TCP proxy for one direction of a validator pair: validator from
// dials it as its Raft peer `to`, and it forwards to the real listener of
// `to`. Raft streams are one-way per dialer, so cutting both links of a pair
// (i→j and j→i) separates the two validators completely.
type link struct {
	from, to uint64
	target   string
	ln       net.Listener

	mu    sync.Mutex
	state linkState
	delay time.Duration
	open  chan struct{} // closed while the link is not stalled
	pipes map[*pipe]struct{}

	wg sync.WaitGroup
}

// newLink listens on a fresh loopback port. target may be empty and set
// later with setTarget, before anything dials the link: the harness makes
// the links first so their ports never collide with the addresses it
// reserves for the validators.
func newLink(from, to uint64, target string) (*link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	open := make(chan struct{})
	close(open)
	l := &link{from: from, to: to, target: target, ln: ln, open: open, pipes: map[*pipe]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

func (l *link) addr() string { return l.ln.Addr().String() }

func (l *link) setTarget(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.target = addr
}

// set moves the link to state s. Leaving linkStalled releases held bytes;
// entering linkReset resets every open connection.
func (l *link) set(s linkState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.state
	l.state = s
	switch {
	case s == linkStalled && prev != linkStalled:
		l.open = make(chan struct{})
	case s != linkStalled && prev == linkStalled:
		close(l.open)
	}
	if s == linkReset {
		for p := range l.pipes {
			p.reset()
		}
	}
}

// setDelay makes the link hold every chunk it forwards for d (0: no delay).
// It applies to bytes read from now on, in both directions.
func (l *link) setDelay(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delay = d
}

func (l *link) currentDelay() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delay
}

// gate returns a channel that is closed while bytes may pass.
func (l *link) gate() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// close stops accepting and drops every connection.
func (l *link) close() {
	l.ln.Close()
	l.mu.Lock()
	for p := range l.pipes {
		p.reset()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

func (l *link) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		refuse := l.state == linkReset
		l.mu.Unlock()
		if refuse {
			resetConn(c)
			continue
		}
		l.wg.Add(1)
		go l.serve(c)
	}
}

func (l *link) serve(client net.Conn) {
	defer l.wg.Done()
	l.mu.Lock()
	target := l.target
	l.mu.Unlock()
	server, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		// The target is down: the dialer sees the same refusal it would
		// without the proxy in between.
		resetConn(client)
		return
	}
	p := &pipe{a: client, b: server, done: make(chan struct{})}
	l.mu.Lock()
	if l.state == linkReset {
		l.mu.Unlock()
		p.reset()
		return
	}
	l.pipes[p] = struct{}{}
	l.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pump(p, client, server) }()
	go func() { defer wg.Done(); l.pump(p, server, client) }()
	wg.Wait()

	l.mu.Lock()
	delete(l.pipes, p)
	l.mu.Unlock()
}

// chunk is a piece of the byte stream and when it may be written on.
type chunk struct {
	data []byte
	due  time.Time
}

// pump copies src to dst. A reader goroutine stamps each chunk with its due
// time; the writer waits for that time and for the link to be open, so a
// delay adds latency without capping throughput, and a stall holds bytes
// (back-pressuring the sender through TCP) instead of losing them.
func (l *link) pump(p *pipe, src, dst net.Conn) {
	chunks := make(chan chunk, 256)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case chunks <- chunk{data: buf[:n], due: time.Now().Add(l.currentDelay())}:
				case <-p.closed():
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					p.reset()
				}
				return
			}
		}
	}()
	defer func() {
		p.close()
		<-readerDone
	}()
	for c := range chunks {
		if wait := time.Until(c.due); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-p.closed():
				timer.Stop()
				return
			}
		}
		for {
			// Re-read the gate after it opens: the link may have been
			// stalled again in between.
			gate := l.gate()
			select {
			case <-gate:
			case <-p.closed():
				return
			}
			if gate == l.gate() {
				break
			}
		}
		if _, err := dst.Write(c.data); err != nil {
			p.reset()
			return
		}
	}
}

// pipe is one proxied connection: the dialer's side a and the target's b.
type pipe struct {
	a, b net.Conn
	once sync.Once
	done chan struct{} // closed once both sides are closed
}

func (p *pipe) closed() <-chan struct{} { return p.done }

func (p *pipe) shut(abort bool) {
	p.once.Do(func() {
		if abort {
			resetConn(p.a)
			resetConn(p.b)
		} else {
			p.a.Close()
			p.b.Close()
		}
		close(p.done)
	})
}

func (p *pipe) reset() { p.shut(true) }
func (p *pipe) close() { p.shut(false) }

// resetConn closes c with an RST rather than a FIN, so the other side fails
// at once instead of reading a clean end of stream.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// echoServer answers every line it reads with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip writes a line through conn and reads the echo, within timeout.
func roundTrip(conn net.Conn, r *bufio.Reader, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	_ = conn.SetDeadline(start.Add(timeout))
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "ping\n" {
		return 0, errors.New("echo garbled: " + line)
	}
	return time.Since(start), nil
}

// TestLink checks the fault-injecting proxy itself against a real echo
// server, so a scenario failure can be trusted to come from the product.
func TestLink(t *testing.T) {
	target := echoServer(t)
	tests := []struct {
		name  string
		apply func(*link)
		check func(t *testing.T, l *link, conn net.Conn, r *bufio.Reader)
	}{
		{
			name:  "up forwards both ways",
			apply: func(*link) {},
			check: func(t *testing.T, _ *link, conn net.Conn, r *bufio.Reader) {
				if _, err := roundTrip(conn, r, time.Second); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:  "delay adds latency each way",
			apply: func(l *link) { l.setDelay(60 * time.Millisecond) },
			check: func(t *testing.T, _ *link, conn net.Conn, r *bufio.Reader) {
				rtt, err := roundTrip(conn, r, 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if rtt < 120*time.Millisecond {
					t.Errorf("round trip %v through a link delaying 60ms each way, want at least 120ms", rtt)
				}
			},
		},
		{
			name:  "reset fails open connections and refuses new ones",
			apply: func(l *link) { l.set(linkReset) },
			check: func(t *testing.T, l *link, conn net.Conn, r *bufio.Reader) {
				if _, err := roundTrip(conn, r, time.Second); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("round trip over a reset connection: %v, want a connection error", err)
				}
				fresh, err := net.Dial("tcp", l.addr())
				if err != nil {
					return // refused outright is fine too
				}
				defer fresh.Close()
				if _, err := roundTrip(fresh, bufio.NewReader(fresh), time.Second); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("round trip over a new connection to a reset link: %v, want a connection error", err)
				}
			},
		},
		{
			name:  "stall holds bytes until the link is up again",
			apply: func(l *link) { l.set(linkStalled) },
			check: func(t *testing.T, l *link, conn net.Conn, r *bufio.Reader) {
				if _, err := roundTrip(conn, r, 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("round trip over a stalled link: %v, want silence (deadline exceeded)", err)
				}
				l.set(linkUp)
				_ = conn.SetDeadline(time.Now().Add(time.Second))
				line, err := r.ReadString('\n')
				if err != nil || line != "ping\n" {
					t.Fatalf("after the stall: read %q, %v; want the held ping", line, err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := newLink(1, 2, target)
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			conn, err := net.Dial("tcp", l.addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			if _, err := roundTrip(conn, r, time.Second); err != nil {
				t.Fatalf("before the fault: %v", err)
			}
			tt.apply(l)
			tt.check(t, l, conn, r)
		})
	}
}
