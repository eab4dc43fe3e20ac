package engine

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"unsafe"
)

// session is one connection to the embedded engine: a ClickHouse session of
// its own, with its own settings and current database, that runs one
// statement at a time. Connections are cheap (well under a millisecond), so
// every call gets a fresh one and nothing a call changes outlives it.
type session struct {
	lib  *library
	ptr  *uintptr
	conn uintptr
}

// connect opens a session. args are clickhouse-local style arguments
// (--name=value); on an engine that is already up only settings among them
// apply, and they apply to this session alone without being checked against
// the engine's constraints, so they must never carry a caller's values.
func connect(lib *library, args []string) (*session, error) {
	var pin runtime.Pinner
	argv := make([]*byte, len(args)+1)
	for i, a := range args {
		b := append([]byte(a), 0)
		pin.Pin(&b[0])
		argv[i] = &b[0]
	}
	pin.Pin(&argv[0])
	ptr := lib.connect(int32(len(args)), unsafe.Pointer(&argv[0]))
	pin.Unpin()
	if ptr == nil || *ptr == 0 {
		return nil, fmt.Errorf("clickhouse engine: connect failed; check that the data directory is writable and not used by another process")
	}
	return &session{lib: lib, ptr: ptr, conn: *ptr}, nil
}

func (s *session) close() {
	s.lib.closeConn(s.ptr)
	s.conn = 0
}

// The engine's entry points that start a statement, without and with
// query parameters.
type (
	startFunc       func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr) uintptr
	startParamsFunc func(conn uintptr, query unsafe.Pointer, queryLen uintptr, format unsafe.Pointer, formatLen uintptr,
		names, nameLens, values, valueLens unsafe.Pointer, count uintptr) uintptr
)

// start starts query through plain, or through withParams when it has
// parameters, and returns the engine's handle to the result or stream.
func (s *session) start(query, format string, params map[string]string, plain startFunc, withParams startParamsFunc) uintptr {
	var h uintptr
	if len(params) == 0 {
		h = plain(s.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)))
	} else {
		layParams(params, func(n, nl, v, vl unsafe.Pointer, count uintptr) {
			h = withParams(s.conn, strPtr(query), uintptr(len(query)), strPtr(format), uintptr(len(format)), n, nl, v, vl, count)
		})
	}
	runtime.KeepAlive(query)
	runtime.KeepAlive(format)
	return h
}

// run executes a statement of this package's own and returns its output as
// TabSeparated.
func (s *session) run(stmt string) ([]byte, error) {
	return s.query(stmt, "TabSeparated", nil)
}

// query runs one statement and returns its whole output in format.
func (s *session) query(query, format string, params map[string]string) ([]byte, error) {
	res := s.start(query, format, params, s.lib.queryN, s.lib.queryWithParamsN)
	out, err := s.takeResult(res, query)
	if err != nil {
		return nil, err
	}
	data := slices.Clone(out.data)
	out.free()
	return data, nil
}

// stream runs one statement and hands its output to fn chunk by chunk. A
// chunk is only valid during the call. An error from fn, or the end of ctx
// between chunks, cancels the query; a chunk still being computed is ended
// by killing the query from another session.
func (s *session) stream(ctx context.Context, query, format string, params map[string]string, fn func([]byte) error) error {
	stream := s.start(query, format, params, s.lib.streamQueryN, s.lib.streamQueryParamsN)
	if stream == 0 {
		return fmt.Errorf("clickhouse engine: no stream for query %q", truncate(query))
	}
	defer s.lib.destroyQueryResult(stream)
	if msg := s.lib.resultError(stream); msg != "" {
		if !strings.Contains(msg, streamingUnsupported) {
			return parseError(msg)
		}
		// The engine streams only what a SELECT produces; everything else
		// (DDL, INSERT ... SELECT, SHOW, ...) has a small output and is
		// run whole. Nothing ran yet.
		out, err := s.query(query, format, params)
		if err != nil || len(out) == 0 {
			return err
		}
		return fn(out)
	}
	for {
		if err := ctx.Err(); err != nil {
			s.lib.streamCancelQuery(s.conn, stream)
			return fmt.Errorf("clickhouse engine: query %q: %w", truncate(query), err)
		}
		chunk, err := s.takeResult(s.lib.streamFetchResult(s.conn, stream), query)
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
			s.lib.streamCancelQuery(s.conn, stream)
			return err
		}
	}
}

// streamingUnsupported is how the engine refuses to stream a statement.
const streamingUnsupported = "Streaming query is not supported"

