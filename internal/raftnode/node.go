package raftnode

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/aurigraph/aurigraph/internal/retry"
)

// Operators meet these errors in logs and API answers as a validator's
// consensus errors, hence their prefix.
var (
	// ErrNotLeader is returned by leader-only calls on a follower; send the
	// request to the node Status().Leader names.
	ErrNotLeader = errors.New("consensus: this validator is not the raft leader")
	// ErrLeadershipLost means the term changed before the proposal applied on
	// this node. The entry may still commit later.
	ErrLeadershipLost = errors.New("consensus: leadership changed before the proposal applied")
	// ErrStopped is returned once the node is closing or its raft loop
	// failed.
	ErrStopped = errors.New("consensus: validator stopped")
)

// Status is a point-in-time view of one node.
type Status struct {
	ID      uint64 `json:"id"`
	Leader  uint64 `json:"leader"`
	Term    uint64 `json:"term"`
	State   string `json:"state"`
	Applied uint64 `json:"applied"`
	Commit  uint64 `json:"commit"`
	// Progress maps each node to the highest log index known to be
	// replicated on it; only a leader knows it.
	Progress map[uint64]uint64 `json:"progress,omitempty"`
}

// Node is one running raft node: raft, its durable log, its transport and
// membership, applying committed entries to a StateMachine.
type Node struct {
	cfg    Config
	logger *slog.Logger
	m      *metrics

	raft      raft.Node
	removed   atomic.Bool // applied a configuration change removing this node
	memory    *memLog
	durable   Storage
	members   *memberStore
	transport Transport
	sm        StateMachine

	mem membership

	// applyc carries committed entries from the raft loop to the applier;
	// applyFailed is closed, and applyErr set, when applying fails.
	applyc      chan<- applyJob
	applyFailed chan struct{}
	applyErr    error

	// Owned by whichever applies: the applier, or the raft loop while the
	// applier is idle (Readys with a snapshot or a conf change).
	confState     raftpb.ConfState
	snapshotIndex uint64
	lastDelivered uint64
	// bytesSinceSnapshot sums the data of entries delivered since the last
	// snapshot, for Config.SnapshotBytes.
	bytesSinceSnapshot uint64
	// bytesSinceCompact and compactChecked pace compactLog.
	bytesSinceCompact uint64
	compactChecked    uint64
	// snapshotHeadStart brings the first snapshot after start forward by
	// this many entries (see snapshotStagger).
	snapshotHeadStart uint64
	// After a failed snapshot the next waits until snapshotRetryAt, each
	// failure in a row longer (Config.SnapshotRetry to a minute): every
	// attempt encodes the whole state.
	snapshotRetry   retry.Backoff
	snapshotRetryAt time.Time
	// The background snapshot's outcome, for the applier to take: the
	// index of the snapshot before a failed one, plus one, or that one
	// succeeded.
	snapshotFailedFrom atomic.Uint64
	snapshotSucceeded  atomic.Bool

	leader    atomic.Uint64
	term      atomic.Uint64
	state     atomic.Uint64 // raft.StateType
	applied   atomic.Uint64
	committed atomic.Uint64

	mu           sync.Mutex
	waiters      map[uint64]*proposalWaiter
	reads        map[string]*readWaiter
	appliedCh    chan struct{} // closed and replaced when applied moves
	leadingCh    chan struct{} // closed and replaced when Leader's answer may change
	stopped      bool
	nextProposal uint64
	nextRead     uint64

	stopc        chan struct{}
	donec        chan struct{}
	workers      sync.WaitGroup
	snapshotWG   sync.WaitGroup
	snapshotting atomic.Bool
	loopErr      error
	closeOnce    sync.Once
	closeErr     error
}

type proposalWaiter struct {
	ch    chan error
	term  uint64
	stop  func() bool
	start time.Time
}

type readResult struct {
	index uint64
	err   error
}

type readWaiter struct {
	ch   chan readResult
	term uint64
}

