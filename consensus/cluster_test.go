package consensus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/loopport"
	"github.com/aurigraph/aurigraph/internal/raftnode"
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
// gRPC and persisting to per-validator temp directories.
type cluster struct {
	t     *testing.T
	peers map[uint64]string
	dirs  map[uint64]string
	lis   map[uint64]net.Listener
	nodes map[uint64]*Node
	regs  map[uint64]*prometheus.Registry
	tune  func(*Config)
}

func newCluster(t *testing.T, size int, tune func(*Config)) *cluster {
	t.Helper()
	c := &cluster{
		t: t, peers: map[uint64]string{}, dirs: map[uint64]string{}, lis: map[uint64]net.Listener{},
		nodes: map[uint64]*Node{}, regs: map[uint64]*prometheus.Registry{}, tune: tune,
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
	for id := range c.peers {
		c.start(id)
	}
	t.Cleanup(func() {
		for id := range c.nodes {
			c.stop(id)
		}
	})
	return c
}

func (c *cluster) start(id uint64) *Node {
	c.t.Helper()
	l := c.lis[id]
	delete(c.lis, id)
	if l == nil {
		var err error
		for range 50 {
			if l, err = net.Listen("tcp", c.peers[id]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			c.t.Fatalf("re-listen on %s: %v", c.peers[id], err)
		}
	}
	c.regs[id] = prometheus.NewRegistry()
	cfg := Config{
		ID: id, Peers: c.peers, Listener: l, DataDir: c.dirs[id], TickInterval: testTick,
		DedupWindow: 1000, Logger: testLogger().With("node", id), Registerer: c.regs[id],
	}
	if c.tune != nil {
		c.tune(&cfg)
	}
	n, err := Start(context.Background(), cfg)
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

// stopWithSnapshot stops every validator and returns the height of the
// newest snapshot in dir, the data dir of one of them, once ok accepts it.
// Only a stopped validator's snapshot is final: one still being written
// when the height is read lands later, and one that came due meanwhile
// waits for the next entry. So while ok refuses the height, the validators
// start again and more commits a block, a few times at most.
func (c *cluster) stopWithSnapshot(dir string, ok func(snap uint64) bool, more func()) uint64 {
	c.t.Helper()
	for tries := 1; ; tries++ {
		for id := range c.peers {
			c.stop(id)
		}
		snap := snapshotHeight(c.t, dir)
		if ok(snap) {
			return snap
		}
		if tries == 8 {
			c.t.Fatalf("newest snapshot at height %d after %d tries, which the test cannot use", snap, tries)
		}
		for id := range c.peers {
			c.start(id)
		}
		more()
	}
}

// leader waits until a running validator leads and has committed an entry in
// its term, which NextOffsets proves through ReadIndex.
func (c *cluster) leader() *Node {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		for _, n := range c.nodes {
			if lead, _ := n.Leader(); !lead {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			_, err := n.NextOffsets(ctx, testTopic)
			cancel()
			if err == nil {
				return n
			}
		}
		time.Sleep(testTick)
	}
	c.t.Fatalf("no leader elected within %v", testTimeout)
	return nil
}

func (c *cluster) followers(leader *Node) []*Node {
	var out []*Node
	for _, n := range c.nodes {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}

// waitHeight waits until every running validator holds height.
func (c *cluster) waitHeight(height uint64) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for id, n := range c.nodes {
		if err := n.Blocks().Wait(ctx, height); err != nil {
			c.t.Fatalf("validator %d: %v", id, err)
		}
	}
}

// waitApplied waits until every running validator applied index.
func (c *cluster) waitApplied(index uint64) {
	c.t.Helper()
	for id, n := range c.nodes {
		waitFor(c.t, fmt.Sprintf("validator %d to apply index %d", id, index), func() bool { return n.Status().Applied >= index })
	}
}

func propose(t *testing.T, n *Node, b *aurigraphv1.Batch) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ch, err := n.ProposeAsync(ctx, b)
	if err != nil {
		return err
	}
	return <-ch
}

func mustPropose(t *testing.T, n *Node, b *aurigraphv1.Batch) {
	t.Helper()
	if err := propose(t, n, b); err != nil {
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

func TestClusterReplicatesIdenticalBlocks(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()

	for _, f := range c.followers(lead) {
		if _, err := f.ProposeAsync(context.Background(), batch(0, mint("x", "a", 1))); !errors.Is(err, raftnode.ErrNotLeader) {
			t.Fatalf("follower %d ProposeAsync: got %v, want raftnode.ErrNotLeader", f.ID(), err)
		}
		if _, err := f.NextOffsets(context.Background(), testTopic); !errors.Is(err, raftnode.ErrNotLeader) {
			t.Fatalf("follower %d NextOffsets: got %v, want raftnode.ErrNotLeader", f.ID(), err)
		}
	}

	// Pipeline proposals without waiting in between: call order is log order.
	batches := []*aurigraphv1.Batch{
		batch(0, mint("m1", "alice", 100), mint("m2", "bob", 5)),
		batch(2, transfer("t1", "alice", "bob", 30, 1)),
		batch(3, transfer("t2", "bob", "carol", 500, 1), transfer("t3", "alice", "carol", 10, 2)),
	}
	var chans []<-chan error
	for _, b := range batches {
		ch, err := lead.ProposeAsync(context.Background(), b)
		if err != nil {
			t.Fatalf("ProposeAsync: %v", err)
		}
		chans = append(chans, ch)
	}
	for i, ch := range chans {
		if err := <-ch; err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	c.waitHeight(3)

	ref, err := lead.Blocks().Latest()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		for h := uint64(1); h <= 3; h++ {
			got, err := n.Blocks().Get(h)
			if err != nil {
				t.Fatalf("validator %d block %d: %v", n.ID(), h, err)
			}
			want, _ := lead.Blocks().Get(h)
			if string(got.GetHeader().GetHash()) != string(want.GetHeader().GetHash()) {
				t.Fatalf("validator %d block %d hash %x, leader has %x", n.ID(), h, got.GetHeader().GetHash(), want.GetHeader().GetHash())
			}
		}
		rep, err := VerifyChain(context.Background(), n.Blocks())
		if err != nil || !rep.OK || rep.Height != 3 || rep.TxCount != 5 {
			t.Fatalf("validator %d VerifyChain = %+v, %v", n.ID(), rep, err)
		}
		loc, ok, err := n.Blocks().LookupTx("t2")
		if err != nil || !ok || loc.Height != 3 || loc.Index != 0 || loc.Status != aurigraphv1.TxStatus_TX_STATUS_FAILED {
			t.Fatalf("validator %d LookupTx(t2) = %+v %v %v", n.ID(), loc, ok, err)
		}
	}
	if got := ref.GetTxs()[0].GetReason(); got != "insufficient balance" {
		t.Fatalf("failed tx reason %q, want insufficient balance", got)
	}
	if ref.GetHeader().GetFailedCount() != 1 || ref.GetHeader().GetProposer() != lead.ID() {
		t.Fatalf("header = %+v", ref.GetHeader())
	}
	offs, err := lead.NextOffsets(context.Background(), testTopic)
	if err != nil || offs[0] != 5 {
		t.Fatalf("NextOffsets = %v, %v; want partition 0 at 5", offs, err)
	}
	st := lead.Status()
	if st.State != "leader" || st.Leader != lead.ID() || st.Height != 3 || len(st.Progress) != 3 || st.Applied < st.Height {
		t.Fatalf("leader Status = %+v", st)
	}
	if got := counterValue(t, c.regs[lead.ID()], "aurigraph_consensus_proposals_total", "applied"); got != 3 {
		t.Fatalf("proposals_total{result=applied} = %v, want 3", got)
	}
	for name, want := range map[string]float64{
		"aurigraph_consensus_is_leader":              1,
		"aurigraph_consensus_height":                 3,
		"aurigraph_consensus_committed_blocks_total": 3,
		"aurigraph_consensus_committed_txs_total":    5,
	} {
		if got := counterValue(t, c.regs[lead.ID()], name, ""); got != want {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
	}
	if got := counterValue(t, c.regs[lead.ID()], "aurigraph_consensus_term", ""); got == 0 {
		t.Fatal("aurigraph_consensus_term not set")
	}
}

func TestStaleOffsetsAndDedup(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("a", "alice", 1), mint("b", "alice", 1)))

	stale := []struct {
		name string
		b    *aurigraphv1.Batch
	}{
		{"replayed range", batch(0, mint("c", "alice", 1))},
		{"gap", batch(3, mint("c", "alice", 1))},
		{"unknown partition not at 0", &aurigraphv1.Batch{Sources: []*aurigraphv1.SourceRange{{Topic: testTopic, Partition: 7, StartOffset: 4, EndOffset: 5}}, Txs: []*aurigraphv1.Transaction{mint("c", "alice", 1)}}},
	}
	for _, tc := range stale {
		if err := propose(t, lead, tc.b); !errors.Is(err, ErrStaleOffsets) {
			t.Fatalf("%s: got %v, want ErrStaleOffsets", tc.name, err)
		}
	}
	if h := lead.Blocks().Height(); h != 1 {
		t.Fatalf("height after stale batches = %d, want 1", h)
	}

	// A producer retry: "b" again next to a new tx; only the new one lands.
	mustPropose(t, lead, batch(2, mint("b", "alice", 1), mint("c", "alice", 1)))
	blk, err := lead.Blocks().Latest()
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.GetTxs()) != 1 || blk.GetTxs()[0].GetTx().GetId() != "c" {
		t.Fatalf("block 2 txs = %v, want only c", blk.GetTxs())
	}
	// Only duplicates: offsets advance, no block.
	mustPropose(t, lead, batch(4, mint("a", "alice", 1)))
	if h := lead.Blocks().Height(); h != 2 {
		t.Fatalf("height after duplicate-only batch = %d, want 2", h)
	}
	offs, err := lead.NextOffsets(context.Background(), testTopic)
	if err != nil || offs[0] != 5 {
		t.Fatalf("NextOffsets = %v, %v; want partition 0 at 5", offs, err)
	}
	if got := counterValue(t, c.regs[1], "aurigraph_consensus_proposals_total", "stale_offsets"); got != 3 {
		t.Fatalf("proposals_total{result=stale_offsets} = %v, want 3", got)
	}
}

func TestRestartContinuesWithoutReapplying(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 100)))
	mustPropose(t, lead, batch(1, transfer("t1", "alice", "bob", 10, 1)))
	c.waitHeight(2)
	before := map[uint64]ChainStats{}
	for id, n := range c.nodes {
		before[id] = n.Blocks().Stats()
	}
	for id := range c.peers {
		c.stop(id)
	}
	for id := range c.peers {
		c.start(id)
	}
	lead = c.leader()
	for id, n := range c.nodes {
		if got := n.Blocks().Stats(); got.Height != 2 || string(got.LastHash) != string(before[id].LastHash) {
			t.Fatalf("validator %d after restart: %+v, before %+v", id, got, before[id])
		}
		if got := counterValue(t, c.regs[id], "aurigraph_consensus_committed_blocks_total", ""); got != 0 {
			t.Fatalf("validator %d re-applied %v blocks on replay", id, got)
		}
	}
	// The nonce state survived: replaying nonce 1 fails, nonce 2 succeeds;
	// and so did the dedup window: m1 is dropped.
	mustPropose(t, lead, batch(2, transfer("t2", "alice", "bob", 10, 1), transfer("t3", "alice", "bob", 10, 2), mint("m1", "alice", 100)))
	c.waitHeight(3)
	for id, n := range c.nodes {
		blk, err := n.Blocks().Get(3)
		if err != nil {
			t.Fatal(err)
		}
		if len(blk.GetTxs()) != 2 {
			t.Fatalf("validator %d: block 3 has %d txs, want 2 (m1 deduplicated)", id, len(blk.GetTxs()))
		}
		if r := blk.GetTxs()[0].GetReason(); r != "nonce too low: got 1, want > 1" {
			t.Fatalf("validator %d: t2 reason %q", id, r)
		}
		if blk.GetTxs()[1].GetStatus() != aurigraphv1.TxStatus_TX_STATUS_COMMITTED {
			t.Fatalf("validator %d: t3 = %v", id, blk.GetTxs()[1])
		}
		if rep, err := VerifyChain(context.Background(), n.Blocks()); err != nil || !rep.OK {
			t.Fatalf("validator %d VerifyChain = %+v, %v", id, rep, err)
		}
	}
}

