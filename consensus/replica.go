package consensus

import (
	"context"
	"errors"
)

// Replica is a validator's raft driver without the chain: the raft loop
// with its WAL and snapshots, the peer transport and the membership,
// applying committed entries to a state machine of the caller's. What the
// entries mean, and where their effect is kept, is the machine's.
type Replica struct{ n *Node }

// StartReplica starts a Replica over sm as Start starts a validator, from
// the same Config; the chain's settings (DedupWindow, Genesis, Signatures)
// have no effect, and no block store is opened.
func StartReplica(ctx context.Context, cfg Config, sm StateMachine) (*Replica, error) {
	if sm == nil {
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, errors.New("consensus: StartReplica needs a state machine")
	}
	cfg.machine = sm
	n, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Replica{n}, nil
}

// Propose hands data to raft as one entry and returns once raft took it,
// not once it committed: the state machine sees it in Apply. It returns
// ErrNotLeader on a follower, and an error wrapping
// raft.ErrProposalDropped while the leader cannot take more (a leadership
// transfer, or too much proposed but not committed), which a retry may get
// past.
func (r *Replica) Propose(ctx context.Context, data []byte) error {
	if err := r.n.raft.Propose(ctx, data); err != nil {
		return r.n.proposeError(err)
	}
	return nil
}

// Leader reports whether this replica leads, and its term.
func (r *Replica) Leader() (isLeader bool, term uint64) { return r.n.Leader() }

// Err returns why the raft loop stopped, or nil while it runs.
func (r *Replica) Err() error { return r.n.Err() }

// Close stops the replica as Node.Close stops a validator.
func (r *Replica) Close(ctx context.Context) error { return r.n.Close(ctx) }