// Start opens the node's storage, restores sm from the newest snapshot,
// replays the log after it and starts raft and the transport. A storage
// without a raft log bootstraps a new cluster from cfg.Peers, unless
// cfg.Join. Start takes ownership of cfg.Transport and cfg.Storage, and
// releases both when it fails.
func Start(cfg Config, sm StateMachine) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err == nil && sm == nil {
		err = errors.New("consensus: a raft node needs a state machine")
	}
	if err != nil {
		if cfg.Transport != nil {
			cfg.Transport.Stop()
		}
		if cfg.Storage != nil {
			cfg.Storage.Close()
		}
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		logger:    cfg.Logger.With("validator", cfg.ID),
		m:         newMetrics(cfg.Registerer, cfg.ID),
		transport: cfg.Transport,
		sm:        sm,
		waiters:   make(map[uint64]*proposalWaiter),
		reads:     make(map[string]*readWaiter),
		appliedCh: make(chan struct{}),
		leadingCh: make(chan struct{}),
		stopc:     make(chan struct{}),
		donec:     make(chan struct{}),

		applyFailed: make(chan struct{}),

		snapshotRetry: retry.Backoff{Min: cfg.SnapshotRetry, Max: time.Minute},
	}
	n.durable = cfg.Storage
	if n.durable == nil {
		n.durable = NewDiskStorage(cfg.DataDir, n.logger)
	}
	var seed [8]byte
	rand.Read(seed[:])
	// The node id in the top bits keeps proposal ids of different nodes
	// apart; the random low bits keep a restarted node from matching an
	// entry proposed by its previous incarnation.
	n.nextProposal = cfg.ID<<48 | binary.BigEndian.Uint64(seed[:])>>16
	if err := n.open(); err != nil {
		n.transport.Stop()
		n.durable.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) open() error {
	cfg := n.cfg
	var err error
	if n.members, err = openMemberStore(filepath.Join(cfg.DataDir, MembersFile)); err != nil {
		return err
	}
	persisted, err := n.durable.Load()
	if err != nil {
		return err
	}
	if err := checkSeededFor(persisted.Metadata, cfg.ID, cfg.DataDir); err != nil {
		return err
	}
	snapshot, hardState, entries := persisted.Snapshot, persisted.HardState, persisted.Entries
	n.memory = &memLog{MemoryStorage: raft.NewMemoryStorage(), durable: n.durable, logger: n.logger}
	if snapshot != nil {
		if err := n.memory.applySnapshot(*snapshot); err != nil {
			return fmt.Errorf("apply snapshot at index %d: %w", snapshot.Metadata.Index, err)
		}
		n.setConfState(snapshot.Metadata.ConfState)
		n.snapshotIndex = snapshot.Metadata.Index
		n.lastDelivered = snapshot.Metadata.Index
		// The state machine lives in memory: it starts from the newest
		// snapshot, and raft replays the log after it.
		if err := n.sm.Restore(snapshot.Data, snapshot.Metadata.Index, snapshot.Metadata.Term, false); err != nil {
			return err
		}
	}
	num, den := snapshotStagger(cfg.ID, cfg.Peers)
	n.snapshotHeadStart = cfg.SnapshotEntries / den * num
	n.bytesSinceSnapshot = cfg.SnapshotBytes / den * num
	if err := n.memory.SetHardState(hardState); err != nil {
		return fmt.Errorf("restore hard state: %w", err)
	}
	if err := n.memory.Append(entries); err != nil {
		return fmt.Errorf("restore %d wal entries: %w", len(entries), err)
	}
	applied, _ := n.sm.Applied()
	n.applied.Store(applied)
	if cfg.Unapplied != nil {
		cfg.Unapplied(entries[sort.Search(len(entries), func(i int) bool { return entries[i].Index > applied }):])
	}
	n.committed.Store(hardState.Commit)
	n.term.Store(hardState.Term)
	n.m.term.Set(float64(hardState.Term))

	rc := &raft.Config{
		ID:                        cfg.ID,
		ElectionTick:              electionTicks,
		HeartbeatTick:             heartbeatTicks,
		Storage:                   n.memory,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		MaxUncommittedEntriesSize: 1 << 30,
		CheckQuorum:               true,
		PreVote:                   true,
		// Only the leader proposes: its proposers need to know whether
		// their entry was accepted, not have it silently forwarded.
		DisableProposalForwarding: true,
		Logger:                    raftLogger{n.logger.With("subsystem", "raft")},
	}
	// A log holding nothing at all means a crash before the first Ready was
	// saved: bootstrap again rather than restart with no membership.
	// A joining node learns the configuration from the leader instead.
	restarted := snapshot != nil || len(entries) > 0 || !raft.IsEmptyHardState(hardState)
	if cfg.Join || restarted {
		n.raft = raft.RestartNode(rc)
	} else {
		peers := make([]raft.Peer, 0, len(cfg.Peers))
		for _, id := range sortedIDs(cfg.Peers) {
			peers = append(peers, raft.Peer{ID: id})
		}
		n.raft = raft.StartNode(rc, peers)
	}

	if err := n.initMembership(snapshot); err != nil {
		n.raft.Stop()
		return err
	}
	for id, addr := range n.peerAddrs() {
		if err := n.transport.AddPeer(id, addr); err != nil {
			n.raft.Stop()
			return err
		}
	}
	if err := n.transport.Start(handler{n}, n.mem.addrs[cfg.ID]); err != nil {
		n.raft.Stop()
		return err
	}
	n.logger.Info("validator starting", "peers", len(cfg.Peers), "applied", applied, "snapshot", n.snapshotIndex, "restarted", restarted)
	n.startWorkers()
	go n.run()
	n.mem.wg.Add(1)
	go n.promoteLearners()
	return nil
}

