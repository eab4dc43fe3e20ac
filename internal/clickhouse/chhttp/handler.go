// Package chhttp serves the embedded engine over ClickHouse's HTTP
// interface, so curl, clickhouse-go/v2 (Protocol: clickhouse.HTTP),
// clickhouse-connect, JDBC and Grafana's plugin work against a dev instance
// unchanged.
//
// Differences from a ClickHouse server, each refused with a clear error
// rather than ignored: no session state (session_id is accepted, but SET and
// USE are refused), no external tables (multipart bodies), one statement per
// request. URL parameters that are not the interface's own are settings,
// applied to that request only.
//
// A request that may only read (method GET, a read-only user, or readonly=1
// or 2) runs as a read of the engine: read-only, confined and bounded by the
// engine's read limits. Results stream: the first 1 MiB is held back, so an
// engine error within it arrives as an HTTP error status with the engine's
// "Code: N. DB::Exception: ..." text and an X-ClickHouse-Exception-Code
// header; a query failing after that ends its response with the error text
// and a broken connection. Requests the front refuses get a 4xx in the same
// shape. A query ends when its client goes away.
package chhttp

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/compress"
	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// Options configures NewHandler.
type Options struct {
	// Logger receives request failures; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the front's metrics; nil means no metrics.
	Registerer prometheus.Registerer
	// MaxQuerySize bounds SQL text read from a request body, in bytes;
	// 0 means 256 KiB, ClickHouse's default max_query_size. Insert data
	// after FORMAT/VALUES is streamed and not bounded by it.
	MaxQuerySize int
	// ReceiveTimeout is how long a request body may send nothing before the
	// request fails (ClickHouse's http_receive_timeout); 0 means 30s. An
	// insert holds one of the engine's write slots while its body streams
	// in, so a client that stalls must not keep it.
	ReceiveTimeout time.Duration
	// Access, when set, decides who may use the interface, and makes
	// every request a read: no account writes through it. Nil admits every
	// request as a writer; Writer does so whatever Access says.
	Access *Access
}

const (
	defaultMaxQuerySize   = 256 << 10
	defaultReceiveTimeout = 30 * time.Second
)

// Handler is the interface over one engine.
type Handler struct {
	access      *Access
	eng         *engine.Engine
	log         *slog.Logger
	maxQuery    int
	recvTimeout time.Duration
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
}

// NewHandler returns the ClickHouse HTTP interface over e: "/" runs queries
// (GET is read-only, POST may modify) and "/ping" answers "Ok.".
func NewHandler(e *engine.Engine, o Options) *Handler {
	h := &Handler{
		access:      o.Access,
		eng:         e,
		log:         o.Logger,
		maxQuery:    o.MaxQuerySize,
		recvTimeout: o.ReceiveTimeout,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_clickhouse_http_requests_total",
			Help: "Requests to the embedded ClickHouse HTTP interface, by kind (query, insert, handshake, ping, invalid) and HTTP status (aborted: cut short after the response started).",
		}, []string{"kind", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aurigraph_clickhouse_http_request_duration_seconds",
			Help:    "Time to serve a request to the embedded ClickHouse HTTP interface, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"kind"}),
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.maxQuery <= 0 {
		h.maxQuery = defaultMaxQuerySize
	}
	if h.recvTimeout <= 0 {
		h.recvTimeout = defaultReceiveTimeout
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.requests, h.duration)
	}
	return h
}

// Writer is the same interface admitting every request as a writer, for a
// listener only the process itself can reach (the projector's).
func (h *Handler) Writer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serveHTTP(w, r, true) })
}

const (
	kindPing      = "ping"
	kindQuery     = "query"
	kindInsert    = "insert"
	kindHandshake = "handshake"
	kindInvalid   = "invalid"
)

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serveHTTP(w, r, h.access == nil)
}

