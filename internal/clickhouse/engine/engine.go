// Package engine embeds ClickHouse's engine (chDB's libchdb.so) in the process,
// loaded with purego so that builds need no C toolchain.
//
// The engine is process-global: one library load and one storage path per
// process, and one Engine at a time. Every call runs in a session of its own,
// so calls run side by side, settings never outlive the call that set them,
// and a call can be killed from outside while it runs. Two kinds of call
// exist: writes (the default), and reads (AsReader), which run read-only,
// confined and bounded by ReadLimits. The liveness probe (Ping) has a session
// of its own and never waits behind a call.
package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configures Open.
type Options struct {
	// LibPath is the engine library; empty means LibraryPath().
	LibPath string
	// DataDir holds persistent MergeTree storage and every other file the
	// engine keeps; empty means an in-memory engine whose tables vanish with
	// the process.
	DataDir string
	// MaxThreads is the threads one call starts with (the max_threads
	// setting); 0 keeps the engine's default of one per core. A read may
	// raise it up to Reads.MaxThreads.
	MaxThreads int
	// Reads bounds every read; see ReadLimits.
	Reads ReadLimits
	// MaxWrites is how many writes run at once; more wait for a slot as
	// long as their context allows. 0 means 4.
	MaxWrites int
	// ThreadNice is how many nice levels, 1 to 19, below the process's
	// own priority the engine's own threads (merges, background jobs,
	// query pipelines) run, so that the rest of the process preempts them
	// (Linux; elsewhere they keep theirs). 0 means DefaultThreadNice;
	// negative leaves them as the engine starts them.
	ThreadNice int
	// CloseTimeout is how long Close waits for running calls to end after
	// killing them; 0 means 5s.
	CloseTimeout time.Duration
	// Logger receives lifecycle logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the engine's metrics; nil means no metrics.
	Registerer prometheus.Registerer
}

const (
	defaultMaxWrites    = 4
	defaultCloseTimeout = 5 * time.Second
	// killGrace is how long past its timeout a read may run before it is
	// killed from outside, should it have raised max_execution_time.
	killGrace = time.Second
	// killRetry is how often a call that should end is killed again: a
	// kill issued before the query registered itself finds nothing.
	killRetry = 200 * time.Millisecond
	// Writes and the liveness probe run at the engine's highest priority;
	// while one runs, reads at a lower one pause between blocks.
	writePriority = 1
	readPriority  = 10
)

// Engine is the embedded engine. It is safe for concurrent use.
type Engine struct {
	lib     *library
	log     *slog.Logger
	dataDir string
	cfgDir  string
	threads int
	reads   ReadLimits

	readSlots  chan struct{}
	writeSlots chan struct{}
	queued     atomic.Int64
	ids        atomic.Uint64

	mu          sync.Mutex
	closed      bool // no new calls
	stopped     bool // the engine is shut down
	readsClosed bool
	calls       sync.WaitGroup
	readCalls   sync.WaitGroup

	// control kills calls; it never runs anything else.
	controlMu sync.Mutex
	control   *session
	// health answers Ping; healthMu is held while a probe runs.
	healthMu    sync.Mutex
	health      *session
	healthSince atomic.Int64

	closeTimeout time.Duration
	// niceStop ends lowerThreads, which closes niceDone.
	niceStop, niceDone chan struct{}
	niceOnce           sync.Once
	lowered            prometheus.Gauge
	running            *prometheus.GaugeVec
	refused            *prometheus.CounterVec
	killed             *prometheus.CounterVec
}

// live is the open Engine of this process, if any.
var live *Engine