// handler is the node as its transport sees it.
type handler struct{ n *Node }

func (h handler) Step(ctx context.Context, m raftpb.Message) error { return h.n.raft.Step(ctx, m) }
func (h handler) ReportUnreachable(id uint64)                      { h.n.raft.ReportUnreachable(id) }
func (h handler) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	h.n.raft.ReportSnapshot(id, status)
}
func (h handler) LearnPeer(id uint64, addr string) { h.n.learnPeerAddress(id, addr) }

// ID returns this node's raft id.
func (n *Node) ID() uint64 { return n.cfg.ID }

// Leader reports whether this node currently leads, and its term. A node
// that applied its own removal never leads: its peers have dropped it, so
// it would not hear of its successor's term, and leader-only work must stop
// at once rather than run beside the new leader's while it hands over.
func (n *Node) Leader() (isLeader bool, term uint64) {
	return n.raftLeader() && !n.removed.Load(), n.term.Load()
}

// raftLeader is raft's own view, which a removed leader keeps until it stops.
func (n *Node) raftLeader() bool {
	return raft.StateType(n.state.Load()) == raft.StateLeader
}

// Status returns the node's raft position.
func (n *Node) Status() Status {
	st := Status{
		ID:      n.cfg.ID,
		Leader:  n.leader.Load(),
		Term:    n.term.Load(),
		State:   stateName(raft.StateType(n.state.Load())),
		Applied: n.applied.Load(),
		Commit:  n.committed.Load(),
	}
	if n.removed.Load() {
		st.State = "removed"
	}
	if st.State == "leader" {
		rs := n.raft.Status()
		if len(rs.Progress) > 0 {
			st.Progress = make(map[uint64]uint64, len(rs.Progress))
			for id, pr := range rs.Progress {
				st.Progress[id] = pr.Match
			}
		}
	}
	return st
}

// LastIndex returns the index of the newest entry in this node's log,
// committed or not.
func (n *Node) LastIndex() uint64 {
	i, _ := n.memory.LastIndex()
	return i
}

func stateName(s raft.StateType) string {
	switch s {
	case raft.StateLeader:
		return "leader"
	case raft.StateCandidate:
		return "candidate"
	case raft.StatePreCandidate:
		return "pre-candidate"
	default:
		return "follower"
	}
}

// Propose hands data to raft as one entry and returns once raft took it,
// not once it committed: the state machine sees it in Apply. It returns
// ErrNotLeader on a follower, and an error wrapping raft.ErrProposalDropped
// while the leader cannot take more (a leadership transfer, or too much
// proposed but not committed), which a retry may get past.
func (n *Node) Propose(ctx context.Context, data []byte) error {
	if err := n.raft.Propose(ctx, data); err != nil {
		return n.proposeError(err)
	}
	return nil
}

