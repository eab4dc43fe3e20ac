package raftnode

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
)

func testSnapshot() raftpb.Snapshot {
	return raftpb.Snapshot{
		Data: bytes.Repeat([]byte("state "), 1000),
		Metadata: raftpb.SnapshotMetadata{
			Index: 42, Term: 7, ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}},
		},
	}
}

func sameSnapshot(a, b raftpb.Snapshot) bool {
	am, _ := a.Metadata.Marshal()
	bm, _ := b.Metadata.Marshal()
	return bytes.Equal(a.Data, b.Data) && bytes.Equal(am, bm)
}

// TestSnapFileIsEtcds checks a snapshot written in chunks is the file etcd's
// snapshotter writes for the joined snapshot, byte for byte, so that the
// snapshotter still finds and reads it when a node starts.
func TestSnapFileIsEtcds(t *testing.T) {
	s := testSnapshot()
	ours, theirs := t.TempDir(), t.TempDir()
	if err := writeSnapFile(ours, s.Metadata, [][]byte{s.Data[:10], s.Data[10:2500], s.Data[2500:]}); err != nil {
		t.Fatal(err)
	}
	if err := snap.New(zap.NewNop(), theirs).SaveSnap(s); err != nil {
		t.Fatal(err)
	}
	name := snapFileName(s.Metadata.Index, s.Metadata.Term)
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
	loaded, err := snap.New(zap.NewNop(), ours).Load()
	if err != nil {
		t.Fatal(err)
	}
	if !sameSnapshot(*loaded, s) {
		t.Fatalf("etcd's snapshotter read %v, want %v", loaded.Metadata, s.Metadata)
	}
	if left, _ := filepath.Glob(filepath.Join(ours, "*.tmp")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestReadSnapFile(t *testing.T) {
	s := testSnapshot()
	dir := t.TempDir()
	if err := snap.New(zap.NewNop(), dir).SaveSnap(s); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapFileName(s.Metadata.Index, s.Metadata.Term))
	got, err := readSnapFile(path, s.Metadata.Index, s.Metadata.Term)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSnapshot(got, s) {
		t.Fatalf("read %v, want %v", got.Metadata, s.Metadata)
	}
	if _, err := readSnapFile(path, s.Metadata.Index+1, s.Metadata.Term); err == nil || !strings.Contains(err.Error(), "want 43") {
		t.Fatalf("reading it as another index: err = %v, want a mismatch", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := readSnapFile(path, s.Metadata.Index, s.Metadata.Term); err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Fatalf("corrupted file: err = %v, want a CRC mismatch", err)
	}
}

// TestUnfinishedSnapFileRemovedAtLoad: a crash while a snapshot file was
// written leaves its temporary file, which the next start removes.
func TestUnfinishedSnapFileRemovedAtLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, snapDirName), 0o750); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, snapDirName, snapFileName(5, 1)+".tmp")
	if err := os.WriteFile(tmp, []byte("partial"), 0o640); err != nil {
		t.Fatal(err)
	}
	d := NewDiskStorage(dir, nil)
	if _, err := d.Load(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("unfinished snapshot file still there: %v", err)
	}
}
