package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/loopport"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// addJoiner reserves a listener and data dir for validator id and returns
// its raft address; startJoiner starts it with Config.Join.
func (c *cluster) addJoiner(id uint64) string {
	c.t.Helper()
	l, err := loopport.Listen()
	if err != nil {
		c.t.Fatalf("listen: %v", err)
	}
	c.lis[id], c.peers[id], c.dirs[id] = l, l.Addr().String(), c.t.TempDir()
	return c.peers[id]
}

func (c *cluster) startJoiner(id uint64) *Node {
	c.t.Helper()
	prev := c.tune
	c.tune = func(cfg *Config) {
		if prev != nil {
			prev(cfg)
		}
		cfg.Join = true
	}
	defer func() { c.tune = prev }()
	return c.start(id)
}

// closeRemoved closes a validator that applied its own removal and checks it
// says so.
func (c *cluster) closeRemoved(id uint64) {
	c.t.Helper()
	n := c.nodes[id]
	select {
	case <-n.Done():
	case <-time.After(testTimeout):
		c.t.Fatalf("validator %d still runs its raft loop after its removal", id)
	}
	if err := n.Err(); !errors.Is(err, raftnode.ErrRemoved) {
		c.t.Fatalf("validator %d Err() = %v, want raftnode.ErrRemoved", id, err)
	}
	delete(c.nodes, id)
	if err := n.Close(context.Background()); !errors.Is(err, raftnode.ErrRemoved) {
		c.t.Fatalf("Close of removed validator %d = %v, want it to report raftnode.ErrRemoved", id, err)
	}
}

// proposeNext commits one mint batch at the partition's replicated next
// offset through whichever running validator leads.
func (c *cluster) proposeNext(tag string) {
	c.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		lead := c.leader()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		offs, err := lead.NextOffsets(ctx, testTopic)
		if err == nil {
			off := offs[0]
			err = propose(c.t, lead, batch(off, mint(fmt.Sprintf("%s-%d", tag, off), "alice", 1)))
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("propose %s: %v", tag, err)
		}
		time.Sleep(testTick)
	}
}

// loadGenerator keeps proposing through whichever of nodes leads until
// stopped, resynchronising its offset from the replicated state after any
// failure.
type loadGenerator struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	sent int
}

func startLoad(t *testing.T, nodes []*Node) *loadGenerator {
	g := &loadGenerator{stop: make(chan struct{})}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		off := int64(-1)
		for {
			select {
			case <-g.stop:
				return
			default:
			}
			var lead *Node
			for _, n := range nodes {
				if ok, _ := n.Leader(); ok {
					lead = n
				}
			}
			if lead == nil {
				time.Sleep(testTick)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if off < 0 {
				offs, err := lead.NextOffsets(ctx, testTopic)
				if err != nil {
					cancel()
					time.Sleep(testTick)
					continue
				}
				off = offs[0]
			}
			ch, err := lead.ProposeAsync(ctx, batch(off, mint(fmt.Sprintf("load-%d", off), "alice", 1)))
			if err == nil {
				err = <-ch
			}
			cancel()
			if err != nil {
				off = -1
				continue
			}
			off++
			g.mu.Lock()
			g.sent++
			g.mu.Unlock()
		}
	}()
	t.Cleanup(g.halt)
	return g
}

func (g *loadGenerator) committed() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sent
}

func (g *loadGenerator) halt() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	g.wg.Wait()
}

func memberIDs(ms []raftnode.Member, voters bool) []uint64 {
	var out []uint64
	for _, m := range ms {
		if m.Voter == voters {
			out = append(out, m.ID)
		}
	}
	return out
}

// sameChain waits until every running validator holds the leader's height
// and checks they all end in the same hash.
func (c *cluster) sameChain() ChainStats {
	c.t.Helper()
	lead := c.leader()
	c.waitApplied(lead.Status().Applied)
	want := lead.Blocks().Stats()
	c.waitHeight(want.Height)
	for id, n := range c.nodes {
		if got := n.Blocks().Stats(); got.Height != want.Height || !bytes.Equal(got.LastHash, want.LastHash) {
			c.t.Fatalf("validator %d chain %d/%x, leader %d has %d/%x", id, got.Height, got.LastHash, lead.ID(), want.Height, want.LastHash)
		}
	}
	return want
}

