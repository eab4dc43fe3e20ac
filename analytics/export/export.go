// Package export streams the result of a ClickHouse query as CSV, JSON,
// newline-delimited JSON, an Arrow IPC stream or Parquet, a batch at a
// time: an export of a billion rows holds one batch in memory, not the
// result.
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/aurigraph/aurigraph/schemas"
)

// Format is an output format.
type Format string

// The formats Write produces.
const (
	CSV     Format = "csv"     // RFC 4180 with a header row
	JSON    Format = "json"    // one array of objects
	NDJSON  Format = "ndjson"  // one object per line
	Arrow   Format = "arrow"   // Arrow IPC stream
	Parquet Format = "parquet" // Parquet file, Snappy-compressed
)

// Formats lists every format.
var Formats = []Format{CSV, JSON, NDJSON, Arrow, Parquet}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("export: format %q: use one of csv, json, ndjson, arrow, parquet", s)
}

// ContentType is the media type of f for HTTP responses.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case JSON:
		return "application/json"
	case NDJSON:
		return "application/x-ndjson"
	case Arrow:
		return "application/vnd.apache.arrow.stream"
	default:
		return "application/vnd.apache.parquet"
	}
}

// BatchRows is how many rows are buffered per Arrow record batch and
// Parquet row group.
const BatchRows = 64 << 10

// kind is how a ClickHouse column is carried: every integer width widens
// to 64 bits, enums and fixed strings become strings.
type kind int

const (
	kindString kind = iota
	kindInt
	kindUint
	kindFloat
	kindTime
	kindBool
)

type column struct {
	name string
	kind kind
	scan reflect.Type
}

func columnKind(dbType string) (kind, error) {
	t := dbType
	for _, wrap := range []string{"LowCardinality(", "Nullable("} {
		if strings.HasPrefix(t, wrap) {
			if wrap == "Nullable(" {
				return 0, fmt.Errorf("column type %s: nullable columns are not exported; wrap it in ifNull(...)", dbType)
			}
			t = strings.TrimSuffix(strings.TrimPrefix(t, wrap), ")")
		}
	}
	switch {
	case t == "String" || strings.HasPrefix(t, "FixedString") || strings.HasPrefix(t, "Enum") || t == "UUID":
		return kindString, nil
	case strings.HasPrefix(t, "UInt"):
		return kindUint, nil
	case strings.HasPrefix(t, "Int"):
		return kindInt, nil
	case strings.HasPrefix(t, "Float") || strings.HasPrefix(t, "Decimal"):
		return kindFloat, nil
	case strings.HasPrefix(t, "DateTime") || t == "Date" || t == "Date32":
		return kindTime, nil
	case t == "Bool":
		return kindBool, nil
	}
	return 0, fmt.Errorf("column type %s cannot be exported: cast it to a string or number", dbType)
}

// Query runs sql on conn and writes its rows to w in format f. It returns
// the number of rows written.
func Query(ctx context.Context, conn driver.Conn, w io.Writer, f Format, sql string, args ...any) (int64, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("export: query: %w", err)
	}
	defer rows.Close()
	var cols []column
	for _, ct := range rows.ColumnTypes() {
		k, err := columnKind(ct.DatabaseTypeName())
		if err != nil {
			return 0, fmt.Errorf("export: column %s: %w", ct.Name(), err)
		}
		cols = append(cols, column{name: ct.Name(), kind: k, scan: ct.ScanType()})
	}
	out, err := newWriter(w, f, cols)
	if err != nil {
		return 0, err
	}
	dest := make([]any, len(cols))
	for i, c := range cols {
		dest[i] = reflect.New(c.scan).Interface()
	}
	vals := make([]value, len(cols))
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("export: row %d: %w", n+1, err)
		}
		for i, c := range cols {
			vals[i] = toValue(c.kind, reflect.ValueOf(dest[i]).Elem())
		}
		if err := out.row(vals); err != nil {
			return n, fmt.Errorf("export: write row %d: %w", n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export: read rows: %w", err)
	}
	if err := out.close(); err != nil {
		return n, fmt.Errorf("export: finish %s: %w", f, err)
	}
	return n, nil
}

