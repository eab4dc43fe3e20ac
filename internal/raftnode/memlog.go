package raftnode

import (
	"log/slog"
	"sync"
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
//
// Reading the file, a whole state, takes long enough to hold up raft, and
// with it heartbeats to every follower, into an election, so it is read in
// the background: raft hears the snapshot is temporarily unavailable until
// it was read, and takes it at its next try.
type memLog struct {
	*raft.MemoryStorage
	durable      Storage
	logger       *slog.Logger
	wantSnapshot atomic.Bool

	mu      sync.Mutex
	reading bool
	// read is the snapshot read for raft's next try, dropped once raft
	// took it.
	read  *raftpb.Snapshot
	reads sync.WaitGroup
}

// Snapshot returns the newest snapshot once its data was read from disk in
// the background. Until then, when reading it failed, or when the log was
// compacted past it, raft is told it is temporarily unavailable and asks
// again later.
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
	l.mu.Lock()
	defer l.mu.Unlock()
	read := l.read
	l.read = nil
	if read != nil && read.Metadata.Index == meta.Metadata.Index && read.Metadata.Term == meta.Metadata.Term {
		return *read, nil
	}
	if !l.reading {
		l.reading = true
		l.reads.Add(1)
		go l.readSnapshot(meta)
	}
	return raftpb.Snapshot{}, raft.ErrSnapshotTemporarilyUnavailable
}

// readSnapshot reads the snapshot whose metadata meta is for raft's next
// try.
func (l *memLog) readSnapshot(meta raftpb.Snapshot) {
	defer l.reads.Done()
	s, err := l.newest(meta)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reading = false
	if err != nil {
		// Nothing but a new snapshot replaces an unreadable file.
		l.logger.Warn("raft snapshot not readable; a follower that needs one waits for the next, taken now", "index", meta.Metadata.Index, "err", err)
		l.wantSnapshot.Store(true)
		return
	}
	l.read = &s
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

// CreateSnapshot records a snapshot taken here, and drops a snapshot read
// for raft that it did not take (the follower went away), which would
// otherwise stay until a follower needs a snapshot again.
func (l *memLog) CreateSnapshot(i uint64, cs *raftpb.ConfState, data []byte) (raftpb.Snapshot, error) {
	l.mu.Lock()
	l.read = nil
	l.mu.Unlock()
	return l.MemoryStorage.CreateSnapshot(i, cs, data)
}

// applySnapshot replaces the log with s, keeping none of its data.
func (l *memLog) applySnapshot(s raftpb.Snapshot) error {
	s.Data = nil
	return l.MemoryStorage.ApplySnapshot(s)
}
