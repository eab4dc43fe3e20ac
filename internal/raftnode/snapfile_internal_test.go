package raftnode

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/raft/v3/raftpb"
)

// TestSnapFileMatchesEtcd: a snapshot file written a chunk at a time has
// the name and bytes etcd's snapshotter would have written, so the
// snapshotter still finds and loads it, and the files of earlier versions
// still load.
func TestSnapFileMatchesEtcd(t *testing.T) {
	data := bytes.Repeat([]byte("state of the chain "), 300_000) // several writeback chunks
	s := raftpb.Snapshot{Data: data, Metadata: raftpb.SnapshotMetadata{
		Index: 1234, Term: 7, ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}},
	}}
	ours, theirs := t.TempDir(), t.TempDir()
	if err := writeSnapFile(ours, s); err != nil {
		t.Fatal(err)
	}
	if err := snap.New(nil, theirs).SaveSnap(s); err != nil {
		t.Fatal(err)
	}
	name := "0000000000000007-00000000000004d2.snap"
	got, err := os.ReadFile(filepath.Join(ours, name))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(theirs, name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("snapshot file differs from etcd's: %d bytes against %d", len(got), len(want))
	}
	loaded, err := snap.New(nil, ours).Load()
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Metadata.Index != 1234 || !bytes.Equal(loaded.Data, data) {
		t.Fatalf("loaded snapshot at index %d with %d bytes of data", loaded.Metadata.Index, len(loaded.Data))
	}
}
