package raftnodetest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// inboxLen bounds the messages waiting for one node, as the gRPC
// transport bounds its queues: raft sends again what a full inbox drops.
const inboxLen = 4096

// Network connects in-memory transports by node id. Messages travel
// encoded, as they would over a wire, and a node that is stopped, isolated
// or never started is unreachable. It is safe for concurrent use.
type Network struct {
	mu       sync.Mutex
	nodes    map[uint64]*Transport
	isolated map[uint64]bool
}

// NewNetwork returns an empty network.
func NewNetwork() *Network {
	return &Network{nodes: make(map[uint64]*Transport), isolated: make(map[uint64]bool)}
}

// Transport returns a new transport for node id on the network; it replaces
// the node's previous one (a restart) once started.
func (nw *Network) Transport(id uint64) *Transport {
	return &Transport{nw: nw, id: id, peers: make(map[uint64]string), inbox: make(chan raftpb.Message, inboxLen), done: make(chan struct{})}
}

// Isolate cuts node id off: nothing it sends arrives and nothing reaches it,
// until Heal.
func (nw *Network) Isolate(id uint64) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	nw.isolated[id] = true
}

// Heal reconnects every isolated node.
func (nw *Network) Heal() {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	clear(nw.isolated)
}

// route returns the transport that receives from from for to, nil when
// none can.
func (nw *Network) route(from, to uint64) *Transport {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.isolated[from] || nw.isolated[to] {
		return nil
	}
	return nw.nodes[to]
}

// Transport is one node's raftnode.Transport on a Network.
type Transport struct {
	nw *Network
	id uint64

	mu      sync.Mutex
	peers   map[uint64]string
	h       raftnode.Handler
	stopped bool

	inbox chan raftpb.Message
	done  chan struct{}
	wg    sync.WaitGroup
}

// Start implements raftnode.Transport: the node receives from now on.
func (t *Transport) Start(h raftnode.Handler, _ string) error {
	t.mu.Lock()
	t.h = h
	t.mu.Unlock()
	t.nw.mu.Lock()
	t.nw.nodes[t.id] = t
	t.nw.mu.Unlock()
	t.wg.Go(t.deliver)
	return nil
}

// deliver steps what arrives into the node, one message at a time, as a
// gRPC stream does.
func (t *Transport) deliver() {
	for {
		select {
		case m := <-t.inbox:
			// Errors are raft's to ignore (a message from a removed peer,
			// a stopped node): the gRPC transport would drop them too.
			_ = t.h.Step(context.Background(), m)
		case <-t.done:
			return
		}
	}
}

// Send implements raftnode.Transport.
func (t *Transport) Send(msgs []raftpb.Message) {
	t.mu.Lock()
	h, stopped := t.h, t.stopped
	t.mu.Unlock()
	if stopped {
		return
	}
	for _, m := range msgs {
		t.mu.Lock()
		_, known := t.peers[m.To]
		t.mu.Unlock()
		if !known {
			continue
		}
		dst := t.nw.route(t.id, m.To)
		if dst == nil || !dst.receive(m) {
			h.ReportUnreachable(m.To)
			if m.Type == raftpb.MsgSnap {
				h.ReportSnapshot(m.To, raft.SnapshotFailure)
			}
			continue
		}
		if m.Type == raftpb.MsgSnap {
			h.ReportSnapshot(m.To, raft.SnapshotFinish)
		}
	}
}

// receive queues a copy of m, decoded from its encoding, and reports
// whether it fit.
func (t *Transport) receive(m raftpb.Message) bool {
	data, err := m.Marshal()
	if err != nil {
		return false
	}
	var copied raftpb.Message
	if err := copied.Unmarshal(data); err != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	select {
	case t.inbox <- copied:
		return true
	default:
		return false
	}
}

// AddPeer implements raftnode.Transport; the network routes by id, so addr
// is only remembered.
func (t *Transport) AddPeer(id uint64, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.peers[id] = addr
	return nil
}

// RemovePeer implements raftnode.Transport.
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.peers, id)
}

// Peers implements raftnode.Transport.
func (t *Transport) Peers() []uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.peers))
}

// Stop implements raftnode.Transport.
func (t *Transport) Stop() {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	t.stopped = true
	t.mu.Unlock()
	t.nw.mu.Lock()
	if t.nw.nodes[t.id] == t {
		delete(t.nw.nodes, t.id)
	}
	t.nw.mu.Unlock()
	close(t.done)
	t.wg.Wait()
}
