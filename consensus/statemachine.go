package consensus

import (
	"fmt"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// StateMachine is what the raft loop applies committed entries to, as in
// etcd's raftexample: committed entries go in, snapshots come out. The
// loop owns the log, the WAL, snapshots, the transport and the membership;
// the machine owns what the entries mean and where their effect is kept.
// The loop calls Apply, Snapshot and Restore from one goroutine at a time.
type StateMachine interface {
	// Apply executes the committed entries of one Ready in order and makes
	// their effect visible. Entries at or below Applied are replays the
	// machine's state already holds and only their configuration changes
	// count. For each configuration change entry it calls confChange, which
	// applies the change to raft and returns it, before going on: what
	// follows in the log sees the membership as of its position. It returns
	// the outcome of every proposal the entries carried.
	Apply(ents []raftpb.Entry, confChange func(*raftpb.Entry) (raftpb.ConfChangeV2, error)) ([]Outcome, error)
	// Applied is the index and term of the last entry applied.
	Applied() (index, term uint64)
	// Snapshot copies the state at Applied and returns the function that
	// encodes it, which the loop runs in the background.
	Snapshot() (index, term uint64, encode func() ([]byte, error))
	// Restore replaces the state with a snapshot's data: the newest local
	// snapshot when the validator starts, or one installed from the leader.
	Restore(data []byte, index, term uint64, installed bool) error
	// Sync makes everything applied durable in the machine's own storage;
	// the loop calls it before a snapshot lets the WAL entries before it go.
	Sync() error
}

// Outcome is what became of one proposal: nil once applied, or why not.
type Outcome struct {
	Proposal uint64
	Err      error
}

// chainMachine is the chain's state machine behind the raft loop: the fsm
// of the node, its block store and the metrics of both.
type chainMachine struct{ n *Node }

func (c chainMachine) Applied() (uint64, uint64) {
	c.n.fsmMu.RLock()
	defer c.n.fsmMu.RUnlock()
	return c.n.fsm.appliedIndex, c.n.fsm.appliedTerm
}

// Apply executes the entries and persists their combined effect, the
// blocks they built, in one append to the block store.
func (c chainMachine) Apply(ents []raftpb.Entry, confChange func(*raftpb.Entry) (raftpb.ConfChangeV2, error)) ([]Outcome, error) {
	n := c.n
	start := time.Now()
	var outcomes []Outcome
	n.fsmMu.Lock()
	f := n.fsm
	advanced := false
	for i := range ents {
		e := &ents[i]
		cc, err := confChange(e)
		if err != nil {
			n.fsmMu.Unlock()
			return nil, err
		}
		if e.Index <= f.appliedIndex {
			continue // the state came from a snapshot taken after it
		}
		for _, c := range cc.Changes {
			if c.Type == raftpb.ConfChangeRemoveNode {
				f.retireValidator(c.NodeID)
			}
		}
		if e.Type == raftpb.EntryNormal && len(e.Data) > 0 {
			var b aurigraphv1.Batch
			if err := proto.Unmarshal(e.Data, &b); err != nil {
				// Every validator fails the same way on the same bytes, so
				// skipping keeps them in agreement.
				n.logger.Error("skipping undecodable raft entry", "index", e.Index, "term", e.Term, "err", err)
			} else {
				var err error
				switch vk := b.GetValidatorKey(); {
				case vk != nil:
					present, _ := n.member(vk.GetId())
					if err = f.applyValidatorKey(vk, present); err != nil {
						n.logger.Warn("validator key not registered", "validator", vk.GetId(), "index", e.Index, "err", err)
					}
				default:
					if _, err = f.apply(&b, e.Term, e.Index); err != nil {
						n.logger.Debug("batch rejected", "index", e.Index, "err", err)
					}
				}
				outcomes = append(outcomes, Outcome{Proposal: b.GetProposalId(), Err: err})
			}
		}
		f.appliedIndex, f.appliedTerm = e.Index, e.Term
		advanced = true
	}
	var written []*aurigraphv1.Block
	if advanced {
		var err error
		if written, err = f.persist(n.blocks); err != nil {
			n.fsmMu.Unlock()
			return nil, err
		}
	}
	height := f.height
	n.hasGenesis.Store(f.genesis != nil)
	n.fsmMu.Unlock()
	if !advanced {
		return nil, nil
	}
	n.m.applyDuration.Observe(time.Since(start).Seconds())
	// Blocks replayed after a restart were counted when first written.
	txs := 0
	for _, blk := range written {
		txs += len(blk.GetTxs())
	}
	n.m.committedBlocks.Add(float64(len(written)))
	n.m.committedTxs.Add(float64(txs))
	n.m.height.Set(float64(height))
	return outcomes, nil
}

func (c chainMachine) Snapshot() (uint64, uint64, func() ([]byte, error)) {
	c.n.fsmMu.RLock()
	state := c.n.fsm.stateCopy()
	index, term := c.n.fsm.appliedIndex, c.n.fsm.appliedTerm
	c.n.fsmMu.RUnlock()
	return index, term, func() ([]byte, error) {
		canonicalize(state)
		return chain.Deterministic.Marshal(state)
	}
}

// Restore replaces the state with a snapshot's. Blocks between the stored
// height and the snapshot's are not transferred by raft; the store reports
// them as missing until block catch-up fetched them.
func (c chainMachine) Restore(data []byte, index, term uint64, installed bool) error {
	n := c.n
	n.fsmMu.Lock()
	defer n.fsmMu.Unlock()
	if index <= n.fsm.appliedIndex {
		return nil
	}
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("decode state snapshot at index %d: %w", index, err)
	}
	oldHeight := n.fsm.height
	n.fsm.restore(&st)
	n.hasGenesis.Store(n.fsm.genesis != nil)
	n.fsm.appliedIndex, n.fsm.appliedTerm = index, term
	if _, err := n.fsm.persist(n.blocks); err != nil {
		return err
	}
	n.m.height.Set(float64(n.fsm.height))
	if installed {
		n.logger.Warn("state restored from raft snapshot; fetching the blocks in between from peers",
			"index", index, "old_height", oldHeight, "height", n.fsm.height)
	}
	return nil
}

// Sync syncs the block log: the WAL entries a snapshot covers are what
// would rebuild the blocks they built, should a crash cut them from the
// log, so those blocks must be on disk before the entries may go.
func (c chainMachine) Sync() error { return c.n.blocks.Sync() }
