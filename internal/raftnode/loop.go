package raftnode

import (
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"
)

// run is the raft loop: it ticks the clock and processes every Ready in
// order: persist, send, hand the committed entries to the applier, advance.
// Applying off the loop, as the etcd server does, lets this node persist
// and acknowledge the next entries while it executes the previous ones, so
// replication and execution overlap instead of taking turns. A Ready that
// changes the configuration or installs a snapshot waits for the applier to
// drain and is handled entirely here, as before: nothing may be sent or
// applied past such an entry until it took effect.
func (n *Node) run() {
	defer close(n.donec)
	applyc, applierDone := make(chan applyJob), make(chan struct{})
	go n.applyLoop(applyc, applierDone)
	defer func() {
		close(applyc)
		<-applierDone
	}()
	n.applyc = applyc
	ticker := time.NewTicker(n.cfg.TickInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			n.raft.Tick()
			if n.memory.wantSnapshot.Load() && !n.snapshotting.Load() {
				// A follower waits for a snapshot the applier would
				// otherwise take only after its next entries: an idle
				// applier gets an empty job to take it now. A busy one
				// takes it after its current job.
				select {
				case n.applyc <- applyJob{}:
				default:
				}
			}
			if n.mem.removedIndex != 0 && n.leaveAfterRemoval() {
				return
			}
		case rd := <-n.raft.Ready():
			if err := n.handleReady(rd); err != nil {
				n.logger.Error("raft loop stopped: this validator can no longer make progress and must be restarted", "err", err)
				n.halt(err)
				return
			}
			n.raft.Advance()
		case <-n.applyFailed:
			n.logger.Error("raft loop stopped: this validator can no longer make progress and must be restarted", "err", n.applyErr)
			n.halt(n.applyErr)
			return
		case <-n.stopc:
			return
		}
	}
}

// halt ends the raft loop's work for good, with err as the reason Done reports.
func (n *Node) halt(err error) {
	n.loopErr = err
	// Without its loop this node no longer ticks, persists or sends: it
	// must stop claiming leadership, or leader-only work and readers keep
	// choosing it while its peers elect a new leader.
	n.resign()
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
	n.failWaiters(func(uint64) bool { return true }, ErrStopped)
}

// applyJob is one Ready's committed entries on their way to the applier.
// after runs once they are applied; done, when set, is closed then.
type applyJob struct {
	entries []raftpb.Entry
	after   func()
	done    chan struct{}
}

// applyLoop applies jobs in the order the raft loop handed them over. After
// a failure it applies nothing more and closes no job's done, so the raft
// loop can only learn of the failure, through applyFailed; it keeps
// receiving until the loop stops, so a send racing the failure never blocks.
func (n *Node) applyLoop(jobs <-chan applyJob, done chan<- struct{}) {
	defer close(done)
	failed := false
	for job := range jobs {
		if failed {
			continue
		}
		if err := n.applyEntries(job.entries); err != nil {
			n.applyErr = err
			close(n.applyFailed)
			failed = true
			continue
		}
		n.maybeSnapshot(job.entries)
		if job.after != nil {
			job.after()
		}
		if job.done != nil {
			close(job.done)
		}
	}
}

// toApplier hands a job to the applier; with wait set it returns only once
// the job, and so every job before it, is applied.
func (n *Node) toApplier(job applyJob, wait bool) error {
	if wait {
		job.done = make(chan struct{})
	}
	// A select with both cases ready picks at random: look at the failure
	// first, or a Ready could be handed over after it, skipped, and advanced.
	select {
	case <-n.applyFailed:
		return n.applyErr
	default:
	}
	select {
	case n.applyc <- job:
	case <-n.applyFailed:
		return n.applyErr
	}
	if !wait {
		return nil
	}
	select {
	case <-job.done:
	case <-n.applyFailed:
		return n.applyErr
	}
	return nil
}