func TestAddValidatorCatchesUpAndVotes(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	lead := c.leader()
	load := startLoad(t, []*Node{c.nodes[1], c.nodes[2], c.nodes[3]})
	waitFor(t, "load before the change", func() bool { return load.committed() >= 5 })

	addr := c.addJoiner(4)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for _, f := range c.followers(lead) {
		if err := f.AddMember(ctx, 4, addr); !errors.Is(err, raftnode.ErrNotLeader) {
			t.Fatalf("AddMember on follower %d = %v, want raftnode.ErrNotLeader", f.ID(), err)
		}
	}
	if err := lead.AddMember(ctx, 4, addr); err != nil {
		t.Fatalf("AddMember(4): %v", err)
	}
	// Not running yet, so not caught up: it must stay a learner and leave
	// the quorum of the three running validators alone.
	if got := memberIDs(lead.Members(), false); !slices.Equal(got, []uint64{4}) {
		t.Fatalf("learners after AddMember = %v, want [4]", got)
	}
	if err := lead.AddMember(ctx, 4, addr); !errors.Is(err, raftnode.ErrMemberExists) {
		t.Fatalf("second AddMember(4) = %v, want raftnode.ErrMemberExists", err)
	}
	before := load.committed()
	waitFor(t, "commits with a learner that is down", func() bool { return load.committed() >= before+5 })

	n4 := c.startJoiner(4)
	waitFor(t, "validator 4 promoted to voter", func() bool {
		for _, n := range c.nodes {
			if ok, _ := n.Leader(); ok {
				return slices.Equal(memberIDs(n.Members(), true), []uint64{1, 2, 3, 4})
			}
		}
		return false
	})
	before = load.committed()
	waitFor(t, "commits after the promotion", func() bool { return load.committed() >= before+5 })
	load.halt()
	c.sameChain()
	for id, n := range c.nodes {
		want := []raftnode.Member{
			{ID: 1, RaftAddress: c.peers[1], Voter: true}, {ID: 2, RaftAddress: c.peers[2], Voter: true},
			{ID: 3, RaftAddress: c.peers[3], Voter: true}, {ID: 4, RaftAddress: addr, Voter: true},
		}
		if got := n.Members(); !slices.Equal(got, want) {
			t.Fatalf("validator %d Members() = %v, want %v", id, got, want)
		}
	}
	if rep, err := VerifyChain(context.Background(), n4.Blocks()); err != nil || !rep.OK {
		t.Fatalf("validator 4 VerifyChain = %+v, %v", rep, err)
	}

	// Quorum of four is three: with validator 1 down, every commit needs
	// validator 4's acknowledgement, and validator 4 can only win leadership
	// with votes from both 2 and 3, which a learner could never do.
	c.stop(1)
	c.proposeNext("after-stop")
	lead = c.leader()
	if lead.ID() != 4 {
		_, term := lead.Leader()
		if err := lead.TransferLeadership(ctx, 4); err != nil {
			t.Fatalf("transfer leadership to validator 4: %v", err)
		}
		waitFor(t, "validator 4 elected", func() bool {
			ok, t4 := n4.Leader()
			return ok && t4 > term
		})
	}
	c.proposeNext("led-by-4")
	c.sameChain()
}

