package raftnode_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// TestNodeReplicatesToTheMachine runs three nodes over the in-memory
// network and checks that what the leader proposes reaches every machine
// in order, raw or awaited, and that a follower refuses to propose.
func TestNodeReplicatesToTheMachine(t *testing.T) {
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{})
	lead := c.Leader()
	want := [][]byte{[]byte("one"), []byte("two"), []byte("three")}
	for _, d := range want[:2] {
		if err := lead.Propose(t.Context(), raftnodetest.Entry(0, d)); err != nil {
			t.Fatalf("propose %q on the leader: %v", d, err)
		}
	}
	if err := raftnodetest.Propose(lead, want[2]); err != nil {
		t.Fatalf("propose %q on the leader and wait: %v", want[2], err)
	}
	c.WaitPayloads(len(want))
	for id, m := range c.Machines {
		if got := m.Payloads(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("node %d applied %q, want %q", id, got, want)
		}
	}
	for _, f := range c.Followers(lead) {
		if err := f.Propose(t.Context(), raftnodetest.Entry(0, []byte("x"))); !errors.Is(err, raftnode.ErrNotLeader) {
			t.Errorf("node %d, a follower, proposed: %v; want ErrNotLeader", f.ID(), err)
		}
		if err := raftnodetest.Propose(f, []byte("x")); !errors.Is(err, raftnode.ErrNotLeader) {
			t.Errorf("node %d, a follower, proposed and waited: %v; want ErrNotLeader", f.ID(), err)
		}
		if f.Err() != nil {
			t.Errorf("node %d: %v", f.ID(), f.Err())
		}
	}
	if got := counterValue(t, c.Regs[lead.ID()], "aurigraph_consensus_proposals_total", "applied"); got != 1 {
		t.Errorf("proposals_total{result=applied} = %v, want 1: the awaited proposal", got)
	}
}

// stopRecorder is a transport that only records whether it was stopped.
type stopRecorder struct {
	raftnode.Transport
	stopped bool
}

func (s *stopRecorder) Stop() { s.stopped = true }

func TestStartReleasesWhatItWasGivenWhenItFails(t *testing.T) {
	tests := []struct {
		name string
		cfg  raftnode.Config
		sm   raftnode.StateMachine
	}{
		{"no state machine", raftnode.Config{ID: 1, Peers: map[uint64]string{1: "a:1"}, DataDir: t.TempDir()}, nil},
		{"zero id", raftnode.Config{Peers: map[uint64]string{1: "a:1"}, DataDir: t.TempDir()}, &raftnodetest.Machine{}},
		{"self missing from peers", raftnode.Config{ID: 2, Peers: map[uint64]string{1: "a:1"}, DataDir: t.TempDir()}, &raftnodetest.Machine{}},
		{"peer id 0", raftnode.Config{ID: 1, Peers: map[uint64]string{0: "a:2", 1: "a:1"}, DataDir: t.TempDir()}, &raftnodetest.Machine{}},
		{"bad address", raftnode.Config{ID: 1, Peers: map[uint64]string{1: "localhost"}, DataDir: t.TempDir()}, &raftnodetest.Machine{}},
		{"no data dir", raftnode.Config{ID: 1, Peers: map[uint64]string{1: "a:1"}}, &raftnodetest.Machine{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &stopRecorder{}
			tc.cfg.Transport, tc.cfg.Logger = tr, raftnodetest.Logger()
			if n, err := raftnode.Start(tc.cfg, tc.sm); err == nil {
				n.Close(context.Background())
				t.Fatal("Start succeeded")
			}
			if !tr.stopped {
				t.Error("the transport handed over was not stopped")
			}
		})
	}
	if _, err := raftnode.Start(raftnode.Config{ID: 1, Peers: map[uint64]string{1: "a:1"}, DataDir: t.TempDir()}, &raftnodetest.Machine{}); err == nil {
		t.Error("Start without a transport succeeded")
	}
}

