// Package engine embeds ClickHouse's engine (chDB's libchdb.so) in the process,
// loaded with purego so that builds need no C toolchain.
//
// The engine is process-global: one library load and one storage path per
// process. An Engine is one connection to it; calls on an Engine are
// serialized because a connection runs one statement at a time.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Options configures Open.
type Options struct {
	// LibPath is the engine library; empty means LibraryPath().
	LibPath string
	// DataDir holds persistent MergeTree storage; empty means an in-memory
	// engine whose tables vanish with the process.
	DataDir string
	// MaxThreads caps the threads one query or insert may use (the
	// max_threads setting); 0 keeps the engine's default of one per core.
	// A query can still raise it with SETTINGS max_threads = N.
	MaxThreads int
	// Logger receives lifecycle logs; nil means slog.Default().
	Logger *slog.Logger
}

// Engine is one connection to the embedded engine. It is safe for concurrent
// use; calls run one at a time.
type Engine struct {
	lib     *library
	log     *slog.Logger
	dataDir string
	sem     chan struct{}
	connPtr *uintptr
	conn    uintptr
	// curDB is the connection's current database as far as this package
	// knows; "" after anything that may have changed it.
	curDB string
}

// insertChunk bounds how much of an insert body is handed to the engine per
// call, so memory stays flat however large the body is.
const insertChunk = 1 << 20

// Engine-wide state: the engine boots on the first connection and shuts down
// when the last one closes, and all live connections share one storage path.
var (
	bootDir   string
	openConns int
)

// Open loads the engine library (once per process) and connects to it.
// Connections opened while others are live must use the same DataDir.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse engine: open: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	libPath := o.LibPath
	if libPath == "" {
		p, err := LibraryPath()
		if err != nil {
			return nil, err
		}
		libPath = p
	}
	dataDir := o.DataDir
	if dataDir != "" {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return nil, fmt.Errorf("clickhouse engine: data dir %q: %w", dataDir, err)
		}
		dataDir = abs
	}

	libMu.Lock()
	defer libMu.Unlock()
	lib, err := loadLibrary(libPath)
	if err != nil {
		return nil, err
	}
	if openConns > 0 && bootDir != dataDir {
		return nil, fmt.Errorf("clickhouse engine: engine in this process already serves data dir %q; close its engines before opening %q", displayDir(bootDir), displayDir(dataDir))
	}
	// The engine's own handlers would take SIGSEGV/SIGPIPE/... away from the
	// Go runtime, which needs them for nil checks, preemption and profiling.
	lib.setSignalHandlersEnabled(0)

	args := []string{"clickhouse"}
	if dataDir != "" {
		args = append(args, "--path="+dataDir)
	}
	if o.MaxThreads < 0 {
		return nil, fmt.Errorf("clickhouse engine: MaxThreads %d is negative; use 0 for the engine's default", o.MaxThreads)
	}
	if o.MaxThreads > 0 {
		args = append(args, "--max_threads="+strconv.Itoa(o.MaxThreads))
	}
	start := time.Now()
	connPtr := connect(lib, args)
	if connPtr == nil || *connPtr == 0 {
		return nil, fmt.Errorf("clickhouse engine: connect with data dir %q failed; check that it is writable and not used by another process", displayDir(dataDir))
	}
	openConns++
	bootDir = dataDir
	e := &Engine{
		lib:     lib,
		log:     log,
		dataDir: dataDir,
		sem:     make(chan struct{}, 1),
		connPtr: connPtr,
		conn:    *connPtr,
	}
	log.Info("embedded ClickHouse engine connected",
		slog.String("version", lib.version), slog.String("data_dir", displayDir(dataDir)),
		slog.String("library", lib.path), slog.Duration("took", time.Since(start)))
	return e, nil
}

func displayDir(d string) string {
	if d == "" {
		return ":memory:"
	}
	return d
}

func connect(lib *library, args []string) *uintptr {
	var pin runtime.Pinner
	defer pin.Unpin()
	argv := make([]*byte, len(args)+1)
	for i, a := range args {
		b := append([]byte(a), 0)
		pin.Pin(&b[0])
		argv[i] = &b[0]
	}
	pin.Pin(&argv[0])
	return lib.connect(int32(len(args)), unsafe.Pointer(&argv[0]))
}

