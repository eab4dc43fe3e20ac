package consensus

import (
	"fmt"

	"google.golang.org/protobuf/proto"

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

// snapshot is the whole state as the snapshot message a validator writes.
func (f *fsm) snapshot() *aurigraphv1.StateSnapshot {
	raw, err := f.image().encode()
	if err != nil {
		panic(fmt.Sprintf("consensus: encode a snapshot: %v", err))
	}
	var s aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(raw, &s); err != nil {
		panic(fmt.Sprintf("consensus: decode a snapshot: %v", err))
	}
	return &s
}
