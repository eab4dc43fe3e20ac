package raftgrpc

import (
	"context"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

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

func FuzzDecodeRaftMessage(f *testing.F) {
	good, _ := (&raftpb.Message{Type: raftpb.MsgApp, To: 1, From: 2, Term: 3, Entries: []raftpb.Entry{{Index: 1, Data: []byte("x")}}}).Marshal()
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeRaftMessage(data, 1)
		if err == nil && m.To != 1 {
			t.Fatalf("accepted a message for %d", m.To)
		}
	})
}
