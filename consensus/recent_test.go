package consensus

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func blockOf(height uint64, txs int) *aurigraphv1.Block {
	b := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: height}}
	for range txs {
		b.Txs = append(b.Txs, &aurigraphv1.TxResult{})
	}
	return b
}

func TestRecentBlocksStayWithinBounds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		blocks    int
		txs       int
		wantFirst uint64 // oldest height still cached
	}{
		{"few small blocks", 10, 1, 1},
		{"more blocks than the block bound", recentMaxBlocks + 10, 1, 11},
		{"blocks over the tx bound", 100, recentMaxTxs / 10, 91},
		{"one block over the tx bound is kept", 1, recentMaxTxs + 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecentBlocks()
			for h := 1; h <= tc.blocks; h++ {
				r.add([]recentBlock{{blk: blockOf(uint64(h), tc.txs)}})
			}
			if r.get(tc.wantFirst) == nil || (tc.wantFirst > 1 && r.get(tc.wantFirst-1) != nil) {
				t.Fatalf("oldest cached height is not %d (%d cached)", tc.wantFirst, len(r.order))
			}
			if r.get(uint64(tc.blocks)) == nil {
				t.Fatal("newest block not cached")
			}
			if len(r.order) != len(r.byHeight) || len(r.order) > recentMaxBlocks {
				t.Fatalf("%d heights in order, %d in the map", len(r.order), len(r.byHeight))
			}
		})
	}
}

// TestGetServesCommittedBlocksFromCacheAndDisk: a block comes back the
// same whether the cache holds it or the store decodes it.
func TestGetServesCommittedBlocksFromCacheAndDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), BlocksFile)
	store, err := openBlockStore(path, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	gen, setup := txgen.NewTransfers(5)
	f := testFSM(1000)
	for i, b := range append([]*aurigraphv1.Batch{setup}, gen.Batch(7), gen.Batch(3)) {
		if _, err := f.apply(b, 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		f.appliedIndex = uint64(i + 1)
		if _, err := f.persist(store); err != nil {
			t.Fatal(err)
		}
	}
	cached := make([]*aurigraphv1.Block, 0, 3)
	for h := uint64(1); h <= 3; h++ {
		b, err := store.Get(h)
		if err != nil {
			t.Fatal(err)
		}
		cached = append(cached, b)
	}
	store.Close()
	reopened, err := openBlockStore(path, false, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	for i, want := range cached {
		got, err := reopened.Get(uint64(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("block %d from disk differs from the cached one", i+1)
		}
		for j, r := range got.GetTxs() {
			loc, ok, err := reopened.LookupTx(r.GetTx().GetId())
			if err != nil || !ok || loc.Height != uint64(i+1) || loc.Index != uint32(j) {
				t.Fatalf("LookupTx(%s) = %+v %v %v, want height %d index %d", r.GetTx().GetId(), loc, ok, err, i+1, j)
			}
		}
	}
}

// TestLookupTxBeyondTheWindow: ids are found wherever they are, without
// waiting for anything: in the dedup window while recent, in an index run
// once evicted from it, and after a restart with a window restored from a
// snapshot, which knows ids but not where they are.
func TestLookupTxBeyondTheWindow(t *testing.T) {
	const window = 4
	path := filepath.Join(t.TempDir(), BlocksFile)
	store, err := openBlockStore(path, false, window/2, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := testFSM(window)
	store.window = f.dedup.location
	check := func(s *BlockStore, upTo int) {
		t.Helper()
		for i := range upTo {
			id := fmt.Sprintf("m%d", i)
			loc, ok, err := s.LookupTx(id)
			if err != nil || !ok || loc.Height != uint64(i+1) || loc.Index != 0 {
				t.Fatalf("LookupTx(%s) = %+v %v %v, want height %d", id, loc, ok, err, i+1)
			}
		}
		if _, ok, _ := s.LookupTx("never"); ok {
			t.Fatal("an unknown id was found")
		}
	}
	const blocks = 25
	for i := range blocks {
		if _, err := f.apply(batch(int64(i), mint(fmt.Sprintf("m%d", i), "alice", 1)), 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.persist(store); err != nil {
			t.Fatal(err)
		}
		check(store, i+1)
	}
	snap := f.snapshot()
	store.Close()
	reopened, err := openBlockStore(path, false, window/2, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	g := testFSM(window)
	g.restore(snap)
	reopened.window = g.dedup.location
	check(reopened, blocks)
}

// TestRecentSignatureNeedsNoRead: the signature of a block just committed
// comes from the decoded-block cache, the same as the one in the store's
// record, without reading the whole block back from the log.
func TestRecentSignatureNeedsNoRead(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	c.waitHeight(1)
	s := lead.Blocks()
	h := s.Height()
	cached, err := s.Signature(h)
	if err != nil {
		t.Fatal(err)
	}
	// One allocation: the copy of the signature handed out. Reading the
	// record takes one more, the size of the block.
	if allocs := testing.AllocsPerRun(20, func() { _, _ = s.Signature(h) }); allocs > 1 {
		t.Fatalf("Signature of the newest block made %v allocations, want 1: it read the block from the log", allocs)
	}
	s.recent.reset()
	stored, err := s.Signature(h)
	if err != nil {
		t.Fatal(err)
	}
	if cached.Signer != stored.Signer || !bytes.Equal(cached.Signature, stored.Signature) {
		t.Fatalf("cached signature %+v, stored %+v", cached, stored)
	}
}