func (h *Handler) serveHTTP(w http.ResponseWriter, r *http.Request, writer bool) {
	start := time.Now()
	kind, status := h.serve(w, r, writer)
	code := strconv.Itoa(status)
	if status == statusAborted {
		code = "aborted"
	}
	h.requests.WithLabelValues(kind, code).Inc()
	h.duration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	if status == statusAborted {
		// Closes the connection without ending the response properly.
		panic(http.ErrAbortHandler)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, writer bool) (kind string, status int) {
	switch r.URL.Path {
	case "/ping":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return kindPing, h.fail(w, r, refuse(http.StatusMethodNotAllowed, codeBadArguments, "BAD_ARGUMENTS", "/ping accepts GET and HEAD, not %s", r.Method))
		}
		return kindPing, ok(w, r)
	case "/":
	default:
		return kindInvalid, h.fail(w, r, refuse(http.StatusNotFound, codeBadArguments, "BAD_ARGUMENTS", "there is no handler for %q; queries go to / and health checks to /ping", r.URL.Path))
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		return kindInvalid, h.fail(w, r, refuse(http.StatusMethodNotAllowed, codeBadArguments, "BAD_ARGUMENTS", "method %s is not allowed; use GET for reads, POST for anything else", r.Method))
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return kindInvalid, h.fail(w, r, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "malformed URL query string: %v", err))
	}
	p, err := parseParams(values, r.Header)
	if err != nil {
		return kindInvalid, h.fail(w, r, err)
	}
	if !writer {
		if err := h.access.authenticate(r, values); err != nil {
			return kindInvalid, h.fail(w, r, err)
		}
		p.readonly = true
	}
	if p.query == "" && r.Method != http.MethodPost {
		// ClickHouse answers a bare GET / like /ping; load balancers rely on it.
		return kindPing, ok(w, r)
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/") {
		return kindInvalid, h.fail(w, r, refuse(http.StatusBadRequest, codeNotImplemented, "NOT_IMPLEMENTED",
			"external tables (multipart/form-data requests) are not supported by this server; insert the data into a table first"))
	}
	var body io.Reader
	if r.Method == http.MethodPost {
		// r.Body itself stays as net/http made it: after the handler, the
		// server inspects it to decide whether to drain it.
		recv := &receiveReader{body: r.Body, rc: http.NewResponseController(w), timeout: h.recvTimeout}
		dec, closeBody, err := decodeBody(r, recv)
		if err != nil {
			return kindInvalid, h.fail(w, r, err)
		}
		defer closeBody()
		if p.decompress {
			dec = compress.NewReader(dec)
		}
		body = &bodyReader{r: dec}
	}
	limit, err := h.queryLimit(p)
	if err != nil {
		return kindInvalid, h.fail(w, r, err)
	}
	st, text, data, err := h.statement(p.query, body, limit)
	if err != nil {
		return kindInvalid, h.fail(w, r, err)
	}
	if st.insertFormat != "" {
		return kindInsert, h.insert(w, r, p, text, st.insertFormat, data)
	}
	return h.query(w, r, p, st, text)
}

func ok(w http.ResponseWriter, r *http.Request) int {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Content-Length", "4")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, "Ok.\n")
	}
	return http.StatusOK
}

// maxQuerySizeCeiling bounds what a request's max_query_size may ask the
// front to buffer, so one request cannot claim unbounded memory.
const maxQuerySizeCeiling = 64 << 20