func (n *Node) handleReady(rd raft.Ready) error {
	// Term first, so Leader() never pairs the new leader state with the old term.
	termChanged, leadershipLost := false, false
	if !raft.IsEmptyHardState(rd.HardState) {
		if rd.HardState.Term != n.term.Swap(rd.HardState.Term) {
			n.m.term.Set(float64(rd.HardState.Term))
			termChanged = true
		}
		n.committed.Store(rd.HardState.Commit)
	}
	if rd.SoftState != nil {
		leadershipLost = n.updateLeadership(rd.SoftState.Lead, rd.SoftState.RaftState)
	}
	if termChanged || rd.SoftState != nil {
		n.notifyLeadership()
	}
	// Waiters fail only after this Ready's committed entries applied: a
	// proposal that made it into them gets its real outcome.
	var failWaiters func()
	switch {
	case leadershipLost:
		failWaiters = func() { n.failWaiters(func(uint64) bool { return true }, ErrLeadershipLost) }
	case termChanged:
		term := n.term.Load()
		failWaiters = func() { n.failWaiters(func(t uint64) bool { return t != term }, ErrLeadershipLost) }
	}
	inline := !raft.IsEmptySnap(rd.Snapshot) || hasConfChange(rd.CommittedEntries)
	if inline {
		if failWaiters != nil {
			defer failWaiters()
		}
		if err := n.toApplier(applyJob{}, true); err != nil {
			return err
		}
	}
	// The snapshot goes first so a crash never leaves a log that refers to
	// entries only the snapshot covers.
	if !raft.IsEmptySnap(rd.Snapshot) {
		if err := n.durable.SaveSnapshot(rd.Snapshot.Metadata, rd.Snapshot.Data); err != nil {
			return err
		}
	}
	saveStart := time.Now()
	if err := n.durable.Save(rd.HardState, rd.Entries); err != nil {
		return fmt.Errorf("save %d entries to wal: %w", len(rd.Entries), err)
	}
	if len(rd.Entries) > 0 {
		n.m.walSaveDuration.Observe(time.Since(saveStart).Seconds())
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		if err := n.installSnapshot(rd.Snapshot); err != nil {
			return err
		}
	}
	if err := n.memory.Append(rd.Entries); err != nil {
		return fmt.Errorf("append %d entries to raft storage: %w", len(rd.Entries), err)
	}
	for i := range rd.Messages {
		// A snapshot message carries the configuration of when the snapshot
		// was taken; conf changes applied since must reach the follower.
		// Only inline Readys change confState, so the applier never does
		// while this reads it.
		if rd.Messages[i].Type == raftpb.MsgSnap {
			rd.Messages[i].Snapshot.Metadata.ConfState = n.confState
		}
	}
	n.transport.Send(rd.Messages)
	n.deliverReadStates(rd.ReadStates)
	if !inline {
		if len(rd.CommittedEntries) == 0 && failWaiters == nil {
			return nil
		}
		return n.toApplier(applyJob{entries: rd.CommittedEntries, after: failWaiters}, false)
	}
	if err := n.applyEntries(rd.CommittedEntries); err != nil {
		return err
	}
	n.maybeSnapshot(rd.CommittedEntries)
	return nil
}

func hasConfChange(ents []raftpb.Entry) bool {
	for i := range ents {
		if ents[i].Type == raftpb.EntryConfChange || ents[i].Type == raftpb.EntryConfChangeV2 {
			return true
		}
	}
	return false
}

// installSnapshot replaces the raft log, the membership and the state
// machine with a snapshot from the leader. The applier is idle meanwhile.
func (n *Node) installSnapshot(s raftpb.Snapshot) error {
	if err := n.memory.applySnapshot(s); err != nil {
		return fmt.Errorf("apply leader snapshot at index %d: %w", s.Metadata.Index, err)
	}
	n.setConfState(s.Metadata.ConfState)
	n.snapshotIndex = s.Metadata.Index
	n.bytesSinceSnapshot, n.snapshotHeadStart = 0, 0
	n.lastDelivered = s.Metadata.Index
	if err := n.restoreMembership(s); err != nil {
		return err
	}
	if err := n.sm.Restore(s.Data, s.Metadata.Index, s.Metadata.Term, true); err != nil {
		return err
	}
	n.m.snapshotsRestored.Inc()
	n.publishApplied()
	return nil
}

