package fault

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// backupOutput is what `aurigraph backup` prints.
type backupOutput struct {
	Bytes    int64 `json:"bytes"`
	TookMS   int64 `json:"took_ms"`
	Manifest struct {
		NodeID       uint64 `json:"node_id"`
		AppliedIndex uint64 `json:"applied_index"`
		Height       uint64 `json:"height"`
		HeadHash     string `json:"head_hash"`
	} `json:"manifest"`
}

// TestBackupRestoreUnderLoad is the acceptance run of backup and restore:
// under load, `aurigraph backup` takes a backup of a follower; the load
// goes on; the follower is SIGKILLed and its data directory deleted, as a
// lost disk; it is removed from the cluster and replaced by a validator
// restored from the backup under a new id (`aurigraph restore`, then
// `aurigraph cluster add` and `aurigraph node --join`). The replacement
// catches up from the leader and its peers and votes, and the run ends with
// identical, verified chains holding every transaction exactly once.
//
// It reports the backup's size and duration, and the longest the backed-up
// validator's chain stood still while the backup streamed against the
// longest before it (AURIGRAPH_FAULT_BACKUP_TXS sets the transactions
// produced before the backup, default 8,000).
func TestBackupRestoreUnderLoad(t *testing.T) {
	before := 8_000
	if v := os.Getenv("AURIGRAPH_FAULT_BACKUP_TXS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("AURIGRAPH_FAULT_BACKUP_TXS=%q: want a positive number", v)
		}
		before = n
	}
	c := startCluster(t, 3, "--snapshot-entries", "100")
	load := startLoadT(t, c, loadSpec{Total: before + 12_000, Rate: 2_000, Prefix: "backup"})
	lead, _ := c.waitLeader(10*time.Second, 0)
	lost := without(c.ids(), lead)[0]
	waitCommitted(t, c, lost, uint64(before), 2*time.Minute)

	file := filepath.Join(t.TempDir(), "node.backup")
	idle := c.watchStalls(lost, 2*time.Second)
	watch := c.startStallWatch(lost)
	out, err := exec.Command(binary, "backup", "--from", "http://"+c.nodes[lost].httpAddr, "--out", file).Output()
	during := watch.stop()
	if err != nil {
		t.Fatalf("aurigraph backup from node%d: %v\n%s", lost, err, out)
	}
	var b backupOutput
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("aurigraph backup output %q: %v", out, err)
	}
	if b.Manifest.NodeID != lost || b.Manifest.Height == 0 {
		t.Fatalf("backup manifest %+v, want one of node%d with blocks", b.Manifest, lost)
	}
	t.Logf("backup of node%d: %d bytes in %d ms, at raft index %d, height %d; longest the chain stood still on node%d: %v while the backup streamed, %v in the 2 s before",
		lost, b.Bytes, b.TookMS, b.Manifest.AppliedIndex, b.Manifest.Height, lost, during.Round(time.Millisecond), idle.Round(time.Millisecond))

	// The load goes on past the backup, then the disk is lost.
	waitCommitted(t, c, lead, uint64(before)+4_000, time.Minute)
	c.kill(lost)
	if err := os.RemoveAll(c.nodes[lost].dataDir); err != nil {
		t.Fatal(err)
	}
	c.removeValidator(lost)
	c.nodes[lost].removed = true

	const replacement = 4
	c.addValidatorSeeded(replacement, func(dataDir string) {
		out, err := exec.Command(binary, "restore", "--from", file, "--data", dataDir, "--node-id", strconv.Itoa(replacement)).Output()
		if err != nil {
			t.Fatalf("aurigraph restore: %v\n%s", err, out)
		}
		var r struct {
			TookMS   int64 `json:"took_ms"`
			Verified struct {
				OK     bool   `json:"ok"`
				Height uint64 `json:"height"`
			} `json:"verified"`
		}
		if err := json.Unmarshal(out, &r); err != nil || !r.Verified.OK || r.Verified.Height != b.Manifest.Height {
			t.Fatalf("aurigraph restore output %q (%v): want a verified chain up to %d", out, err, b.Manifest.Height)
		}
		t.Logf("restore of %d blocks into node%d's data directory, chain verified: %d ms", r.Verified.Height, replacement, r.TookMS)
	})
	// It started from the backup's snapshot, not from an empty log.
	if want := fmt.Sprintf("snapshot=%d", b.Manifest.AppliedIndex); !strings.Contains(c.nodes[replacement].proc.LastRun(), want) {
		t.Errorf("node%d did not start from the restored snapshot: no %q in its log", replacement, want)
	}
	rest := c.ids()
	c.waitVoters(rest, rest, time.Minute)
	c.waitCaughtUp(replacement, time.Minute)
	t.Logf("node%d restored from node%d's backup at height %d rejoined, caught up and votes", replacement, lost, b.Manifest.Height)

	ids, err := load.wait(2 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.walk = replacement
	c.finish(ids)
}

// watchStalls samples validator id's height for d and returns the longest
// it stood still.
func (c *cluster) watchStalls(id uint64, d time.Duration) time.Duration {
	w := c.startStallWatch(id)
	time.Sleep(d)
	return w.stop()
}

// stallWatch polls a validator's height every 10 ms and keeps the longest
// interval in which it did not move.
type stallWatch struct {
	stopc   chan struct{}
	wg      sync.WaitGroup
	longest time.Duration
}

func (c *cluster) startStallWatch(id uint64) *stallWatch {
	w := &stallWatch{stopc: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		var height uint64
		since := time.Now()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stopc:
				w.longest = max(w.longest, time.Since(since))
				return
			case <-tick.C:
			}
			s, err := c.stats(id)
			if err != nil || s.Height == height {
				continue
			}
			w.longest = max(w.longest, time.Since(since))
			height, since = s.Height, time.Now()
		}
	}()
	return w
}

func (w *stallWatch) stop() time.Duration {
	close(w.stopc)
	w.wg.Wait()
	return w.longest
}
