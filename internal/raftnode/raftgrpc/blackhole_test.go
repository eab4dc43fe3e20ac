package raftgrpc

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// blackholeProxy forwards TCP connections to a target. freeze makes the
// connections open at that moment silently stop carrying bytes while staying
// open, as when a peer host loses power or a firewall drops the flow; later
// connections work. It is a test double for a network fault, which loopback
// cannot produce on its own.
type blackholeProxy struct {
	lis    net.Listener
	target string

	mu     sync.Mutex
	conns  []net.Conn
	frozen chan struct{} // closed by freeze
	wg     sync.WaitGroup
}

func newBlackholeProxy(t *testing.T, target string) *blackholeProxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackholeProxy{lis: lis, target: target, frozen: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *blackholeProxy) serve() {
	defer p.wg.Done()
	for {
		in, err := p.lis.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		frozen := p.frozen
		p.mu.Unlock()
		for _, dir := range [][2]net.Conn{{in, out}, {out, in}} {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				buf := make([]byte, 32<<10)
				for {
					n, err := dir[0].Read(buf)
					select {
					case <-frozen:
						// Swallow everything from now on without closing.
						io.Copy(io.Discard, dir[0])
						return
					default:
					}
					if n > 0 {
						if _, werr := dir[1].Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						dir[1].Close()
						return
					}
				}
			}()
		}
	}
}

func (p *blackholeProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.frozen)
	p.frozen = make(chan struct{})
}

func (p *blackholeProxy) close() {
	p.lis.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestPeerStreamRecoversFromDeadConnection checks a leader notices that its
// stream to a follower runs over a connection that silently died and
// reconnects, instead of writing into it until the kernel gives up many
// minutes later while the follower falls ever further behind.
func TestPeerStreamRecoversFromDeadConnection(t *testing.T) {
	// Runs beside the other slow tests: most of its time is spent waiting
	// for gRPC keepalive.
	t.Parallel()
	// Node 3 is reached through the proxy by everyone else.
	var proxy *blackholeProxy
	c := grpcCluster(t, 3, func(id uint64, addr string) string {
		if id != 3 {
			return addr
		}
		proxy = newBlackholeProxy(t, addr)
		return proxy.lis.Addr().String()
	}, nil)
	// Make sure node 3 does not lead: the frozen path is into it.
	lead := c.Leader()
	if lead.ID() == 3 {
		ctx, cancel := context.WithTimeout(context.Background(), raftnodetest.Timeout)
		defer cancel()
		if err := lead.TransferLeadership(ctx, 1); err != nil {
			t.Fatal(err)
		}
		lead = c.Leader()
	}
	proposeAll(t, c, "m1")

	proxy.freeze()
	if err := raftnodetest.Propose(lead, []byte("m2")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitForWithin(t, 25*time.Second, "node 3 to receive entry 2 after its connection died", func() bool {
		return len(c.Machines[3].Payloads()) >= 2
	})
	t.Logf("node 3 caught up %v after its connections went dead", time.Since(start).Round(time.Millisecond))
}

func waitForWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(raftnodetest.Tick)
	}
}
