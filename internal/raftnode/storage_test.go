package raftnode_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// TestRestartRepairsTornWALTail simulates a crash in the middle of a WAL
// append: the last record is cut short. That record was never fsynced, so
// never acknowledged, and the node must drop it and start, as etcd does,
// instead of refusing to start until someone repairs the directory by hand.
func TestRestartRepairsTornWALTail(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{})
	lead := c.Leader()
	for _, p := range []string{"m1", "m2"} {
		if err := raftnodetest.Propose(lead, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	c.Stop(1)

	walDir := filepath.Join(c.Dirs[1], "wal")
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

	c.Start(1)
	lead = c.Leader()
	if got := c.Machines[1].Payloads(); len(got) != 2 {
		t.Fatalf("payloads after repair = %q, want m1 and m2", got)
	}
	if err := raftnodetest.Propose(lead, []byte("m3")); err != nil {
		t.Fatal(err)
	}
	c.WaitPayloads(3)
}

// failingStorage is the disk storage until fail is set; then it can no
// longer save anything, as a full or broken disk.
type failingStorage struct {
	raftnode.Storage
	fail atomic.Bool
}

var errDiskBroken = errors.New("disk broken")

func (s *failingStorage) Save(hs raftpb.HardState, ents []raftpb.Entry) error {
	if s.fail.Load() {
		return errDiskBroken
	}
	return s.Storage.Save(hs, ents)
}

// TestLoopFailureGivesUpLeadership checks a node whose raft loop died
// (here: its storage can no longer be written) stops claiming leadership,
// so leader-only work stops proposing through it and reads move elsewhere,
// while its peers elect a new leader.
func TestLoopFailureGivesUpLeadership(t *testing.T) {
	t.Parallel()
	storages := map[uint64]*failingStorage{}
	c := raftnodetest.NewCluster(t, 0, raftnodetest.Options{})
	for id := uint64(1); id <= 3; id++ {
		c.Peers[id], c.Dirs[id] = fmt.Sprintf("node%d.invalid:7000", id), t.TempDir()
	}
	for id := uint64(1); id <= 3; id++ {
		cfg := c.Config(id)
		storages[id] = &failingStorage{Storage: raftnode.NewDiskStorage(cfg.DataDir, cfg.Logger)}
		cfg.Storage = storages[id]
		c.StartWith(id, cfg)
	}
	lead := c.Leader()
	if err := raftnodetest.Propose(lead, []byte("m1")); err != nil {
		t.Fatal(err)
	}
	storages[lead.ID()].fail.Store(true)
	if err := raftnodetest.Propose(lead, []byte("m2")); err == nil {
		t.Fatal("proposal applied on a node that cannot write its log")
	}
	raftnodetest.WaitFor(t, "failed node to stop leading", func() bool {
		isLead, _ := lead.Leader()
		return !isLead && lead.Status().State != "leader"
	})
	<-lead.Done()
	if err := lead.Err(); !errors.Is(err, errDiskBroken) {
		t.Fatalf("Err() = %v, want the storage's failure", err)
	}
	delete(c.Nodes, lead.ID())
	if err := lead.Close(context.Background()); !errors.Is(err, errDiskBroken) {
		t.Fatalf("Close = %v, want the raft loop's failure", err)
	}
	if err := raftnodetest.Propose(c.Leader(), []byte("m2")); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotFilesBounded checks that a node keeps the newest snapshot
// and the one before it on disk, not every snapshot it took.
func TestSnapshotFilesBounded(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) { cfg.SnapshotEntries = 2 }})
	lead := c.Leader()
	for i := range 30 {
		if err := raftnodetest.Propose(lead, []byte("s"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	c.Stop(1)
	snapDir := filepath.Join(c.Dirs[1], "snap")
	taken := snapFiles(t, snapDir)
	if len(taken) <= 2 {
		t.Fatalf("only %d snapshot files after 30 entries at 2 entries a snapshot", len(taken))
	}
	// The purger looks at the directory as the node starts; snapshots the
	// restarted node takes meanwhile are not the point.
	c.Start(1)
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
	if err := raftnodetest.Propose(c.Leader(), []byte("s30")); err != nil {
		t.Fatal(err)
	}
	c.WaitPayloads(31)
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

func TestSnapshotBySize(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 1000)
	tests := []struct {
		name          string
		snapshotBytes uint64
		wantSnapshots bool
	}{
		{"under the byte threshold", 1 << 20, false},
		{"over the byte threshold", 2500, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
				cfg.SnapshotEntries = 1 << 20
				cfg.SnapshotBytes = tc.snapshotBytes
			}})
			lead := c.Leader()
			for range 6 {
				if err := raftnodetest.Propose(lead, payload); err != nil {
					t.Fatal(err)
				}
			}
			if tc.wantSnapshots {
				// A snapshot due while the last one is still being written
				// waits for the next apply: small entries bring it.
				raftnodetest.WaitFor(t, "a snapshot by size", func() bool {
					if err := raftnodetest.Propose(lead, nil); err != nil {
						t.Fatal(err)
					}
					return counterValue(t, c.Regs[1], "aurigraph_consensus_snapshots_total", "") >= 2
				})
				return
			}
			// The background snapshot would have been started by now.
			if err := raftnodetest.Propose(lead, nil); err != nil {
				t.Fatal(err)
			}
			if got := counterValue(t, c.Regs[1], "aurigraph_consensus_snapshots_total", ""); got != 0 {
				t.Fatalf("snapshots_total = %v under both thresholds", got)
			}
		})
	}
}

// TestCompactionBoundsRetainedBytes: after a snapshot the in-memory log
// keeps at most SnapshotCatchUpBytes of entry data for lagging followers,
// even when SnapshotCatchUpEntries would allow far more.
func TestCompactionBoundsRetainedBytes(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 10_000)
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 20
		cfg.SnapshotCatchUpEntries = 1000
		cfg.SnapshotCatchUpBytes = 35_000
	}})
	lead := c.Leader()
	for range 45 {
		if err := raftnodetest.Propose(lead, payload); err != nil {
			t.Fatal(err)
		}
	}
	raftnodetest.WaitFor(t, "two snapshots", func() bool {
		return counterValue(t, c.Regs[1], "aurigraph_consensus_snapshots_total", "") >= 2
	})
	raftnodetest.WaitFor(t, "the log compacted to a few entries", func() bool {
		ents := lead.RetainedEntries()
		var size int
		for _, e := range ents {
			size += e.Size()
		}
		// Up to SnapshotEntries entries after the latest snapshot come on
		// top of the bound; without it all 45 would stay.
		return len(ents) <= 3+20 && size <= 35_000+20*11_000
	})
}