// ColumnType is the type of a Table column.
type ColumnType int

// Column types of a Table; integers are 64 bits.
const (
	String ColumnType = ColumnType(kindString)
	Int    ColumnType = ColumnType(kindInt)
	Uint   ColumnType = ColumnType(kindUint)
	Float  ColumnType = ColumnType(kindFloat)
	Time   ColumnType = ColumnType(kindTime)
	Bool   ColumnType = ColumnType(kindBool)
)

// Column names and types one column of a Table.
type Column struct {
	Name string
	Type ColumnType
}

// Table writes rows that are not a query's, such as an analytics result,
// in any format.
type Table struct {
	cols []column
	out  rowWriter
	vals []value
}

// NewTable starts writing a table with cols to w in format f.
func NewTable(w io.Writer, f Format, cols []Column) (*Table, error) {
	t := &Table{cols: make([]column, len(cols)), vals: make([]value, len(cols))}
	for i, c := range cols {
		t.cols[i] = column{name: c.Name, kind: kind(c.Type)}
	}
	out, err := newWriter(w, f, t.cols)
	if err != nil {
		return nil, err
	}
	t.out = out
	return t, nil
}

// Row writes one row: a value per column, of the column's Go type (string,
// int64, uint64, float64, time.Time, bool).
func (t *Table) Row(values ...any) error {
	if len(values) != len(t.cols) {
		return fmt.Errorf("export: row of %d values for %d columns", len(values), len(t.cols))
	}
	for i, c := range t.cols {
		v, ok := cellOf(c.kind, values[i])
		if !ok {
			return fmt.Errorf("export: column %s: %T is not its type", c.name, values[i])
		}
		t.vals[i] = v
	}
	return t.out.row(t.vals)
}

// Close finishes the output (the JSON array's end, the Parquet footer).
func (t *Table) Close() error { return t.out.close() }

func cellOf(k kind, v any) (value, bool) {
	switch x := v.(type) {
	case string:
		return value{s: x}, k == kindString
	case int64:
		return value{i: x}, k == kindInt
	case uint64:
		return value{u: x}, k == kindUint
	case float64:
		return value{f: x}, k == kindFloat
	case time.Time:
		return value{t: x.UTC()}, k == kindTime
	case bool:
		return value{b: x}, k == kindBool
	}
	return value{}, false
}

// value is one cell, in the field its kind uses.
type value struct {
	s string
	i int64
	u uint64
	f float64
	t time.Time
	b bool
}

func toValue(k kind, v reflect.Value) value {
	switch k {
	case kindString:
		if s, ok := v.Interface().(fmt.Stringer); ok && v.Kind() != reflect.String {
			return value{s: s.String()}
		}
		return value{s: v.String()}
	case kindInt:
		return value{i: v.Int()}
	case kindUint:
		return value{u: v.Uint()}
	case kindFloat:
		if v.CanFloat() {
			return value{f: v.Float()}
		}
		f, _ := strconv.ParseFloat(fmt.Sprint(v.Interface()), 64)
		return value{f: f}
	case kindTime:
		return value{t: v.Interface().(time.Time).UTC()}
	default:
		return value{b: v.Bool()}
	}
}

type rowWriter interface {
	row([]value) error
	close() error
}

func newWriter(w io.Writer, f Format, cols []column) (rowWriter, error) {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = c.name
		}
		if err := cw.Write(header); err != nil {
			return nil, err
		}
		return &csvWriter{w: cw, cols: cols, rec: make([]string, len(cols))}, nil
	case JSON, NDJSON:
		return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10), cols: cols, array: f == JSON}, nil
	case Arrow, Parquet:
		return newArrowWriter(w, f, cols)
	}
	return nil, fmt.Errorf("export: format %q: use one of csv, json, ndjson, arrow, parquet", f)
}

func text(c column, v value) string {
	switch c.kind {
	case kindString:
		return v.s
	case kindInt:
		return strconv.FormatInt(v.i, 10)
	case kindUint:
		return strconv.FormatUint(v.u, 10)
	case kindFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case kindTime:
		return v.t.Format(time.RFC3339Nano)
	default:
		return strconv.FormatBool(v.b)
	}
}