// TestProposeAsyncOutcomes: the channel yields the machine's outcome, an
// encode failure is the call's, and a context that ends first is the
// channel's error.
func TestProposeAsyncOutcomes(t *testing.T) {
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{})
	lead := c.Leader()
	_, term := lead.Leader()
	var gotTerm uint64
	ch, err := lead.ProposeAsync(t.Context(), func(id, term uint64) ([]byte, error) {
		gotTerm = term
		return raftnodetest.Entry(id, []byte("a")), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-ch; err != nil || gotTerm != term {
		t.Fatalf("outcome %v, encoded in term %d; want nil in term %d", err, gotTerm, term)
	}
	boom := errors.New("cannot encode")
	if _, err := lead.ProposeAsync(t.Context(), func(uint64, uint64) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("encode failure: %v, want %v", err, boom)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := lead.ProposeAsync(ctx, func(id, _ uint64) ([]byte, error) { return raftnodetest.Entry(id, nil), nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: %v", err)
	}
	// A proposal whose outcome nobody reports (proposal id 0 in the
	// entry) ends with its context.
	ctx, cancel = context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	ch, err = lead.ProposeAsync(ctx, func(uint64, uint64) ([]byte, error) { return raftnodetest.Entry(0, []byte("b")), nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := <-ch; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unreported outcome: %v, want the context's deadline", err)
	}
	c.Stop(lead.ID())
	if _, err := lead.ProposeAsync(context.Background(), func(id, _ uint64) ([]byte, error) { return raftnodetest.Entry(id, nil), nil }); !errors.Is(err, raftnode.ErrNotLeader) && !errors.Is(err, raftnode.ErrStopped) {
		t.Fatalf("after Close: %v, want ErrNotLeader or ErrStopped", err)
	}
}

// TestLinearizableReadOnFollowers: after the read barrier a follower's
// machine holds everything committed before it; without a quorum the
// barrier says there is no leader instead of passing on stale state.
func TestLinearizableReadOnFollowers(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{})
	lead := c.Leader()
	followers := c.Followers(lead)
	for i := range 20 {
		if err := raftnodetest.Propose(lead, fmt.Appendf(nil, "r%d", i)); err != nil {
			t.Fatal(err)
		}
		f := followers[i%len(followers)]
		ctx, cancel := context.WithTimeout(context.Background(), raftnodetest.Timeout)
		err := f.LinearizableRead(ctx)
		cancel()
		if err != nil {
			t.Fatalf("node %d LinearizableRead: %v", f.ID(), err)
		}
		if got := len(c.Machines[f.ID()].Payloads()); got < i+1 {
			t.Fatalf("node %d applied %d payloads after the read barrier, the leader %d", f.ID(), got, i+1)
		}
	}
	if got := histogramCount(t, c.Regs[lead.ID()], "aurigraph_consensus_commit_latency_seconds"); got != 20 {
		t.Fatalf("commit_latency_seconds count = %d, want 20", got)
	}
	if got := histogramCount(t, c.Regs[lead.ID()], "aurigraph_consensus_wal_save_duration_seconds"); got < 20 {
		t.Fatalf("wal_save_duration_seconds count = %d, want one a Ready with entries, at least 20", got)
	}
	for _, f := range followers {
		if got := histogramCount(t, c.Regs[f.ID()], "aurigraph_consensus_read_index_duration_seconds"); got == 0 {
			t.Fatalf("node %d read_index_duration_seconds has no samples", f.ID())
		}
	}
	c.Network.Isolate(lead.ID())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := lead.LinearizableRead(ctx); !errors.Is(err, raftnode.ErrNoLeader) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LinearizableRead on an isolated leader = %v, want no leader or the deadline", err)
	}
	for _, f := range followers {
		c.Stop(f.ID())
	}
	c.Network.Heal()
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := lead.LinearizableRead(ctx); !errors.Is(err, raftnode.ErrNoLeader) {
		t.Fatalf("LinearizableRead without quorum = %v, want ErrNoLeader", err)
	}
}

// TestSnapshotInstallCatchesUpAFollower: a follower away while the leader
// snapshots and compacts its log comes back through the leader's snapshot,
// restored into its machine, then the entries after it.
func TestSnapshotInstallCatchesUpAFollower(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 4
		cfg.SnapshotCatchUpEntries = 2
	}})
	lead := c.Leader()
	var want [][]byte
	propose := func(n int) {
		for range n {
			p := fmt.Appendf(nil, "p%d", len(want))
			if err := raftnodetest.Propose(lead, p); err != nil {
				t.Fatal(err)
			}
			want = append(want, p)
		}
	}
	propose(3)
	f := c.Followers(lead)[0].ID()
	c.Stop(f)
	propose(30)
	raftnodetest.WaitFor(t, "several snapshots on the leader", func() bool {
		return counterValue(t, c.Regs[lead.ID()], "aurigraph_consensus_snapshots_total", "") >= 4
	})
	c.Start(f)
	propose(1)
	c.WaitPayloads(len(want))
	if got := c.Machines[f].Payloads(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("follower applied %q, want %q", got, want)
	}
	if got := counterValue(t, c.Regs[f], "aurigraph_consensus_snapshots_restored_total", ""); got != 1 {
		t.Fatalf("follower restored %v leader snapshots, want 1", got)
	}
	// The snapshot went from the leader's file; neither side keeps its
	// data in memory.
	for _, n := range []*raftnode.Node{lead, c.Nodes[f]} {
		if got := n.InMemorySnapshotBytes(); got != 0 {
			t.Errorf("node %d holds %d bytes of snapshot data in memory, want 0", n.ID(), got)
		}
	}
}

