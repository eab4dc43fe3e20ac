package consensus

import (
	"context"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// registerPeerServices adds the chain's services peers call to the raft
// transport's server: block catch-up and key proofs. It must run before the
// raft node starts the transport.
func (n *Node) registerPeerServices() {
	aurigraphv1.RegisterBlockSyncServiceServer(n.transport, &blockSyncServer{blocks: n.blocks})
	aurigraphv1.RegisterValidatorKeyServiceServer(n.transport, &keyServer{id: n.cfg.ID, key: n.cfg.Key})
}

// startWorkers runs the chain's background loops: block catch-up and the
// leader's registration of the genesis and keys. Close stops them before it
// stops the raft node and the transport they use.
func (n *Node) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	n.stopWorkers = cancel
	for _, loop := range []func(context.Context){n.runBlockSync, n.registerKeys} {
		n.workers.Go(func() { loop(ctx) })
	}
}