type csvWriter struct {
	w    *csv.Writer
	cols []column
	rec  []string
}

func (c *csvWriter) row(vals []value) error {
	for i, col := range c.cols {
		c.rec[i] = text(col, vals[i])
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	return c.w.Error()
}

// jsonWriter writes integers as the API's JSON does everywhere: numbers
// within ±(2^53-1), which every reader holds exactly, decimal strings beyond.
type jsonWriter struct {
	w     *bufio.Writer
	cols  []column
	array bool
	n     int
	buf   []byte
}

func (j *jsonWriter) row(vals []value) error {
	b := j.buf[:0]
	switch {
	case j.array && j.n == 0:
		b = append(b, "[\n"...)
	case j.array:
		b = append(b, ",\n"...)
	}
	b = append(b, '{')
	for i, c := range j.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = schemas.AppendString(b, c.name)
		b = append(b, ':')
		v := vals[i]
		switch c.kind {
		case kindString:
			b = schemas.AppendString(b, v.s)
		case kindUint:
			b = schemas.AppendUint(b, v.u)
		case kindInt:
			b = schemas.AppendInt(b, v.i)
		case kindTime:
			b = strconv.AppendQuote(b, v.t.Format(time.RFC3339Nano))
		case kindFloat:
			if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, v.f, 'g', -1, 64)
			}
		default:
			b = append(b, text(c, v)...)
		}
	}
	b = append(b, '}')
	if !j.array {
		b = append(b, '\n')
	}
	j.buf = b
	j.n++
	_, err := j.w.Write(b)
	return err
}

func (j *jsonWriter) close() error {
	if j.array {
		if j.n == 0 {
			j.w.WriteString("[")
		}
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// arrowWriter buffers BatchRows rows in builders and hands each batch to an
// IPC stream or a Parquet row group.
type arrowWriter struct {
	cols    []column
	schema  *arrow.Schema
	builder *array.RecordBuilder
	rows    int
	batches int
	write   func(arrow.Record) error
	finish  func() error
}

func arrowType(k kind) arrow.DataType {
	switch k {
	case kindString:
		return arrow.BinaryTypes.String
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindUint:
		return arrow.PrimitiveTypes.Uint64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindTime:
		return &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	default:
		return arrow.FixedWidthTypes.Boolean
	}
}

func newArrowWriter(w io.Writer, f Format, cols []column) (*arrowWriter, error) {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: arrowType(c.kind)}
	}
	schema := arrow.NewSchema(fields, nil)
	aw := &arrowWriter{cols: cols, schema: schema, builder: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	if f == Arrow {
		iw := ipc.NewWriter(w, ipc.WithSchema(schema))
		aw.write, aw.finish = iw.Write, iw.Close
		return aw, nil
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(BatchRows))
	pw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("export: parquet writer: %w", err)
	}
	aw.write = pw.Write
	aw.finish = pw.Close
	return aw, nil
}

func (a *arrowWriter) row(vals []value) error {
	for i, c := range a.cols {
		v := vals[i]
		switch b := a.builder.Field(i).(type) {
		case *array.StringBuilder:
			b.Append(v.s)
		case *array.Int64Builder:
			b.Append(v.i)
		case *array.Uint64Builder:
			b.Append(v.u)
		case *array.Float64Builder:
			b.Append(v.f)
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v.t.UnixMilli()))
		case *array.BooleanBuilder:
			b.Append(v.b)
		default:
			return fmt.Errorf("column %s: no builder for kind %d", c.name, c.kind)
		}
	}
	if a.rows++; a.rows >= BatchRows {
		return a.flush()
	}
	return nil
}

func (a *arrowWriter) flush() error {
	rec := a.builder.NewRecord()
	defer rec.Release()
	a.rows = 0
	a.batches++
	return a.write(rec)
}

func (a *arrowWriter) close() error {
	defer a.builder.Release()
	// An empty result still gets one batch, so readers of both formats
	// see the schema the same way.
	if a.rows > 0 || a.batches == 0 {
		if err := a.flush(); err != nil {
			return err
		}
	}
	return a.finish()
}
