package consensus

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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
	// Runs beside the other slow cluster tests: most of its time is spent
	// waiting for gRPC keepalive.
	t.Parallel()
	c := &cluster{
		t: t, peers: map[uint64]string{}, dirs: map[uint64]string{}, lis: map[uint64]net.Listener{},
		nodes: map[uint64]*Node{}, regs: map[uint64]*prometheus.Registry{},
	}
	var proxy *blackholeProxy
	for id := uint64(1); id <= 3; id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.lis[id], c.peers[id], c.dirs[id] = l, l.Addr().String(), t.TempDir()
	}
	// Validator 3 is reached through the proxy by everyone else.
	proxy = newBlackholeProxy(t, c.peers[3])
	c.peers[3] = proxy.lis.Addr().String()
	for id := uint64(1); id <= 3; id++ {
		c.start(id)
	}
	t.Cleanup(func() {
		for id := range c.nodes {
			c.stop(id)
		}
	})
	// Make sure validator 3 does not lead: the frozen path is into it.
	lead := c.leader()
	if lead.ID() == 3 {
		lead.transferLeadership(context.Background())
		waitFor(t, "validator 3 to hand over leadership", func() bool { l, _ := c.nodes[3].Leader(); return !l })
		lead = c.leader()
	}
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	c.waitHeight(1)

	proxy.freeze()
	mustPropose(t, lead, batch(1, mint("m2", "alice", 1)))
	start := time.Now()
	waitForWithin(t, 25*time.Second, "validator 3 to receive block 2 after its connection died", func() bool {
		return c.nodes[3].Blocks().Height() >= 2
	})
	t.Logf("validator 3 caught up %v after its connections went dead", time.Since(start).Round(time.Millisecond))
}

func waitForWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(testTick)
	}
}
