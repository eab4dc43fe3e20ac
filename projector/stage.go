package projector

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// staged is one table's insert of a batch, built in the driver's columns
// while the batch fills: each block's rows are copied in as the block
// arrives, so that the insert only sends. Copying a second of rows at once
// (tens of megabytes, grown by doubling) took 40 to 100 ms of a core in
// one burst and drew the collector's assists onto every goroutine; in dev
// at half the maximum rate, commits slowed during that burst every second,
// and those were the slowest transactions of the run.
//
// The batch's own columns stay the record of its rows: an insert whose
// staged copy failed, or that is tried again, is built from them.
type staged struct {
	batch driver.Batch
	// rows is how many of the batch's rows batch holds.
	rows int
	// failed stops staging for the rest of the batch: preparing or
	// appending failed, and the insert is built whole instead.
	failed bool
}

// columns are a batch's rows of one table.
type columns interface {
	len() int
	// tail returns the values of rows from on, a slice a column in the
	// order of the table's insert statement.
	tail(from int) []any
}

// stage copies the rows of cols that s lacks into its batch, preparing it
// with token first. A failure is not reported here: the insert, built from
// the columns, meets it again and retries it.
func (p *Projector) stage(ctx context.Context, s *staged, stmt, token string, cols columns) {
	n := cols.len()
	if s.failed || n == s.rows {
		return
	}
	if s.batch == nil {
		// The connection is only held while the batch is sent, not while it
		// fills (on the native protocol; HTTP holds none until then).
		b, err := p.conn.PrepareBatch(tokenContext(ctx, token), stmt, driver.WithReleaseConnection())
		if err != nil {
			p.log.Debug("staging an insert failed; it is built when sent", "statement", stmt, "err", err)
			s.failed = true
			return
		}
		s.batch = b
	}
	for i, c := range cols.tail(s.rows) {
		if err := s.batch.Column(i).Append(c); err != nil {
			p.log.Debug("staging an insert failed; it is built when sent", "statement", stmt, "column", i, "err", err)
			s.discard()
			s.failed = true
			return
		}
	}
	s.rows = n
}

// take hands over the staged batch when it holds all n rows, and leaves s
// empty either way.
func (s *staged) take(n int) driver.Batch {
	b, whole := s.batch, !s.failed && s.rows == n
	*s = staged{}
	if b != nil && !whole {
		_ = b.Abort()
		return nil
	}
	return b
}

// discard gives up the staged batch without sending it.
func (s *staged) discard() {
	if s.batch != nil {
		_ = s.batch.Abort()
		s.batch = nil
	}
}

// tokenContext carries an insert's deduplication token.
func tokenContext(ctx context.Context, token string) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_deduplication_token": token}))
}

// tailOf is col from row from on, for the column types of blockColumns.
func tailOf(col any, from int) any {
	switch c := col.(type) {
	case []string:
		return c[from:]
	case []uint64:
		return c[from:]
	case []uint32:
		return c[from:]
	case []int64:
		return c[from:]
	case []time.Time:
		return c[from:]
	}
	panic(fmt.Sprintf("projector: no tail for a column of %T", col))
}
