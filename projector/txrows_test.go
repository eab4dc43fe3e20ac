package projector

import (
	"context"
	"testing"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestInsertTxRowsIntoATableOfTheSameLayout writes blocks' rows into a
// scratch copy of aurigraph.transactions through the projector's insert.
func TestInsertTxRowsIntoATableOfTheSameLayout(t *testing.T) {
	e := newEnv(t)
	p, err := New(Config{Brokers: e.brokers, ClickHouse: testDSN})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{"DROP DATABASE IF EXISTS txrows_test SYNC", "CREATE DATABASE txrows_test",
		"CREATE TABLE txrows_test.transactions AS aurigraph.transactions"} {
		if err := e.ch.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() { _ = e.ch.Exec(context.Background(), "DROP DATABASE IF EXISTS txrows_test SYNC") })

	var rows TxRows
	for h := uint64(1); h <= 2; h++ {
		if err := rows.Add(testBlock(h, 6).GetBlock()); err != nil {
			t.Fatal(err)
		}
	}
	if rows.Len() != 12 {
		t.Fatalf("Len = %d, want 12", rows.Len())
	}
	if err := InsertTxRows(ctx, p.conn, "txrows_test.transactions", &rows); err != nil {
		t.Fatal(err)
	}
	var total, failed uint64
	if err := e.ch.QueryRow(ctx, "SELECT count(), countIf(status = 'failed') FROM txrows_test.transactions").Scan(&total, &failed); err != nil {
		t.Fatal(err)
	}
	if total != 12 || failed != 4 {
		t.Errorf("%d rows, %d failed; want 12 and 4", total, failed)
	}
	var projected uint64
	if err := e.ch.QueryRow(ctx, "SELECT count() FROM aurigraph.transactions").Scan(&projected); err != nil {
		t.Fatal(err)
	}
	if projected != 0 {
		t.Errorf("aurigraph.transactions holds %d rows; the insert went elsewhere", projected)
	}

	for _, table := range []string{"transactions", "a.b; DROP DATABASE aurigraph", "a.`b`", "1a.b", "a.b.c"} {
		if err := InsertTxRows(ctx, p.conn, table, &rows); err == nil {
			t.Errorf("InsertTxRows into %q succeeded", table)
		}
	}
}

func TestTxRowsRefuseABlockTheProjectorWouldNot(t *testing.T) {
	for name, b := range map[string]*aurigraphv1.Block{
		"no transaction": {Header: &aurigraphv1.BlockHeader{Height: 1}, Txs: []*aurigraphv1.TxResult{{Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}}},
		"no status":      {Header: &aurigraphv1.BlockHeader{Height: 1}, Txs: []*aurigraphv1.TxResult{{Tx: &aurigraphv1.Transaction{Id: "x"}}}},
	} {
		var rows TxRows
		if err := rows.Add(b); err == nil || rows.Len() != 0 {
			t.Errorf("%s: Add = %v with %d rows; want it refused", name, err, rows.Len())
		}
	}
}
