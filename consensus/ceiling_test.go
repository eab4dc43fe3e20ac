package consensus

import (
	"testing"
	"time"
)

func TestMeasureReplicationCommitsOverLoopback(t *testing.T) {
	for _, validators := range []int{1, 3} {
		res, err := MeasureReplication(t.Context(), ReplicationBench{
			Dir: t.TempDir(), Validators: validators, EntryTxs: 100, TxBytes: 120, Duration: 500 * time.Millisecond,
		})
		if err != nil {
			t.Fatalf("%d validators: %v", validators, err)
		}
		if res.Entries == 0 || res.Txs != 100*res.Entries || res.TxPerSecond() <= 0 {
			t.Fatalf("%d validators: nothing measured: %+v", validators, res)
		}
		if res.EntryBytes < 100*120 {
			t.Errorf("%d validators: entry of %d bytes, want at least 100 txs of 120 bytes", validators, res.EntryBytes)
		}
	}
}

func TestMeasureApplyRunsTheStateMachine(t *testing.T) {
	res, err := MeasureApply(t.Context(), ApplyBench{Dir: t.TempDir(), Batches: 5, BatchTxs: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Txs != 500 || res.TxPerSecond() <= 0 {
		t.Fatalf("MeasureApply = %+v, want 500 txs at a positive rate", res)
	}
}

// TestTransferGenBatchesCommit checks the generator the ceilings and the
// benchmarks share makes batches that all commit.
func TestTransferGenBatchesCommit(t *testing.T) {
	gen, setup := NewTransferGen(10)
	f := testFSM(1000)
	if _, err := f.apply(setup, 1, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		blk, err := f.apply(gen.Batch(25), 1, uint64(i+2))
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if blk.GetHeader().GetFailedCount() != 0 {
			t.Fatalf("batch %d: %d of %d transfers failed", i, blk.GetHeader().GetFailedCount(), len(blk.GetTxs()))
		}
	}
}
