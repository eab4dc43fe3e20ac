package consensus

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/raftnode"
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
	if err := lead.LinearizableRead(ctx); !errors.Is(err, raftnode.ErrNoLeader) {
		t.Fatalf("LinearizableRead without quorum = %v, want raftnode.ErrNoLeader", err)
	}
}