// updateLeadership records the new leader and state, and reports whether
// this node just stopped leading.
func (n *Node) updateLeadership(lead uint64, state raft.StateType) bool {
	prevLead := n.leader.Swap(lead)
	prevState := raft.StateType(n.state.Swap(uint64(state)))
	if prevLead != lead {
		n.m.leaderChanges.Inc()
		n.logger.Info("raft leader changed", "leader", lead, "state", stateName(state))
	}
	if state == raft.StateLeader {
		n.m.isLeader.Set(1)
	} else {
		n.m.isLeader.Set(0)
	}
	return prevState == raft.StateLeader && state != raft.StateLeader
}

func (n *Node) deliverReadStates(states []raft.ReadState) {
	if len(states) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, rs := range states {
		if r := n.reads[string(rs.RequestCtx)]; r != nil {
			select {
			case r.ch <- readResult{index: rs.Index}:
			default:
			}
		}
	}
}

// applyEntries hands committed entries to the state machine, applying the
// configuration changes among them to raft in log order, and delivers the
// proposals' outcomes.
func (n *Node) applyEntries(ents []raftpb.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	before, _ := n.sm.Applied()
	outcomes, err := n.sm.Apply(ents, applyConf{n})
	if err != nil {
		return err
	}
	n.lastDelivered = ents[len(ents)-1].Index
	if after, _ := n.sm.Applied(); after == before {
		return nil
	}
	n.publishApplied()
	for _, o := range outcomes {
		n.finishProposal(o.Proposal, o.Err)
	}
	return nil
}

// applyConfChange applies a conf change entry in log order with the normal
// entries, replayed ones included: after a restart raft starts from the
// snapshot's configuration and replay brings it forward. It returns the
// change, empty for entries of other types.
func (n *Node) applyConfChange(e *raftpb.Entry) (raftpb.ConfChangeV2, error) {
	var cc raftpb.ConfChangeI
	switch e.Type {
	case raftpb.EntryConfChange:
		var v1 raftpb.ConfChange
		if err := v1.Unmarshal(e.Data); err != nil {
			return raftpb.ConfChangeV2{}, fmt.Errorf("decode conf change at index %d: %w", e.Index, err)
		}
		cc = v1
	case raftpb.EntryConfChangeV2:
		var v2 raftpb.ConfChangeV2
		if err := v2.Unmarshal(e.Data); err != nil {
			return raftpb.ConfChangeV2{}, fmt.Errorf("decode conf change at index %d: %w", e.Index, err)
		}
		cc = v2
	default:
		return raftpb.ConfChangeV2{}, nil
	}
	n.setConfState(*n.raft.ApplyConfChange(cc))
	v2 := cc.AsV2()
	return v2, n.applyMembership(e.Index, v2)
}

// applyConf is the configuration as the state machine meets it in Apply.
type applyConf struct{ n *Node }

func (c applyConf) Change(e *raftpb.Entry) (raftpb.ConfChangeV2, error) {
	return c.n.applyConfChange(e)
}
func (c applyConf) Member(id uint64) (present, voter bool) { return c.n.member(id) }

func (n *Node) publishApplied() {
	applied, _ := n.sm.Applied()
	n.applied.Store(applied)
	n.mu.Lock()
	close(n.appliedCh)
	n.appliedCh = make(chan struct{})
	n.mu.Unlock()
}

