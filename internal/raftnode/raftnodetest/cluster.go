package raftnodetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// Timing of a test cluster: a fast raft clock, and deadlines generous
// enough for a loaded machine.
const (
	Tick    = 20 * time.Millisecond
	Timeout = 15 * time.Second
)

// Logger discards, unless CONSENSUS_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("CONSENSUS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// Options configures NewCluster.
type Options struct {
	// Peers are the nodes' raft addresses; default one per node that the
	// in-memory network ignores.
	Peers map[uint64]string
	// Transport makes node id's transport each time it starts; default a
	// Transport on the cluster's Network.
	Transport func(id uint64) raftnode.Transport
	// Tune adjusts each node's configuration before it starts.
	Tune func(cfg *raftnode.Config)
}

// Cluster runs raft nodes in this process, each over a Machine and its own
// temporary data dir, and stops them when the test ends.
type Cluster struct {
	T        testing.TB
	Network  *Network
	Peers    map[uint64]string
	Dirs     map[uint64]string
	Nodes    map[uint64]*raftnode.Node
	Machines map[uint64]*Machine
	Regs     map[uint64]*prometheus.Registry
	opts     Options
}

// NewCluster starts size nodes with ids 1..size.
func NewCluster(t testing.TB, size int, opts Options) *Cluster {
	t.Helper()
	c := &Cluster{
		T: t, Network: NewNetwork(), Peers: map[uint64]string{}, Dirs: map[uint64]string{},
		Nodes: map[uint64]*raftnode.Node{}, Machines: map[uint64]*Machine{}, Regs: map[uint64]*prometheus.Registry{}, opts: opts,
	}
	for id := uint64(1); id <= uint64(size); id++ {
		c.Peers[id] = fmt.Sprintf("node%d.invalid:7000", id)
		if addr, ok := opts.Peers[id]; ok {
			c.Peers[id] = addr
		}
		c.Dirs[id] = t.TempDir()
	}
	t.Cleanup(func() {
		for id := range c.Nodes {
			c.Stop(id)
		}
	})
	for id := uint64(1); id <= uint64(size); id++ {
		c.Start(id)
	}
	return c
}

// Config is node id's configuration as Start starts it, before Tune.
func (c *Cluster) Config(id uint64) raftnode.Config {
	var tr raftnode.Transport
	if c.opts.Transport != nil {
		tr = c.opts.Transport(id)
	} else {
		tr = c.Network.Transport(id)
	}
	c.Regs[id] = prometheus.NewRegistry()
	cfg := raftnode.Config{
		ID: id, Peers: c.Peers, DataDir: c.Dirs[id], Transport: tr, TickInterval: Tick,
		Logger: Logger().With("node", id), Registerer: c.Regs[id],
	}
	if c.opts.Tune != nil {
		c.opts.Tune(&cfg)
	}
	return cfg
}

// Start starts node id over a new Machine, which its data dir fills.
func (c *Cluster) Start(id uint64) *raftnode.Node {
	c.T.Helper()
	return c.StartWith(id, c.Config(id))
}

// StartWith starts node id with cfg over a new Machine.
func (c *Cluster) StartWith(id uint64, cfg raftnode.Config) *raftnode.Node {
	c.T.Helper()
	m := &Machine{}
	n, err := raftnode.Start(cfg, m)
	if err != nil {
		c.T.Fatalf("start node %d: %v", id, err)
	}
	c.Nodes[id], c.Machines[id] = n, m
	return n
}

// Stop closes node id.
func (c *Cluster) Stop(id uint64) {
	c.T.Helper()
	n := c.Nodes[id]
	if n == nil {
		return
	}
	delete(c.Nodes, id)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		c.T.Errorf("close node %d: %v", id, err)
	}
}

// Leader waits until a running node leads and a linearizable read passes
// through it, which proves it committed an entry in its term.
func (c *Cluster) Leader() *raftnode.Node {
	c.T.Helper()
	var lead *raftnode.Node
	WaitFor(c.T, "a leader", func() bool {
		for _, n := range c.Nodes {
			if ok, _ := n.Leader(); !ok {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err := n.LinearizableRead(ctx)
			cancel()
			if err == nil {
				lead = n
				return true
			}
		}
		return false
	})
	return lead
}

// Followers returns the running nodes other than lead.
func (c *Cluster) Followers(lead *raftnode.Node) []*raftnode.Node {
	var out []*raftnode.Node
	for _, n := range c.Nodes {
		if n != lead {
			out = append(out, n)
		}
	}
	return out
}

// WaitPayloads waits until every running node's machine applied want
// payloads.
func (c *Cluster) WaitPayloads(want int) {
	c.T.Helper()
	for id, m := range c.Machines {
		if c.Nodes[id] == nil {
			continue
		}
		WaitFor(c.T, fmt.Sprintf("node %d to apply %d payloads", id, want), func() bool { return len(m.Payloads()) >= want })
	}
}

// Propose proposes payload on n and waits for its outcome.
func Propose(n *raftnode.Node, payload []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	ch, err := n.ProposeAsync(ctx, func(id, _ uint64) ([]byte, error) { return Entry(id, payload), nil })
	if err != nil {
		return err
	}
	return <-ch
}

// WaitFor polls cond every Tick until it holds, failing the test after
// Timeout.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(Tick)
	}
}
