package projector

import (
	"context"
	"testing"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// fill adds blocks 1..last to b, staging the transactions after each of
// the first staged blocks with txStmt, as consume does after each block.
func fill(e *env, p *Projector, b *pending, last, staged uint64, txStmt string) {
	for h := uint64(1); h <= last; h++ {
		b.add(e.chain.event(h), int64(h-1), "")
		if h <= staged {
			p.stage(context.Background(), b, txStmt, "s")
		}
	}
}

// none builds an insert of no rows.
func none() []any { return nil }

// flushWith inserts b as flush does, building its transactions' insert,
// when it must, with txs: with none, only what was staged can reach the
// table.
func flushWith(t *testing.T, p *Projector, b *pending, txs func() []any) {
	t.Helper()
	ctx := context.Background()
	if err := p.insert(ctx, "transactions", insertTransactions, txToken(b.first, "s"), txs, b.txs.len(), &b.txStage); err != nil {
		t.Fatal(err)
	}
	if err := p.insert(ctx, "blocks", insertBlocks, blocksToken(b.first, "s"), b.blocks.values, b.blocks.len(), nil); err != nil {
		t.Fatal(err)
	}
}

func migrated(t *testing.T, e *env) *Projector {
	t.Helper()
	p := e.projector(Config{})
	t.Cleanup(func() { p.Close() })
	if err := p.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// The rows of a batch are copied into the insert as its blocks arrive, and
// the insert sends them as they are: building it whole at flush time took a
// burst of CPU that slowed commits every second.
func TestInsertSendsWhatWasStagedAsBlocksCame(t *testing.T) {
	e := newEnv(t)
	p := migrated(t, e)
	var b pending
	fill(e, p, &b, 40, 40, insertTransactions)
	if got, want := b.txStage.rows, b.txs.len(); got != want || b.txStage.batch == nil {
		t.Fatalf("staged %d transaction rows, want %d", got, want)
	}
	flushWith(t, p, &b, none)
	e.wantExactly(40)
	e.wantRowsOf(e.chain.event(33))
	if b.txStage.batch != nil {
		t.Error("the insert left a staged batch behind")
	}
}

// An insert whose staging is incomplete or failed is built from the batch's
// columns, and nothing staged is sent twice.
func TestInsertBuildsWhatStagingMissed(t *testing.T) {
	tests := []struct {
		name string
		// txStmt is the statement the transactions are staged with.
		txStmt string
		// unstaged is how many of the last blocks are added without staging.
		unstaged uint64
	}{
		{name: "blocks added after the last staging", txStmt: insertTransactions, unstaged: 7},
		{name: "staging refused by the engine", txStmt: "INSERT INTO aurigraph.no_such_table (id)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			p := migrated(t, e)
			var b pending
			const last = 30
			fill(e, p, &b, last, last-tt.unstaged, tt.txStmt)
			flushWith(t, p, &b, b.txs.values)
			e.wantExactly(last)
			e.wantRowsOf(e.chain.event(last))
		})
	}
}

// A batch given up before its flush (the reader restarts, the projector
// stops) sends nothing of what it staged.
func TestResetDiscardsWhatWasStaged(t *testing.T) {
	e := newEnv(t)
	p := migrated(t, e)
	var b pending
	fill(e, p, &b, 10, 10, insertTransactions)
	staged := b.txStage.batch
	if staged == nil {
		t.Fatal("nothing was staged")
	}
	b.reset()
	if b.txStage.batch != nil {
		t.Fatal("reset kept a staged batch")
	}
	if err := staged.Send(); err == nil {
		t.Error("a discarded batch could still be sent")
	}
	if c := e.counts(); c.txs != 0 || c.blocks != 0 {
		t.Fatalf("after discarding: %+v, want nothing", c)
	}
}

// A tail holds, for every column, the rows from where it starts.
func TestTailsHoldTheRowsFromTheirStart(t *testing.T) {
	e := newEnv(t)
	var b pending
	for h := uint64(3); h <= 9; h++ {
		b.add(e.chain.event(h), int64(h-1), "")
	}
	n := b.txs.len()
	for _, from := range []int{0, 1, n - 1, n} {
		for i, c := range b.txs.tail(from) {
			if got := sliceLen(t, c); got != n-from {
				t.Errorf("column %d from row %d holds %d rows, want %d", i, from, got, n-from)
			}
		}
	}
}

// wantRowsOf checks that aurigraph.transactions holds ev's transactions as
// they are in the block, strings and times included.
func (e *env) wantRowsOf(ev *aurigraphv1.BlockEvent) {
	e.t.Helper()
	blk := ev.GetBlock()
	for i, r := range blk.GetTxs() {
		tx := r.GetTx()
		var (
			typ, from, to, asset, status string
			submitted, blockTime         int64
			idx                          uint32
		)
		err := e.ch.QueryRow(context.Background(), `SELECT toString(type), from, to, asset, toString(status),
			toUnixTimestamp64Milli(submitted), toUnixTimestamp64Milli(block_time), idx
			FROM aurigraph.transactions WHERE id = ?`, tx.GetId()).
			Scan(&typ, &from, &to, &asset, &status, &submitted, &blockTime, &idx)
		if err != nil {
			e.t.Fatalf("row of %s: %v", tx.GetId(), err)
		}
		wantStatus, _ := statusName(r.GetStatus())
		if typ != typeName(tx.GetType()) || from != tx.GetFrom() || to != tx.GetTo() || asset != tx.GetAsset() || status != wantStatus ||
			submitted != tx.GetSubmittedMs() || blockTime != blk.GetHeader().GetTimestampMs() || idx != uint32(i) {
			e.t.Errorf("row of %s = %s %s→%s %s %s submitted %d block %d idx %d; the block has %s %s→%s %s %s %d %d %d", tx.GetId(),
				typ, from, to, asset, status, submitted, blockTime, idx,
				typeName(tx.GetType()), tx.GetFrom(), tx.GetTo(), tx.GetAsset(), wantStatus, tx.GetSubmittedMs(), blk.GetHeader().GetTimestampMs(), i)
		}
	}
}
