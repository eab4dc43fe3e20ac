package consensus

import (
	"fmt"
	"path/filepath"
	"testing"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// transferGen produces an endless sequence of valid batches of transfers
// between funded accounts: fresh ids, contiguous offsets, growing nonces.
type transferGen struct {
	accounts int
	nonces   []uint64
	next     int
	off      int64
}

func newTransferGen(accounts int) (*transferGen, *aurigraphv1.Batch) {
	setup := &aurigraphv1.Batch{}
	for i := range accounts {
		setup.Txs = append(setup.Txs, mint(fmt.Sprintf("mint-%d", i), fmt.Sprintf("acct-%d", i), 1<<40))
	}
	return &transferGen{accounts: accounts, nonces: make([]uint64, accounts)}, setup
}

func (g *transferGen) batch(size int) *aurigraphv1.Batch {
	txs := make([]*aurigraphv1.Transaction, size)
	for i := range txs {
		from := g.next % g.accounts
		g.nonces[from]++
		txs[i] = transfer(fmt.Sprintf("tx-%d", g.next), fmt.Sprintf("acct-%d", from), fmt.Sprintf("acct-%d", (from+1)%g.accounts), 1, g.nonces[from])
		g.next++
	}
	b := batch(g.off, txs...)
	g.off += int64(size)
	return b
}

const benchBatchSize = 1000

func BenchmarkFSMApply(b *testing.B) {
	gen, setup := newTransferGen(1000)
	f := newFSM(1_000_000)
	f.apply(setup, 1, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := gen.batch(benchBatchSize)
		f.changes.reset()
		b.StartTimer()
		if _, err := f.apply(bt, 1, uint64(i+2)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatchSize)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkFSMApplyPersist adds the bolt transaction each applied Ready
// costs: block, tx index, touched accounts, dedup window, applied index.
func BenchmarkFSMApplyPersist(b *testing.B) {
	store, err := openBlockStore(filepath.Join(b.TempDir(), BlocksFile), false)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	gen, setup := newTransferGen(1000)
	f := newFSM(1_000_000)
	f.apply(setup, 1, 1)
	if err := store.commit(f, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := gen.batch(benchBatchSize)
		b.StartTimer()
		if _, err := f.apply(bt, 1, uint64(i+2)); err != nil {
			b.Fatal(err)
		}
		f.appliedIndex = uint64(i + 2)
		if err := store.commit(f, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatchSize)/b.Elapsed().Seconds(), "tx/s")
}

func BenchmarkTxRoot(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		gen, _ := newTransferGen(1000)
		txs := make([]*aurigraphv1.TxResult, n)
		for i, tx := range gen.batch(n).GetTxs() {
			txs[i] = &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}
		}
		b.Run(fmt.Sprintf("txs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				TxRoot(txs)
			}
		})
	}
}

// BenchmarkStateSnapshot measures encoding the state a raft snapshot
// carries with a full default dedup window; the raft loop pays this every
// SnapshotEntries entries.
func BenchmarkStateSnapshot(b *testing.B) {
	f := newFSM(1_000_000)
	gen, setup := newTransferGen(10_000)
	f.apply(setup, 1, 1)
	for i := 0; f.dedup.size < f.dedup.capacity; i++ {
		f.apply(gen.batch(10_000), 1, uint64(i+2))
		f.changes.reset()
	}
	b.ReportAllocs()
	for b.Loop() {
		raw, err := deterministic.Marshal(f.snapshot())
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
	}
}
