package raftnode_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// TestStartRefusesALogSeededForAnotherValidator checks that a raft log
// seeded for one validator starts only under that id: under the id of a
// member of its snapshot, as a unit or pod still passing the replaced
// validator's --id would start it, it would be a voter that forgot its
// votes.
func TestStartRefusesALogSeededForAnotherValidator(t *testing.T) {
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{})
	snap := raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{
		Index: 10, Term: 2, ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}},
	}}
	for _, tc := range []struct {
		id      uint64
		refused bool
	}{{3, true}, {4, false}} {
		dir := t.TempDir()
		if err := raftnode.SeedStorage(dir, 4, snap, raftnodetest.Logger()); err != nil {
			t.Fatal(err)
		}
		cfg := c.Config(tc.id)
		cfg.DataDir, cfg.Join = dir, true
		cfg.Peers = maps.Clone(c.Peers)
		cfg.Peers[tc.id] = "node-new.invalid:7000"
		n, err := raftnode.Start(cfg, &raftnodetest.Machine{})
		if err == nil {
			n.Close(context.Background())
		}
		if refused := err != nil && strings.Contains(err.Error(), "restored for validator 4"); refused != tc.refused {
			t.Errorf("start as validator %d on a log seeded for 4: %v, want refused %v", tc.id, err, tc.refused)
		}
	}
}