// maybeSnapshot starts a raft snapshot once SnapshotEntries entries, or
// SnapshotBytes of entry data, were applied since the last one; delivered is
// what this Ready applied. Applying only copies the state; encoding and
// writing it (which for a full dedup window takes long enough to delay
// heartbeats into an election) happen in the background, one at a time,
// as etcd's server does. The WAL and MemoryStorage are safe for that.
func (n *Node) maybeSnapshot(delivered []raftpb.Entry) {
	for i := range delivered {
		n.bytesSinceSnapshot += uint64(len(delivered[i].Data))
		n.bytesSinceCompact += uint64(len(delivered[i].Data))
	}
	applied, _ := n.sm.Applied()
	n.compactLog(applied)
	if n.snapshotting.Load() {
		return
	}
	if from := n.snapshotFailedFrom.Swap(0); from != 0 {
		// No file holds the snapshot the failed write was for: the index
		// goes back to the last one written, or a follower waiting for a
		// snapshot would wait for the next entry, for ever on an idle
		// chain.
		n.snapshotIndex = from - 1
		n.snapshotRetryAt = time.Now().Add(n.snapshotRetry.Next())
	} else if n.snapshotSucceeded.Swap(false) {
		n.snapshotRetry.Reset()
	}
	wanted := n.memory.wantSnapshot.Load()
	due := applied-n.snapshotIndex+n.snapshotHeadStart >= n.cfg.SnapshotEntries || n.bytesSinceSnapshot >= n.cfg.SnapshotBytes || wanted
	// Until replay has delivered every entry up to the applied index,
	// confState may not yet describe that index.
	if n.lastDelivered != applied || applied == n.snapshotIndex || !due || time.Now().Before(n.snapshotRetryAt) {
		return
	}
	start := time.Now()
	applied, term, encode := n.sm.Snapshot()
	confState, addrs := n.confState, n.snapshotAddrs()
	before := n.snapshotIndex
	n.snapshotIndex = applied
	n.bytesSinceSnapshot, n.snapshotHeadStart = 0, 0
	n.snapshotting.Store(true)
	n.snapshotWG.Add(1)
	go func() {
		defer n.snapshotWG.Done()
		defer n.snapshotting.Store(false)
		if err := n.writeSnapshot(encode, applied, confState, addrs); err != nil {
			n.logger.Error("raft snapshot failed; the WAL keeps growing until the next one succeeds", "index", applied, "term", term, "err", err)
			n.m.snapshotFailures.Inc()
			n.snapshotFailedFrom.Store(before + 1)
			return
		}
		n.snapshotSucceeded.Store(true)
		n.m.snapshots.Inc()
		n.m.snapshotDuration.Observe(time.Since(start).Seconds())
	}()
}

func (n *Node) writeSnapshot(encode func() ([]byte, error), applied uint64, confState raftpb.ConfState, addrs map[uint64]string) error {
	start := time.Now()
	data, err := encode()
	encoded := time.Now()
	if err != nil {
		return fmt.Errorf("encode state snapshot at index %d: %w", applied, err)
	}
	// The members go after the state as a chunk of their own: appended,
	// they would reallocate the state, one more copy of it at once.
	members, err := appendSnapshotMembers(nil, addrs)
	if err != nil {
		return fmt.Errorf("encode state snapshot at index %d: %w", applied, err)
	}
	term, err := n.memory.Term(applied)
	if errors.Is(err, raft.ErrCompacted) {
		return nil // a newer snapshot from the leader replaced the log
	}
	if err != nil {
		return fmt.Errorf("term of the raft snapshot at index %d: %w", applied, err)
	}
	if err := n.sm.Sync(); err != nil {
		return fmt.Errorf("sync the state machine before the snapshot at index %d: %w", applied, err)
	}
	synced := time.Now()
	if err := n.durable.SaveSnapshot(raftpb.SnapshotMetadata{Index: applied, Term: term, ConfState: confState}, data, members); err != nil {
		return err
	}
	saved := time.Now()
	// The log names the snapshot only once its file exists: followers and
	// backups read the data of the one it names from that file.
	_, err = n.memory.CreateSnapshot(applied, &confState, nil)
	if err != nil && !errors.Is(err, raft.ErrSnapOutOfDate) {
		return fmt.Errorf("record raft snapshot at index %d: %w", applied, err)
	}
	// A follower that asked while this was written asked for the log to
	// reach back to it; raft asks again if it still does not.
	n.memory.wantSnapshot.Store(false)
	// The phases say which one to look at when commits pause around a
	// snapshot: encoding takes the cores, the other two the disk.
	n.logger.Info("raft snapshot taken", "index", applied, "bytes", len(data)+len(members), "took", time.Since(start),
		"encode", encoded.Sub(start), "block_sync", synced.Sub(encoded), "write", saved.Sub(synced))
	return nil
}

