package raftnode

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// ErrNoSnapshot is returned by NewestSnapshot before the node took or
// received its first snapshot.
var ErrNoSnapshot = errors.New("consensus: this validator holds no raft snapshot yet")

// NewestSnapshot returns the newest snapshot this node took or installed:
// the state at one applied index with the configuration of that index,
// read from its file.
func (n *Node) NewestSnapshot() (raftpb.Snapshot, error) {
	// Not memory's Snapshot: that one refuses a snapshot the in-memory log
	// was compacted past, which a backup wants all the same.
	meta, err := n.memory.MemoryStorage.Snapshot()
	if err == nil && raft.IsEmptySnap(meta) {
		return raftpb.Snapshot{}, ErrNoSnapshot
	}
	var s raftpb.Snapshot
	if err == nil {
		s, err = n.memory.newest(meta)
	}
	if err != nil {
		return raftpb.Snapshot{}, fmt.Errorf("read the newest raft snapshot: %w", err)
	}
	return s, nil
}

// SeedStorage writes, in dataDir, a raft log that starts at snapshot s and
// holds nothing after it, for validator id to start from with Join and be
// brought forward by the leader. It refuses an id that s names as a member:
// a member's raft log held votes and acknowledged entries that s does not,
// and a member that forgot them could help elect two leaders in one term or
// lose a committed entry. A new id never voted, so the hard state written,
// s's term with no vote, is one it could have had; the log records id, and
// Start refuses it under any other (checkSeededFor).
func SeedStorage(dataDir string, id uint64, s raftpb.Snapshot, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	if id == 0 {
		return errors.New("seed raft log: the validator id must be 1 or more")
	}
	if raft.IsEmptySnap(s) {
		return errors.New("seed raft log: the snapshot is empty")
	}
	cs := s.Metadata.ConfState
	if slices.Contains(slices.Concat(cs.Voters, cs.Learners, cs.VotersOutgoing, cs.LearnersNext), id) {
		return fmt.Errorf("seed raft log: validator %d is a member in the snapshot at index %d: restore under a new id, added with aurigraph cluster add, and remove the old member (see docs/runbooks/recover-a-validator-from-a-lost-disk.md)", id, s.Metadata.Index)
	}
	members, err := snapshotMembers(s.Data)
	if err != nil {
		return fmt.Errorf("seed raft log: snapshot at index %d: %w", s.Metadata.Index, err)
	}
	if _, ok := members[id]; ok {
		return fmt.Errorf("seed raft log: validator %d has an address in the snapshot at index %d, so was a member: restore under an id never used in the cluster", id, s.Metadata.Index)
	}
	walDir, snapDir := filepath.Join(dataDir, WALDir), filepath.Join(dataDir, snapDirName)
	if wal.Exist(walDir) {
		return fmt.Errorf("seed raft log: %s already holds a raft log", walDir)
	}
	if err := os.MkdirAll(snapDir, 0o750); err != nil {
		return fmt.Errorf("seed raft log: %w", err)
	}
	if err := writeSnapFile(snapDir, s.Metadata, [][]byte{s.Data}); err != nil {
		return fmt.Errorf("seed raft log: save snapshot at index %d: %w", s.Metadata.Index, err)
	}
	meta, err := json.Marshal(seedMetadata{SeededFor: id})
	if err != nil {
		return fmt.Errorf("seed raft log: %w", err)
	}
	w, err := wal.Create(zapLogger(logger.With("subsystem", "wal")), walDir, meta)
	if err != nil {
		return fmt.Errorf("seed raft log: create wal in %s: %w", walDir, err)
	}
	err = errors.Join(
		w.SaveSnapshot(walpb.Snapshot{Index: s.Metadata.Index, Term: s.Metadata.Term, ConfState: &cs}),
		w.Save(raftpb.HardState{Term: s.Metadata.Term, Commit: s.Metadata.Index}, nil),
	)
	if err = errors.Join(err, w.Close()); err != nil {
		return fmt.Errorf("seed raft log in %s: %w", walDir, err)
	}
	return nil
}

// seedMetadata is the WAL metadata SeedStorage writes.
type seedMetadata struct {
	// SeededFor is the validator the log was seeded for.
	SeededFor uint64 `json:"seeded_for"`
}

// checkSeededFor refuses to start validator id on a raft log SeedStorage
// seeded for another. The log starts at a snapshot with no vote, which
// only an id that never voted could have had: under another id, say that
// of the validator it replaces (a unit or a pod that still passes the old
// --id), it would be a member that forgot its votes and acknowledgements.
// Logs of ordinary starts carry no metadata.
func checkSeededFor(meta []byte, id uint64, dataDir string) error {
	if len(meta) == 0 {
		return nil
	}
	var m seedMetadata
	if err := json.Unmarshal(meta, &m); err != nil {
		return fmt.Errorf("raft log in %s: metadata %q: %w", dataDir, meta, err)
	}
	if m.SeededFor != 0 && m.SeededFor != id {
		return fmt.Errorf("the raft log in %s was restored for validator %d, and this is validator %d: start it with --id %d (added with aurigraph cluster add), never under another id", dataDir, m.SeededFor, id, m.SeededFor)
	}
	return nil
}
