package raftgrpc

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
)

// AddPeer starts sending to node id at addr. A known peer with the same
// address is left alone; a new address replaces the old connection.
func (t *Transport) AddPeer(id uint64, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[id]; p != nil {
		if p.addr == addr {
			return nil
		}
		t.dropPeerLocked(p)
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(t.creds.client),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: keepaliveTime, Timeout: keepaliveTimeout, PermitWithoutStream: true}),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxMessageBytes)))
	if err != nil {
		return fmt.Errorf("dial raft peer %d at %q: %w", id, addr, err)
	}
	ctx, cancel := context.WithCancel(t.ctx)
	p := &peer{id: id, addr: addr, queue: make(chan raftpb.Message, peerQueueLen), conn: conn, ctx: ctx, cancel: cancel}
	t.peers[id] = p
	if t.started {
		t.runPeerAsync(p)
	}
	t.logger.Debug("raft peer added", "peer", id, "addr", addr)
	return nil
}

// RemovePeer stops sending to node id; later messages to it are dropped.
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[id]; p != nil {
		t.dropPeerLocked(p)
		t.logger.Debug("raft peer removed", "peer", id, "addr", p.addr)
	}
}

// removedPeerGrace is how long a removed peer's stream stays open. The
// messages already queued for it carry the commit index of the change that
// removed it; without them it would never apply its own removal and stop.
const removedPeerGrace = time.Second

func (t *Transport) dropPeerLocked(p *peer) {
	delete(t.peers, p.id)
	// Nothing new reaches the queue now; runPeer returns once the context
	// ends, and closing the connection ends a stream stuck in a send.
	time.AfterFunc(removedPeerGrace, func() {
		p.cancel()
		p.conn.Close()
	})
}

// Peers returns the ids the transport currently sends to.
func (t *Transport) Peers() []uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.peers))
}

// Stream metadata a sender uses to say who it is and where it listens. A
// node that joins knowing only its own address learns the leader's
// from the first stream the leader opens, and can answer it.
const (
	mdSenderID   = "aurigraph-raft-sender-id"
	mdSenderAddr = "aurigraph-raft-sender-address"
)

func (t *Transport) advertised(ctx context.Context) context.Context {
	if t.advertise == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, mdSenderID, strconv.FormatUint(t.id, 10), mdSenderAddr, t.advertise)
}

func (t *Transport) learnSender(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	ids, addrs := md.Get(mdSenderID), md.Get(mdSenderAddr)
	if len(ids) != 1 || len(addrs) != 1 {
		return
	}
	id, err := strconv.ParseUint(ids[0], 10, 64)
	if err != nil || id == 0 || id == t.id {
		return
	}
	if _, _, err := net.SplitHostPort(addrs[0]); err != nil {
		return
	}
	t.node.LearnPeer(id, addrs[0])
}