func TestCloseTransfersLeadership(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	c.waitHeight(1)
	_, oldTerm := lead.Leader()
	start := time.Now()
	c.stop(lead.ID())
	took := time.Since(start)

	// Close returns once the old leader saw its successor, so a peer leads
	// right away instead of after an election timeout.
	var next *Node
	for _, n := range c.nodes {
		if isLead, term := n.Leader(); isLead && term > oldTerm {
			next = n
		}
	}
	if next == nil {
		t.Fatalf("no validator leads right after Close (took %v)", took)
	}
	mustPropose(t, c.leader(), batch(1, mint("m2", "alice", 1)))
	c.waitHeight(2)
}

func TestLeadershipLostFailsWaiters(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	for _, f := range c.followers(lead) {
		c.stop(f.ID())
	}
	// Without a quorum the leader steps down (CheckQuorum) and the waiting
	// proposal learns it instead of hanging.
	err := propose(t, lead, batch(0, mint("m1", "alice", 1)))
	if !errors.Is(err, raftnode.ErrLeadershipLost) {
		t.Fatalf("got %v, want raftnode.ErrLeadershipLost", err)
	}
}

func TestSnapshotAndRecovery(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries = 4
		cfg.SnapshotCatchUpEntries = 2
	})
	lead := c.leader()
	var off int64
	next := func(n int) {
		for range n {
			mustPropose(t, lead, batch(off, mint(fmt.Sprintf("m%d", off), "alice", 1)))
			off++
		}
	}
	next(6)
	c.waitHeight(uint64(off))

	// Restart a follower from its own snapshot plus WAL.
	follower := c.followers(lead)[0]
	fid := follower.ID()
	// Snapshots are written in the background.
	waitFor(t, "follower snapshot file", func() bool {
		snaps, _ := os.ReadDir(c.dirs[fid] + "/snap")
		return len(snaps) > 0
	})
	waitFor(t, "snapshots_total on the leader", func() bool {
		return counterValue(t, c.regs[lead.ID()], "aurigraph_consensus_snapshots_total", "") > 0
	})
	c.stop(fid)
	c.start(fid)
	c.waitHeight(uint64(off))

	// Let the follower fall behind the leader's compacted log, so it can
	// only catch up from the leader's snapshot.
	c.stop(fid)
	next(10)
	c.start(fid)
	c.waitHeight(uint64(off))
	lead = c.leader()
	c.waitApplied(lead.Status().Applied)
	if got := counterValue(t, c.regs[fid], "aurigraph_consensus_snapshots_restored_total", ""); got != 1 {
		t.Fatalf("follower restored %v leader snapshots, want 1", got)
	}
	want := stateOf(lead)
	if got := stateOf(c.nodes[fid]); got != want {
		t.Fatalf("follower state after snapshot install\n got %s\nwant %s", got, want)
	}
	// raft does not carry blocks; block catch-up fetches the ones the
	// snapshot skipped (blocksync_test.go covers it in depth).
	waitFor(t, "follower block catch-up", func() bool { return !c.nodes[fid].Status().CatchingUp })
	rep, err := VerifyChain(context.Background(), c.nodes[fid].Blocks())
	if err != nil || !rep.OK {
		t.Fatalf("VerifyChain on follower after catch-up = %+v, %v", rep, err)
	}
	mustPropose(t, lead, batch(off, mint("after", "alice", 1)))
	c.waitHeight(uint64(off) + 1)
}