// Version reports the engine library's version string.
func (e *Engine) Version() string { return e.lib.version }

// DataDir reports the absolute storage path, or "" for an in-memory engine.
func (e *Engine) DataDir() string { return e.dataDir }

// acquire waits for the connection, giving up when ctx ends.
func (e *Engine) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("clickhouse engine: waiting for the engine: %w", err)
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("clickhouse engine: waiting for the engine: %w", ctx.Err())
	}
	if e.conn == 0 {
		<-e.sem
		return ErrClosed
	}
	return nil
}

func (e *Engine) release() { <-e.sem }

// ErrClosed is returned by calls on a closed Engine.
var ErrClosed = errors.New("clickhouse engine: engine is closed")

// CallOption adjusts one Query, QueryStream or Insert call.
type CallOption func(*call)

type call struct {
	query    string
	params   map[string]string
	settings map[string]string
	database string
}

// WithParams binds {name:Type} placeholders server-side; values are never
// spliced into the SQL text.
func WithParams(params map[string]string) CallOption {
	return func(c *call) { c.params = params }
}

// WithSettings applies ClickHouse settings (e.g. max_execution_time,
// insert_deduplication_token) to this call only. Names must be plain
// identifiers; the engine rejects unknown ones with UNKNOWN_SETTING, and
// readonly is refused because it would outlive the call.
func WithSettings(settings map[string]string) CallOption {
	return func(c *call) { c.settings = settings }
}

// WithDatabase makes db the current database for this call, so unqualified
// table names resolve in it.
func WithDatabase(db string) CallOption {
	return func(c *call) { c.database = db }
}

// Query runs one statement and returns its whole output in format (e.g.
// "TabSeparated", "Native", "JSONEachRow"); a FORMAT clause in the query
// wins over format. The query may hold any bytes. Engine failures are *Error.
func (e *Engine) Query(ctx context.Context, query, format string, opts ...CallOption) ([]byte, error) {
	c, err := e.begin(ctx, query, opts)
	if err != nil {
		return nil, err
	}
	defer e.end(c)
	var res uintptr
	if len(c.params) == 0 {
		res = e.lib.queryN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)))
	} else {
		withParams(c.params, func(n, nl, v, vl unsafe.Pointer, count uintptr) {
			res = e.lib.queryWithParamsN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)), n, nl, v, vl, count)
		})
	}
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	out, err := e.takeResult(res, query)
	if err != nil {
		return nil, err
	}
	data := slices.Clone(out.data)
	out.free()
	return data, nil
}

// QueryStream runs one statement and hands its output to fn chunk by chunk,
// so large results never sit in memory whole. A chunk is only valid during
// the call. An error from fn, or the end of ctx, cancels the query.
func (e *Engine) QueryStream(ctx context.Context, query, format string, fn func(chunk []byte) error, opts ...CallOption) error {
	c, err := e.begin(ctx, query, opts)
	if err != nil {
		return err
	}
	defer e.end(c)
	var stream uintptr
	if len(c.params) == 0 {
		stream = e.lib.streamQueryN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)))
	} else {
		withParams(c.params, func(n, nl, v, vl unsafe.Pointer, count uintptr) {
			stream = e.lib.streamQueryParamsN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)), n, nl, v, vl, count)
		})
	}
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	if stream == 0 {
		return fmt.Errorf("clickhouse engine: engine returned no stream for query %q", truncate(query))
	}
	defer e.lib.destroyQueryResult(stream)
	if msg := e.lib.resultError(stream); msg != "" {
		return parseError(msg)
	}
	for {
		if err := ctx.Err(); err != nil {
			e.lib.streamCancelQuery(e.conn, stream)
			return fmt.Errorf("clickhouse engine: query %q: %w", truncate(query), err)
		}
		chunk, err := e.takeResult(e.lib.streamFetchResult(e.conn, stream), query)
		if err != nil {
			return err
		}
		if len(chunk.data) == 0 {
			chunk.free()
			return nil
		}
		err = fn(chunk.data)
		chunk.free()
		if err != nil {
			e.lib.streamCancelQuery(e.conn, stream)
			return err
		}
	}
}