func TestRemoveValidatorsIncludingLeader(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	c.proposeNext("start")
	lead := c.leader()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	if err := lead.RemoveMember(ctx, 9); !errors.Is(err, raftnode.ErrMemberNotFound) {
		t.Fatalf("RemoveMember(9) = %v, want raftnode.ErrMemberNotFound", err)
	}
	// The leader removes itself: it hands leadership over, then stops.
	old := lead.ID()
	_, oldTerm := lead.Leader()
	if err := lead.RemoveMember(ctx, old); err != nil {
		t.Fatalf("leader RemoveMember(self): %v", err)
	}
	// Leader-only stages key off Leader(): a removed leader must stop
	// claiming leadership as soon as it applied its removal, not when its
	// raft loop stops, or its ingest and publisher run beside the successor's.
	if isLeader, _ := lead.Leader(); isLeader {
		t.Fatal("removed leader still reports itself as leader")
	}
	if st := lead.Status().State; st != "removed" {
		t.Fatalf("removed leader's state = %q, want removed", st)
	}
	c.closeRemoved(old)
	c.proposeNext("after-leader-removal")
	lead = c.leader()
	if _, term := lead.Leader(); term <= oldTerm {
		t.Fatalf("new leader's term %d, old %d", term, oldTerm)
	}
	if got := memberIDs(lead.Members(), true); len(got) != 2 || slices.Contains(got, old) {
		t.Fatalf("voters after removing %d = %v", old, got)
	}
	c.sameChain()

	// Then a follower; the last voter cannot go.
	f := c.followers(lead)[0].ID()
	if err := lead.RemoveMember(ctx, f); err != nil {
		t.Fatalf("RemoveMember(%d): %v", f, err)
	}
	c.closeRemoved(f)
	c.proposeNext("alone")
	if err := lead.RemoveMember(ctx, lead.ID()); !errors.Is(err, raftnode.ErrLastVoter) {
		t.Fatalf("removing the last voter = %v, want raftnode.ErrLastVoter", err)
	}
	if got := lead.Members(); len(got) != 1 || got[0].ID != lead.ID() {
		t.Fatalf("Members() = %v", got)
	}
	c.sameChain()
}

func TestMembershipSurvivesRestartAndSnapshots(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries = 4
		cfg.SnapshotCatchUpEntries = 1
	})
	original := maps.Clone(c.peers)
	for i := range 8 {
		c.proposeNext(fmt.Sprint("pre-", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	addr := c.addJoiner(4)
	if err := c.leader().AddMember(ctx, 4, addr); err != nil {
		t.Fatalf("AddMember(4): %v", err)
	}
	// The joiner lists only itself: the log it needs was compacted, so it
	// learns the others' addresses from the leader's snapshot.
	c.peers = map[uint64]string{4: addr}
	n4 := c.startJoiner(4)
	c.peers = maps.Clone(original)
	c.peers[4] = addr
	waitFor(t, "validator 4 promoted", func() bool {
		return slices.Equal(memberIDs(c.leader().Members(), true), []uint64{1, 2, 3, 4})
	})
	waitFor(t, "validator 4 installed a snapshot", func() bool {
		return counterValue(t, c.regs[4], "aurigraph_consensus_snapshots_restored_total", "") > 0
	})
	lead := c.leader()
	victim := uint64(2)
	if lead.ID() == victim {
		victim = 3
	}
	if err := lead.RemoveMember(ctx, victim); err != nil {
		t.Fatalf("RemoveMember(%d): %v", victim, err)
	}
	c.closeRemoved(victim)
	for i := range 6 {
		c.proposeNext(fmt.Sprint("mid-", i))
	}
	before := c.sameChain()
	want := n4.Members()

	// Restart everyone still a member with the original peer list, which
	// neither has validator 4 nor lacks the removed one: the replicated
	// membership must win.
	for id := range c.nodes {
		c.stop(id)
	}
	c.peers = maps.Clone(original)
	for _, id := range []uint64{1, 2, 3, 4} {
		if id == victim {
			continue
		}
		if id == 4 {
			c.peers[4] = addr
		}
		c.start(id)
		delete(c.peers, 4)
	}
	c.peers[4] = addr
	c.proposeNext("after-restart")
	after := c.sameChain()
	if after.Height != before.Height+1 {
		t.Fatalf("height after restart %d, want %d", after.Height, before.Height+1)
	}
	for id, n := range c.nodes {
		if got := n.Members(); !slices.Equal(got, want) {
			t.Fatalf("validator %d Members() after restart = %v, want %v", id, got, want)
		}
		if ids := n.transport.Peers(); slices.Contains(ids, victim) || len(ids) != 2 {
			t.Fatalf("validator %d transport peers %v; want the two other members", id, ids)
		}
	}
}