// TestLogCompactedBetweenSnapshots: the in-memory log keeps the catch-up
// window after applying, not every entry since the last snapshot, and a
// follower away for longer than the window comes back through a snapshot
// taken when it asked, long before a periodic one was due.
func TestLogCompactedBetweenSnapshots(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 10_000
		cfg.SnapshotCatchUpEntries = 4
	}})
	lead := c.Leader()
	var want [][]byte
	propose := func(n int) {
		for range n {
			p := fmt.Appendf(nil, "c%d", len(want))
			if err := raftnodetest.Propose(lead, p); err != nil {
				t.Fatal(err)
			}
			want = append(want, p)
		}
	}
	propose(3)
	f := c.Followers(lead)[0].ID()
	c.Stop(f)
	propose(40)
	// The leader keeps what the stopped follower lacks until it stops
	// counting it as recently active.
	raftnodetest.WaitFor(t, "the leader's log compacted to its window", func() bool {
		propose(1)
		return len(lead.RetainedEntries()) <= 8
	})
	if got := counterValue(t, c.Regs[lead.ID()], "aurigraph_consensus_snapshots_total", ""); got != 0 {
		t.Fatalf("leader took %v snapshots before a follower needed one, want 0", got)
	}
	c.Start(f)
	propose(1)
	c.WaitPayloads(len(want))
	if got := c.Machines[f].Payloads(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("follower applied %q, want %q", got, want)
	}
	if got := counterValue(t, c.Regs[f], "aurigraph_consensus_snapshots_restored_total", ""); got != 1 {
		t.Fatalf("follower restored %v leader snapshots, want 1", got)
	}
}

// TestSnapshotDataStaysOnDisk: a node keeps only its snapshot's metadata in
// memory, after taking one and after starting from one, and reads the data
// from its file when asked for it, also once its in-memory log was
// compacted past it (a backup wants it then).
func TestSnapshotDataStaysOnDisk(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 6
		cfg.SnapshotCatchUpEntries = 1
	}})
	lead := c.Leader()
	for i := range 7 {
		if err := raftnodetest.Propose(lead, fmt.Appendf(nil, "d%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	raftnodetest.WaitFor(t, "a snapshot", func() bool {
		_, err := lead.NewestSnapshot()
		return err == nil
	})
	raftnodetest.WaitFor(t, "the in-memory log compacted past the snapshot", func() bool {
		if err := raftnodetest.Propose(lead, []byte("more")); err != nil {
			t.Fatal(err)
		}
		// Empty when the raft loop compacted the log between the reads
		// of its bounds and of its entries: ask again.
		ents := lead.RetainedEntries()
		return len(ents) > 0 && ents[0].Index > lead.SnapshotIndex()+1
	})
	check := func(n *raftnode.Node) {
		t.Helper()
		if got := n.InMemorySnapshotBytes(); got != 0 {
			t.Fatalf("node holds %d bytes of snapshot data in memory, want 0", got)
		}
		s, err := n.NewestSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Data) == 0 || s.Metadata.Index != n.SnapshotIndex() {
			t.Fatalf("NewestSnapshot = %d bytes at index %d, want the data of the snapshot at %d", len(s.Data), s.Metadata.Index, n.SnapshotIndex())
		}
	}
	check(lead)
	c.Stop(1)
	c.Start(1)
	check(c.Leader())
}

