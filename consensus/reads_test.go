package consensus

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestLinearizableReadOnFollowers(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	lead := c.leader()
	followers := c.followers(lead)
	// A follower learns of a commit a heartbeat after the leader applied it;
	// the read barrier must close that window every time.
	for i := range 20 {
		mustPropose(t, lead, batch(int64(i), mint("r"+strconv.Itoa(i), "alice", 1)))
		f := followers[i%len(followers)]
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		err := f.LinearizableRead(ctx)
		cancel()
		if err != nil {
			t.Fatalf("follower %d LinearizableRead: %v", f.ID(), err)
		}
		if got := f.Blocks().Stats().Height; got < uint64(i+1) {
			t.Fatalf("follower %d at height %d after the read barrier, leader applied %d", f.ID(), got, i+1)
		}
	}
	reg := c.regs[lead.ID()]
	if got := histogramCount(t, reg, "aurigraph_consensus_commit_latency_seconds", "", ""); got != 20 {
		t.Fatalf("commit_latency_seconds count = %d, want 20", got)
	}
	for _, f := range followers {
		if got := histogramCount(t, c.regs[f.ID()], "aurigraph_consensus_read_index_duration_seconds", "", ""); got == 0 {
			t.Fatalf("follower %d read_index_duration_seconds has no samples", f.ID())
		}
		waitFor(t, "peer round trips measured", func() bool {
			return histogramCount(t, reg, "aurigraph_consensus_peer_rtt_seconds", "peer", strconv.FormatUint(f.ID(), 10)) > 0
		})
	}

	// Without a quorum no leader remains, and reads say so instead of
	// answering from possibly stale state.
	for _, f := range followers {
		c.stop(f.ID())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := lead.LinearizableRead(ctx); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("LinearizableRead without quorum = %v, want ErrNoLeader", err)
	}
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
			c := newCluster(t, 1, func(cfg *Config) {
				cfg.SnapshotEntries = 1 << 20
				cfg.SnapshotBytes = tc.snapshotBytes
			})
			lead := c.leader()
			for i := range 6 {
				tx := mint("p"+strconv.Itoa(i), "alice", 1)
				tx.Payload = payload
				mustPropose(t, lead, batch(int64(i), tx))
			}
			if tc.wantSnapshots {
				waitFor(t, "a snapshot by size", func() bool {
					return counterValue(t, c.regs[1], "aurigraph_consensus_snapshots_total", "") >= 2
				})
				return
			}
			// The background snapshot would have been started by now.
			mustPropose(t, lead, &aurigraphv1.Batch{Sources: []*aurigraphv1.SourceRange{{Topic: testTopic, StartOffset: 6, EndOffset: 6}}})
			if got := counterValue(t, c.regs[1], "aurigraph_consensus_snapshots_total", ""); got != 0 {
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
	c := newCluster(t, 1, func(cfg *Config) {
		cfg.SnapshotEntries = 20
		cfg.SnapshotCatchUpEntries = 1000
		cfg.SnapshotCatchUpBytes = 35_000
	})
	lead := c.leader()
	for i := range 45 {
		tx := mint("big"+strconv.Itoa(i), "alice", 1)
		tx.Payload = payload
		mustPropose(t, lead, batch(int64(i), tx))
	}
	waitFor(t, "two snapshots", func() bool {
		return counterValue(t, c.regs[1], "aurigraph_consensus_snapshots_total", "") >= 2
	})
	waitFor(t, "the log compacted to a few entries", func() bool {
		first, _ := lead.storage.FirstIndex()
		last, _ := lead.storage.LastIndex()
		ents, err := lead.storage.Entries(first, last+1, 1<<40)
		if err != nil {
			return false
		}
		var size int
		for _, e := range ents {
			size += e.Size()
		}
		// Up to SnapshotEntries entries after the latest snapshot come on
		// top of the bound; without it all 45 would stay.
		return len(ents) <= 3+20 && size <= 35_000+20*11_000
	})
}
