package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openTest opens an engine on a fresh directory. One engine runs in a
// process at a time, so tests in this package do not run in parallel and
// each closes its engine before returning.
func openTest(t *testing.T, opts ...func(*Options)) *Engine {
	t.Helper()
	o := Options{DataDir: t.TempDir(), Logger: quiet}
	for _, f := range opts {
		f(&o)
	}
	e, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return e
}

var quiet = slog.New(slog.DiscardHandler)

func TestQuery(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		query, format, want string
	}{
		{"SELECT 1 + 1, 'x'", "TabSeparated", "2\tx\n"},
		{"SELECT number AS n FROM numbers(2)", "JSONEachRow", "{\"n\":0}\n{\"n\":1}\n"},
		{"SELECT 1 AS n FORMAT CSVWithNames", "TabSeparated", "\"n\"\n1\n"},
		// The query call is binary-safe: a NUL inside a literal survives.
		{"SELECT length('a\x00b')", "TabSeparated", "3\n"},
		{"CREATE TABLE t (a UInt8) ENGINE = Memory", "TabSeparated", ""},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got, err := e.Query(ctx, tc.query, tc.format)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"SELECT * FROM no_such_table", 60},
		{"SELEC 1", 62},
		{"SELECT throwIf(1, 'boom')", 395},
	} {
		t.Run(tc.query, func(t *testing.T) {
			_, err := e.Query(ctx, tc.query, "TabSeparated")
			var ee *Error
			if !errors.As(err, &ee) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			if ee.Code != tc.code || !strings.HasPrefix(ee.Message, fmt.Sprintf("Code: %d. DB::Exception: ", tc.code)) {
				t.Fatalf("got code %d message %q, want code %d", ee.Code, ee.Message, tc.code)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Query(cctx, "SELECT 1", "TSV"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Query with cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestInsertStreams(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	if _, err := e.Query(ctx, "CREATE TABLE t (k UInt64, s String) ENGINE = MergeTree ORDER BY k", "TSV"); err != nil {
		t.Fatal(err)
	}
	// Written in small pieces, larger than one append chunk in total.
	const rows = 300_000
	pr, pw := io.Pipe()
	go func() {
		for i := range rows {
			if _, err := fmt.Fprintf(pw, "%d,row-%d\n", i, i); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	n, err := e.Insert(ctx, "INSERT INTO t (k, s)", "CSV", pr)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if n != rows {
		t.Fatalf("rows written = %d, want %d", n, rows)
	}
	out, err := e.Query(ctx, "SELECT count(), sum(k), uniqExact(s) FROM t", "TSV")
	if err != nil || string(out) != fmt.Sprintf("%d\t%d\t%d\n", rows, rows*(rows-1)/2, rows) {
		t.Fatalf("read back %q, %v", out, err)
	}

	t.Run("bad data", func(t *testing.T) {
		_, err := e.Insert(ctx, "INSERT INTO t (k, s)", "CSV", strings.NewReader("1,a\nnot-a-number,b\n"))
		var ee *Error
		if !errors.As(err, &ee) || ee.Code != 27 {
			t.Fatalf("err = %v, want engine error 27", err)
		}
	})
	t.Run("unknown table", func(t *testing.T) {
		_, err := e.Insert(ctx, "INSERT INTO nope", "CSV", strings.NewReader("1\n"))
		var ee *Error
		if !errors.As(err, &ee) || ee.Code != 60 {
			t.Fatalf("err = %v, want engine error 60", err)
		}
	})
	t.Run("body read error", func(t *testing.T) {
		boom := errors.New("connection reset")
		_, err := e.Insert(ctx, "INSERT INTO t (k, s)", "CSV", io.MultiReader(strings.NewReader("1,a\n"), errReader{boom}))
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want wrapped %v", err, boom)
		}
	})
	t.Run("with params", func(t *testing.T) {
		n, err := e.Insert(ctx, "INSERT INTO {table:Identifier} (k, s)", "CSV",
			strings.NewReader("1000001,p\n"), WithParams(map[string]string{"table": "t"}))
		if err != nil || n != 1 {
			t.Fatalf("Insert with params = %d, %v", n, err)
		}
	})
	// Failed and cancelled inserts left nothing behind, and the connection
	// still works.
	out, err = e.Query(ctx, "SELECT count(), max(k) FROM t", "TSV")
	if err != nil || string(out) != fmt.Sprintf("%d\t1000001\n", rows+1) {
		t.Fatalf("after failures: %q, %v", out, err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestCallOptions(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	get := func(q string, opts ...CallOption) string {
		t.Helper()
		out, err := e.Query(ctx, q, "TSV", opts...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := get("SELECT {a:UInt32} * 2, {s:String}", WithParams(map[string]string{"a": "21", "s": `it\'s`})); got != "42\tit\\'s" {
		t.Fatalf("params: %q", got)
	}
	const setting = "SELECT value FROM system.settings WHERE name = 'max_block_size'"
	def := get(setting)
	if got := get(setting, WithSettings(map[string]string{"max_block_size": "777"})); got != "777" {
		t.Fatalf("setting applied = %q, want 777", got)
	}
	if got := get(setting); got != def {
		t.Fatalf("setting leaked: %q, want default %q", got, def)
	}
	_, err := e.Query(ctx, "SELECT 1", "TSV", WithSettings(map[string]string{"max_block_size; DROP": "1"}))
	var ee *Error
	if !errors.As(err, &ee) || ee.Code != 115 {
		t.Fatalf("invalid setting name: %v, want code 115", err)
	}

	_, err = e.Query(ctx, "SELECT 1", "TSV", WithSettings(map[string]string{"max_block_size": "555", "no_such_setting": "1"}))
	if !errors.As(err, &ee) || ee.Code != 115 {
		t.Fatalf("unknown setting: %v, want code 115", err)
	}
	if got := get(setting); got != def {
		t.Fatalf("setting from a failed SET leaked: %q, want default %q", got, def)
	}
	if _, err := e.Query(ctx, "SELECT 1", "TSV", WithSettings(map[string]string{"readonly": "1"})); !errors.As(err, &ee) || ee.Code != 164 {
		t.Fatalf("readonly per call: %v, want code 164", err)
	}
	get("CREATE DATABASE d1")
	get("CREATE TABLE d1.t (a UInt8) ENGINE = Memory")
	if got := get("SELECT currentDatabase(), count() FROM t", WithDatabase("d1")); got != "d1\t0" {
		t.Fatalf("WithDatabase: %q", got)
	}
	if got := get("SELECT currentDatabase()"); got != "default" {
		t.Fatalf("database leaked into the next call: %q", got)
	}
	// The database and settings travel with each call; statements that
	// would change a session are refused.
	for _, q := range []string{"USE system", "SET max_threads = 1", "SYSTEM DROP DNS CACHE", "KILL QUERY WHERE 1"} {
		if _, err := e.Query(ctx, q, "TSV"); !errors.As(err, &ee) || ee.Code != codeAccessDenied {
			t.Fatalf("%s: %v, want code %d", q, err, codeAccessDenied)
		}
	}
	if _, err := e.Query(ctx, "SELECT 1", "TSV", WithDatabase("missing")); !errors.As(err, &ee) || ee.Code != 81 {
		t.Fatalf("missing database: %v, want code 81", err)
	}
}

// A call's settings never outlive it, whatever they are: each call has a
// session of its own. In particular they do not replace what a session
// starts with (Options.MaxThreads) by the engine's default.
func TestPerCallSettingsEndWithTheCall(t *testing.T) {
	e := openTest(t, func(o *Options) { o.MaxThreads = 3; o.Reads.MaxThreads = 4 })
	ctx := context.Background()
	threads := func(opts ...CallOption) string {
		t.Helper()
		out, err := e.Query(ctx, "SELECT getSetting('max_threads')", "TSV", opts...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, role := range []struct {
		name string
		opts []CallOption
	}{{"write", nil}, {"read", []CallOption{AsReader()}}} {
		t.Run(role.name, func(t *testing.T) {
			if got := threads(role.opts...); got != "3" {
				t.Fatalf("max_threads = %s, want 3 (Options.MaxThreads)", got)
			}
			if got := threads(append(role.opts, WithSettings(map[string]string{"max_threads": "2"}))...); got != "2" {
				t.Fatalf("max_threads with the setting = %s, want 2", got)
			}
			if got := threads(role.opts...); got != "3" {
				t.Fatalf("max_threads after a call that set it = %s, want 3 again", got)
			}
		})
	}
	for _, tc := range []struct{ name, value string }{
		{"max_query_size", "10"}, {"max_parser_depth", "3"}, {"dialect", "kusto"},
	} {
		_, _ = e.Query(ctx, "SELECT number FROM numbers(3)", "TSV", WithSettings(map[string]string{tc.name: tc.value}))
		if out, err := e.Query(ctx, "SELECT count() FROM numbers(10)", "TSV"); err != nil || string(out) != "10\n" {
			t.Fatalf("after a call with %s=%q the next call answers %q, %v", tc.name, tc.value, out, err)
		}
	}
}

func TestQueryStream(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	const q = "SELECT number FROM numbers(1000000)"
	whole, err := e.Query(ctx, q, "TSV")
	if err != nil {
		t.Fatal(err)
	}
	var streamed, chunks int
	err = e.QueryStream(ctx, q, "TSV", func(c []byte) error {
		streamed += len(c)
		chunks++
		return nil
	})
	if err != nil || streamed != len(whole) || chunks < 2 {
		t.Fatalf("streamed %d bytes in %d chunks (%v), want %d bytes in several", streamed, chunks, err, len(whole))
	}
	stop := errors.New("enough")
	if err := e.QueryStream(ctx, q, "TSV", func([]byte) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("early stop = %v", err)
	}
	if err := e.QueryStream(ctx, "SELECT * FROM nope", "TSV", func([]byte) error { return nil }); err == nil {
		t.Fatal("stream of a bad query succeeded")
	}
	if out, err := e.Query(ctx, "SELECT 1", "TSV"); err != nil || string(out) != "1\n" {
		t.Fatalf("after cancelled stream: %q, %v", out, err)
	}
}

func TestClassify(t *testing.T) {
	e := openTest(t)
	deep := "CREATE TABLE y ENGINE = Memory AS SELECT " + strings.Repeat("(", 1010) + "1" + strings.Repeat(")", 1010) + " AS a"
	deepParser := WithSettings(map[string]string{"max_parser_depth": "100000", "max_parser_backtracks": "1000000000"})
	for _, tc := range []struct {
		q    string
		opts []CallOption
		want classification
	}{
		{"SELECT 1", nil, classification{1, readOnly}},
		{"CREATE TABLE x (a UInt8) ENGINE = Memory", nil, classification{1, mutating}},
		{"SELECT 1; SELECT 2", nil, classification{2, readOnly}},
		{"USE system", nil, classification{1, control}},
		{"SELECT 1 INTO OUTFILE 'x'", nil, classification{1, control}},
		{"SELEC 1", nil, classification{0, unparsed}},
		// The parser runs under the call's settings, as the statement would.
		{deep, nil, classification{0, unparsed}},
		{deep, []CallOption{deepParser}, classification{1, mutating}},
	} {
		s, err := connect(e.lib, e.baseArgs())
		if err != nil {
			t.Fatal(err)
		}
		c := newCall(tc.q, tc.opts)
		if len(c.settings) > 0 {
			stmt, _ := setStatement(c.settings)
			if _, err := s.run(stmt); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.classify(tc.q)
		s.close()
		if err != nil || got != tc.want {
			t.Errorf("classify(%.60q, %d options) = %+v, %v; want %+v", tc.q, len(tc.opts), got, err, tc.want)
		}
	}
}

func TestOpenLifecycle(t *testing.T) {
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	a1, err := Open(ctx, Options{DataDir: dirA, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Query(ctx, "CREATE TABLE kept (a UInt8) ENGINE = MergeTree ORDER BY a", "TSV"); err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Insert(ctx, "INSERT INTO kept", "CSV", strings.NewReader("7\n")); err != nil {
		t.Fatal(err)
	}
	// One engine per process: its configuration is the process's.
	for _, dir := range []string{dirA, dirB} {
		if _, err := Open(ctx, Options{DataDir: dir, Logger: quiet}); err == nil || !strings.Contains(err.Error(), "close it before") {
			t.Fatalf("Open on %s while one is live = %v, want refusal", dir, err)
		}
	}
	if err := a1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a1.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := a1.Query(ctx, "SELECT 1", "TSV"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Query after Close = %v, want ErrClosed", err)
	}
	if err := a1.Ping(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ping after Close = %v, want ErrClosed", err)
	}
	// With the engine closed, it starts again on another path...
	b, err := Open(ctx, Options{DataDir: dirB, Logger: quiet})
	if err != nil {
		t.Fatalf("Open on a new dir after close: %v", err)
	}
	if out, err := b.Query(ctx, "EXISTS TABLE kept", "TSV"); err != nil || string(out) != "0\n" {
		t.Fatalf("new dir sees %q, %v", out, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// ...and data written earlier is still on disk.
	a3, err := Open(ctx, Options{DataDir: dirA, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a3.Close()
	if out, err := a3.Query(ctx, "SELECT sum(a) FROM kept", "TSV", AsReader()); err != nil || string(out) != "7\n" {
		t.Fatalf("reopened dir sees %q, %v", out, err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	e := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			out, err := e.Query(ctx, fmt.Sprintf("SELECT %d + {x:UInt8}", i), "TSV", WithParams(map[string]string{"x": "1"}))
			if err == nil && string(out) != fmt.Sprintf("%d\n", i+1) {
				err = fmt.Errorf("goroutine %d got %q", i, out)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestLibraryPath(t *testing.T) {
	t.Run("env override missing", func(t *testing.T) {
		t.Setenv(LibraryEnv, filepath.Join(t.TempDir(), "libchdb.so"))
		_, err := LibraryPath()
		if err == nil || !strings.Contains(err.Error(), "make setup") {
			t.Fatalf("err = %v, want a hint to run make setup", err)
		}
	})
	t.Run("empty cache", func(t *testing.T) {
		t.Setenv(LibraryEnv, "")
		t.Setenv("AURIGRAPH_CACHE", t.TempDir())
		_, err := LibraryPath()
		if err == nil || !strings.Contains(err.Error(), "make setup") {
			t.Fatalf("err = %v, want a hint to run make setup", err)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "libchdb.so")
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(LibraryEnv, p)
		if _, err := LibraryPath(); err == nil || !strings.Contains(err.Error(), "make setup") {
			t.Fatalf("err = %v, want a hint to run make setup", err)
		}
	})
	t.Run("installed", func(t *testing.T) {
		p, err := LibraryPath()
		if err != nil {
			t.Fatalf("the engine library is required for these tests: %v", err)
		}
		if !strings.HasSuffix(p, "libchdb.so") {
			t.Fatalf("path %q", p)
		}
	})
}

func FuzzParseError(f *testing.F) {
	for _, s := range []string{
		"Code: 60. DB::Exception: Unknown table. (UNKNOWN_TABLE)",
		"  Code: 1. x", "Code: 99999999999999999999. x", "plain", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := parseError(s)
		if e.Code <= 0 {
			t.Fatalf("code %d for %q", e.Code, s)
		}
		// Clients parse the code back out of the message; it must agree.
		if again := parseError(e.Message); again.Code != e.Code || again.Message != e.Message {
			t.Fatalf("message %q reparses as %+v, want code %d", e.Message, again, e.Code)
		}
	})
}

func FuzzSetStatement(f *testing.F) {
	f.Add("max_threads", "4")
	f.Add("x'; DROP TABLE t; --", "v")
	f.Add("insert_deduplication_token", "a'b\\c\x00\n")
	f.Fuzz(func(t *testing.T, name, value string) {
		stmt, err := setStatement(map[string]string{name: value})
		if err != nil {
			return
		}
		// The value is one well-formed literal: unescaped quotes never end it early.
		lit := strings.TrimPrefix(stmt, "SET "+name+" = ")
		if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
			t.Fatalf("literal %q", lit)
		}
		body := lit[1 : len(lit)-1]
		for i := 0; i < len(body); i++ {
			switch body[i] {
			case '\\':
				i++
			case '\'', 0, '\n', '\r':
				t.Fatalf("unescaped %q at %d in %q", body[i], i, lit)
			}
		}
	})
}

func TestMaxThreadsCapsQueries(t *testing.T) {
	e := openTest(t, func(o *Options) { o.MaxThreads = 1; o.Reads.MaxThreads = 2 })
	ctx := context.Background()
	for _, opts := range [][]CallOption{nil, {AsReader()}} {
		out, err := e.Query(ctx, "SELECT getSetting('max_threads')", "TSV", opts...)
		if err != nil || strings.TrimSpace(string(out)) != "1" {
			t.Fatalf("max_threads = %q, %v; want 1", out, err)
		}
		out, err = e.Query(ctx, "SELECT getSetting('max_threads') SETTINGS max_threads = 2", "TSV", opts...)
		if err != nil || strings.TrimSpace(string(out)) != "2" {
			t.Fatalf("a query raising max_threads got %q, %v; want 2", out, err)
		}
		// Reads.MaxThreads is as far as any query may raise it.
		_, err = e.Query(ctx, "SELECT 1 SETTINGS max_threads = 3", "TSV", opts...)
		var ee *Error
		if !errors.As(err, &ee) || ee.Code != codeSettingConstraintViolation {
			t.Fatalf("max_threads above the ceiling: %v, want code %d", err, codeSettingConstraintViolation)
		}
	}
	if _, err := Open(context.Background(), Options{MaxThreads: -1, Logger: quiet}); err == nil {
		t.Fatal("Open with MaxThreads -1 succeeded")
	}
}