// insertChunk bounds how much of an insert body is handed to the engine per
// call, so memory stays flat however large the body is.
const insertChunk = 1 << 20

// insert streams body, encoded in format, into an INSERT statement that has
// no FORMAT clause or inline data, and returns the rows written.
func (s *session) insert(ctx context.Context, query, format string, params map[string]string, body io.Reader) (uint64, error) {
	stream := s.start(query, format, params, s.lib.streamInsertN, s.lib.streamInsertParamsN)
	if stream == 0 {
		return 0, fmt.Errorf("clickhouse engine: no insert stream for %q", truncate(query))
	}
	defer s.lib.destroyInsertStream(stream)
	if msg := s.lib.streamInsertError(stream); msg != "" {
		return 0, parseError(msg)
	}
	buf := make([]byte, insertChunk)
	for {
		if err := ctx.Err(); err != nil {
			s.lib.streamCancelInsert(stream)
			return 0, fmt.Errorf("clickhouse engine: insert %q: %w", truncate(query), err)
		}
		n, rerr := io.ReadFull(body, buf)
		if n > 0 && s.lib.streamAppend(stream, unsafe.Pointer(&buf[0]), uintptr(n)) != 0 {
			msg := s.lib.streamInsertError(stream)
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
			s.lib.streamCancelInsert(stream)
			return 0, fmt.Errorf("clickhouse engine: read insert body for %q: %w", truncate(query), rerr)
		}
	}
	res := s.lib.streamDone(stream)
	if res == 0 {
		if msg := s.lib.streamInsertError(stream); msg != "" {
			return 0, parseError(msg)
		}
	}
	out, err := s.takeResult(res, query)
	if err != nil {
		return 0, err
	}
	rows := s.lib.resultRowsWritten(res)
	out.free()
	return rows, nil
}

// queryClass says what a statement does to state that outlives it.
type queryClass uint32

// Classes as decided by the engine's own parser.
const (
	readOnly       queryClass = 0 // SELECT, SHOW, DESCRIBE, EXPLAIN, EXISTS, CHECK
	mutating       queryClass = 1 // INSERT, CREATE, ALTER, DROP, TRUNCATE, OPTIMIZE, ...
	mutatingGlobal queryClass = 2 // UDFs, access control, writes into system
	control        queryClass = 3 // USE, SET, SYSTEM, BACKUP, KILL, INTO OUTFILE, ...
	unparsed       queryClass = 4 // did not parse
)

// classification is the engine parser's verdict on a text, without running it.
type classification struct {
	statements int
	class      queryClass
}

// queryAnalysis mirrors chdb_query_analysis_v1.
type queryAnalysis struct {
	structSize     uint32
	statementCount uint32
	flags          uint32
	class          uint32
}

// classify parses query under the session's settings, which change what the
// parser accepts, and reports how many statements it holds and what they do.
func (s *session) classify(query string) (classification, error) {
	a := queryAnalysis{structSize: uint32(unsafe.Sizeof(queryAnalysis{}))}
	st := s.lib.classifyQueryN(s.conn, strPtr(query), uintptr(len(query)), nil, 0, unsafe.Pointer(&a))
	runtime.KeepAlive(query)
	if st != 0 {
		return classification{}, fmt.Errorf("clickhouse engine: classify %q failed", truncate(query))
	}
	return classification{statements: int(a.statementCount), class: queryClass(a.class)}, nil
}

type result struct {
	s    *session
	res  uintptr
	data []byte
}

func (r result) free() { r.s.lib.destroyQueryResult(r.res) }

// takeResult turns an engine result into data or an *Error; on error the
// result is already freed.
func (s *session) takeResult(res uintptr, query string) (result, error) {
	if res == 0 {
		return result{}, fmt.Errorf("clickhouse engine: no result for %q", truncate(query))
	}
	if msg := s.lib.resultError(res); msg != "" {
		s.lib.destroyQueryResult(res)
		return result{}, parseError(msg)
	}
	return result{s: s, res: res, data: s.resultBytes(res)}, nil
}

func (s *session) resultBytes(res uintptr) []byte {
	n := s.lib.resultLength(res)
	if n == 0 {
		return nil
	}
	p := s.lib.resultBuffer(res)
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

// layParams lays params out as the parallel C arrays the engine expects,
// pinned for the duration of call, in a stable order.
func layParams(params map[string]string, call func(names, nameLens, values, valueLens unsafe.Pointer, count uintptr)) {
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