// heldSnapshots holds each snapshot SaveSnapshot is to write until the test
// lets it through, and reports its index on held.
type heldSnapshots struct {
	raftnode.Storage
	held    chan uint64
	release chan struct{}
}

func (h *heldSnapshots) SaveSnapshot(meta raftpb.SnapshotMetadata, chunks ...[]byte) error {
	h.held <- meta.Index
	<-h.release
	return h.Storage.SaveSnapshot(meta, chunks...)
}

// TestNewestSnapshotWhileOneIsWritten: while a snapshot's file is being
// written, a backup asking for the newest snapshot gets the one before,
// whose file is there, or ErrNoSnapshot before the first, not an error.
func TestNewestSnapshotWhileOneIsWritten(t *testing.T) {
	t.Parallel()
	h := &heldSnapshots{held: make(chan uint64, 16), release: make(chan struct{})}
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 6
		h.Storage = raftnode.NewDiskStorage(cfg.DataDir, nil)
		cfg.Storage = h
	}})
	t.Cleanup(func() { close(h.release) })
	lead := c.Leader()
	var newest uint64
	for range 2 {
		for i := range 6 {
			if err := raftnodetest.Propose(lead, fmt.Appendf(nil, "d%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		writing := <-h.held
		s, err := lead.NewestSnapshot()
		if newest == 0 && !errors.Is(err, raftnode.ErrNoSnapshot) || newest != 0 && (err != nil || s.Metadata.Index != newest) {
			t.Fatalf("while the snapshot at %d is written: NewestSnapshot = index %d, %v; want the one at %d", writing, s.Metadata.Index, err, newest)
		}
		h.release <- struct{}{}
		raftnodetest.WaitFor(t, "the snapshot written", func() bool {
			s, err := lead.NewestSnapshot()
			return err == nil && s.Metadata.Index == writing
		})
		newest = writing
	}
}

// slowSnapshots takes delay to write each snapshot.
type slowSnapshots struct {
	raftnode.Storage
	delay time.Duration
}

func (s slowSnapshots) SaveSnapshot(meta raftpb.SnapshotMetadata, chunks ...[]byte) error {
	time.Sleep(s.delay)
	return s.Storage.SaveSnapshot(meta, chunks...)
}

// behindCompactedLog stops a follower of c, whose catch-up window is 4
// entries, and proposes until the leader's log no longer holds what the
// follower lacks: started again, it needs a snapshot. It returns the leader
// and the stopped follower's id.
func behindCompactedLog(t *testing.T, c *raftnodetest.Cluster) (*raftnode.Node, uint64) {
	t.Helper()
	lead := c.Leader()
	f := c.Followers(lead)[0].ID()
	c.Stop(f)
	for i := range 40 {
		if err := raftnodetest.Propose(lead, fmt.Appendf(nil, "a%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	raftnodetest.WaitFor(t, "the leader's log compacted to its window", func() bool {
		if err := raftnodetest.Propose(lead, []byte("b")); err != nil {
			t.Fatal(err)
		}
		return len(lead.RetainedEntries()) <= 8
	})
	return lead, f
}

// TestSnapshotForAFollowerTakenOnce: a follower keeps asking for a
// snapshot while the one taken for it is written; once written, that one
// serves, and no second one follows.
func TestSnapshotForAFollowerTakenOnce(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 10_000
		cfg.SnapshotCatchUpEntries = 4
		cfg.Storage = slowSnapshots{raftnode.NewDiskStorage(cfg.DataDir, nil), 20 * raftnodetest.Tick}
	}})
	lead, f := behindCompactedLog(t, c)
	c.Start(f)
	raftnodetest.WaitFor(t, "the follower restored a snapshot", func() bool {
		return counterValue(t, c.Regs[f], "aurigraph_consensus_snapshots_restored_total", "") == 1
	})
	for range 3 {
		if err := raftnodetest.Propose(lead, []byte("c")); err != nil {
			t.Fatal(err)
		}
	}
	// Time for a second snapshot to be written, were one taken.
	time.Sleep(40 * raftnodetest.Tick)
	if got := counterValue(t, c.Regs[lead.ID()], "aurigraph_consensus_snapshots_total", ""); got != 1 {
		t.Fatalf("leader took %v snapshots for one follower, want 1", got)
	}
}

