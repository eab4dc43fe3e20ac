package raftnode

import (
	"context"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Transport carries raft messages between the nodes of a cluster: what
// raft sends goes to the peer it names, and what peers send reaches the
// node's Handler. It may drop messages (raft sends again what matters) but
// must never block Send. The node calls AddPeer for the peers it knows
// before Start, and AddPeer and RemovePeer as the configuration changes.
type Transport interface {
	// Start begins delivering what peers send to h and sending what Send
	// queues. advertise is this node's raft address as the configuration
	// records it, for transports that tell peers where to answer; it may be
	// empty.
	Start(h Handler, advertise string) error
	// Send queues messages for their peers without blocking.
	Send(msgs []raftpb.Message)
	// AddPeer starts sending to node id at addr, or moves it to a new
	// address; a known peer at the same address is left alone.
	AddPeer(id uint64, addr string) error
	// RemovePeer stops sending to node id.
	RemovePeer(id uint64)
	// Peers returns the ids the transport sends to, in ascending order.
	Peers() []uint64
	// Stop stops sending and receiving and releases what the transport
	// holds, whether or not it was started.
	Stop()
}

// Handler is the node as its transport sees it, as etcd's rafthttp sees
// its Raft.
type Handler interface {
	// Step hands a message from a peer to raft.
	Step(ctx context.Context, m raftpb.Message) error
	// ReportUnreachable says a message to peer id may not have arrived.
	ReportUnreachable(id uint64)
	// ReportSnapshot says whether a snapshot message to peer id arrived.
	ReportSnapshot(id uint64, status raft.SnapshotStatus)
	// LearnPeer tells of the address a peer says it listens on. The node
	// adopts it when it knows none for a member, as when it joins knowing
	// only itself.
	LearnPeer(id uint64, addr string)
}