// ProposeAsync proposes one entry whose outcome the caller waits for. On
// the leader it calls encode with a new proposal id and the leader's term,
// and proposes what encode returns; the state machine reports the entry's
// outcome under that id (Outcome.Proposal). The channel yields exactly one
// value: nil once the entry applied on this node, the state machine's
// error if it refused the entry, ErrLeadershipLost if the term changed
// first, ErrStopped on shutdown, or ctx's error. Proposals enter the raft
// log in call order, so one caller's entries stay ordered.
func (n *Node) ProposeAsync(ctx context.Context, encode func(id, term uint64) ([]byte, error)) (<-chan error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	isLeader, term := n.Leader()
	if !isLeader {
		n.m.proposals.WithLabelValues(resultNotLeader).Inc()
		return nil, ErrNotLeader
	}
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return nil, ErrStopped
	}
	n.nextProposal++
	id := n.nextProposal
	w := &proposalWaiter{ch: make(chan error, 1), term: term, start: time.Now()}
	n.waiters[id] = w
	n.mu.Unlock()

	data, err := encode(id, term)
	if err != nil {
		n.dropWaiter(id)
		return nil, err
	}
	n.mu.Lock()
	w.stop = context.AfterFunc(ctx, func() { n.finishProposal(id, ctx.Err()) })
	n.mu.Unlock()
	if err := n.raft.Propose(ctx, data); err != nil {
		n.dropWaiter(id)
		return nil, n.proposeError(err)
	}
	return w.ch, nil
}

func (n *Node) proposeError(err error) error {
	switch {
	case errors.Is(err, raft.ErrProposalDropped):
		n.m.proposals.WithLabelValues(resultDropped).Inc()
		if isLeader, _ := n.Leader(); !isLeader {
			return ErrNotLeader
		}
		return fmt.Errorf("propose: leadership transfer in progress or too many uncommitted entries, retry later: %w", err)
	case errors.Is(err, raft.ErrStopped):
		return ErrStopped
	}
	return fmt.Errorf("propose: %w", err)
}

// takeWaiter removes proposal id's waiter and detaches it from its context.
func (n *Node) takeWaiter(id uint64) *proposalWaiter {
	n.mu.Lock()
	w := n.waiters[id]
	delete(n.waiters, id)
	var stop func() bool
	if w != nil {
		stop = w.stop
	}
	n.mu.Unlock()
	if stop != nil {
		stop()
	}
	return w
}

func (n *Node) dropWaiter(id uint64) { n.takeWaiter(id) }

// finishProposal delivers the single result of proposal id, if still waiting.
func (n *Node) finishProposal(id uint64, err error) {
	w := n.takeWaiter(id)
	if w == nil {
		return
	}
	n.m.proposals.WithLabelValues(n.proposalResult(err)).Inc()
	if err == nil {
		n.m.commitLatency.Observe(time.Since(w.start).Seconds())
	}
	w.ch <- err
}

func (n *Node) proposalResult(err error) string {
	switch {
	case err == nil:
		return resultApplied
	case errors.Is(err, ErrLeadershipLost):
		return resultLeaderLost
	case errors.Is(err, ErrStopped):
		return resultNodeStopping
	}
	if n.cfg.OutcomeLabel != nil {
		if label := n.cfg.OutcomeLabel(err); label != "" {
			return label
		}
	}
	return resultCanceled
}

func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	for {
		n.mu.Lock()
		ch, stopped := n.appliedCh, n.stopped
		n.mu.Unlock()
		if n.applied.Load() >= index {
			return nil
		}
		if stopped {
			return ErrStopped
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for apply of index %d (applied %d): %w", index, n.applied.Load(), ctx.Err())
		}
	}
}

