package consensus

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// testFSM is a state machine on the default (trusted-topic) genesis.
func testFSM(dedupWindowSize int) *fsm {
	return newChainFSM(dedupWindowSize, chain.DefaultGenesis())
}

// newChainFSM returns a state machine that applied g as its genesis, for
// tests that drive one without a raft log.
func newChainFSM(dedupWindowSize int, g *aurigraphv1.Genesis) *fsm {
	f := newFSM(dedupWindowSize)
	if err := f.applyGenesisEntry(&aurigraphv1.Batch{Genesis: g}); err != nil {
		panic(fmt.Sprintf("consensus: genesis %v: %v", g, err))
	}
	return f
}

// applyBatch applies b at raft position (term, index).
func (f *fsm) applyBatch(b *aurigraphv1.Batch, term, index uint64) (*aurigraphv1.Block, error) {
	return f.apply(b, term, index)
}

// signStore makes s sign what it stores as validator 1, with a fixed key.
func signStore(t testing.TB, s *BlockStore) {
	t.Helper()
	if err := s.setSigner(1, ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))); err != nil {
		t.Fatal(err)
	}
}
