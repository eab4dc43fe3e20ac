package raftnode

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
	// count. For each entry it calls conf.Change, which applies a
	// configuration change to raft and returns it, before going on: what
	// follows in the log sees the membership as of its position. It returns
	// the outcome of every proposal the entries carried.
	Apply(ents []raftpb.Entry, conf Conf) ([]Outcome, error)
	// Applied is the index and term of the last entry applied.
	Applied() (index, term uint64)
	// Snapshot copies the state at Applied and returns the function that
	// encodes it, which the loop runs in the background. The encoding must
	// be a protocol buffers message that leaves field 10 to the loop: the
	// loop appends the members' raft addresses to it as that field, and
	// Restore receives the data with them.
	Snapshot() (index, term uint64, encode func() ([]byte, error))
	// Restore replaces the state with a snapshot's data: the newest local
	// snapshot when the node starts, or one installed from the leader.
	Restore(data []byte, index, term uint64, installed bool) error
	// Sync makes everything applied durable in the machine's own storage;
	// the loop calls it before a snapshot lets the WAL entries before it go.
	Sync() error
}

// Conf is the raft configuration as Apply meets it, entry by entry.
type Conf interface {
	// Change applies e's configuration change to raft when e carries one,
	// and returns it; for any other entry it returns an empty change.
	Change(e *raftpb.Entry) (raftpb.ConfChangeV2, error)
	// Member reports whether node id is in the configuration as the entries
	// handed to Change so far left it, and whether it votes.
	Member(id uint64) (present, voter bool)
}

// Outcome is what became of one proposal: nil once applied, or why not.
type Outcome struct {
	Proposal uint64
	Err      error
}
