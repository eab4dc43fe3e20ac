package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp/chhttptest"
	"github.com/aurigraph/aurigraph/projector"
)

var testConn driver.Conn

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dsn, stop, err := chhttptest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer stop()
	if testConn, err = projector.OpenClickHouse(dsn); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// rows is a query over every column kind the exporter carries; more rows
// than one batch, so batching shows.
const rows = BatchRows + 1234

var query = fmt.Sprintf(`SELECT number + 1 AS height, concat('tx-', toString(number + 1)) AS id, toUInt32(number %% 1000) AS amount,
	toInt64(number) - 500 AS delta, number / 7 AS ratio, fromUnixTimestamp64Milli(toInt64(1764590400000 + number)) AS at,
	CAST(if(number %% 10 = 0, 'failed', 'committed'), 'Enum8(\'committed\' = 1, \'failed\' = 2)') AS status, CAST(number %% 2 = 0, 'Bool') AS ok
	FROM numbers(%d)`, rows)

var wantColumns = []string{"height", "id", "amount", "delta", "ratio", "at", "status", "ok"}

func export(t *testing.T, f Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := Query(t.Context(), testConn, &buf, f, query)
	if err != nil {
		t.Fatalf("export %s: %v", f, err)
	}
	if n != rows {
		t.Fatalf("export %s wrote %d rows, want %d", f, n, rows)
	}
	return buf.Bytes()
}

func TestExportsReadBackInEveryFormat(t *testing.T) {
	t.Run("csv", func(t *testing.T) {
		recs, err := csv.NewReader(bytes.NewReader(export(t, CSV))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != strings.Join(wantColumns, ",") || len(recs) != rows+1 {
			t.Fatalf("header %v and %d records", recs[0], len(recs))
		}
		if got := strings.Join(recs[11], ","); got != "11,tx-11,10,-490,1.4285714285714286,2025-12-01T12:00:00.01Z,failed,true" {
			t.Fatalf("row 11 = %s", got)
		}
	})
	t.Run("json", func(t *testing.T) {
		var out []map[string]any
		if err := json.Unmarshal(export(t, JSON), &out); err != nil {
			t.Fatal(err)
		}
		if len(out) != rows || out[0]["id"] != "tx-1" || out[0]["ok"] != true || out[0]["at"] != "2025-12-01T12:00:00Z" {
			t.Fatalf("%d objects, first %v", len(out), out[0])
		}
	})
	t.Run("ndjson", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(string(export(t, NDJSON))), "\n")
		if len(lines) != rows || !json.Valid([]byte(lines[rows-1])) {
			t.Fatalf("%d lines", len(lines))
		}
	})
	t.Run("arrow", func(t *testing.T) {
		r, err := ipc.NewReader(bytes.NewReader(export(t, Arrow)))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Release()
		checkSchema(t, r.Schema())
		var n, batches int64
		for r.Next() {
			rec := r.Record()
			if batches == 0 {
				if got := rec.Column(1).(*array.String).Value(2); got != "tx-3" {
					t.Fatalf("id of row 3 = %q", got)
				}
			}
			n += rec.NumRows()
			batches++
		}
		if n != rows || batches != 2 {
			t.Fatalf("%d rows in %d batches, want %d in 2", n, batches, rows)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		pf, err := file.NewParquetReader(bytes.NewReader(export(t, Parquet)))
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Release()
		checkSchema(t, tbl.Schema())
		if tbl.NumRows() != rows || pf.NumRowGroups() != 2 {
			t.Fatalf("%d rows in %d row groups", tbl.NumRows(), pf.NumRowGroups())
		}
	})
}

// JSON readers hold integers exactly only up to 2^53, so JSON and NDJSON
// write larger ones as decimal strings, as every JSON face of the API does.
func TestJSONKeepsLargeIntegersExact(t *testing.T) {
	const sql = `SELECT toUInt64(9007199254740993) AS amount, toUInt64(18446744073709551615) AS max, toUInt64(9007199254740991) AS safe,
		toInt64(-9007199254740993) AS neg, toInt64(-5) AS small, 'a"<b' AS s`
	const want = `{"amount":"9007199254740993","max":"18446744073709551615","safe":9007199254740991,"neg":"-9007199254740993","small":-5,"s":"a\"\u003cb"}`
	for _, f := range []Format{JSON, NDJSON} {
		var buf bytes.Buffer
		if _, err := Query(t.Context(), testConn, &buf, f, sql); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), want+"\n") {
			t.Errorf("%s export:\n%s\nwant the row %s", f, buf.String(), want)
		}
	}
}

func checkSchema(t *testing.T, s *arrow.Schema) {
	t.Helper()
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != strings.Join(wantColumns, ",") {
		t.Fatalf("columns %v, want %v", names, wantColumns)
	}
	if ts, ok := s.Field(5).Type.(*arrow.TimestampType); !ok || ts.Unit != arrow.Millisecond || ts.TimeZone != "UTC" {
		t.Fatalf("at is %v, want timestamp[ms, UTC]", s.Field(5).Type)
	}
}

func TestEmptyResultStillHasItsColumns(t *testing.T) {
	for _, f := range Formats {
		var buf bytes.Buffer
		n, err := Query(t.Context(), testConn, &buf, f, "SELECT number AS n FROM numbers(0)")
		// No rows is an empty file in NDJSON; the others still say what
		// the columns would have been (or, for JSON, that there are none).
		if err != nil || n != 0 || (buf.Len() == 0) != (f == NDJSON) {
			t.Fatalf("%s: %d rows, %d bytes, %v", f, n, buf.Len(), err)
		}
	}
	if _, err := Query(t.Context(), testConn, &bytes.Buffer{}, CSV, "SELECT CAST(NULL, 'Nullable(UInt8)') AS x"); err == nil || !strings.Contains(err.Error(), "ifNull") {
		t.Fatalf("a nullable column: %v, want advice to use ifNull", err)
	}
}

// TestReferenceReadersOpenExports runs pyarrow on the files. CI installs
// it and sets AURIGRAPH_REQUIRE_PYTHON=1, so there it cannot be skipped.
func TestReferenceReadersOpenExports(t *testing.T) {
	if err := exec.Command("python3", "-c", "import pyarrow").Run(); err != nil {
		if os.Getenv("AURIGRAPH_REQUIRE_PYTHON") != "" {
			t.Fatalf("python3 with pyarrow is required here: %v (pip install pyarrow)", err)
		}
		t.Skip("python3 with pyarrow not installed (pip install pyarrow); CI runs this")
	}
	dir := t.TempDir()
	for _, f := range []Format{CSV, JSON, Arrow, Parquet} {
		if err := os.WriteFile(filepath.Join(dir, "out."+string(f)), export(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("python3", "testdata/read_exports.py", dir, fmt.Sprint(rows)).CombinedOutput()
	if err != nil {
		t.Fatalf("pyarrow could not read the exports: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
