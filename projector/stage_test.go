package projector

import (
	"context"
	"testing"
)

// stageAll stages b's rows as consume does after each block.
func stageAll(p *Projector, b *pending, txStmt, session string) {
	ctx := context.Background()
	p.stage(ctx, &b.txStage, txStmt, txToken(b.first, session), &b.txs)
	p.stage(ctx, &b.blockStage, insertBlocks, blocksToken(b.first, session), &b.blocks)
}

// flushWithout inserts b as flush does, but without its columns: only what
// was staged can reach the tables.
func flushWithout(t *testing.T, p *Projector, b *pending, session string) {
	t.Helper()
	ctx := context.Background()
	if err := p.insert(ctx, "transactions", insertTransactions, txToken(b.first, session), nil, b.txs.len(), &b.txStage); err != nil {
		t.Fatal(err)
	}
	if err := p.insert(ctx, "blocks", insertBlocks, blocksToken(b.first, session), nil, b.blocks.len(), &b.blockStage); err != nil {
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
	for h := uint64(1); h <= 40; h++ {
		b.add(e.chain.event(h), int64(h-1), "")
		stageAll(p, &b, insertTransactions, "s")
	}
	if got, want := b.txStage.rows, b.txs.len(); got != want || b.txStage.batch == nil {
		t.Fatalf("staged %d transaction rows, want %d", got, want)
	}
	flushWithout(t, p, &b, "s")
	e.wantExactly(40)
	if b.txStage.batch != nil || b.blockStage.batch != nil {
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
			for h := uint64(1); h <= last; h++ {
				b.add(e.chain.event(h), int64(h-1), "")
				if h <= last-tt.unstaged {
					stageAll(p, &b, tt.txStmt, "s")
				}
			}
			ctx := context.Background()
			if err := p.insert(ctx, "transactions", insertTransactions, txToken(1, "s"), b.txs.values(), b.txs.len(), &b.txStage); err != nil {
				t.Fatal(err)
			}
			if err := p.insert(ctx, "blocks", insertBlocks, blocksToken(1, "s"), b.blocks.values(), b.blocks.len(), &b.blockStage); err != nil {
				t.Fatal(err)
			}
			e.wantExactly(last)
		})
	}
}

// A batch given up before its flush (the reader restarts, the projector
// stops) sends nothing of what it staged.
func TestResetDiscardsWhatWasStaged(t *testing.T) {
	e := newEnv(t)
	p := migrated(t, e)
	var b pending
	for h := uint64(1); h <= 10; h++ {
		b.add(e.chain.event(h), int64(h-1), "")
		stageAll(p, &b, insertTransactions, "s")
	}
	staged := b.txStage.batch
	if staged == nil {
		t.Fatal("nothing was staged")
	}
	b.reset()
	if b.txStage.batch != nil || b.blockStage.batch != nil {
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
	for _, cols := range []columns{&b.txs, &b.blocks} {
		n := cols.len()
		for _, from := range []int{0, 1, n - 1, n} {
			for i, c := range cols.tail(from) {
				if got := sliceLen(t, c); got != n-from {
					t.Errorf("column %d from row %d holds %d rows, want %d", i, from, got, n-from)
				}
			}
		}
	}
}