// Open loads the engine library (once per process), writes the engine's
// configuration and starts it. One Engine may be open in a process at a
// time.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse engine: open: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	reads, err := o.Reads.resolve()
	if err != nil {
		return nil, err
	}
	if o.MaxThreads < 0 {
		return nil, fmt.Errorf("clickhouse engine: MaxThreads %d is negative; use 0 for the engine's default", o.MaxThreads)
	}
	if o.MaxWrites < 0 || o.CloseTimeout < 0 {
		return nil, errors.New("clickhouse engine: MaxWrites and CloseTimeout must not be negative; use 0 for the defaults")
	}
	if err := checkNice(o.ThreadNice); err != nil {
		return nil, err
	}
	libPath := o.LibPath
	if libPath == "" {
		if libPath, err = LibraryPath(); err != nil {
			return nil, err
		}
	}
	dataDir := o.DataDir
	if dataDir != "" {
		if dataDir, err = filepath.Abs(dataDir); err != nil {
			return nil, fmt.Errorf("clickhouse engine: data dir %q: %w", o.DataDir, err)
		}
	}

	libMu.Lock()
	defer libMu.Unlock()
	if live != nil {
		return nil, fmt.Errorf("clickhouse engine: this process already runs an engine on %s; close it before opening another", displayDir(live.dataDir))
	}
	lib, err := loadLibrary(libPath)
	if err != nil {
		return nil, err
	}
	// The engine's own handlers would take SIGSEGV/SIGPIPE/... away from the
	// Go runtime, which needs them for nil checks, preemption and profiling.
	lib.setSignalHandlersEnabled(0)

	e := &Engine{
		lib:          lib,
		log:          log,
		dataDir:      dataDir,
		threads:      o.MaxThreads,
		reads:        reads,
		readSlots:    make(chan struct{}, reads.Concurrency),
		writeSlots:   make(chan struct{}, orDefault(o.MaxWrites, defaultMaxWrites)),
		closeTimeout: orDefault(o.CloseTimeout, defaultCloseTimeout),
		niceStop:     make(chan struct{}),
		niceDone:     make(chan struct{}),
		lowered: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_clickhouse_engine_threads_lowered",
			Help: "Threads of the embedded ClickHouse engine running at the lowered priority (--clickhouse-nice).",
		}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurigraph_clickhouse_engine_calls_running",
			Help: "Calls running in the embedded ClickHouse engine, by role (read, write).",
		}, []string{"role"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_clickhouse_engine_reads_refused_total",
			Help: "Reads refused for want of a slot, by reason (queue_full, queue_timeout).",
		}, []string{"reason"}),
		killed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_clickhouse_engine_calls_killed_total",
			Help: "Calls killed while running, by reason (caller_gone, timeout, shutdown).",
		}, []string{"reason"}),
	}
	if e.cfgDir, err = os.MkdirTemp("", "aurigraph-clickhouse-"); err != nil {
		return nil, fmt.Errorf("clickhouse engine: configuration directory: %w", err)
	}
	root := dataDir
	if root == "" {
		root = e.cfgDir
	}
	start := time.Now()
	if err := e.boot(root); err != nil {
		_ = os.RemoveAll(e.cfgDir)
		return nil, err
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(e.running, e.refused, e.killed, e.lowered)
	}
	nice := orDefault(o.ThreadNice, DefaultThreadNice)
	go e.lowerThreads(nice)
	live = e
	log.Info("embedded ClickHouse engine started",
		slog.String("version", lib.version), slog.String("data_dir", displayDir(dataDir)),
		slog.String("library", lib.path), slog.Duration("took", time.Since(start)),
		slog.Duration("read_timeout", reads.Timeout), slog.Int64("read_max_memory", reads.MaxMemory),
		slog.Int("read_concurrency", reads.Concurrency), slog.Int("thread_nice", max(nice, 0)))
	return e, nil
}

