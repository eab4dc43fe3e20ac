package chainapi

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/loopport"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	testTick    = 20 * time.Millisecond
	testTimeout = 15 * time.Second
	testTopic   = "aurigraph.tx.v1"
)

func testLogger() *slog.Logger {
	if os.Getenv("CONSENSUS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// cluster runs real validators in this process, talking raft over loopback
// and persisting to per-validator temp directories: what the service reads.
type cluster struct {
	t     *testing.T
	peers map[uint64]string
	dirs  map[uint64]string
	lis   map[uint64]net.Listener
	nodes map[uint64]*consensus.Node
	tune  func(*consensus.Config)
}

func newCluster(t *testing.T, size int, tune func(*consensus.Config)) *cluster {
	t.Helper()
	c := &cluster{
		t: t, peers: map[uint64]string{}, dirs: map[uint64]string{}, lis: map[uint64]net.Listener{},
		nodes: map[uint64]*consensus.Node{}, tune: tune,
	}
	for id := uint64(1); id <= uint64(size); id++ {
		// Below the ephemeral range, so that no connection takes the
		// port while the validator is stopped.
		l, err := loopport.Listen()
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		c.lis[id], c.peers[id], c.dirs[id] = l, l.Addr().String(), t.TempDir()
	}
	t.Cleanup(func() {
		for id := range c.nodes {
			c.stop(id)
		}
	})
	for id := range c.peers {
		c.start(id)
	}
	return c
}

// start starts validator id, on its reserved listener or again on its
// address after a stop.
func (c *cluster) start(id uint64) *consensus.Node {
	c.t.Helper()
	l := c.lis[id]
	delete(c.lis, id)
	if l == nil {
		var err error
		for range 50 {
			if l, err = net.Listen("tcp", c.peers[id]); err == nil {
				break
			}
			time.Sleep(testTick)
		}
		if err != nil {
			c.t.Fatalf("re-listen on %s: %v", c.peers[id], err)
		}
	}
	cfg := consensus.Config{
		ID: id, Peers: c.peers, Listener: l, DataDir: c.dirs[id], TickInterval: testTick,
		DedupWindow: 1000, Logger: testLogger().With("node", id),
	}
	if c.tune != nil {
		c.tune(&cfg)
	}
	n, err := consensus.Start(context.Background(), cfg)
	if err != nil {
		c.t.Fatalf("start validator %d: %v", id, err)
	}
	c.nodes[id] = n
	return n
}

func (c *cluster) stop(id uint64) {
	c.t.Helper()
	n := c.nodes[id]
	if n == nil {
		return
	}
	delete(c.nodes, id)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		c.t.Errorf("close validator %d: %v", id, err)
	}
}

// leader waits until a validator leads and has committed an entry in its
// term, which NextOffsets proves through ReadIndex.
func (c *cluster) leader() *consensus.Node {
	c.t.Helper()
	var lead *consensus.Node
	waitFor(c.t, "a leader", func() bool {
		for _, n := range c.nodes {
			if ok, _ := n.Leader(); !ok {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			_, err := n.NextOffsets(ctx, testTopic)
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

func (c *cluster) followers(leader *consensus.Node) []*consensus.Node {
	var out []*consensus.Node
	for _, n := range c.nodes {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(testTick)
	}
}

func mustPropose(t *testing.T, n *consensus.Node, b *aurigraphv1.Batch) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ch, err := n.ProposeAsync(ctx, b)
	if err == nil {
		err = <-ch
	}
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
}

// batch builds a batch consuming [start, start+len(txs)) of partition 0.
func batch(start int64, txs ...*aurigraphv1.Transaction) *aurigraphv1.Batch {
	return &aurigraphv1.Batch{
		TimestampMs: 1_700_000_000_000 + start,
		Sources:     []*aurigraphv1.SourceRange{{Topic: testTopic, Partition: 0, StartOffset: start, EndOffset: start + int64(len(txs))}},
		Txs:         txs,
	}
}

func mint(id, to string, amount uint64) *aurigraphv1.Transaction {
	return &aurigraphv1.Transaction{Id: id, Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: amount}
}

func transfer(id, from, to string, amount, nonce uint64) *aurigraphv1.Transaction {
	return &aurigraphv1.Transaction{Id: id, Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: from, To: to, Amount: amount, Nonce: nonce}
}
