package fault

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// Versions stamped into the two builds of TestRollingUpgrade.
const (
	rollOldVersion = "v12.0.0-roll-old"
	rollNewVersion = "v12.0.1-roll-new"
)

// TestRollingUpgrade upgrades a three-validator cluster one validator at a
// time while transactions flow, the procedure of the README's "Upgrading":
// for each validator, followers first and the leader last, wait until every
// validator is caught up (aurigraph health on /q/health/ready), stop it with
// SIGTERM (a leader hands its leadership over first), start it on the new
// binary and wait until it has caught up. The two binaries are built from
// this source with different version stamps. Every produced id must be
// committed exactly once, every chain verify clean, and the longest gap
// between consecutive blocks while the roll ran is reported.
func TestRollingUpgrade(t *testing.T) {
	bins := t.TempDir()
	oldBin, newBin := filepath.Join(bins, "aurigraph-old"), filepath.Join(bins, "aurigraph-new")
	for bin, version := range map[string]string{oldBin: rollOldVersion, newBin: rollNewVersion} {
		if err := testbin.BuildVersion(bin, version); err != nil {
			t.Fatal(err)
		}
	}
	c := startClusterBin(t, "", oldBin, 3)
	for _, id := range c.ids() {
		c.checkVersion(id, rollOldVersion)
	}
	const rate = 2_000
	load := startLoadT(t, c, loadSpec{Total: 1 << 30, Rate: rate, Prefix: "roll"})
	waitProduced(t, load, 2*rate, time.Minute)
	prog := startProgress(c, load, 20*time.Millisecond)

	lead, _ := c.waitLeader(10*time.Second, 0)
	rollStart := time.Now()
	from := c.pinTip(lead)
	upgraded := map[uint64]bool{}
	for range c.ids() {
		for _, other := range c.ids() {
			c.waitReady(newBin, other, time.Minute)
		}
		// Followers first and the leader last, the leader of the moment:
		// on a loaded machine leadership may have moved since the roll
		// began, and the validator that led then now stops as a follower.
		cur, _ := c.waitLeader(10*time.Second, 0)
		id, followers := cur, without(c.ids(), cur)
		if i := slices.IndexFunc(followers, func(f uint64) bool { return !upgraded[f] }); i >= 0 {
			id = followers[i]
		}
		upgraded[id] = true
		step := time.Now()
		wasLeader := id == cur
		c.stop(id)
		stopped := time.Since(step)
		if wasLeader && !strings.Contains(c.nodes[id].proc.LastRun(), "leadership transferred") {
			t.Errorf("leader node%d stopped without handing its leadership over:\n%s", id, c.nodes[id].proc.Tail(15))
		}
		if err := c.nodes[id].proc.SetBinary(newBin); err != nil {
			t.Fatal(err)
		}
		c.start(id)
		c.waitReady(newBin, id, 2*time.Minute)
		c.checkVersion(id, rollNewVersion)
		t.Logf("node%d (leader when stopped: %v) upgraded: SIGTERM to exit %v, to caught up on %s %v",
			id, wasLeader, stopped.Round(time.Millisecond), rollNewVersion, time.Since(step).Round(time.Millisecond))
	}
	rollEnd := time.Now()
	// Transactions after the roll too, so the new leader is seen committing.
	waitProduced(t, load, load.produced()+2*rate, time.Minute)
	load.end()
	ids, err := load.wait(2 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	prog.close()
	gap, at := c.longestBlockGap(from, rollStart, rollEnd)
	stall := prog.longestStall(rollStart, rollEnd)
	t.Logf("rolling upgrade of 3 validators under %d tx/s took %v; longest gap between consecutive blocks during the roll: %v (before block %d); longest time no validator's committed count grew, sampled every 20ms: %v",
		rate, rollEnd.Sub(rollStart).Round(time.Millisecond), gap.Round(time.Millisecond), at, stall.Round(time.Millisecond))
	if gap > maxFailover {
		t.Errorf("the chain stood still for %v during the roll, longer than a failover may take (%v)", gap, maxFailover)
	}
	c.finish(ids)
}

// waitReady waits until validator id answers UP on /q/health/ready, asked
// with bin's `aurigraph health` as an operator's script would: the
// validator has applied what the leader committed and holds every block.
func (c *cluster) waitReady(bin string, id uint64, timeout time.Duration) {
	c.t.Helper()
	url := "http://" + c.nodes[id].httpAddr + "/q/health/ready"
	testbin.WaitFor(c.t, timeout, fmt.Sprintf("node%d ready (%s)", id, url), func() (bool, string) {
		out, err := exec.Command(bin, "health", "--url", url, "--timeout", "3s").CombinedOutput()
		return err == nil, string(out)
	})
}

// checkVersion checks that validator id's latest start logged version.
func (c *cluster) checkVersion(id uint64, version string) {
	c.t.Helper()
	testbin.WaitFor(c.t, 10*time.Second, fmt.Sprintf("node%d to log that it runs %s", id, version), func() (bool, string) {
		run := c.nodes[id].proc.LastRun()
		return strings.Contains(run, "aurigraph node ready") && strings.Contains(run, version), c.nodes[id].proc.Tail(3)
	})
}

// longestBlockGap returns the longest time between the proposals of
// consecutive blocks from height from on that overlaps [start, end], and
// the height of the block that ended it.
func (c *cluster) longestBlockGap(from uint64, start, end time.Time) (time.Duration, uint64) {
	c.t.Helper()
	node := c.ids()[0]
	s, err := c.stats(node)
	if err != nil {
		c.t.Fatalf("node%d: %v", node, err)
	}
	var longest time.Duration
	var at uint64
	prev := int64(0)
	for h := max(from, 1); h <= s.Height; h++ {
		b, err := c.block(node, h)
		if err != nil {
			c.t.Fatalf("node%d block %d: %v", node, h, err)
		}
		if prev > end.UnixMilli() {
			break
		}
		// Gaps that overlap the roll, also the one it ended in.
		if prev != 0 && b.TimestampMs >= start.UnixMilli() {
			if gap := time.Duration(b.TimestampMs-prev) * time.Millisecond; gap > longest {
				longest, at = gap, h
			}
		}
		prev = b.TimestampMs
	}
	return longest, at
}
