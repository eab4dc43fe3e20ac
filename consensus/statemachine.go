package consensus

import "go.etcd.io/raft/v3/raftpb"

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