// queryLimit is how much of a body may be SQL text: the request's
// max_query_size setting, as ClickHouse reads it, or the server's default.
func (h *Handler) queryLimit(p *params) (int, error) {
	v, ok := p.settings["max_query_size"]
	if !ok {
		return h.maxQuery, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	switch {
	case err != nil:
		return 0, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS", "max_query_size %q is not a number of bytes", v)
	case n > maxQuerySizeCeiling:
		return 0, refuse(http.StatusBadRequest, codeBadArguments, "BAD_ARGUMENTS",
			"max_query_size %d is above this server's ceiling of %d bytes; send large data as INSERT ... FORMAT with the data in the body", n, maxQuerySizeCeiling)
	case n == 0:
		return maxQuerySizeCeiling, nil
	}
	return int(n), nil
}

// statement assembles the SQL the way ClickHouse does: the query parameter,
// then the body. For an INSERT with FORMAT or VALUES, whatever follows is
// data and is returned as a stream, never read into the SQL text.
func (h *Handler) statement(urlQuery string, body io.Reader, limit int) (statement, string, io.Reader, error) {
	if urlQuery != "" {
		st := analyze(urlQuery)
		if st.insertFormat != "" {
			data := io.Reader(strings.NewReader(urlQuery[st.dataStart:]))
			if body != nil {
				data = io.MultiReader(data, body)
			}
			return st, st.insertSQL, data, nil
		}
		if body == nil {
			return st, urlQuery, nil, checkNotEmpty(urlQuery)
		}
	}
	if body == nil {
		return statement{}, "", nil, checkNotEmpty("")
	}
	prefix, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err != nil {
		return statement{}, "", nil, err
	}
	text := string(prefix)
	if urlQuery != "" {
		if len(bytes.TrimSpace(prefix)) == 0 {
			return analyze(urlQuery), urlQuery, nil, checkNotEmpty(urlQuery)
		}
		text = urlQuery + "\n" + text
	}
	st := analyze(text)
	if st.insertFormat != "" {
		return st, st.insertSQL, io.MultiReader(strings.NewReader(text[st.dataStart:]), body), nil
	}
	if len(prefix) > limit {
		return statement{}, "", nil, refuse(http.StatusBadRequest, codeSyntaxError, "SYNTAX_ERROR",
			"query is longer than %d bytes (max_query_size); raise it with the max_query_size URL parameter, or send large data as INSERT ... FORMAT with the data in the body", limit)
	}
	return st, text, nil, checkNotEmpty(text)
}

func checkNotEmpty(text string) error {
	if strings.TrimSpace(text) == "" {
		return refuse(http.StatusBadRequest, codeSyntaxError, "SYNTAX_ERROR", "Empty query: pass it as the query URL parameter or as the POST body")
	}
	return nil
}

func callOptions(p *params, reader bool) []engine.CallOption {
	opts := []engine.CallOption{engine.WithDatabase(p.database)}
	if reader {
		opts = append(opts, engine.AsReader())
	}
	if len(p.settings) > 0 {
		opts = append(opts, engine.WithSettings(p.settings))
	}
	if len(p.queryParams) > 0 {
		opts = append(opts, engine.WithParams(p.queryParams))
	}
	return opts
}

func (h *Handler) insert(w http.ResponseWriter, r *http.Request, p *params, text, format string, data io.Reader) int {
	if r.Method != http.MethodPost || p.readonly {
		return h.fail(w, r, readonlyRefusal())
	}
	start := time.Now()
	rows, err := h.eng.Insert(r.Context(), text, format, data, callOptions(p, false)...)
	if err != nil {
		return h.fail(w, r, err)
	}
	hdr := w.Header()
	hdr.Set("X-ClickHouse-Query-Id", queryID(p))
	hdr.Set("X-ClickHouse-Summary", fmt.Sprintf(`{"read_rows":"0","read_bytes":"0","written_rows":"%d","written_bytes":"0","total_rows_to_read":"0","result_rows":"0","result_bytes":"0","elapsed_ns":"%d"}`,
		rows, time.Since(start).Nanoseconds()))
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return http.StatusOK
}

func readonlyRefusal() error {
	return refuse(http.StatusForbidden, codeReadonly, "READONLY",
		"Cannot execute query in readonly mode (readonly=1, or method GET, which implies it). Use method POST without readonly for modifying queries")
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request, p *params, st statement, text string) (string, int) {
	switch st.keyword {
	case "USE", "SET":
		return kindInvalid, h.fail(w, r, refuse(http.StatusBadRequest, codeNotImplemented, "NOT_IMPLEMENTED",
			"%s needs a session, which this server does not keep; pass the database and settings as URL parameters (database=..., <setting>=...) on each request", st.keyword))
	}
	reader := r.Method != http.MethodPost || p.readonly
	format := p.defaultFormat
	if p.revision > 0 && strings.EqualFold(format, "Native") && st.outputFormat == "" && isHandshake(text) {
		return kindHandshake, h.handshake(r.Context(), w, r, p, reader)
	}
	sent := format
	if st.outputFormat != "" {
		sent = st.outputFormat
	}
	out := h.newResponse(w, r, p, sent)
	err := h.eng.QueryStream(r.Context(), text, format, out.write, callOptions(p, reader)...)
	return kindQuery, out.finish(err)
}

// decodeBody undoes the request's Content-Encoding on body, r's body.
func decodeBody(r *http.Request, body io.Reader) (io.Reader, func(), error) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	noop := func() {}
	switch enc {
	case "", "identity":
		return body, noop, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, noop, refuse(http.StatusBadRequest, codeCannotReadAllData, "CANNOT_READ_ALL_DATA", "request body is not valid gzip: %v", err)
		}
		return zr, noop, nil
	case "deflate":
		zr, err := zlib.NewReader(body)
		if err != nil {
			return nil, noop, refuse(http.StatusBadRequest, codeCannotReadAllData, "CANNOT_READ_ALL_DATA", "request body is not valid deflate (zlib): %v", err)
		}
		return zr, func() { _ = zr.Close() }, nil
	case "br":
		return brotli.NewReader(body), noop, nil
	case "zstd":
		zr, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, noop, fmt.Errorf("chhttp: zstd decoder: %w", err)
		}
		return zr, zr.Close, nil
	}
	return nil, noop, refuse(http.StatusUnsupportedMediaType, codeNotImplemented, "NOT_IMPLEMENTED",
		"Content-Encoding %q is not supported; use gzip, deflate, br, zstd or none", enc)
}

