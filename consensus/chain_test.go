package consensus

import (
	"crypto/ed25519"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// entriesOf encodes batches as consecutive raft entries of term 1 from index.
func entriesOf(t *testing.T, index uint64, batches ...*aurigraphv1.Batch) []raftpb.Entry {
	t.Helper()
	ents := make([]raftpb.Entry, len(batches))
	for i, b := range batches {
		data, err := proto.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		ents[i] = raftpb.Entry{Type: raftpb.EntryNormal, Term: 1, Index: index + uint64(i), Data: data}
	}
	return ents
}

// TestOpenChainAppliesEntriesWithoutRaft feeds a chain opened on its own
// the entries a raft log would carry and checks that it builds, signs and
// stores their blocks, and that a validator key entry never registers.
func TestOpenChainAppliesEntriesWithoutRaft(t *testing.T) {
	dir := t.TempDir()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	c, err := OpenChain(ChainConfig{DataDir: dir, ID: 1, Key: key, DedupWindow: 1000})
	if err != nil {
		t.Fatal(err)
	}
	gen, setup := txgen.NewTransfers(10)
	g := chain.DefaultGenesis()
	// A proof that would register validator 2's key were it a member.
	proof := chain.ProveKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), chain.GenesisHash(g), 2)
	ents := entriesOf(t, 1, &aurigraphv1.Batch{Genesis: g}, setup, gen.Batch(20), gen.Batch(20), &aurigraphv1.Batch{ValidatorKey: proof})
	outcomes, err := c.Apply(ents[:4], nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outcomes {
		if o.Err != nil {
			t.Errorf("entry %d: %v", i+1, o.Err)
		}
	}
	outcomes, err = c.Apply(ents[4:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 1 || outcomes[0].Err == nil || !strings.Contains(outcomes[0].Err.Error(), "not a member") {
		t.Errorf("validator key outcome %+v: want it refused, no validator being a member", outcomes)
	}
	if index, term := c.Applied(); index != 5 || term != 1 {
		t.Errorf("Applied = %d, %d; want 5, 1", index, term)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := OpenBlockStoreReadOnly(filepath.Join(dir, BlocksFile))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h := s.Height(); h != 3 {
		t.Fatalf("stored height %d, want 3: the funding block and two of transfers", h)
	}
	rep, err := VerifyChain(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Signed != 3 || rep.TxCount != 50 {
		t.Errorf("chain/verify of the stored blocks: %+v; want 3 signed blocks of 50 transactions", rep)
	}
}

func TestOpenChainChecksItsConfig(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	for name, cfg := range map[string]ChainConfig{
		"no id":           {DataDir: t.TempDir(), Key: key},
		"no key":          {DataDir: t.TempDir(), ID: 1},
		"no dir":          {ID: 1, Key: key},
		"negative window": {DataDir: t.TempDir(), ID: 1, Key: key, DedupWindow: -1},
	} {
		if c, err := OpenChain(cfg); err == nil {
			c.Close()
			t.Errorf("%s: OpenChain succeeded", name)
		}
	}
}

// TestTransferBatchesCommit checks that the generator the ceilings and the
// benchmarks share makes batches that all commit.
func TestTransferBatchesCommit(t *testing.T) {
	gen, setup := txgen.NewTransfers(10)
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