// failingSnapshots fails the first snapshot write of all the nodes that
// share it, as a full or broken disk would.
type failingSnapshots struct {
	raftnode.Storage
	failed *atomic.Bool
}

func (f failingSnapshots) SaveSnapshot(meta raftpb.SnapshotMetadata, chunks ...[]byte) error {
	if f.failed.CompareAndSwap(false, true) {
		return fmt.Errorf("write snapshot %d: %w", meta.Index, errDiskFull)
	}
	return f.Storage.SaveSnapshot(meta, chunks...)
}

var errDiskFull = errors.New("no space left on device")

// TestFailedSnapshotRetriedForAFollower: a follower waits for a snapshot
// whose write fails, on a chain where nothing more is proposed. The leader
// tries again after its backoff and the follower catches up: a failed
// write must not count as a snapshot taken at its index.
func TestFailedSnapshotRetriedForAFollower(t *testing.T) {
	t.Parallel()
	var failed atomic.Bool
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 10_000
		cfg.SnapshotCatchUpEntries = 4
		cfg.SnapshotRetry = 2 * raftnodetest.Tick
		cfg.Storage = failingSnapshots{raftnode.NewDiskStorage(cfg.DataDir, nil), &failed}
	}})
	lead, f := behindCompactedLog(t, c)
	c.Start(f)
	raftnodetest.WaitFor(t, "the follower restored a snapshot after the failed one", func() bool {
		return counterValue(t, c.Regs[f], "aurigraph_consensus_snapshots_restored_total", "") == 1
	})
	if got := counterValue(t, c.Regs[lead.ID()], "aurigraph_consensus_snapshot_failures_total", ""); got != 1 || !failed.Load() {
		t.Fatalf("leader counted %v failed snapshots, want the 1 that failed", got)
	}
}

// heldReads holds each read of a snapshot file until the test lets it
// through, and reports its index on held.
type heldReads struct {
	raftnode.Storage
	held    chan uint64
	release chan struct{}
}

func (h *heldReads) LoadSnapshot(index, term uint64) (raftpb.Snapshot, error) {
	h.held <- index
	<-h.release
	return h.Storage.LoadSnapshot(index, term)
}

// TestLeaderCommitsWhileItReadsASnapshot: reading a snapshot file for a
// follower, a whole state, does not stop the leader's raft: it keeps
// committing meanwhile (and sending heartbeats, or its followers would
// elect another).
func TestLeaderCommitsWhileItReadsASnapshot(t *testing.T) {
	t.Parallel()
	held, release := make(chan uint64, 64), make(chan struct{})
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = 10_000
		cfg.SnapshotCatchUpEntries = 4
		cfg.Storage = &heldReads{Storage: raftnode.NewDiskStorage(cfg.DataDir, nil), held: held, release: release}
	}})
	t.Cleanup(func() { close(release) })
	lead, f := behindCompactedLog(t, c)
	c.Start(f)
	<-held
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ch, err := lead.ProposeAsync(ctx, func(id, _ uint64) ([]byte, error) { return raftnodetest.Entry(id, []byte("c")), nil })
	if err == nil {
		err = <-ch
	}
	if err != nil {
		t.Fatalf("proposing while the leader reads a snapshot: %v", err)
	}
}

