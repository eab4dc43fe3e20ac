package raftnode

import (
	"maps"
	"testing"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestSnapshotMembersRoundTrip(t *testing.T) {
	// The chain's snapshot message is what the trailer must keep valid.
	state, err := proto.MarshalOptions{Deterministic: true}.Marshal(&aurigraphv1.StateSnapshot{Height: 7, LastHash: []byte{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	addrs := map[uint64]string{1: "10.0.0.1:7001", 4: "[::1]:7004"}
	data, err := appendSnapshotMembers(state, addrs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := snapshotMembers(data)
	if err != nil || !maps.Equal(got, addrs) {
		t.Fatalf("snapshotMembers = %v, %v; want %v", got, err, addrs)
	}
	// The trailer keeps the bytes a valid StateSnapshot.
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(data, &st); err != nil || st.GetHeight() != 7 {
		t.Fatalf("decode state with member trailer: %v, height %d", err, st.GetHeight())
	}
	// ...and the schema reads the trailer as StateSnapshot.members.
	fromSchema := map[uint64]string{}
	for _, m := range st.GetMembers() {
		fromSchema[m.GetId()] = m.GetRaftAddress()
	}
	if !maps.Equal(fromSchema, addrs) {
		t.Fatalf("StateSnapshot.members = %v, want %v", fromSchema, addrs)
	}
	if _, err := snapshotMembers([]byte{0x52, 0x05, 0x01}); err == nil {
		t.Fatal("snapshotMembers accepted a truncated member")
	}
}

func FuzzSnapshotMembers(f *testing.F) {
	data, _ := appendSnapshotMembers([]byte{0x08, 0x07}, map[uint64]string{2: "127.0.0.1:7002"})
	f.Add(data)
	f.Add([]byte{0x52, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := snapshotMembers(b)
		if err != nil {
			return
		}
		for id, addr := range got {
			if id == 0 || addr == "" {
				t.Fatalf("snapshotMembers returned member %d at %q", id, addr)
			}
		}
	})
}