// stateOf renders the replicated state without the raft position, which
// legitimately differs between a snapshot and the entries after it.
func stateOf(n *Node) string {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	s := n.chain.fsm.snapshot()
	s.AppliedIndex, s.AppliedTerm = 0, 0
	return fmt.Sprintf("%v", s)
}

func TestProposeContextAndStop(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lead.ProposeAsync(ctx, batch(0, mint("a", "x", 1))); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled ctx: got %v", err)
	}
	c.stop(1)
	if _, err := lead.ProposeAsync(context.Background(), batch(0, mint("a", "x", 1))); !errors.Is(err, raftnode.ErrNotLeader) && !errors.Is(err, raftnode.ErrStopped) {
		t.Fatalf("after Close: got %v, want raftnode.ErrNotLeader or raftnode.ErrStopped", err)
	}
	if err := lead.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestStartValidation(t *testing.T) {
	dir := t.TempDir()
	peers := map[uint64]string{1: "127.0.0.1:1"}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero id", Config{Peers: peers, DataDir: dir}},
		{"self missing from peers", Config{ID: 2, Peers: peers, DataDir: dir}},
		{"peer id 0", Config{ID: 1, Peers: map[uint64]string{0: "127.0.0.1:2", 1: "127.0.0.1:1"}, DataDir: dir}},
		{"bad address", Config{ID: 1, Peers: map[uint64]string{1: "localhost"}, DataDir: dir}},
		{"no data dir", Config{ID: 1, Peers: peers}},
		{"negative dedup window", Config{ID: 1, Peers: peers, DataDir: dir, DedupWindow: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = testLogger()
			if n, err := Start(context.Background(), tc.cfg); err == nil {
				n.Close(context.Background())
				t.Fatal("Start accepted an invalid config")
			}
		})
	}
}

