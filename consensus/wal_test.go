package consensus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRestartRepairsTornWALTail simulates a crash in the middle of a WAL
// append: the last record is cut short. That record was never fsynced, so
// never acknowledged, and the validator must drop it and start, as etcd does,
// instead of refusing to start until someone repairs the directory by hand.
func TestRestartRepairsTornWALTail(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 100)))
	mustPropose(t, lead, batch(1, mint("m2", "alice", 100)))
	c.stop(1)

	walDir := filepath.Join(c.dirs[1], "wal")
	ents, err := os.ReadDir(walDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".wal" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	last := filepath.Join(walDir, names[len(names)-1])
	data, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	// Segments are preallocated with zeros: the records end at the last
	// non-zero byte. Cut the file a few bytes before it.
	end := len(bytes.TrimRight(data, "\x00"))
	if end < 16 {
		t.Fatalf("wal segment %s holds no records", last)
	}
	if err := os.Truncate(last, int64(end-3)); err != nil {
		t.Fatal(err)
	}

	n := c.start(1)
	c.leader()
	if h := n.Blocks().Height(); h != 2 {
		t.Fatalf("height after repair = %d, want 2", h)
	}
	mustPropose(t, c.leader(), batch(2, mint("m3", "alice", 100)))
	c.waitHeight(3)
}

// TestLoopFailureGivesUpLeadership checks a validator whose raft loop died
// (here: its WAL can no longer be written) stops claiming leadership, so
// ingest stops proposing through it and HTTP reads move elsewhere, while its
// peers elect a new leader.
func TestLoopFailureGivesUpLeadership(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	if err := lead.wal.Close(); err != nil {
		t.Fatal(err)
	}
	if err := propose(t, lead, batch(1, mint("m2", "alice", 1))); err == nil {
		t.Fatal("proposal applied on a validator that cannot write its WAL")
	}
	waitFor(t, "failed validator to stop leading", func() bool {
		isLead, _ := lead.Leader()
		return !isLead && lead.Status().State != "leader"
	})
	delete(c.nodes, lead.ID())
	if err := lead.Close(context.Background()); err == nil {
		t.Fatal("Close did not report the raft loop failure")
	}
	mustPropose(t, c.leader(), batch(1, mint("m2", "alice", 1)))
}

// TestSnapshotFilesBounded checks that a validator keeps the newest
// snapshot and the one before it on disk, not every snapshot it took.
func TestSnapshotFilesBounded(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, func(cfg *Config) { cfg.SnapshotEntries = 2 })
	lead := c.leader()
	for i := range 30 {
		mustPropose(t, lead, batch(int64(i), mint(fmt.Sprintf("s%d", i), "alice", 1)))
	}
	c.waitHeight(30)
	c.stop(1)
	snapDir := filepath.Join(c.dirs[1], "snap")
	taken := snapFiles(t, snapDir)
	if len(taken) <= 2 {
		t.Fatalf("only %d snapshot files after 30 batches at 2 entries a snapshot", len(taken))
	}
	// The purger looks at the directory as the validator starts; snapshots
	// the restarted validator takes meanwhile are not the point.
	c.start(1)
	var left []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		left = slices.DeleteFunc(snapFiles(t, snapDir), func(name string) bool { return !slices.Contains(taken, name) })
		if len(left) <= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(left) > 2 {
		t.Fatalf("of %d snapshot files, %v are left; want the newest 2 at most", len(taken), left)
	}
	mustPropose(t, c.leader(), batch(30, mint("s30", "alice", 1)))
	c.waitHeight(31)
}

func snapFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if filepath.Ext(e.Name()) == ".snap" {
			out = append(out, e.Name())
		}
	}
	return out
}
