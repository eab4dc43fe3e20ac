package consensus

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

var (
	// ErrNotLeader is returned by leader-only calls on a follower; send the
	// request to the validator Status().Leader names.
	ErrNotLeader = errors.New("consensus: this validator is not the raft leader")
	// ErrStaleOffsets means the state machine rejected a batch because one of
	// its source ranges did not start at the replicated next offset; re-read
	// NextOffsets and resume from there.
	ErrStaleOffsets = errors.New("consensus: batch source offsets do not continue the replicated offsets")
	// ErrLeadershipLost means the term changed before the proposal applied on
	// this validator. The entry may still commit later; offset contiguity
	// makes a resubmission after NextOffsets safe either way.
	ErrLeadershipLost = errors.New("consensus: leadership changed before the proposal applied")
	// ErrStopped is returned once the validator is closing or its raft loop
	// failed.
	ErrStopped = errors.New("consensus: validator stopped")
)

// Status is a point-in-time view of one validator.
type Status struct {
	ID      uint64 `json:"id"`
	Leader  uint64 `json:"leader"`
	Term    uint64 `json:"term"`
	State   string `json:"state"`
	Applied uint64 `json:"applied"`
	Commit  uint64 `json:"commit"`
	// Height is the block store's contiguous height (BlockStore.Height).
	Height uint64 `json:"height"`
	// CatchingUp is set while blocks below the applied height, skipped by a
	// raft snapshot install, are being fetched from peers.
	CatchingUp bool `json:"catching_up"`
	// Progress maps each validator to the highest log index known to be
	// replicated on it; only a leader knows it.
	Progress map[uint64]uint64 `json:"progress,omitempty"`
}

// Node is one running validator: raft, its durable log, the state machine
// and the block store.
type Node struct {
	cfg    Config
	logger *slog.Logger
	m      *metrics
	pm     *progressMetrics

	raft        raft.Node
	removed     atomic.Bool // applied a configuration change removing this validator
	storage     *raft.MemoryStorage
	wal         *wal.WAL
	snapshotter *snap.Snapshotter
	blocks      *BlockStore
	members     *memberStore
	transport   *transport

	// sm is what the raft loop applies committed entries to: chain, or
	// a Replica's machine.
	sm StateMachine
	// chain is the chain's state machine over blocks; nil in a Replica.
	chain *Chain

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
	// genesisTerm is the term this validator proposed the genesis in.
	genesisTerm uint64
	// logged holds the ids of transactions in the raft log this validator
	// found unapplied when it started, until it applied past them: they
	// are pending, not unknown, although nothing in this process accepted
	// them.
	logged atomic.Pointer[loggedTxs]

	stopc        chan struct{}
	donec        chan struct{}
	purgeWG      sync.WaitGroup
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

// Start opens the validator's storage in cfg.DataDir, restores the state
// machine from the newest snapshot, replays the WAL after it and starts raft
// and the peer transport. A directory without a WAL bootstraps a new cluster
// from cfg.Peers.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, err
	}
	n := &Node{
		cfg:       cfg,
		logger:    cfg.Logger.With("validator", cfg.ID),
		m:         newMetrics(cfg.Registerer, cfg.ID),
		pm:        newProgressMetrics(cfg.Registerer, cfg.ID),
		waiters:   make(map[uint64]*proposalWaiter),
		reads:     make(map[string]*readWaiter),
		appliedCh: make(chan struct{}),
		leadingCh: make(chan struct{}),
		stopc:     make(chan struct{}),
		donec:     make(chan struct{}),

		applyFailed: make(chan struct{}),
	}
	var seed [8]byte
	rand.Read(seed[:])
	// The validator id in the top bits keeps proposal ids of different
	// validators apart; the random low bits keep a restarted validator from
	// matching an entry proposed by its previous incarnation.
	n.nextProposal = cfg.ID<<48 | binary.BigEndian.Uint64(seed[:])>>16
	if err := n.open(ctx); err != nil {
		n.closeStorage()
		if cfg.Listener != nil {
			cfg.Listener.Close()
		}
		return nil, err
	}
	return n, nil
}

