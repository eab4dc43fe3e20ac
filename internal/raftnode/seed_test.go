package raftnode

import (
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

// TestSeedStorage checks that a seeded log loads as a snapshot with no vote
// and nothing after it, and that members of the snapshot are refused.
func TestSeedStorage(t *testing.T) {
	data, err := appendSnapshotMembers([]byte{}, map[uint64]string{1: "127.0.0.1:1", 2: "127.0.0.1:2", 5: "127.0.0.1:5"})
	if err != nil {
		t.Fatal(err)
	}
	s := raftpb.Snapshot{Data: data, Metadata: raftpb.SnapshotMetadata{
		Index: 42, Term: 7, ConfState: raftpb.ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}},
	}}
	for _, tc := range []struct {
		name string
		id   uint64
		want string
	}{
		{"voter", 1, "is a member"},
		{"learner", 3, "is a member"},
		{"address only", 5, "has an address"},
		{"id 0", 0, "1 or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := SeedStorage(dir, tc.id, s, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("SeedStorage(%d) = %v, want an error saying %q", tc.id, err, tc.want)
			}
			if LogExists(dir) {
				t.Fatal("a refused seed wrote a raft log")
			}
		})
	}

	dir := t.TempDir()
	if err := SeedStorage(dir, 4, s, nil); err != nil {
		t.Fatal(err)
	}
	if err := SeedStorage(dir, 4, s, nil); err == nil {
		t.Fatal("seeding over an existing raft log was accepted")
	}
	d := NewDiskStorage(dir, nil)
	p, err := d.Load()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if p.Snapshot == nil || p.Snapshot.Metadata.Index != 42 || p.Snapshot.Metadata.Term != 7 {
		t.Fatalf("loaded snapshot %+v, want index 42 term 7", p.Snapshot)
	}
	if want := (raftpb.HardState{Term: 7, Commit: 42}); p.HardState != want || len(p.Entries) != 0 {
		t.Fatalf("loaded hard state %+v with %d entries, want %+v and none", p.HardState, len(p.Entries), want)
	}
}
