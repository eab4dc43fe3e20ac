package projector

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// staged is a batch's insert of transactions, built in the driver's
// columns while the batch fills: each block's rows are copied in as the
// block arrives, so that the insert only sends. Copying a second of rows at
// once (tens of megabytes, grown by doubling) took 40 to 100 ms of a core
// in one burst and drew the collector's assists onto every goroutine; in
// dev at half the maximum rate, commits slowed during that burst every
// second, and those were the slowest transactions of the run. The blocks
// table gets a row a block and is built when sent.
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

// stage copies the transaction rows of b that its staged insert lacks into
// it, preparing it with stmt and b's token of session first. A failure is
// counted, not retried: the insert, built from the columns, meets it again
// and retries it. While it fills, the batch holds one of the client's
// connections on HTTP (none on the native protocol, where it is released
// until the batch is sent).
func (p *Projector) stage(ctx context.Context, b *pending, stmt, session string) {
	s, cols := &b.txStage, &b.txs
	n := cols.len()
	if s.failed || n == s.rows {
		return
	}
	if s.batch == nil {
		batch, err := p.conn.PrepareBatch(tokenContext(ctx, txToken(b.first, session)), stmt, driver.WithReleaseConnection())
		if err != nil {
			s.fail(p, err)
			return
		}
		s.batch = batch
	}
	for i, c := range cols.tail(s.rows) {
		if err := s.batch.Column(i).Append(c); err != nil {
			s.discard()
			s.fail(p, fmt.Errorf("column %d: %w", i, err))
			return
		}
	}
	s.rows = n
}

func (s *staged) fail(p *Projector, err error) {
	s.failed = true
	p.metrics.errors.WithLabelValues("stage").Inc()
	p.log.Debug("building an insert as its blocks arrive failed; it is built whole when sent", "err", err)
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