func (n *Node) open(ctx context.Context) error {
	cfg := n.cfg
	walDir, snapDir := filepath.Join(cfg.DataDir, "wal"), filepath.Join(cfg.DataDir, "snap")
	if err := os.MkdirAll(snapDir, 0o750); err != nil {
		return fmt.Errorf("create snapshot dir: %w", err)
	}
	var err error
	if n.members, err = openMemberStore(filepath.Join(cfg.DataDir, membersFile)); err != nil {
		return err
	}
	if n.sm = cfg.machine; n.sm == nil {
		if err := n.openChain(); err != nil {
			return err
		}
	}

	lg := zapLogger(n.logger.With("subsystem", "wal"))
	n.snapshotter = snap.New(zapLogger(n.logger.With("subsystem", "snap")), snapDir)
	existing := wal.Exist(walDir)
	if n.blocks != nil {
		if tip := n.blocks.Stats().Height; !existing && tip > 0 {
			return fmt.Errorf("%s holds blocks up to height %d but there is no raft log in %s: restore the wal directory or start from an empty data dir", BlocksFile, tip, walDir)
		}
	}
	var snapshot *raftpb.Snapshot
	if existing {
		walSnaps, err := wal.ValidSnapshotEntries(lg, walDir)
		if err != nil {
			return fmt.Errorf("list snapshots in %s: %w", walDir, err)
		}
		snapshot, err = n.snapshotter.LoadNewestAvailable(walSnaps)
		if err != nil && !errors.Is(err, snap.ErrNoSnapshot) {
			return fmt.Errorf("load snapshot from %s: %w", snapDir, err)
		}
	} else {
		if err := os.MkdirAll(walDir, 0o750); err != nil {
			return fmt.Errorf("create wal dir: %w", err)
		}
		w, err := wal.Create(lg, walDir, nil)
		if err != nil {
			return fmt.Errorf("create wal in %s: %w", walDir, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("close new wal: %w", err)
		}
	}
	walSnap := walpb.Snapshot{}
	if snapshot != nil {
		walSnap.Index, walSnap.Term = snapshot.Metadata.Index, snapshot.Metadata.Term
	}
	var hardState raftpb.HardState
	var entries []raftpb.Entry
	n.wal, hardState, entries, err = n.readWAL(lg, walDir, walSnap)
	if err != nil {
		return err
	}
	n.storage = raft.NewMemoryStorage()
	if snapshot != nil {
		if err := n.storage.ApplySnapshot(*snapshot); err != nil {
			return fmt.Errorf("apply snapshot at index %d: %w", snapshot.Metadata.Index, err)
		}
		n.setConfState(snapshot.Metadata.ConfState)
		n.snapshotIndex = snapshot.Metadata.Index
		n.lastDelivered = snapshot.Metadata.Index
		// The state machine lives in memory: it starts from the newest
		// snapshot, and raft replays the WAL after it.
		if err := n.sm.Restore(snapshot.Data, snapshot.Metadata.Index, snapshot.Metadata.Term, false); err != nil {
			return err
		}
	}
	if err := n.storage.SetHardState(hardState); err != nil {
		return fmt.Errorf("restore hard state: %w", err)
	}
	if err := n.storage.Append(entries); err != nil {
		return fmt.Errorf("restore %d wal entries: %w", len(entries), err)
	}
	applied, _ := n.sm.Applied()
	n.applied.Store(applied)
	if n.chain != nil {
		n.chain.hasGenesis.Store(n.chain.fsm.genesis != nil)
		n.logged.Store(unappliedTxs(entries, applied))
		n.m.height.Set(float64(n.chain.fsm.height))
	}
	n.committed.Store(hardState.Commit)
	n.term.Store(hardState.Term)
	n.m.term.Set(float64(hardState.Term))

	rc := &raft.Config{
		ID:                        cfg.ID,
		ElectionTick:              electionTicks,
		HeartbeatTick:             heartbeatTicks,
		Storage:                   n.storage,
		MaxSizePerMsg:             1 << 20,
		MaxInflightMsgs:           256,
		MaxUncommittedEntriesSize: 1 << 30,
		CheckQuorum:               true,
		PreVote:                   true,
		// Only the leader proposes: ingest runs there and needs to know
		// whether its batch was accepted, not have it silently forwarded.
		DisableProposalForwarding: true,
		Logger:                    raftLogger{n.logger.With("subsystem", "raft")},
	}
	// A WAL holding nothing at all means a crash before the first Ready was
	// saved: bootstrap again rather than restart with no membership.
	// A joining validator learns the configuration from the leader instead.
	if cfg.Join || existing && (snapshot != nil || len(entries) > 0 || !raft.IsEmptyHardState(hardState)) {
		n.raft = raft.RestartNode(rc)
	} else {
		peers := make([]raft.Peer, 0, len(cfg.Peers))
		for _, id := range sortedIDs(cfg.Peers) {
			peers = append(peers, raft.Peer{ID: id})
		}
		n.raft = raft.StartNode(rc, peers)
	}

	creds, err := cfg.TLS.credentials()
	if err != nil {
		n.raft.Stop()
		return err
	}
	if err := n.initMembership(snapshot); err != nil {
		n.raft.Stop()
		return err
	}
	lis := cfg.Listener
	if lis == nil {
		lis, err = (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.ListenAddr)
		if err != nil {
			n.raft.Stop()
			return fmt.Errorf("listen for raft peers on %s: %w", cfg.ListenAddr, err)
		}
	}
	n.transport, err = newTransport(cfg.ID, n.peerAddrs(), lis, n.raft, n.logger, n.m, creds)
	if err != nil {
		lis.Close()
		n.raft.Stop()
		return err
	}
	n.logger.Info("validator starting", "listen", lis.Addr().String(), "peers", len(cfg.Peers),
		"applied", applied, "height", n.Status().Height, "snapshot", n.snapshotIndex, "restarted", existing)
	n.transport.advertise, n.transport.learn = n.mem.addrs[cfg.ID], n.learnPeerAddress
	n.registerPeerServices(n.transport.server)
	n.transport.start()
	n.startWorkers()
	n.startPurge(walDir, ".wal", keepWALFiles)
	n.startPurge(snapDir, ".snap", keepSnapshotFiles)
	go n.run()
	n.mem.wg.Add(1)
	go n.promoteLearners()
	return nil
}

// openChain opens the chain's state machine in the data dir.
func (n *Node) openChain() error {
	cfg := n.cfg
	c, err := openChain(ChainConfig{
		DataDir: cfg.DataDir, ID: cfg.ID, Key: cfg.Key, DedupWindow: cfg.DedupWindow,
		Signatures: cfg.Signatures, Logger: n.logger,
	}, n.m)
	if err != nil {
		return err
	}
	c.member = func(id uint64) bool {
		present, _ := n.member(id)
		return present
	}
	n.chain, n.blocks, n.sm = c, c.blocks, c
	return nil
}

// readWAL opens the WAL at snapshot s and reads it. A record cut short by a
// crash in the middle of an append was never fsynced, so never acknowledged
// to anyone: as etcd does, the torn tail is cut off (the original segment is
// kept as *.broken) and the read retried once.
func (n *Node) readWAL(lg *zap.Logger, dir string, s walpb.Snapshot) (*wal.WAL, raftpb.HardState, []raftpb.Entry, error) {
	for repaired := false; ; repaired = true {
		w, err := wal.Open(lg, dir, s)
		if err != nil {
			return nil, raftpb.HardState{}, nil, fmt.Errorf("open wal in %s: %w", dir, err)
		}
		_, st, ents, err := w.ReadAll()
		if err == nil {
			return w, st, ents, nil
		}
		w.Close()
		if repaired || !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, raftpb.HardState{}, nil, fmt.Errorf("read wal in %s: %w", dir, err)
		}
		if !wal.Repair(lg, dir) {
			return nil, raftpb.HardState{}, nil, fmt.Errorf("read wal in %s: %w; cutting off its torn last record failed: restore the directory or start this validator from an empty data dir to resync from its peers", dir, err)
		}
		n.logger.Warn("wal ended in a torn record from a crash mid-write; cut it off and kept the original as *.broken", "dir", dir)
	}
}

