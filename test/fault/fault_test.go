package fault

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// maxFailover bounds the time from losing the leader to the next block. The
// aim is about a second (election timeout 1-2s with 100ms ticks); the bound
// leaves room for a loaded CI machine while still catching a stuck cluster.
const maxFailover = 10 * time.Second

// startLoadT starts a load against c's broker, stopped when the test ends.
func startLoadT(t *testing.T, c *cluster, spec loadSpec) *loadGen {
	t.Helper()
	g, err := startLoad(c.kafka, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	return g
}

// waitProduced waits until the broker acknowledged at least n transactions of g.
func waitProduced(t *testing.T, g *loadGen, n int64, timeout time.Duration) {
	t.Helper()
	testbin.WaitFor(t, timeout, fmt.Sprintf("%d transactions produced", n), func() (bool, string) {
		return g.produced() >= n, fmt.Sprintf("%d produced", g.produced())
	})
}

// waitCommitted waits until validator id holds at least n transactions.
func waitCommitted(t *testing.T, c *cluster, id, n uint64, timeout time.Duration) {
	t.Helper()
	testbin.WaitFor(t, timeout, fmt.Sprintf("node%d to commit %d transactions", id, n), func() (bool, string) {
		s, err := c.stats(id)
		if err != nil {
			return false, err.Error()
		}
		return s.TxCount >= n, fmt.Sprintf("%+v", s)
	})
}

// killLeader SIGKILLs the current leader, waits for a block from the next
// one on the survivors, restarts the killed validator and waits until it has
// caught up. It returns the killed id, when it was killed and how long the
// chain went without a new leader's block.
func killLeader(t *testing.T, c *cluster) (id uint64, killed time.Time, failover time.Duration) {
	t.Helper()
	lead, term := c.waitLeader(10*time.Second, 0)
	c.pinTip(lead)
	killed = time.Now()
	c.kill(lead)
	seen, err := c.awaitBlockAfterTerm(term, without(c.ids(), lead), maxFailover)
	if err != nil {
		t.Fatalf("after SIGKILL of leader node%d (term %d): %v", lead, term, err)
	}
	c.start(lead)
	c.waitCaughtUp(lead, time.Minute)
	return lead, killed, seen.Sub(killed)
}

// TestKillLeaderUnderLoad is the acceptance run of the issue: 100,000
// transactions produced at a steady rate while the leader is SIGKILLed twice,
// each time restarted once the next leader has committed a block. It reports
// the time from each kill to the next leader's first block and the
// throughput dip around it.
func TestKillLeaderUnderLoad(t *testing.T) {
	killLeaderUnderLoad(t, startCluster(t, 3))
}

// TestRealKafkaKillLeaderUnderLoad is TestKillLeaderUnderLoad on Apache
// Kafka (make test-kafka; skipped without it), which starts with no topics:
// the first leader creates them.
func TestRealKafkaKillLeaderUnderLoad(t *testing.T) {
	c := startClusterOn(t, testbin.StartPlainKafka(t), 3)
	c.waitTopic(schemas.TopicTransactions, time.Minute)
	killLeaderUnderLoad(t, c)
}

func killLeaderUnderLoad(t *testing.T, c *cluster) {
	t.Helper()
	const total, rate = 100_000, 5_000
	start := time.Now()
	load := startLoadT(t, c, loadSpec{Total: total, Rate: rate, Prefix: "kill-leader"})
	prog := startProgress(c, load, 50*time.Millisecond)

	var kills []time.Time
	for i, at := range []int64{25_000, 60_000} {
		waitProduced(t, load, at, time.Minute)
		lead, killed, failover := killLeader(t, c)
		t.Logf("kill %d: leader node%d; next block from a new leader %v after SIGKILL", i+1, lead, failover.Round(time.Millisecond))
		kills = append(kills, killed)
	}
	ids, err := load.wait(2 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Let the windows after the second kill fill before reading the dips.
	time.Sleep(time.Second)
	prog.close()
	for i, k := range kills {
		t.Logf("kill %d: %v", i+1, prog.dipAround(k))
	}
	c.finish(ids)
	t.Logf("%d transactions offered at %d/s, committed exactly once through 2 leader kills, in %v", total, rate, time.Since(start).Round(time.Second))
}

// TestFailoverTimes kills the leader repeatedly under light load and reports
// the median and maximum time from SIGKILL to the next leader's first block.
// AURIGRAPH_FAULT_KILLS sets the number of kills (default 3).
func TestFailoverTimes(t *testing.T) {
	kills := 3
	if v := os.Getenv("AURIGRAPH_FAULT_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("AURIGRAPH_FAULT_KILLS=%q: want a positive number of leader kills", v)
		}
		kills = n
	}
	c := startCluster(t, 3)
	load := startLoadT(t, c, loadSpec{Total: 1 << 30, Rate: 1_000, Prefix: "failover"})
	prog := startProgress(c, load, 50*time.Millisecond)
	waitProduced(t, load, 1_000, time.Minute)

	var times []time.Duration
	var at []time.Time
	for i := range kills {
		// Start each kill from a steady state, so the backlog of the
		// previous failover does not blur the dip of this one.
		time.Sleep(2 * time.Second)
		lead, killed, failover := killLeader(t, c)
		t.Logf("kill %d/%d: leader node%d; next block from a new leader %v after SIGKILL", i+1, kills, lead, failover.Round(time.Millisecond))
		times = append(times, failover)
		at = append(at, killed)
	}
	time.Sleep(3 * time.Second)
	load.end()
	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	prog.close()
	for i, k := range at {
		t.Logf("kill %d: %v", i+1, prog.dipAround(k))
	}
	median, maximum := durationStats(times)
	t.Logf("failover over %d leader kills: median %v, max %v (SIGKILL to the next leader's first block)",
		kills, median.Round(time.Millisecond), maximum.Round(time.Millisecond))
	c.finish(ids)
}

// TestRestartAllAtOnce SIGKILLs every validator within the same instant under
// load and restarts them all: nothing committed is lost, the chain goes on
// where it was, and every transaction still enters it exactly once.
func TestRestartAllAtOnce(t *testing.T) {
	const total, rate = 30_000, 3_000
	c := startCluster(t, 3)
	load := startLoadT(t, c, loadSpec{Total: total, Rate: rate, Prefix: "restart-all"})
	waitProduced(t, load, 10_000, time.Minute)

	lead, term := c.waitLeader(10*time.Second, 0)
	c.pinTip(lead)
	for _, id := range c.ids() {
		c.nodes[id].proc.SignalKill()
	}
	killed := time.Now()
	for _, id := range c.ids() {
		<-c.nodes[id].proc.Exited()
	}
	for _, id := range c.ids() {
		c.start(id)
	}
	seen, err := c.awaitBlockAfterTerm(term, c.ids(), 30*time.Second)
	if err != nil {
		t.Fatalf("after SIGKILL of all validators: %v", err)
	}
	t.Logf("all 3 validators SIGKILLed and restarted; first new block %v after the kill", seen.Sub(killed).Round(time.Millisecond))

	ids, err := load.wait(2 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.finish(ids)
}

// TestNetworkCutFollower cuts one follower off (its links reset and refuse
// connections) under load: the other two keep committing with the same
// leader; once healed the follower catches up, and with pre-vote it does not
// disturb the leader on its way back.
func TestNetworkCutFollower(t *testing.T) {
	c := startCluster(t, 3)
	load := startLoadT(t, c, loadSpec{Total: 20_000, Rate: 2_000, Prefix: "cut-follower"})
	waitProduced(t, load, 3_000, time.Minute)

	lead, term := c.waitLeader(10*time.Second, 0)
	cut := without(c.ids(), lead)[0]
	c.isolate(cut, linkReset)
	t.Logf("node%d (follower) cut off; leader node%d term %d", cut, lead, term)
	base := c.pinTip(lead)
	s0, err := c.stats(lead)
	if err != nil {
		t.Fatal(err)
	}
	waitCommitted(t, c, lead, s0.TxCount+5_000, 20*time.Second)
	if s, err := c.stats(cut); err != nil || s.Height >= c.pinTip(lead) {
		t.Fatalf("cut-off node%d kept up with the leader (%+v, %v): the cut did not hold", cut, s, err)
	}
	c.checkNoStaleRead(cut, c.pinTip(lead))
	if l, tm, _ := c.leader(); l != lead || tm != term {
		t.Errorf("leader changed while a follower was cut off: node%d term %d, was node%d term %d", l, tm, lead, term)
	}

	c.heal(cut)
	c.waitCaughtUp(cut, 30*time.Second)
	if l, tm, _ := c.leader(); l != lead || tm != term {
		t.Errorf("the healed follower disturbed the leader: now node%d term %d, was node%d term %d (pre-vote should prevent this)", l, tm, lead, term)
	}
	t.Logf("node%d back in and caught up; majority committed from height %d on without it", cut, base)

	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.finish(ids)
}

// TestNetworkCutLeader stalls every link of the leader (bytes held, no
// error: silence) under load. The leader must notice it lost its quorum and
// step down (check-quorum), the other two elect a new leader and go on, and
// nothing the cut-off leader proposed in the meantime may commit. Healed, it
// rejoins as a follower and catches up.
func TestNetworkCutLeader(t *testing.T) {
	c := startCluster(t, 3)
	load := startLoadT(t, c, loadSpec{Total: 20_000, Rate: 2_000, Prefix: "cut-leader"})
	waitProduced(t, load, 3_000, time.Minute)

	lead, term := c.waitLeader(10*time.Second, 0)
	c.pinTip(lead)
	cutAt := time.Now()
	c.isolate(lead, linkStalled)
	rest := without(c.ids(), lead)
	seen, err := c.awaitBlockAfterTerm(term, rest, maxFailover)
	if err != nil {
		t.Fatalf("after cutting off leader node%d (term %d): %v", lead, term, err)
	}
	t.Logf("leader node%d cut off; next block from a new leader %v later", lead, seen.Sub(cutAt).Round(time.Millisecond))

	testbin.WaitFor(t, 10*time.Second, fmt.Sprintf("cut-off node%d to step down", lead), func() (bool, string) {
		var v validatorsView
		if err := c.get(lead, "/validators?stale=true", &v); err != nil {
			return false, err.Error()
		}
		return v.Leader != lead, fmt.Sprintf("node%d still reports leader %d in term %d", lead, v.Leader, v.Term)
	})
	newLead, _ := c.waitLeader(10*time.Second, lead)
	s0, err := c.stats(newLead)
	if err != nil {
		t.Fatal(err)
	}
	waitCommitted(t, c, newLead, s0.TxCount+3_000, 20*time.Second)
	if s, err := c.stats(lead); err != nil || s.Height >= c.pinTip(newLead) {
		t.Fatalf("cut-off node%d kept up with the new leader (%+v, %v): the cut did not hold", lead, s, err)
	}
	c.checkNoStaleRead(lead, c.pinTip(newLead))

	c.heal(lead)
	c.waitCaughtUp(lead, 30*time.Second)
	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.finish(ids)
}

// TestSlowPeer adds 50ms to every chunk on the links of one follower, both
// ways, for the whole run: the leader and the other follower keep committing
// at the offered rate, nobody calls an election, and the slow follower ends
// with the same chain.
func TestSlowPeer(t *testing.T) {
	const delay = 50 * time.Millisecond
	c := startCluster(t, 3)
	lead, term := c.waitLeader(10*time.Second, 0)
	slow := without(c.ids(), lead)[0]
	c.slow(slow, delay)
	t.Logf("node%d (follower) links delayed by %v each way; leader node%d term %d", slow, delay, lead, term)

	load := startLoadT(t, c, loadSpec{Total: 20_000, Rate: 2_000, Prefix: "slow-peer"})
	var maxLag uint64
	for deadline := time.Now().Add(time.Minute); load.produced() < 20_000 && time.Now().Before(deadline); {
		ls, err1 := c.stats(lead)
		ss, err2 := c.stats(slow)
		if err1 == nil && err2 == nil && ls.Height > ss.Height {
			maxLag = max(maxLag, ls.Height-ss.Height)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	waitCommitted(t, c, lead, uint64(len(ids)), 30*time.Second)
	if l, tm, _ := c.leader(); l != lead || tm != term {
		t.Errorf("leadership changed with a slow follower: node%d term %d, was node%d term %d", l, tm, lead, term)
	}
	t.Logf("slow follower node%d trailed the leader by at most %d blocks", slow, maxLag)
	c.finish(ids)
}

// TestFollowerCatchesUpAfterCompaction SIGKILLs a follower under load and
// keeps it down while the others take several snapshots and compact their
// logs past where it stopped. Restarted, it cannot catch up from the log:
// it must install the leader's snapshot (its
// aurigraph_consensus_snapshots_restored_total proves it) and then fetch the
// blocks in between from its peers, and end with the same chain.
func TestFollowerCatchesUpAfterCompaction(t *testing.T) {
	// Small snapshots and a short tail of entries kept behind each, so a
	// few seconds of load compact past the stopped follower.
	c := startCluster(t, 3, "--snapshot-entries", "20", "--snapshot-catchup-entries", "5")
	load := startLoadT(t, c, loadSpec{Total: 20_000, Rate: 2_000, Prefix: "compaction"})
	waitProduced(t, load, 2_000, time.Minute)

	lead, _ := c.waitLeader(10*time.Second, 0)
	down := without(c.ids(), lead)[0]
	snaps0, err := c.metric(lead, "aurigraph_consensus_snapshots_total")
	if err != nil {
		t.Fatal(err)
	}
	c.kill(down)
	stoppedAt := c.pinTip(lead)
	const snapshots = 3
	testbin.WaitFor(t, 30*time.Second, fmt.Sprintf("leader node%d to take %d snapshots", lead, snapshots), func() (bool, string) {
		n, err := c.metric(lead, "aurigraph_consensus_snapshots_total")
		if err != nil {
			return false, err.Error()
		}
		return n >= snaps0+snapshots, fmt.Sprintf("%v snapshots, %v before the kill", n, snaps0)
	})
	t.Logf("follower node%d SIGKILLed at about height %d; leader node%d took %d snapshots since, now at height %d",
		down, stoppedAt, lead, snapshots, c.pinTip(lead))

	c.start(down)
	c.waitCaughtUp(down, 30*time.Second)
	restored, err := c.metric(down, "aurigraph_consensus_snapshots_restored_total")
	if err != nil {
		t.Fatal(err)
	}
	if restored < 1 {
		t.Fatalf("node%d caught up without installing a snapshot from the leader (snapshots_restored_total %v): the log was not compacted past it", down, restored)
	}
	// The blocks between its own tip and the snapshot come afterwards, in
	// the background; there is no metric for them, the log says it.
	testbin.WaitFor(t, 20*time.Second, fmt.Sprintf("node%d to fetch the blocks the snapshot skipped from its peers", down), func() (bool, string) {
		return strings.Contains(c.nodes[down].proc.LastRun(), "fetched missing blocks"), "no \"fetched missing blocks\" in its log"
	})
	t.Logf("node%d installed %v snapshot(s) from the leader and fetched the blocks in between from peers", down, restored)

	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Walk the chain of the validator whose blocks came from its peers.
	c.walk = down
	c.finish(ids)
}

// TestAddAndRemoveValidator grows a 3-validator cluster to 4 under load with
// `aurigraph cluster add` and `aurigraph node --join`, waits for the new
// validator to catch up and be promoted to voter, then removes the leader
// with `aurigraph cluster remove`: leadership moves, the chain goes on, and
// the remaining three end with identical chains.
func TestAddAndRemoveValidator(t *testing.T) {
	c := startCluster(t, 3)
	load := startLoadT(t, c, loadSpec{Total: 20_000, Rate: 2_000, Prefix: "membership"})
	waitProduced(t, load, 3_000, time.Minute)

	c.addValidator(4)
	c.waitVoters(c.ids(), []uint64{1, 2, 3, 4}, 30*time.Second)
	c.waitCaughtUp(4, 30*time.Second)
	t.Logf("node4 joined, caught up and votes")

	lead, term := c.waitLeader(10*time.Second, 0)
	c.pinTip(lead)
	removedAt := time.Now()
	c.removeValidator(lead)
	rest := without(c.ids(), lead)
	seen, err := c.awaitBlockAfterTerm(term, rest, maxFailover)
	if err != nil {
		t.Fatalf("after removing leader node%d (term %d): %v", lead, term, err)
	}
	c.waitRemovedExit(lead, 20*time.Second)
	c.waitVoters(rest, rest, 10*time.Second)
	t.Logf("leader node%d removed; next block from a new leader %v after the request; node%d exited %v after it",
		lead, seen.Sub(removedAt).Round(time.Millisecond), lead, time.Since(removedAt).Round(time.Millisecond))

	ids, err := load.wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Walk the chain of the validator that joined from an empty data dir.
	c.walk = 4
	c.finish(ids)
}
