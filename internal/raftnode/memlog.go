package raftnode

import (
	"log/slog"
	"sync/atomic"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// memLog is the log raft reads: raft's MemoryStorage with the entries since
// the newest snapshot but only that snapshot's metadata. The snapshot's
// data, the whole state, stays in the file SaveSnapshot wrote and is read
// back when a follower needs it: held in memory it was a second copy of the
// state (tens of megabytes, twice that in the collector's heap goal) kept
// for transfers that happen only when a follower falls far behind.
//
// The entries go once applied but for a window kept for followers that lag
// a little (see Node.compactLog), not only when a snapshot is taken, so a
// follower further behind can find the log compacted past the newest
// snapshot: that snapshot could not bring it to the entries that follow.
// Raft then hears the snapshot is temporarily unavailable, wantSnapshot
// asks the applier for a new one, and raft tries again at the follower's
// next response.
type memLog struct {
	*raft.MemoryStorage
	durable      Storage
	logger       *slog.Logger
	wantSnapshot atomic.Bool
}

// Snapshot returns the newest snapshot with its data read from disk. When
// reading it fails, or when the log was compacted past it, raft is told it
// is temporarily unavailable and asks again later.
func (l *memLog) Snapshot() (raftpb.Snapshot, error) {
	meta, err := l.MemoryStorage.Snapshot()
	if err != nil {
		return meta, err
	}
	first, err := l.MemoryStorage.FirstIndex()
	if err != nil {
		return raftpb.Snapshot{}, err
	}
	if meta.Metadata.Index+1 < first {
		l.wantSnapshot.Store(true)
		return raftpb.Snapshot{}, raft.ErrSnapshotTemporarilyUnavailable
	}
	s, err := l.newest(meta)
	if err != nil {
		// Nothing but a new snapshot replaces an unreadable file.
		l.logger.Warn("raft snapshot not readable; a follower that needs one waits for the next, taken now", "index", meta.Metadata.Index, "err", err)
		l.wantSnapshot.Store(true)
		return raftpb.Snapshot{}, raft.ErrSnapshotTemporarilyUnavailable
	}
	return s, nil
}

// newest returns the snapshot whose metadata meta is, with its data read
// from disk, whether or not the log still reaches back to it.
func (l *memLog) newest(meta raftpb.Snapshot) (raftpb.Snapshot, error) {
	if raft.IsEmptySnap(meta) {
		return meta, nil
	}
	s, err := l.durable.LoadSnapshot(meta.Metadata.Index, meta.Metadata.Term)
	if err != nil {
		return raftpb.Snapshot{}, err
	}
	s.Metadata = meta.Metadata
	return s, nil
}

// applySnapshot replaces the log with s, keeping none of its data.
func (l *memLog) applySnapshot(s raftpb.Snapshot) error {
	s.Data = nil
	return l.MemoryStorage.ApplySnapshot(s)
}