// Insert streams body, encoded in format, into an INSERT statement that has
// no FORMAT clause or inline data (e.g. "INSERT INTO db.t (a, b)"). The body
// is read in bounded chunks while the engine parses it. It returns the rows
// written.
func (e *Engine) Insert(ctx context.Context, query, format string, body io.Reader, opts ...CallOption) (uint64, error) {
	c, err := e.begin(ctx, query, opts)
	if err != nil {
		return 0, err
	}
	defer e.end(c)
	var stream uintptr
	if len(c.params) == 0 {
		stream = e.lib.streamInsertN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)))
	} else {
		withParams(c.params, func(n, nl, v, vl unsafe.Pointer, count uintptr) {
			stream = e.lib.streamInsertParamsN(e.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)), n, nl, v, vl, count)
		})
	}
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	if stream == 0 {
		return 0, fmt.Errorf("clickhouse engine: engine returned no insert stream for %q", truncate(query))
	}
	defer e.lib.destroyInsertStream(stream)
	if msg := e.lib.streamInsertError(stream); msg != "" {
		return 0, parseError(msg)
	}
	buf := make([]byte, insertChunk)
	for {
		if err := ctx.Err(); err != nil {
			e.lib.streamCancelInsert(stream)
			return 0, fmt.Errorf("clickhouse engine: insert %q: %w", truncate(query), err)
		}
		n, rerr := io.ReadFull(body, buf)
		if n > 0 && e.lib.streamAppend(stream, unsafe.Pointer(&buf[0]), uintptr(n)) != 0 {
			msg := e.lib.streamInsertError(stream)
			if msg == "" {
				msg = "insert stream rejected the appended data"
			}
			return 0, parseError(msg)
		}
		// Only ReadFull's own end-of-input values mean the body is complete;
		// a wrapped ErrUnexpectedEOF from a decoder is a truncated body.
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF { //nolint:errorlint
			break
		}
		if rerr != nil {
			e.lib.streamCancelInsert(stream)
			return 0, fmt.Errorf("clickhouse engine: read insert body for %q: %w", truncate(query), rerr)
		}
	}
	res := e.lib.streamDone(stream)
	if res == 0 {
		if msg := e.lib.streamInsertError(stream); msg != "" {
			return 0, parseError(msg)
		}
	}
	out, err := e.takeResult(res, query)
	if err != nil {
		return 0, err
	}
	rows := e.lib.resultRowsWritten(res)
	out.free()
	return rows, nil
}

// QueryClass says what a statement does to state that outlives it.
type QueryClass uint32

// Classes reported by Classify, as decided by the engine's own parser.
const (
	ReadOnly       QueryClass = 0 // SELECT, SHOW, DESCRIBE, EXPLAIN, EXISTS, CHECK
	Mutating       QueryClass = 1 // INSERT, CREATE, ALTER, DROP, TRUNCATE, OPTIMIZE, ...
	MutatingGlobal QueryClass = 2 // UDFs, access control, writes into system
	Control        QueryClass = 3 // USE, SET, SYSTEM, BACKUP, KILL, INTO OUTFILE, ...
	Unparsed       QueryClass = 4 // did not parse
)

// Classification is the engine parser's verdict on a text, without running it.
type Classification struct {
	Statements int
	Class      QueryClass
}

// Classify parses query with the engine's parser and reports how many
// statements it holds and what they do, without executing anything. Pass
// the options the statement will run with: settings change what the parser
// accepts (max_parser_depth, max_parser_backtracks, dialect, ...), and a
// verdict taken under other settings says nothing about that run.
func (e *Engine) Classify(ctx context.Context, query string, opts ...CallOption) (Classification, error) {
	c, err := e.begin(ctx, query, opts)
	if err != nil {
		return Classification{}, err
	}
	defer e.end(c)
	a := queryAnalysis{structSize: uint32(unsafe.Sizeof(queryAnalysis{}))}
	st := e.lib.classifyQueryN(e.conn, strPtr(query), uintptr(len(query)), nil, 0, unsafe.Pointer(&a))
	runtime.KeepAlive(query)
	if st != 0 {
		return Classification{}, fmt.Errorf("clickhouse engine: classify %q failed", truncate(query))
	}
	return Classification{Statements: int(a.statementCount), Class: QueryClass(a.queryClass)}, nil
}

