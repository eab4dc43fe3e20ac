package projector

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// InsertBench configures MeasureInsert.
type InsertBench struct {
	// ClickHouse is the URL the projector would write to, and Dial how
	// it connects there when set (see Config.ClickHouseDial).
	ClickHouse string
	Dial       func(ctx context.Context, addr string) (net.Conn, error)
	// Rows are inserted in Batches inserts of equal size (1,000,000 in 10).
	Rows, Batches int
}

// InsertResult is what MeasureInsert measured.
type InsertResult struct {
	Rows    int
	Elapsed time.Duration
}

// RowsPerSecond is the insert rate.
func (r InsertResult) RowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Elapsed.Seconds()
}

// MeasureInsert measures how fast ClickHouse takes transaction rows through
// the projector's own client and insert path: a scratch table with the
// layout of aurigraph.transactions, in a database of its own that is dropped
// afterwards. Rows are built before the clock starts.
func MeasureInsert(ctx context.Context, cfg InsertBench) (InsertResult, error) {
	if cfg.Rows <= 0 {
		cfg.Rows = 1_000_000
	}
	if cfg.Batches <= 0 {
		cfg.Batches = 10
	}
	conn, err := OpenClickHouseDial(cfg.ClickHouse, cfg.Dial)
	if err != nil {
		return InsertResult{}, fmt.Errorf("insert ceiling: %w", err)
	}
	defer conn.Close()

	db := fmt.Sprintf("aurigraph_ceiling_%d", time.Now().UnixNano())
	table := db + ".transactions"
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return InsertResult{}, fmt.Errorf("insert ceiling: create scratch database %s: %w", db, err)
	}
	defer func() {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = conn.Exec(dropCtx, "DROP DATABASE IF EXISTS "+db)
	}()
	if err := conn.Exec(ctx, "CREATE TABLE "+table+" AS aurigraph.transactions"); err != nil {
		return InsertResult{}, fmt.Errorf("insert ceiling: create %s like aurigraph.transactions (run the projector's migrations first): %w", table, err)
	}

	perBatch := (cfg.Rows + cfg.Batches - 1) / cfg.Batches
	gen, _ := consensus.NewTransferGen(1000)
	batches := make([]*txColumns, 0, cfg.Batches)
	for height, left := uint64(1), cfg.Rows; left > 0; height++ {
		n := min(perBatch, left)
		cols := &txColumns{}
		blk := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: height, TimestampMs: time.Now().UnixMilli()}}
		for _, tx := range gen.Batch(n).GetTxs() {
			tx.SubmittedMs = blk.Header.TimestampMs - 5
			blk.Txs = append(blk.Txs, &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED})
		}
		cols.add(blk)
		batches = append(batches, cols)
		left -= n
	}
	stmt := strings.Replace(insertTransactions, "aurigraph.transactions", table, 1)
	start := time.Now()
	for i, cols := range batches {
		if err := insertColumns(ctx, conn, stmt, cols.values()); err != nil {
			return InsertResult{}, fmt.Errorf("insert ceiling: batch %d of %d rows into %s: %w", i, cols.len(), table, err)
		}
	}
	return InsertResult{Rows: cfg.Rows, Elapsed: time.Since(start)}, nil
}
