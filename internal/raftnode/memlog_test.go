package raftnode

import (
	"errors"
	"log/slog"
	"testing"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// TestUnreadableSnapshotAsksForANewOne: raft hears that a snapshot whose
// file cannot be read is temporarily unavailable, and the applier is asked
// for a new one, the only thing that replaces it.
func TestUnreadableSnapshotAsksForANewOne(t *testing.T) {
	d := NewDiskStorage(t.TempDir(), nil)
	if _, err := d.Load(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l := &memLog{MemoryStorage: raft.NewMemoryStorage(), durable: d, logger: slog.Default()}
	meta := raftpb.SnapshotMetadata{Index: 5, Term: 1, ConfState: raftpb.ConfState{Voters: []uint64{1}}}
	if err := l.applySnapshot(raftpb.Snapshot{Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := l.Snapshot(); !errors.Is(err, raft.ErrSnapshotTemporarilyUnavailable) {
			t.Fatalf("Snapshot without its file: err = %v, want ErrSnapshotTemporarilyUnavailable", err)
		}
		l.reads.Wait()
	}
	if !l.wantSnapshot.Load() {
		t.Fatal("no new snapshot asked for")
	}
}