// ID returns this validator's raft id.
func (n *Node) ID() uint64 { return n.cfg.ID }

// Blocks returns the validator's block store.
func (n *Node) Blocks() *BlockStore { return n.blocks }

// Leader reports whether this validator currently leads, and its term. A
// validator that applied its own removal never leads: its peers have dropped
// it, so it would not hear of its successor's term, and leader-only stages
// (ingest, publishing) must stop at once rather than run beside the new
// leader's while it hands over.
func (n *Node) Leader() (isLeader bool, term uint64) {
	return n.raftLeader() && !n.removed.Load(), n.term.Load()
}

// raftLeader is raft's own view, which a removed leader keeps until it stops.
func (n *Node) raftLeader() bool {
	return raft.StateType(n.state.Load()) == raft.StateLeader
}

// Status returns the validator's raft and chain position.
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
	if n.blocks != nil {
		st.Height = n.blocks.Height()
		st.CatchingUp = n.blocks.Stats().CatchingUp()
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

// ProposeAsync hands b to raft and returns a channel that yields exactly one
// value: nil once the batch applied on this validator, an error wrapping
// ErrStaleOffsets or ErrRejected if the state machine refused it,
// ErrLeadershipLost if the term changed first, ErrStopped on shutdown, or
// ctx's error. Proposals enter the raft log in call order, so one caller's
// batches stay ordered. b is not modified; the proposer defaults to this
// validator. On a chain without its genesis yet, the genesis goes first.
func (n *Node) ProposeAsync(ctx context.Context, b *aurigraphv1.Batch) (<-chan error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	isLeader, term := n.Leader()
	if !isLeader {
		n.m.proposals.WithLabelValues(resultNotLeader).Inc()
		return nil, ErrNotLeader
	}
	if err := n.ensureGenesis(ctx, term); err != nil {
		return nil, err
	}
	proposer := b.GetProposer()
	if proposer == 0 {
		proposer = n.cfg.ID
	}
	return n.propose(ctx, term, &aurigraphv1.Batch{
		Proposer:    proposer,
		TimestampMs: b.GetTimestampMs(),
		Sources:     b.GetSources(),
		Txs:         b.GetTxs(),
	})
}

// propose hands b to raft under a new proposal id and a waiter for its
// outcome; see ProposeAsync.
func (n *Node) propose(ctx context.Context, term uint64, b *aurigraphv1.Batch) (<-chan error, error) {
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

	b.ProposalId = id
	data, err := proto.Marshal(b)
	if err != nil {
		n.dropWaiter(id)
		return nil, fmt.Errorf("encode batch of %d txs: %w", len(b.GetTxs()), err)
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
		return fmt.Errorf("propose batch: leadership transfer in progress or too many uncommitted entries, retry later: %w", err)
	case errors.Is(err, raft.ErrStopped):
		return ErrStopped
	}
	return fmt.Errorf("propose batch: %w", err)
}

// proposeRules hands the chain's own entries (its genesis, validator keys)
// to raft without a waiter: their outcome shows in the state they change,
// and they are not transactions, so they stay out of the proposal metrics.
func (n *Node) proposeRules(ctx context.Context, b *aurigraphv1.Batch) error {
	data, err := proto.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode chain entry: %w", err)
	}
	if err := n.raft.Propose(ctx, data); err != nil {
		return n.proposeError(err)
	}
	return nil
}