// receiveReader bounds each read of the request body with a deadline on
// the connection, so a client that stops sending ends its request instead of
// keeping the write slot an insert holds while it streams. The
// deadline is lifted once the body ends: net/http then watches the connection
// for the client leaving, and a deadline firing there would cancel the
// request's context. After any other error it stays, so that net/http's own
// draining of an unread body cannot block either.
type receiveReader struct {
	body    io.Reader
	rc      *http.ResponseController
	timeout time.Duration
}

type receiveTimeoutError struct {
	timeout time.Duration
	err     error
}

func (e *receiveTimeoutError) Error() string {
	return fmt.Sprintf("no data received for %s (the server's receive timeout): %v", e.timeout, e.err)
}
func (e *receiveTimeoutError) Unwrap() error { return e.err }

func (r *receiveReader) Read(p []byte) (int, error) {
	// Servers behind a wrapper that cannot set deadlines read without one.
	armed := r.rc.SetReadDeadline(time.Now().Add(r.timeout)) == nil
	n, err := r.body.Read(p)
	switch {
	case err == io.EOF && armed: //nolint:errorlint // net/http's body returns io.EOF itself
		_ = r.rc.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = &receiveTimeoutError{timeout: r.timeout, err: err}
	}
	return n, err
}

// bodyReader marks failures to read the request body, so they are reported
// as the client's fault rather than the engine's.
type bodyReader struct{ r io.Reader }

type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		// Decoders wrap a clean end; readers downstream compare with io.EOF.
		err = io.EOF
	default:
		err = &bodyError{err: err}
	}
	return n, err
}

const (
	codeCannotReadAllData = 33
	codeSocketTimeout     = 209
	codeQueryCancelled    = 394
	codeStdException      = 1001
)

// fail writes err the way ClickHouse does, so drivers turn it into a typed
// exception: the "Code: N. DB::Exception: ..." text as the body and the code
// in X-ClickHouse-Exception-Code.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) int {
	status, code, msg := h.describe(r, err)
	hdr := w.Header()
	hdr.Del("Content-Encoding")
	hdr.Del("Vary")
	hdr.Set("Content-Type", "text/plain; charset=UTF-8")
	hdr.Set("X-ClickHouse-Exception-Code", strconv.Itoa(code))
	body := msg + "\n"
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
	return status
}

// describe is the HTTP status, ClickHouse error code and text for err.
func (h *Handler) describe(r *http.Request, err error) (status, code int, msg string) {
	status, code = http.StatusInternalServerError, codeStdException
	var (
		br *badRequest
		ee *engine.Error
		be *bodyError
	)
	switch {
	case errors.As(err, &br):
		status, code, msg = br.status, br.code, br.Error()
	case errors.As(err, &ee):
		status, code, msg = engineStatus(ee.Code), ee.Code, ee.Message
		h.log.Debug("clickhouse http: query failed", slog.Int("code", ee.Code), slog.String("error", ee.Message))
	case errors.As(err, &be) && errors.As(err, new(*receiveTimeoutError)):
		status, code = http.StatusBadRequest, codeSocketTimeout
		msg = fmt.Sprintf("Code: %d. DB::Exception: Timeout exceeded while reading the request body: %v; send the body without pauses, or raise the server's receive timeout. (SOCKET_TIMEOUT)", code, be.err)
	case errors.As(err, &be):
		status, code = http.StatusBadRequest, codeCannotReadAllData
		msg = fmt.Sprintf("Code: %d. DB::Exception: Cannot read the request body: %v. (CANNOT_READ_ALL_DATA)", code, be.err)
	case errors.Is(err, engine.ErrClosed):
		status, code = http.StatusServiceUnavailable, codeQueryCancelled
		msg = fmt.Sprintf("Code: %d. DB::Exception: Query was cancelled: the server is shutting down. (QUERY_WAS_CANCELLED)", code)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		code = codeQueryCancelled
		msg = fmt.Sprintf("Code: %d. DB::Exception: Query was cancelled: %v. (QUERY_WAS_CANCELLED)", code, err)
	default:
		h.log.Error("clickhouse http: request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
		msg = fmt.Sprintf("Code: %d. DB::Exception: %v. (STD_EXCEPTION)", code, err)
	}
	return status, code, msg
}

// engineStatus is the HTTP status of an engine error, as ClickHouse's own
// HTTP interface answers it.
func engineStatus(code int) int {
	switch code {
	case codeSyntaxError:
		return http.StatusBadRequest
	case codeReadonly, codeAccessDenied, codeSettingConstraintViolation:
		return http.StatusForbidden
	case codeTooManySimultaneousQueries:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func queryID(p *params) string {
	if p.queryID != "" {
		return p.queryID
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