// queryAnalysis mirrors chdb_query_analysis_v1.
type queryAnalysis struct {
	structSize     uint32
	statementCount uint32
	flags          uint32
	queryClass     uint32
}

// begin takes the connection and prepares session state for one call:
// the current database and per-call settings.
func (e *Engine) begin(ctx context.Context, query string, opts []CallOption) (*call, error) {
	c := &call{query: query}
	for _, o := range opts {
		o(c)
	}
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	if c.database != "" && c.database != e.curDB {
		if _, err := e.run("USE " + quoteIdent(c.database)); err != nil {
			e.curDB = ""
			e.release()
			return nil, err
		}
		e.curDB = c.database
	}
	if len(c.settings) > 0 {
		stmt, err := setStatement(c.settings, false)
		if err == nil {
			err = e.checkParserSettings(c.settings)
		}
		if err != nil {
			e.release()
			return nil, err
		}
		if _, err := e.run(stmt); err != nil {
			e.resetEach(c.settings)
			e.release()
			return nil, err
		}
	}
	return c, nil
}

// end restores session state and releases the connection. The connection
// outlives the call, so per-call settings must not leak into the next one.
func (e *Engine) end(c *call) {
	defer e.release()
	if useWordRe.MatchString(c.query) {
		// The statement may have switched the current database; the next
		// WithDatabase call must not trust what this package last set.
		e.curDB = ""
	}
	if len(c.settings) == 0 {
		return
	}
	stmt, _ := setStatement(c.settings, true)
	if _, err := e.run(stmt); err != nil {
		e.resetEach(c.settings)
	}
}

// parserLimits are the settings that bound what the parser accepts. Per-call
// settings are undone by a SET statement parsed under them, so a call may
// raise these limits (or lift them with 0) but not lower them: lowered, they
// could stop that SET from parsing and stay on the connection for good.
var parserLimits = []string{"max_query_size", "max_parser_depth", "max_parser_backtracks"}

// checkParserSettings refuses per-call values that would leave the
// connection unable to parse the statement restoring its settings.
func (e *Engine) checkParserSettings(settings map[string]string) error {
	for name, value := range settings {
		if strings.EqualFold(name, "dialect") {
			if !strings.EqualFold(value, "clickhouse") {
				return badArguments("Setting dialect = %s cannot be set per call on a shared connection: the statement restoring its settings is ClickHouse SQL and would no longer parse. Send ClickHouse SQL instead", QuoteString(value))
			}
			continue
		}
		if !slices.ContainsFunc(parserLimits, func(l string) bool { return strings.EqualFold(l, name) }) {
			continue
		}
		v, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return badArguments("Setting %s = %s is not a whole number; give a byte or step count, or 0 for no limit", name, QuoteString(value))
		}
		if v == 0 {
			continue
		}
		out, err := e.run("SELECT getSetting(" + QuoteString(name) + ")")
		if err != nil {
			return err
		}
		cur, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return fmt.Errorf("clickhouse engine: read current %s: %q is not a number", name, out)
		}
		if v < cur {
			return badArguments("Setting %s = %d would lower the parser limit below the connection's %d; per call it may only be raised (or be 0 for no limit), because the statement that restores the connection's settings must still parse", name, v, cur)
		}
	}
	return nil
}

func badArguments(format string, args ...any) *Error {
	return &Error{Code: 36, Message: "Code: 36. DB::Exception: " + fmt.Sprintf(format, args...) + ". (BAD_ARGUMENTS)"}
}

// resetEach returns settings to their defaults one by one, for when a single
// SET could not: one bad name must not leave the others behind.
func (e *Engine) resetEach(settings map[string]string) {
	for name := range settings {
		if !settingNameRe.MatchString(name) {
			continue
		}
		if _, err := e.run("SET " + name + " = DEFAULT"); err != nil {
			e.log.Debug("clickhouse engine: reset per-call setting", slog.String("setting", name), slog.Any("err", err))
		}
	}
}

func (e *Engine) run(stmt string) ([]byte, error) {
	res := e.lib.queryN(e.conn, strPtr(stmt), uintptr(len(stmt)), strPtr("TabSeparated"), uintptr(len("TabSeparated")))
	runtime.KeepAlive(stmt)
	out, err := e.takeResult(res, stmt)
	if err != nil {
		return nil, err
	}
	data := slices.Clone(out.data)
	out.free()
	return data, nil
}

