package raftnode

import (
	"log/slog"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// memLog is the log raft reads: raft's MemoryStorage with the entries since
// the newest snapshot but only that snapshot's metadata. The snapshot's
// data, the whole state, stays in the file SaveSnapshot wrote and is read
// back when a follower needs it: held in memory it was a second copy of the
// state (tens of megabytes, twice that in the collector's heap goal) kept
// for transfers that happen only when a follower falls far behind.
type memLog struct {
	*raft.MemoryStorage
	durable Storage
	logger  *slog.Logger
}

// Snapshot returns the newest snapshot with its data read from disk. Until
// its file is written (a snapshot is recorded here before it is saved) or
// when reading it fails, raft is told it is temporarily unavailable and
// asks again at the follower's next response.
func (l *memLog) Snapshot() (raftpb.Snapshot, error) {
	meta, err := l.MemoryStorage.Snapshot()
	if err != nil || raft.IsEmptySnap(meta) {
		return meta, err
	}
	s, err := l.durable.LoadSnapshot(meta.Metadata.Index, meta.Metadata.Term)
	if err != nil {
		l.logger.Warn("raft snapshot not readable yet; a follower that needs it waits", "index", meta.Metadata.Index, "err", err)
		return raftpb.Snapshot{}, raft.ErrSnapshotTemporarilyUnavailable
	}
	s.Metadata = meta.Metadata
	return s, nil
}

// applySnapshot replaces the log with s, keeping none of its data.
func (l *memLog) applySnapshot(s raftpb.Snapshot) error {
	s.Data = nil
	return l.MemoryStorage.ApplySnapshot(s)
}