// boot starts the engine with its configuration through the control
// session, checks that the configuration is the one in force, and opens the
// health session.
func (e *Engine) boot(root string) error {
	cfg, err := writeConfig(e.cfgDir, root, e.reads)
	if err != nil {
		return err
	}
	args := append(e.baseArgs(), "--config-file="+cfg, "--priority="+strconv.Itoa(writePriority), "--max_threads=1", "--log_comment=aurigraph:control")
	if e.control, err = connect(e.lib, args); err != nil {
		return fmt.Errorf("clickhouse engine: start with data dir %q: %w", displayDir(e.dataDir), err)
	}
	// An engine started earlier in this process without this configuration
	// would serve every source to every caller; refuse to run on it.
	grants, err := e.control.run("SHOW GRANTS")
	if err == nil && bytes.Contains(grants, []byte("SOURCES")) {
		err = errors.New("the engine runs without this package's access configuration (it was started elsewhere in the process)")
	}
	if err != nil {
		e.control.close()
		return fmt.Errorf("clickhouse engine: check access configuration: %w", err)
	}
	if e.health, err = connect(e.lib, append(e.baseArgs(), "--priority="+strconv.Itoa(writePriority), "--max_threads=1", "--log_comment=aurigraph:health")); err != nil {
		e.control.close()
		return err
	}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func displayDir(d string) string {
	if d == "" {
		return ":memory:"
	}
	return d
}

// ErrClosed is returned by calls on a closed Engine, and by calls that
// Close ended.
var ErrClosed = errors.New("clickhouse engine: closed")

type role uint8

const (
	writer role = iota
	reader
)

func (r role) String() string {
	if r == reader {
		return "read"
	}
	return "write"
}

// CallOption adjusts one Query, QueryStream or Insert call.
type CallOption func(*call)

type call struct {
	query    string
	params   map[string]string
	settings map[string]string
	database string
	role     role
}

// WithParams binds {name:Type} placeholders server-side; values are never
// spliced into the SQL text.
func WithParams(params map[string]string) CallOption {
	return func(c *call) { c.params = params }
}

// WithSettings applies ClickHouse settings (e.g. max_execution_time,
// insert_deduplication_token) to this call. Names must be plain identifiers;
// the engine rejects unknown ones with UNKNOWN_SETTING and values outside
// its constraints with SETTING_CONSTRAINT_VIOLATION; a read may not change
// settings that name files, URLs or hosts or that loosen its limits.
func WithSettings(settings map[string]string) CallOption {
	return func(c *call) { c.settings = settings }
}

// WithDatabase makes db the current database for this call, so unqualified
// table names resolve in it.
func WithDatabase(db string) CallOption {
	return func(c *call) { c.database = db }
}

// AsReader runs the call as a read: read-only (the engine refuses writes),
// confined (no statement reaches files, the network or other servers) and
// bounded by the engine's ReadLimits.
func AsReader() CallOption {
	return func(c *call) { c.role = reader }
}

func newCall(query string, opts []CallOption) *call {
	c := &call{query: query}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Query runs one statement and returns its whole output in format (e.g.
// "TabSeparated", "Native", "JSONEachRow"); a FORMAT clause in the query
// wins over format. The query may hold any bytes. Engine failures are *Error.
func (e *Engine) Query(ctx context.Context, query, format string, opts ...CallOption) ([]byte, error) {
	c := newCall(query, opts)
	var out []byte
	err := e.do(ctx, c, func(ctx context.Context, s *session) error {
		if c.role == writer {
			var err error
			out, err = s.query(query, format, c.params)
			return err
		}
		var buf bytes.Buffer
		err := e.readStream(ctx, s, c, format, func(b []byte) error {
			buf.Write(b)
			return nil
		})
		out = buf.Bytes()
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QueryStream runs one statement and hands its output to fn chunk by chunk,
// so large results never sit in memory whole. A chunk is only valid during
// the call. An error from fn, or the end of ctx, cancels the query.
func (e *Engine) QueryStream(ctx context.Context, query, format string, fn func(chunk []byte) error, opts ...CallOption) error {
	c := newCall(query, opts)
	return e.do(ctx, c, func(ctx context.Context, s *session) error {
		if c.role == reader {
			return e.readStream(ctx, s, c, format, fn)
		}
		return s.stream(ctx, query, format, c.params, fn)
	})
}

// readStream streams a read's output, ending it once it outgrows
// MaxResultBytes.
func (e *Engine) readStream(ctx context.Context, s *session, c *call, format string, fn func([]byte) error) error {
	var n int64
	return s.stream(ctx, c.query, format, c.params, func(b []byte) error {
		if n += int64(len(b)); n > e.reads.MaxResultBytes {
			return &Error{Code: codeTooManyRowsOrBytes, Message: fmt.Sprintf(
				"Code: %d. DB::Exception: Limit for result exceeded: the result is larger than %d bytes, the server's limit for one read; narrow the query or read it in ranges. (TOO_MANY_ROWS_OR_BYTES)",
				codeTooManyRowsOrBytes, e.reads.MaxResultBytes)}
		}
		return fn(b)
	})
}

// Insert streams body, encoded in format, into an INSERT statement that has
// no FORMAT clause or inline data (e.g. "INSERT INTO db.t (a, b)"). The body
// is read in bounded chunks while the engine parses it. It returns the rows
// written. Reads cannot insert.
func (e *Engine) Insert(ctx context.Context, query, format string, body io.Reader, opts ...CallOption) (uint64, error) {
	c := newCall(query, opts)
	if c.role == reader {
		return 0, readonlyError()
	}
	var rows uint64
	err := e.do(ctx, c, func(ctx context.Context, s *session) error {
		var err error
		rows, err = s.insert(ctx, query, format, c.params, body)
		return err
	})
	return rows, err
}

// do runs one call: it takes a slot, checks the statement, opens the call's
// session, prepares it, runs fn in it under a watch that kills the query
// when ctx ends or a read outlives its timeout, and closes the session.
func (e *Engine) do(ctx context.Context, c *call, fn func(ctx context.Context, s *session) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("clickhouse engine: %s not started: %w", c.role, err)
	}
	if err := e.enter(c.role); err != nil {
		return err
	}
	defer e.calls.Done()
	if c.role == reader {
		defer e.readCalls.Done()
	}
	release, err := e.acquire(ctx, c.role)
	if err != nil {
		return err
	}
	defer release()
	if err := guard(c); err != nil {
		return err
	}
	callCtx, cancel := ctx, context.CancelFunc(func() {})
	if c.role == reader {
		callCtx, cancel = context.WithTimeout(ctx, e.reads.Timeout+killGrace)
	}
	defer cancel()

	id := fmt.Sprintf("%s%s:%d", callMarker, c.role, e.ids.Add(1))
	s, err := connect(e.lib, e.sessionArgs(c.role, id))
	if err != nil {
		return err
	}
	defer s.close()
	e.running.WithLabelValues(c.role.String()).Inc()
	defer e.running.WithLabelValues(c.role.String()).Dec()

	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		e.watch(callCtx, id, done)
	}()
	err = e.prepare(s, c)
	if err == nil {
		err = fn(callCtx, s)
	}
	close(done)
	<-watched
	return e.outcome(c.role, ctx, callCtx, err)
}

// sessionDatabase is the current database a session starts with.
const sessionDatabase = "default"

// callMarker starts the log_comment of every call, which is how Close finds
// them all.
const callMarker = "aurigraph:call:"

func (e *Engine) enter(r role) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || (r == reader && e.readsClosed) {
		return ErrClosed
	}
	e.calls.Add(1)
	if r == reader {
		e.readCalls.Add(1)
	}
	return nil
}

func (e *Engine) closing(r role) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed || (r == reader && e.readsClosed)
}

// acquire takes a slot for a call of role r. Writes wait as long as ctx
// allows; reads wait at most QueueTimeout, behind at most MaxQueued others.
func (e *Engine) acquire(ctx context.Context, r role) (release func(), err error) {
	if r == writer {
		select {
		case e.writeSlots <- struct{}{}:
			return func() { <-e.writeSlots }, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("clickhouse engine: waiting for a write slot: %w", ctx.Err())
		}
	}
	release = func() { <-e.readSlots }
	select {
	case e.readSlots <- struct{}{}:
		return release, nil
	default:
	}
	if e.queued.Add(1) > int64(e.reads.MaxQueued) {
		e.queued.Add(-1)
		e.refused.WithLabelValues("queue_full").Inc()
		return nil, tooManyReads(fmt.Sprintf("%d reads are running and %d more are waiting", e.reads.Concurrency, e.reads.MaxQueued))
	}
	defer e.queued.Add(-1)
	t := time.NewTimer(e.reads.QueueTimeout)
	defer t.Stop()
	select {
	case e.readSlots <- struct{}{}:
		return release, nil
	case <-t.C:
		e.refused.WithLabelValues("queue_timeout").Inc()
		return nil, tooManyReads(fmt.Sprintf("no read slot came free within %s (%d reads run at once)", e.reads.QueueTimeout, e.reads.Concurrency))
	case <-ctx.Done():
		return nil, fmt.Errorf("clickhouse engine: waiting for a read slot: %w", ctx.Err())
	}
}

func tooManyReads(why string) *Error {
	return &Error{Code: codeTooManySimultaneousQueries, Message: fmt.Sprintf(
		"Code: %d. DB::Exception: Too many simultaneous queries: %s; retry later. (TOO_MANY_SIMULTANEOUS_QUERIES)", codeTooManySimultaneousQueries, why)}
}

func (e *Engine) baseArgs() []string {
	args := []string{"clickhouse"}
	if e.dataDir != "" {
		args = append(args, "--path="+e.dataDir)
	}
	return args
}

// sessionArgs are the settings a call's session starts with. They are this
// package's own values; a call's settings are applied afterwards with SET,
// which the engine checks against its constraints.
func (e *Engine) sessionArgs(r role, id string) []string {
	args := append(e.baseArgs(), "--log_comment="+id)
	if r == writer {
		args = append(args, "--priority="+strconv.Itoa(writePriority))
		if e.threads > 0 {
			args = append(args, "--max_threads="+strconv.Itoa(e.threads))
		}
		return args
	}
	threads := e.reads.MaxThreads
	if e.threads > 0 {
		threads = min(e.threads, threads)
	}
	memory := strconv.FormatInt(e.reads.MaxMemory, 10)
	return append(args,
		"--readonly=2",
		"--priority="+strconv.Itoa(readPriority),
		"--max_execution_time="+strconv.FormatInt(int64(math.Ceil(e.reads.Timeout.Seconds())), 10),
		"--max_memory_usage="+memory,
		"--max_temporary_data_on_disk_size_for_query="+memory,
		"--max_rows_to_read="+strconv.FormatInt(e.reads.MaxRowsToRead, 10),
		"--max_result_bytes="+strconv.FormatInt(e.reads.MaxResultBytes, 10),
		"--max_threads="+strconv.Itoa(threads),
	)
}

// prepare sets the session's database and the call's settings, then has the
// engine's parser, under those settings, say what the statement does: one
// statement per call; a read only reads; nothing changes the session, the
// server or its users.
func (e *Engine) prepare(s *session, c *call) error {
	if c.database != "" && c.database != sessionDatabase {
		if _, err := s.run("USE " + quoteIdent(c.database)); err != nil {
			return err
		}
	}
	if len(c.settings) > 0 {
		stmt, err := setStatement(c.settings)
		if err != nil {
			return err
		}
		if _, err := s.run(stmt); err != nil {
			return err
		}
	}
	cl, err := s.classify(c.query)
	if err != nil {
		return err
	}
	if cl.statements > 1 {
		return &Error{Code: codeSyntaxError, Message: fmt.Sprintf(
			"Code: %d. DB::Exception: Multi-statements are not allowed (the request holds %d); send one statement per request. (SYNTAX_ERROR)", codeSyntaxError, cl.statements)}
	}
	switch {
	case cl.class == readOnly || cl.class == unparsed:
	case c.role == reader:
		return readonlyError()
	case cl.class == control || cl.class == mutatingGlobal:
		return &Error{Code: codeAccessDenied, Message: fmt.Sprintf(
			"Code: %d. DB::Exception: Not allowed on this server: SET, USE, SYSTEM, KILL, BACKUP, INTO OUTFILE and statements on users, functions or named collections; pass settings and the database with the request. (ACCESS_DENIED)", codeAccessDenied)}
	}
	return nil
}

func readonlyError() *Error {
	return &Error{Code: codeReadonly, Message: fmt.Sprintf(
		"Code: %d. DB::Exception: Cannot execute query in readonly mode: this request may only read. (READONLY)", codeReadonly)}
}

// watch kills the call's query once ctx ends, and again until the call
// returns, because a kill issued before the query registered finds nothing.
func (e *Engine) watch(ctx context.Context, id string, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	for {
		e.kill("Settings['log_comment'] = " + quoteString(id))
		t := time.NewTimer(killRetry)
		select {
		case <-done:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// kill asks the engine to cancel the queries matching where; it does not
// wait for them to end.
func (e *Engine) kill(where string) {
	e.controlMu.Lock()
	defer e.controlMu.Unlock()
	if _, err := e.control.run("KILL QUERY WHERE " + where + " ASYNC FORMAT Null"); err != nil {
		e.log.Warn("clickhouse engine: kill query", slog.String("where", where), slog.Any("err", err))
	}
}

// outcome says why a call ended when it did not end on its own.
func (e *Engine) outcome(r role, parent, callCtx context.Context, err error) error {
	if err == nil || !cancelled(err) {
		return err
	}
	switch {
	case e.closing(r):
		e.killed.WithLabelValues("shutdown").Inc()
		return fmt.Errorf("%w: the call was cancelled by shutdown", ErrClosed)
	case parent.Err() != nil:
		e.killed.WithLabelValues("caller_gone").Inc()
		return fmt.Errorf("clickhouse engine: call cancelled: %w", parent.Err())
	case callCtx.Err() != nil:
		e.killed.WithLabelValues("timeout").Inc()
		return &Error{Code: codeTimeoutExceeded, Message: fmt.Sprintf(
			"Code: %d. DB::Exception: Timeout exceeded: the read ran longer than %s, the server's limit for one read. (TIMEOUT_EXCEEDED)", codeTimeoutExceeded, e.reads.Timeout)}
	}
	return err
}

// cancelled reports whether err is a call ending because it was told to:
// its context ended, or its query was killed.
func cancelled(err error) bool {
	var ee *Error
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ee) && ee.Code == codeQueryWasCancelled
}

// Ping checks that the engine answers, on a session that serves nothing
// else, so it never waits behind a call. A probe that does not return holds
// that session; later probes then fail at once, saying for how long.
func (e *Engine) Ping(ctx context.Context) error {
	if e.closing(writer) {
		return ErrClosed
	}
	if !e.healthMu.TryLock() {
		return fmt.Errorf("clickhouse engine: not answering: the previous liveness probe has been running for %s",
			time.Since(time.Unix(0, e.healthSince.Load())).Round(time.Millisecond))
	}
	e.healthSince.Store(time.Now().UnixNano())
	res := make(chan error, 1)
	go func() {
		defer e.healthMu.Unlock()
		_, err := e.health.run("SELECT 1")
		res <- err
	}()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("clickhouse engine: liveness probe: %w", ctx.Err())
	}
}

// StopReads refuses new reads, kills the running ones and waits up to
// CloseTimeout for them to return; writes go on. A shutdown calls it first,
// so that nothing waits for a long read while the writers drain.
func (e *Engine) StopReads() error {
	e.mu.Lock()
	e.readsClosed = true
	e.mu.Unlock()
	return e.drain(&e.readCalls, callMarker+reader.String()+":%", time.Now().Add(e.closeTimeout))
}

// Close refuses new calls, kills the calls still running, waits up to
// CloseTimeout for them to return, and stops the engine. Should a call not
// return in time (an insert whose body stalls is only noticed when its next
// read returns), the engine stays loaded and Close says so; a later Close
// tries again.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()

	deadline := time.Now().Add(e.closeTimeout)
	if err := e.drain(&e.calls, callMarker+"%", deadline); err != nil {
		return err
	}
	for !e.healthMu.TryLock() {
		if time.Now().After(deadline) {
			return errors.New("clickhouse engine: the liveness probe did not return; the engine stays loaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.health.close()
	e.healthMu.Unlock()
	e.controlMu.Lock()
	e.control.close()
	e.controlMu.Unlock()

	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.niceOnce.Do(func() { close(e.niceStop) })
	<-e.niceDone
	libMu.Lock()
	live = nil
	libMu.Unlock()
	if err := os.RemoveAll(e.cfgDir); err != nil {
		e.log.Warn("clickhouse engine: remove configuration", slog.String("dir", e.cfgDir), slog.Any("err", err))
	}
	e.log.Info("embedded ClickHouse engine stopped", slog.String("data_dir", displayDir(e.dataDir)))
	return nil
}

// drain kills the calls whose mark is like pattern until the calls of wg
// have returned, or deadline passes.
func (e *Engine) drain(wg *sync.WaitGroup, pattern string, deadline time.Time) error {
	drained := make(chan struct{})
	go func() {
		wg.Wait()
		close(drained)
	}()
	for {
		select {
		case <-drained:
			return nil
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("clickhouse engine: calls still running %s after they were killed; the engine stays loaded", e.closeTimeout)
		}
		e.kill("Settings['log_comment'] LIKE " + quoteString(pattern))
		select {
		case <-drained:
			return nil
		case <-time.After(killRetry):
		}
	}
}

var settingNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// setStatement renders settings as one SET statement, values as string
// literals, which the engine converts to each setting's type.
func setStatement(settings map[string]string) (string, error) {
	names := make([]string, 0, len(settings))
	for name := range settings {
		if !settingNameRe.MatchString(name) {
			return "", &Error{Code: codeUnknownSetting, Message: fmt.Sprintf("Code: %d. DB::Exception: Setting name %q is not a valid identifier. (UNKNOWN_SETTING)", codeUnknownSetting, name)}
		}
		if strings.EqualFold(name, "readonly") {
			return "", &Error{Code: codeReadonly, Message: fmt.Sprintf("Code: %d. DB::Exception: readonly cannot be set per call; run the call as a read instead. (READONLY)", codeReadonly)}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("SET ")
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		b.WriteString(" = ")
		b.WriteString(quoteString(settings[name]))
	}
	return b.String(), nil
}

// quoteString renders s as a ClickHouse string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func quoteIdent(s string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(s) + "`"
}
