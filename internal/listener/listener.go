// Package listener bounds what the process's listeners accept: a cap on open
// connections, an accept loop that outlives descriptor exhaustion, and for
// HTTP the header, body, write and idle deadlines every server gets.
//
// Servers that own their accept loop (net/http, gRPC, the embedded broker)
// are handed a Listener from here instead of a bare net.Listener. Its Accept
// never returns a transient error: when the process runs out of descriptors
// (EMFILE, ENFILE) or the kernel of buffers, it logs, counts, backs off and
// tries again, so a burst of connections can slow a listener down but never
// end its loop. Only Close ends it.
package listener

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// acceptBackoffMin and acceptBackoffMax bound the pause after a failed
	// accept, doubling from one to the other as net/http's loop does.
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
	// acceptLogEvery spaces out the log lines of a lasting accept failure;
	// the metric counts every one.
	acceptLogEvery = 10 * time.Second
	// refuseWriteTimeout bounds the answer written to a refused connection.
	refuseWriteTimeout = 100 * time.Millisecond
)

// Options configures one listener.
type Options struct {
	// Name labels the listener in logs and metrics: http, grpc, kafka, ...
	Name string
	// MaxConns caps the connections open at once; a connection over the cap
	// is accepted and closed at once (after Refuse, if set), and counted.
	// Zero or negative: no cap.
	MaxConns int
	// Refuse, when set, writes a protocol-level answer to a connection over
	// the cap before it is closed (HTTP answers 503). It must not block; the
	// connection's write deadline is already short.
	Refuse func(net.Conn)
	// Wrap, when set, wraps every accepted connection (per-protocol
	// deadlines and size checks). The wrapper's Close must close the
	// connection it was given.
	Wrap func(net.Conn) net.Conn
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics receives the aurigraph_listener_* series; nil counts nothing.
	Metrics *Metrics
}

// Listen listens on addr (TCP) and bounds it with o.
func Listen(ctx context.Context, addr string, o Options) (*Listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return Wrap(ln, o), nil
}

// Wrap bounds ln with o; closing the result closes ln.
func Wrap(ln net.Listener, o Options) *Listener {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Name == "" {
		o.Name = ln.Addr().String()
	}
	return &Listener{
		inner:  ln,
		opts:   o,
		log:    o.Logger.With("listener", o.Name, "addr", ln.Addr().String()),
		m:      o.Metrics.forListener(o.Name),
		closed: make(chan struct{}),
	}
}

// Listener is a bounded net.Listener; see the package documentation.
type Listener struct {
	inner net.Listener
	opts  Options
	log   *slog.Logger
	m     listenerMetrics

	open      atomic.Int64
	closeOnce sync.Once
	closed    chan struct{}

	// Accept is called from one goroutine at a time by every server here,
	// but nothing requires that, so the log throttle is guarded.
	mu          sync.Mutex
	failingFrom time.Time
	failures    int
	lastLog     time.Time
}

// Accept returns the next connection within the cap. It blocks through
// accept failures (see the package documentation) and returns an error only
// once the listener is closed.
func (l *Listener) Accept() (net.Conn, error) {
	backoff := time.Duration(0)
	for {
		c, err := l.inner.Accept()
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil, net.ErrClosed
			}
			backoff = min(max(2*backoff, acceptBackoffMin), acceptBackoffMax)
			l.acceptFailed(err, backoff)
			select {
			case <-time.After(backoff):
			case <-l.closed:
				return nil, net.ErrClosed
			}
			continue
		}
		if backoff > 0 {
			l.acceptRecovered()
			backoff = 0
		}
		if limit := l.opts.MaxConns; limit > 0 && l.open.Load() >= int64(limit) {
			l.refuse(c)
			continue
		}
		l.open.Add(1)
		l.m.open.Inc()
		l.m.accepted.Inc()
		tracked := &conn{Conn: c, l: l}
		if l.opts.Wrap != nil {
			return l.opts.Wrap(tracked), nil
		}
		return tracked, nil
	}
}

// refuse answers and closes a connection over the cap.
func (l *Listener) refuse(c net.Conn) {
	l.m.refused.Inc()
	if l.opts.Refuse != nil {
		_ = c.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
		l.opts.Refuse(c)
	}
	_ = c.Close()
}

// acceptFailed logs the first failure of a run at once and then at most
// every acceptLogEvery, saying how many there were in between.
func (l *Listener) acceptFailed(err error, retryIn time.Duration) {
	reason := acceptErrorReason(err)
	l.m.acceptErrors(reason).Inc()
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.failures == 0 {
		l.failingFrom = now
	}
	l.failures++
	if l.failures > 1 && now.Sub(l.lastLog) < acceptLogEvery {
		return
	}
	l.lastLog = now
	msg := "accept failed; retrying"
	switch reason {
	case "EMFILE", "ENFILE":
		msg = "accept failed: out of file descriptors; retrying (raise the open-file limit or lower the connection caps)"
	case "ENOBUFS", "ENOMEM":
		msg = "accept failed: the kernel is out of memory for sockets; retrying"
	}
	l.log.Error(msg, "err", err, "errno", reason, "failures", l.failures,
		"failing_for", now.Sub(l.failingFrom).Round(time.Millisecond), "retry_in", retryIn, "open_connections", l.open.Load())
}

func (l *Listener) acceptRecovered() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == 0 {
		return
	}
	l.log.Warn("accepting connections again", "failed_accepts", l.failures, "failed_for", time.Since(l.failingFrom).Round(time.Millisecond))
	l.failures = 0
}

// acceptErrorReason names err for the accept_errors metric.
func acceptErrorReason(err error) string {
	for _, e := range []struct {
		errno syscall.Errno
		name  string
	}{{syscall.EMFILE, "EMFILE"}, {syscall.ENFILE, "ENFILE"}, {syscall.ENOBUFS, "ENOBUFS"}, {syscall.ENOMEM, "ENOMEM"}, {syscall.ECONNABORTED, "ECONNABORTED"}} {
		if errors.Is(err, e.errno) {
			return e.name
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "other"
}

// Close stops accepting; open connections stay open.
func (l *Listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.closed)
		err = l.inner.Close()
	})
	return err
}

func (l *Listener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// Addr is where the listener listens.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// conn gives its slot back once, however often it is closed.
type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		c.l.m.open.Dec()
	})
	return err
}