// compactLog lets the in-memory log go up to the catch-up window before
// applied, whether or not a snapshot covers it: the WAL keeps every entry
// since the newest snapshot for a restart, and memory keeps only what
// followers that lag a little need, not every entry since the snapshot
// (SnapshotBytes of them, tens of megabytes, doubled by the collector's
// headroom). A follower further behind gets a snapshot taken on demand
// (see memLog). As leader it keeps, besides, the entries that followers
// it heard from recently have yet to receive, so that one catching up is
// not cut off; but never more than the window before the newest snapshot,
// what the log held before, so a follower too slow to catch up cannot make
// it grow without bound. The applier calls it, every eighth of the window.
func (n *Node) compactLog(applied uint64) {
	if n.bytesSinceCompact < n.cfg.SnapshotCatchUpBytes/8 && applied-n.compactChecked < max(n.cfg.SnapshotCatchUpEntries/8, 1) {
		return
	}
	n.bytesSinceCompact, n.compactChecked = 0, applied
	to := n.compactIndex(applied)
	if to == 0 {
		return
	}
	if pin, ok := n.followersNeed(); ok && pin < to {
		snap, _ := n.memory.MemoryStorage.Snapshot()
		to = max(pin, n.compactIndex(snap.Metadata.Index))
	}
	if n.snapshotting.Load() {
		// The snapshot being written reads its index's term from the log
		// and is recorded there once written: the log must still hold
		// that entry.
		to = min(to, n.snapshotIndex)
	}
	if err := n.memory.Compact(to); err != nil && !errors.Is(err, raft.ErrCompacted) {
		n.logger.Error("compacting the in-memory raft log failed; it keeps its entries", "to", to, "err", err)
	}
}

// followersNeed is, on the leader, the newest index before which every
// follower heard from recently holds the log (its match, or the snapshot it
// is being sent); ok is false elsewhere or when no follower is recently
// active.
func (n *Node) followersNeed() (uint64, bool) {
	st := n.raft.Status()
	if st.RaftState != raft.StateLeader {
		return 0, false
	}
	need, ok := uint64(math.MaxUint64), false
	for id, pr := range st.Progress {
		if id == n.cfg.ID || !pr.RecentActive {
			continue
		}
		m := pr.Match
		if pr.State == tracker.StateSnapshot {
			m = max(m, pr.PendingSnapshot)
		}
		need, ok = min(need, m), true
	}
	return need, ok
}

// compactIndex is the index up to which the in-memory log can go for a
// catch-up window before applied: it keeps the newest
// SnapshotCatchUpEntries entries, fewer when their data exceeds
// SnapshotCatchUpBytes, and 0 means nothing to compact.
func (n *Node) compactIndex(applied uint64) uint64 {
	first, err := n.memory.FirstIndex()
	if err != nil || applied < first {
		return 0
	}
	keepFrom := first
	if applied > n.cfg.SnapshotCatchUpEntries {
		keepFrom = max(first, applied-n.cfg.SnapshotCatchUpEntries+1)
	}
	// MemoryStorage hands out its own slice, so summing sizes copies nothing.
	ents, err := n.memory.Entries(keepFrom, applied+1, math.MaxUint64)
	if err != nil {
		return 0
	}
	var size uint64
	for i := len(ents) - 1; i >= 0; i-- {
		size += uint64(ents[i].Size())
		if size > n.cfg.SnapshotCatchUpBytes {
			keepFrom = ents[i].Index + 1
			break
		}
	}
	return keepFrom - 1
}