type result struct {
	e    *Engine
	res  uintptr
	data []byte
}

func (r result) free() { r.e.lib.destroyQueryResult(r.res) }

// takeResult turns an engine result into data or an *Error; on error the
// result is already freed.
func (e *Engine) takeResult(res uintptr, query string) (result, error) {
	if res == 0 {
		return result{}, fmt.Errorf("clickhouse engine: engine returned no result for %q", truncate(query))
	}
	if msg := e.lib.resultError(res); msg != "" {
		e.lib.destroyQueryResult(res)
		return result{}, parseError(msg)
	}
	return result{e: e, res: res, data: e.resultBytes(res)}, nil
}

var useWordRe = regexp.MustCompile(`(?i)\buse\b`)

var settingNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// setStatement renders settings as one SET statement, values as string
// literals (the engine converts them to each setting's type), or, with
// reset, as a return to the defaults.
func setStatement(settings map[string]string, reset bool) (string, error) {
	names := make([]string, 0, len(settings))
	for name := range settings {
		if !settingNameRe.MatchString(name) {
			return "", &Error{Code: 115, Message: fmt.Sprintf("Code: 115. DB::Exception: Setting name %q is not a valid identifier. (UNKNOWN_SETTING)", name)}
		}
		if strings.EqualFold(name, "readonly") {
			// Once applied, readonly would forbid the reset after the call.
			return "", &Error{Code: 164, Message: "Code: 164. DB::Exception: readonly cannot be set per call on a shared connection; check the statement with Classify instead. (READONLY)"}
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
		if reset {
			b.WriteString(" = DEFAULT")
		} else {
			b.WriteString(" = ")
			b.WriteString(QuoteString(settings[name]))
		}
	}
	return b.String(), nil
}

// QuoteString renders s as a ClickHouse string literal.
func QuoteString(s string) string {
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

// Close disconnects. Closing the last Engine of the process shuts the
// engine down; a later Open boots it again.
func (e *Engine) Close() error {
	e.sem <- struct{}{}
	defer e.release()
	if e.conn == 0 {
		return nil
	}
	libMu.Lock()
	defer libMu.Unlock()
	e.lib.closeConn(e.connPtr)
	e.conn = 0
	e.connPtr = nil
	openConns--
	e.log.Info("embedded ClickHouse engine disconnected", slog.String("data_dir", displayDir(e.dataDir)))
	return nil
}

func (e *Engine) resultBytes(res uintptr) []byte {
	n := e.lib.resultLength(res)
	if n == 0 {
		return nil
	}
	p := e.lib.resultBuffer(res)
	if p == nil {
		return nil
	}
	return unsafe.Slice(p, n)
}

func strPtr(s string) unsafe.Pointer {
	if s == "" {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

// withParams lays params out as the parallel C arrays the engine expects,
// pinned for the duration of call, in a stable order.
func withParams(params map[string]string, call func(names, nameLens, values, valueLens unsafe.Pointer, count uintptr)) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pin runtime.Pinner
	defer pin.Unpin()
	names := make([]*byte, len(keys))
	values := make([]*byte, len(keys))
	nameLens := make([]uintptr, len(keys))
	valueLens := make([]uintptr, len(keys))
	for i, k := range keys {
		// Zero-length strings still need a valid address.
		n := append([]byte(k), 0)
		v := append([]byte(params[k]), 0)
		pin.Pin(&n[0])
		pin.Pin(&v[0])
		names[i], values[i] = &n[0], &v[0]
		nameLens[i], valueLens[i] = uintptr(len(k)), uintptr(len(params[k]))
	}
	pin.Pin(&names[0])
	pin.Pin(&values[0])
	call(unsafe.Pointer(&names[0]), unsafe.Pointer(&nameLens[0]), unsafe.Pointer(&values[0]), unsafe.Pointer(&valueLens[0]), uintptr(len(keys)))
	runtime.KeepAlive(nameLens)
	runtime.KeepAlive(valueLens)
}

func truncate(q string) string {
	const max = 200
	if len(q) <= max {
		return q
	}
	return q[:max] + "..."
}