// Close hands leadership to the most caught-up peer when this node leads
// (bounded by ctx and two election timeouts), then stops raft and the
// transport and closes the storage. Waiting proposals get ErrStopped.
func (n *Node) Close(ctx context.Context) error {
	n.closeOnce.Do(func() { n.closeErr = n.close(ctx) })
	return n.closeErr
}

func (n *Node) close(ctx context.Context) error {
	if isLeader, _ := n.Leader(); isLeader && len(n.Members()) > 1 {
		n.transferLeadership(ctx)
	}
	n.mu.Lock()
	n.stopped = true
	close(n.appliedCh)
	n.appliedCh = make(chan struct{})
	n.mu.Unlock()

	close(n.stopc)
	<-n.donec
	n.workers.Wait()
	n.snapshotWG.Wait()
	n.transport.Stop()
	n.raft.Stop()
	n.memory.reads.Wait()
	n.mem.wg.Wait()
	n.failWaiters(func(uint64) bool { return true }, ErrStopped)
	n.resign()
	err := errors.Join(n.loopErr, n.durable.Close())
	n.logger.Info("validator stopped", "applied", n.applied.Load())
	return err
}

// resign makes Leader and Status report a follower without a known leader.
func (n *Node) resign() {
	n.state.Store(uint64(raft.StateFollower))
	n.leader.Store(raft.None)
	n.m.isLeader.Set(0)
	n.notifyLeadership()
}

// LeadershipChanged returns a channel that is closed the next time what
// Leader reports may have changed: this node started or stopped leading,
// its term moved, or it was removed. Leader-only stages wait on it to start
// and stop, then ask Leader.
func (n *Node) LeadershipChanged() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.leadingCh
}

func (n *Node) notifyLeadership() {
	n.mu.Lock()
	close(n.leadingCh)
	n.leadingCh = make(chan struct{})
	n.mu.Unlock()
}

func (n *Node) transferLeadership(ctx context.Context) {
	rs := n.raft.Status()
	var target, best uint64
	for id, pr := range rs.Progress {
		if id != n.cfg.ID && !pr.IsLearner && (target == 0 || pr.Match > best) {
			target, best = id, pr.Match
		}
	}
	if target == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*electionTicks*n.cfg.TickInterval)
	defer cancel()
	n.logger.Info("transferring leadership before shutdown", "to", target, "match", best)
	n.raft.TransferLeadership(ctx, n.cfg.ID, target)
	tick := time.NewTicker(n.cfg.TickInterval)
	defer tick.Stop()
	for {
		if lead := n.leader.Load(); lead != n.cfg.ID && lead != raft.None {
			n.logger.Info("leadership transferred", "to", lead)
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			n.logger.Warn("leadership transfer did not finish before shutdown; peers will elect after the election timeout", "to", target)
			return
		}
	}
}

// failWaiters delivers err to every proposal and read waiter whose term
// matches pred.
func (n *Node) failWaiters(pred func(term uint64) bool, err error) {
	n.mu.Lock()
	var ids []uint64
	for id, w := range n.waiters {
		if pred(w.term) {
			ids = append(ids, id)
		}
	}
	for key, r := range n.reads {
		if pred(r.term) {
			select {
			case r.ch <- readResult{err: err}:
			default:
			}
			delete(n.reads, key)
		}
	}
	n.mu.Unlock()
	for _, id := range ids {
		n.finishProposal(id, err)
	}
}

func sortedIDs(peers map[uint64]string) []uint64 {
	return slices.Sorted(maps.Keys(peers))
}

// snapshotStagger is how far into its snapshot period a node starts, as
// num/den: its rank among the peers over their number. Validators apply the
// same entries at about the same moment, so they would otherwise all take
// a snapshot at the same index and pay for it together: on one machine
// (dev, --processes) three snapshots contend for its cores and disk at once,
// stalling every commit for the time of three, and in a cluster the leader
// and its quorum would slow down together. Each next snapshot comes a full
// period after the node's own last one, so the nodes stay apart.
func snapshotStagger(id uint64, peers map[uint64]string) (num, den uint64) {
	if len(peers) < 2 {
		return 0, 1
	}
	for other := range peers {
		if other < id {
			num++
		}
	}
	return num, uint64(len(peers))
}
