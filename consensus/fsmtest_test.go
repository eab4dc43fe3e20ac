package consensus

import (
	"github.com/aurigraph/aurigraph/internal/chain"
)

// testFSM is a state machine on the default (trusted-topic) genesis.
func testFSM(dedupWindowSize int) *fsm {
	return newChainFSM(dedupWindowSize, chain.DefaultGenesis())
}
