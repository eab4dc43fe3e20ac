package listener

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Defaults of HTTPLimits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// HTTPLimits are an HTTP server's deadlines. Zero values take the defaults
// above.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a request's body, counted from the moment
	// the handler starts reading it (or returns without): a body trickling
	// in slower is cut off and the request fails. Requests without a body
	// are not bounded by it, so live streams are not either.
	ReadTimeout time.Duration
	// WriteTimeout bounds every write of a response: a client that stops
	// reading is cut off after it. It is renewed on each write, so a
	// response may take as long as it keeps moving (exports, live streams).
	// A handler that sets its own write deadlines (http.ResponseController)
	// or takes the connection over (WebSocket) manages them from then on.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request for this long.
	IdleTimeout time.Duration
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	return l
}

// NewHTTPServer is an http.Server for h within lim; serve it on a Listener
// of this package (with RefuseHTTP as its Options.Refuse) so that the
// connection count is bounded too. name labels its metrics; the server's
// own error log (TLS handshakes, panics) goes to log.
//
// The server-wide ReadTimeout and WriteTimeout of net/http stay off: they
// would cut every live stream and long export at a fixed age. Each request
// gets its own deadlines instead, see HTTPLimits.
func NewHTTPServer(h http.Handler, lim HTTPLimits, name string, m *Metrics, log *slog.Logger) *http.Server {
	lim = lim.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	lm := m.forListener(name)
	return &http.Server{
		Handler:           bounded(h, lim, lm),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.With("listener", name).Handler(), slog.LevelWarn),
	}
}

// RefuseHTTP answers a connection over the cap with 503, so an HTTP client
// sees why it was turned away.
func RefuseHTTP(c net.Conn) {
	const body = "too many connections; retry later\n"
	_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// bounded sets each request's body and write deadlines.
func bounded(h http.Handler, lim HTTPLimits, m listenerMetrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		var body *deadlineBody
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			// Without a body net/http already watches the connection for the
			// client going away, and a deadline would turn into a canceled
			// request: only bodies get one.
			body = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: lim.ReadTimeout, m: m}
			r.Body = body
		}
		dw := &deadlineWriter{ResponseWriter: w, rc: rc, timeout: lim.WriteTimeout, m: m}
		// A kept-alive connection carries the previous request's deadline.
		dw.extend(true)
		h.ServeHTTP(dw, r)
		if body != nil {
			// net/http reads what the handler left of the body (up to 256
			// KiB) to reuse the connection: that read is bounded too.
			body.start()
		}
		// net/http flushes what is buffered after the handler returns.
		dw.extend(true)
	})
}

// deadlineBody bounds reading the body from when the handler starts to:
// a handler may first wait for a resource of its own (the ClickHouse
// interface waits for the engine) while the body sits in the socket. Once
// the body is in, net/http clears the read deadline itself before it
// watches the connection for the client leaving.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	m       listenerMetrics
	started bool
}

func (b *deadlineBody) start() {
	if !b.started {
		b.started = true
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	b.start()
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		b.m.limited("read_timeout").Inc()
		err = fmt.Errorf("request body not received within %s (send it faster, or in smaller requests): %w", b.timeout, err)
	}
	return n, err
}

// deadlineWriter renews the write deadline as the response moves, until the
// handler takes deadlines (or the connection) over.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	m       listenerMetrics

	mu      sync.Mutex
	renewed time.Time
	handed  bool // the handler manages deadlines, or hijacked the connection
}

// extend renews the deadline; unless force, at most every timeout/8 so a
// response of many small writes does not reset a timer on each.
func (w *deadlineWriter) extend(force bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handed {
		return
	}
	now := time.Now()
	if !force && now.Sub(w.renewed) < w.timeout/8 {
		return
	}
	w.renewed = now
	_ = w.rc.SetWriteDeadline(now.Add(w.timeout))
}

func (w *deadlineWriter) count(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		w.m.limited("write_timeout").Inc()
	}
	return err
}

func (w *deadlineWriter) WriteHeader(code int) {
	w.extend(false)
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.extend(false)
	n, err := w.ResponseWriter.Write(p)
	return n, w.count(err)
}

// Flush implements http.Flusher for handlers that assert it.
func (w *deadlineWriter) Flush() { _ = w.FlushError() }

// FlushError is what http.ResponseController.Flush calls.
func (w *deadlineWriter) FlushError() error {
	w.extend(false)
	return w.count(w.rc.Flush())
}

// SetWriteDeadline is what http.ResponseController.SetWriteDeadline calls:
// the handler keeps its own deadlines from here on.
func (w *deadlineWriter) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	w.handed = true
	w.mu.Unlock()
	return w.rc.SetWriteDeadline(t)
}

// Hijack hands the connection, deadlines cleared, to the handler.
func (w *deadlineWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.mu.Lock()
	w.handed = true
	w.mu.Unlock()
	return w.rc.Hijack()
}

// Unwrap lets http.ResponseController reach the connection's other controls.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