func TestStartRefusesStateWithoutLog(t *testing.T) {
	c := newCluster(t, 1, nil)
	mustPropose(t, c.leader(), batch(0, mint("a", "x", 1)))
	c.stop(1)
	if err := os.RemoveAll(c.dirs[1] + "/wal"); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), Config{ID: 1, Peers: map[uint64]string{1: l.Addr().String()}, Listener: l, DataDir: c.dirs[1], Logger: testLogger()})
	if err == nil {
		n.Close(context.Background())
		t.Fatal("Start accepted blocks.db without its raft log")
	}
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

// TestRaftCommitsWhileTheApplierIsBusy holds every validator's block store,
// so each applier stalls in the commit of the next block, and checks that
// raft still persists, replicates and commits the entry after it: execution
// of one entry overlaps the replication of the next instead of taking turns.
// The applier takes one job at a time, so that is as far as raft runs ahead.
// Released, both proposals apply, in order.
func TestRaftCommitsWhileTheApplierIsBusy(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m0", "alice", 1)))
	// The leader registers every validator's key in entries of its own;
	// they must be in before the stores are held.
	waitFor(t, "every validator's key registered", func() bool {
		a, err := lead.Anchor()
		return err == nil && a.Keys.Len() == len(c.nodes)
	})
	applied := lead.Status().Applied
	c.waitApplied(applied)
	for _, n := range c.nodes {
		n.blocks.writeMu.Lock()
	}
	var release sync.Once
	unlock := func() {
		release.Do(func() {
			for _, n := range c.nodes {
				n.blocks.writeMu.Unlock()
			}
		})
	}
	defer unlock() // before the cluster stops, should the test fail
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var results []<-chan error
	for i := int64(1); i <= 2; i++ {
		ch, err := lead.ProposeAsync(ctx, batch(i, mint(fmt.Sprintf("m%d", i), "alice", 1)))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, ch)
		// One at a time, so each is an entry and a Ready of its own.
		waitFor(t, fmt.Sprintf("proposal %d committed", i), func() bool { return lead.Status().Commit >= applied+uint64(i) })
	}
	for id, n := range c.nodes {
		if st := n.Status(); st.Applied != applied {
			t.Errorf("validator %d applied %d while its store was held, want %d", id, st.Applied, applied)
		}
	}
	unlock()
	for i, ch := range results {
		if err := <-ch; err != nil {
			t.Fatalf("proposal %d: %v", i+1, err)
		}
	}
	c.waitHeight(3)
}

// TestCaughtUp checks what a rolling upgrade waits for: every validator of
// a healthy cluster is caught up once a batch committed, and one that
// cannot reach a quorum is not, even though it applied everything it knows
// to be committed.
func TestCaughtUp(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	c.waitHeight(1)
	for id, n := range c.nodes {
		ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
		err := n.CaughtUp(ctx)
		cancel()
		if err != nil {
			t.Errorf("validator %d: %v", id, err)
		}
	}
	left := c.followers(lead)[0]
	for _, n := range c.followers(left) {
		c.stop(n.ID())
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if err := left.CaughtUp(ctx); err == nil || !strings.Contains(err.Error(), "not caught up") {
		t.Errorf("validator %d without a quorum: CaughtUp = %v, want not caught up", left.ID(), err)
	}
}
