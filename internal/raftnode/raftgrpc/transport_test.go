package raftgrpc

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestTransportRejectsBadEnvelopes(t *testing.T) {
	c := grpcCluster(t, 1, nil, nil)
	n := c.Leader()
	conn, err := grpc.NewClient(c.Peers[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	misrouted, _ := (&raftpb.Message{Type: raftpb.MsgHeartbeat, To: 9, From: 2}).Marshal()
	local, _ := (&raftpb.Message{Type: raftpb.MsgHup, To: 1, From: 1}).Marshal()
	tests := []struct {
		name string
		envs [][]byte
		code codes.Code
	}{
		{"garbage", [][]byte{{0xff, 0xff, 0xff}}, codes.InvalidArgument},
		{"addressed to another validator", [][]byte{misrouted}, codes.InvalidArgument},
		{"local message type is ignored, stream stays up", [][]byte{local}, codes.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := aurigraphv1.NewRaftTransportClient(conn).Stream(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tc.envs {
				s.Send(&aurigraphv1.RaftEnvelope{Message: e})
			}
			_, err = s.CloseAndRecv()
			if got := status.Code(err); got != tc.code {
				t.Fatalf("code %v (%v), want %v", got, err, tc.code)
			}
		})
	}
	if lead, _ := n.Leader(); !lead {
		t.Fatal("bad envelopes disturbed the node")
	}
}

// FuzzDecodeEnvelope checks that the envelope read in place gives what
// protobuf's decoding of a RaftEnvelope and then of its message gives, or
// fails where that fails.
func FuzzDecodeEnvelope(f *testing.F) {
	good, _ := (&raftpb.Message{Type: raftpb.MsgApp, To: 1, From: 2, Term: 3, Entries: []raftpb.Entry{{Index: 1, Data: []byte("x")}}}).Marshal()
	env, _ := proto.Marshal(&aurigraphv1.RaftEnvelope{Message: good})
	f.Add(env)
	f.Add(good)
	f.Add([]byte{})
	f.Add(append(env, env...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got raftpb.Message
		err := decodeEnvelope(data, &got)
		var want raftpb.Message
		var e aurigraphv1.RaftEnvelope
		werr := proto.Unmarshal(data, &e)
		if werr == nil {
			werr = want.Unmarshal(e.GetMessage())
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("decodeEnvelope error %v, protobuf's %v", err, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeEnvelope gave %v, protobuf %v", got, want)
		}
	})
}

// TestCodecWritesAnEnvelope checks that what the codec writes for a raft
// message is what protobuf writes for a RaftEnvelope holding it, so a peer
// of an earlier release reads it, and reads back the same message.
func TestCodecWritesAnEnvelope(t *testing.T) {
	msgs := []raftpb.Message{
		{Type: raftpb.MsgHeartbeat, To: 2, From: 1, Term: 7, Commit: 40},
		{Type: raftpb.MsgApp, To: 3, From: 1, Term: 7, Index: 41, LogTerm: 7, Commit: 41,
			Entries: []raftpb.Entry{{Term: 7, Index: 42, Data: bytes.Repeat([]byte("tx"), 100_000)}, {Term: 7, Index: 43}}},
		{Type: raftpb.MsgSnap, To: 2, From: 1, Snapshot: &raftpb.Snapshot{Data: []byte("state"), Metadata: raftpb.SnapshotMetadata{Index: 9, Term: 2}}},
	}
	for _, m := range msgs {
		t.Run(m.Type.String(), func(t *testing.T) {
			out, err := codec{}.Marshal(&envelope{m: m})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Free()
			inner, _ := m.Marshal()
			want, _ := proto.Marshal(&aurigraphv1.RaftEnvelope{Message: inner})
			if got := out.Materialize(); !bytes.Equal(got, want) {
				t.Fatalf("codec wrote %d bytes, a RaftEnvelope is %d bytes: %x…", len(got), len(want), got[:min(len(got), 16)])
			}
			var back envelope
			if err := (codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(want)}, &back); err != nil || back.err != nil {
				t.Fatalf("read back: %v, %v", err, back.err)
			}
			if !reflect.DeepEqual(back.m, m) {
				t.Fatalf("read back %v, want %v", back.m, m)
			}
		})
	}
}