// ensureGenesis proposes the configured genesis, once a term, while the
// chain has none. Raft keeps one leader's proposals in order, so whatever
// this caller proposes next lands after it; a genesis proposed twice
// applies once.
func (n *Node) ensureGenesis(ctx context.Context, term uint64) error {
	if n.chain.hasGenesis.Load() {
		return nil
	}
	n.mu.Lock()
	done := n.genesisTerm == term
	n.genesisTerm = term
	n.mu.Unlock()
	if done {
		return nil
	}
	if err := n.proposeRules(ctx, &aurigraphv1.Batch{Proposer: n.cfg.ID, Genesis: n.cfg.Genesis}); err != nil {
		n.mu.Lock()
		n.genesisTerm = 0
		n.mu.Unlock()
		return fmt.Errorf("propose the chain's genesis: %w", err)
	}
	n.logger.Info("proposed the chain's genesis", "chain_id", n.cfg.Genesis.GetChainId(),
		"require_signatures", n.cfg.Genesis.GetRequireSignatures(), "issuers", len(n.cfg.Genesis.GetIssuers()))
	return nil
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
	n.m.proposals.WithLabelValues(proposalResult(err)).Inc()
	if err == nil {
		n.pm.commitLatency.Observe(time.Since(w.start).Seconds())
	}
	w.ch <- err
}

func proposalResult(err error) string {
	switch {
	case err == nil:
		return resultApplied
	case errors.Is(err, ErrStaleOffsets):
		return resultStale
	case errors.Is(err, ErrLeadershipLost):
		return resultLeaderLost
	case errors.Is(err, ErrStopped):
		return resultNodeStopping
	default:
		return resultCanceled
	}
}

// NextOffsets returns, for each partition of topic the replicated state
// knows, the next offset ingest must read. It first confirms leadership with
// a raft ReadIndex and waits until this validator has applied everything
// committed before the read, so the answer reflects every batch any earlier
// leader got committed.
func (n *Node) NextOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	isLeader, term := n.Leader()
	if !isLeader {
		return nil, ErrNotLeader
	}
	if err := n.LinearizableRead(ctx); err != nil {
		return nil, fmt.Errorf("read offsets of topic %q: %w", topic, err)
	}
	// The read went through whichever validator leads now; ingest must only
	// resume if that is still this one, in the term it started in.
	if isLeader, now := n.Leader(); !isLeader || now != term {
		return nil, ErrLeadershipLost
	}
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.nextOffsets(topic), nil
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

// Close hands leadership to the most caught-up peer when this validator
// leads (bounded by ctx and two election timeouts), then stops raft, the
// transport and closes the WAL and block store. Waiting proposals get
// ErrStopped.
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
	n.purgeWG.Wait()
	n.snapshotWG.Wait()
	n.transport.stop()
	n.raft.Stop()
	n.mem.wg.Wait()
	n.failWaiters(func(uint64) bool { return true }, ErrStopped)
	n.resign()
	err := errors.Join(n.loopErr, n.closeStorage())
	n.logger.Info("validator stopped", "applied", n.applied.Load(), "height", n.Status().Height)
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
// Leader reports may have changed: this validator started or stopped
// leading, its term moved, or it was removed. Leader-only stages wait on it
// to start and stop, then ask Leader.
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

func (n *Node) closeStorage() error {
	var errs []error
	if n.wal != nil {
		if err := n.wal.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close wal: %w", err))
		}
	}
	if n.blocks != nil {
		errs = append(errs, n.blocks.Close())
	}
	return errors.Join(errs...)
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
