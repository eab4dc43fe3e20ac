package raftgrpc

import (
	"net"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/loopport"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// grpcCluster runs size raft nodes over this transport on loopback. Node
// id listens on its own address; peers reach it at route(id, addr), which
// may lead through a proxy. tlsOf, when set, gives each node's TLS.
func grpcCluster(t *testing.T, size int, route func(id uint64, addr string) string, tlsOf func(id uint64) *TLSConfig) *raftnodetest.Cluster {
	t.Helper()
	lis := map[uint64]net.Listener{}
	listen := map[uint64]string{}
	peers := map[uint64]string{}
	for id := uint64(1); id <= uint64(size); id++ {
		// Below the ephemeral range, so that no connection takes the
		// port while the node is stopped.
		l, err := loopport.Listen()
		if err != nil {
			t.Fatal(err)
		}
		lis[id], listen[id], peers[id] = l, l.Addr().String(), l.Addr().String()
		if route != nil {
			peers[id] = route(id, listen[id])
		}
	}
	return raftnodetest.NewCluster(t, size, raftnodetest.Options{
		Peers: peers,
		Transport: func(id uint64) raftnode.Transport {
			l := lis[id]
			delete(lis, id)
			if l == nil {
				var err error
				for range 50 {
					if l, err = net.Listen("tcp", listen[id]); err == nil {
						break
					}
					time.Sleep(raftnodetest.Tick)
				}
				if err != nil {
					t.Fatalf("re-listen on %s: %v", listen[id], err)
				}
			}
			var tls *TLSConfig
			if tlsOf != nil {
				tls = tlsOf(id)
			}
			tr, err := New(Config{ID: id, Listener: l, TLS: tls, Logger: raftnodetest.Logger()})
			if err != nil {
				t.Fatalf("transport of node %d: %v", id, err)
			}
			return tr
		},
	})
}

// proposeAll commits each payload through the cluster's leader and waits
// until every node applied them.
func proposeAll(t *testing.T, c *raftnodetest.Cluster, payloads ...string) {
	t.Helper()
	for _, p := range payloads {
		if err := raftnodetest.Propose(c.Leader(), []byte(p)); err != nil {
			t.Fatalf("propose %q: %v", p, err)
		}
	}
	c.WaitPayloads(len(c.Machines[c.Leader().ID()].Payloads()))
}