// TestSnapshotsAreStaggered: validators apply the same entries at about the
// same time; each takes its snapshots at its own indexes, a third of the
// period apart in a cluster of three, so they never pay for one together.
func TestSnapshotsAreStaggered(t *testing.T) {
	t.Parallel()
	const period = 30
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.SnapshotEntries = period
	}})
	lead := c.Leader()
	for i := range period + 2 {
		if err := raftnodetest.Propose(lead, fmt.Appendf(nil, "p%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	c.WaitPayloads(period + 2)
	var first []uint64
	for id := uint64(1); id <= 3; id++ {
		raftnodetest.WaitFor(t, fmt.Sprintf("a snapshot on node %d", id), func() bool {
			return counterValue(t, c.Regs[id], "aurigraph_consensus_snapshots_total", "") >= 1
		})
		first = append(first, c.Nodes[id].SnapshotIndex())
	}
	// Node 1 snapshots a full period in, node 2 a third earlier, node 3
	// two thirds earlier; a Ready may carry a few entries past the mark.
	for i, at := range first {
		want := uint64(period - i*period/3)
		if at < want || at > want+3 {
			t.Errorf("node %d took its first snapshot at index %d, want %d (the snapshot indexes: %v)", i+1, at, want, first)
		}
	}
}

// TestLeadershipChangedNotifies: a follower's notification fires when the
// leader hands over, and the one it names leads.
func TestLeadershipChangedNotifies(t *testing.T) {
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{})
	lead := c.Leader()
	f := c.Followers(lead)[0]
	changed := f.LeadershipChanged()
	select {
	case <-changed:
		t.Fatal("notified before anything changed")
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), raftnodetest.Timeout)
	defer cancel()
	if err := lead.TransferLeadership(ctx, f.ID()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("the new leader was not notified")
	}
	raftnodetest.WaitFor(t, "the new leader to say so", func() bool { isLeader, _ := f.Leader(); return isLeader })
	if isLeader, _ := lead.Leader(); isLeader {
		t.Fatal("the old leader still says it leads")
	}
	if err := lead.TransferLeadership(ctx, f.ID()); !errors.Is(err, raftnode.ErrNotLeader) {
		t.Fatalf("transfer from a follower: %v, want ErrNotLeader", err)
	}
	if err := f.TransferLeadership(ctx, 9); !errors.Is(err, raftnode.ErrMemberNotFound) {
		t.Fatalf("transfer to a stranger: %v, want ErrMemberNotFound", err)
	}
	if err := f.AddMember(ctx, 9, "node9.invalid:7000"); err != nil {
		t.Fatal(err)
	}
	if err := f.TransferLeadership(ctx, 9); !errors.Is(err, raftnode.ErrLearner) {
		t.Fatalf("transfer to a learner: %v, want ErrLearner", err)
	}
}

// TestUnreachableLearnerStaysALearner: a learner added to a young log,
// shorter than the promotion slack, is not promoted before it has
// acknowledged anything, however long nothing answers at its address.
func TestUnreachableLearnerStaysALearner(t *testing.T) {
	t.Parallel()
	c := raftnodetest.NewCluster(t, 3, raftnodetest.Options{})
	lead := c.Leader()
	ctx, cancel := context.WithTimeout(context.Background(), raftnodetest.Timeout)
	defer cancel()
	if err := lead.AddMember(ctx, 9, "node9.invalid:7000"); err != nil {
		t.Fatalf("AddMember(9): %v", err)
	}
	// Several promotion rounds (one every half election timeout of 10 ticks).
	time.Sleep(20 * raftnodetest.Tick)
	var learners []uint64
	for _, m := range lead.Members() {
		if !m.Voter {
			learners = append(learners, m.ID)
		}
	}
	if !slices.Equal(learners, []uint64{9}) {
		t.Fatalf("learners = %v, want [9]: a learner that never answered was promoted", learners)
	}
}

// counterValue sums the samples of a counter or gauge, restricted to label
// result when result is set.
func counterValue(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if result != "" && l.GetName() == "result" && l.GetValue() != result {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}
