package consensus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftgrpc"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ErrStaleOffsets means the state machine rejected a batch because one of
// its source ranges did not start at the replicated next offset; re-read
// NextOffsets and resume from there.
var ErrStaleOffsets = errors.New("consensus: batch source offsets do not continue the replicated offsets")

// Status is a point-in-time view of one validator: its raft position and
// its chain's.
type Status struct {
	raftnode.Status
	// Height is the block store's contiguous height (BlockStore.Height).
	Height uint64 `json:"height"`
	// CatchingUp is set while blocks below the applied height, skipped by a
	// raft snapshot install, are being fetched from peers.
	CatchingUp bool `json:"catching_up"`
}

// Node is one running validator: a raft node (embedded: its leadership,
// membership, proposals and reads are the validator's) over the peer
// transport, applying committed batches to the chain, and the chain's own
// work beside it: block catch-up and, on the leader, the genesis and the
// validators' keys.
type Node struct {
	*raftnode.Node
	cfg       Config
	logger    *slog.Logger
	m         *metrics
	pm        *progressMetrics
	chain     *Chain
	blocks    *BlockStore
	transport *raftgrpc.Transport

	// genesisMu guards genesisTerm, the term this validator proposed the
	// genesis in.
	genesisMu   sync.Mutex
	genesisTerm uint64
	// logged holds the ids of transactions in the raft log this validator
	// found unapplied when it started, until it applied past them: they
	// are pending, not unknown, although nothing in this process accepted
	// them.
	logged atomic.Pointer[loggedTxs]
	// backupStreaming is set while WriteBackup streams.
	backupStreaming atomic.Bool

	stopWorkers context.CancelFunc
	workers     sync.WaitGroup
	closeOnce   sync.Once
	closeErr    error
}

// Start opens the validator's chain in cfg.DataDir and starts its raft
// node over the peer transport: the node restores the chain from the newest
// snapshot and replays the raft log after it. A directory without a raft
// log bootstraps a new cluster from cfg.Peers.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	lis := cfg.Listener
	fail := func(err error) (*Node, error) {
		if lis != nil {
			lis.Close()
		}
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return fail(err)
	}
	n := &Node{
		cfg:    cfg,
		logger: cfg.Logger.With("validator", cfg.ID),
		m:      newMetrics(cfg.Registerer, cfg.ID),
		pm:     newProgressMetrics(cfg.Registerer, cfg.ID),
	}
	if n.chain, err = openChain(ChainConfig{
		DataDir: cfg.DataDir, ID: cfg.ID, Key: cfg.Key, DedupWindow: cfg.DedupWindow,
		Signatures: cfg.Signatures, Logger: n.logger,
	}, n.m); err != nil {
		return fail(err)
	}
	n.blocks = n.chain.blocks
	if tip := n.blocks.Stats().Height; tip > 0 && !raftnode.LogExists(cfg.DataDir) {
		n.chain.Close()
		return fail(fmt.Errorf("%s holds blocks up to height %d but there is no raft log in %s: restore the wal directory or start from an empty data dir", BlocksFile, tip, cfg.DataDir))
	}
	if lis == nil {
		if lis, err = (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.ListenAddr); err != nil {
			n.chain.Close()
			return nil, fmt.Errorf("listen for raft peers on %s: %w", cfg.ListenAddr, err)
		}
	}
	n.transport, err = raftgrpc.New(raftgrpc.Config{ID: cfg.ID, Listener: lis, TLS: cfg.TLS, Logger: cfg.Logger, Registerer: cfg.Registerer})
	if err != nil {
		n.chain.Close()
		return nil, err
	}
	n.registerPeerServices()
	rc := cfg.raft()
	rc.Transport = n.transport
	rc.Unapplied = func(ents []raftpb.Entry) { n.logged.Store(unappliedTxs(ents)) }
	rc.OutcomeLabel = outcomeLabel
	if n.Node, err = raftnode.Start(rc, n.chain); err != nil {
		n.chain.Close()
		return nil, err
	}
	n.logger.Info("chain opened", "height", n.blocks.Height(), "applied_height", n.blocks.Stats().Height)
	n.startWorkers()
	return n, nil
}

// outcomeLabel names the chain's refusals in
// aurigraph_consensus_proposals_total.
func outcomeLabel(err error) string {
	if errors.Is(err, ErrStaleOffsets) {
		return "stale_offsets"
	}
	return ""
}

// Blocks returns the validator's block store.
func (n *Node) Blocks() *BlockStore { return n.blocks }

// Status returns the validator's raft and chain position.
func (n *Node) Status() Status {
	st := n.blocks.Stats()
	return Status{Status: n.Node.Status(), Height: n.blocks.Height(), CatchingUp: st.CatchingUp()}
}

// IndexErr reports what keeps the chain's transaction index from writing
// to its directory: a run that could not be written (its ids are kept in
// memory until a restart indexes their blocks again) or, until a merge
// succeeds, the last merge that failed (retried with backoff). The chain
// commits either way, and every id is still found.
func (n *Node) IndexErr() error {
	if err := n.blocks.ix.Err(); err != nil {
		return fmt.Errorf("transaction index in %s: %w", n.blocks.dir, err)
	}
	return nil
}

// CaughtUp returns nil once this validator has applied everything the
// leader had committed when asked (a raft ReadIndex through the leader) and
// holds every block below its applied height; otherwise it says how far
// behind it is. A rolling upgrade waits for it before stopping the next
// validator: stopping one while another still catches up can leave fewer
// voters with the whole log than a quorum.
func (n *Node) CaughtUp(ctx context.Context) error {
	if err := n.LinearizableRead(ctx); err != nil {
		st := n.Node.Status()
		return fmt.Errorf("not caught up with the leader (applied index %d, commit index %d as this validator last heard it): %w", st.Applied, st.Commit, err)
	}
	if st := n.blocks.Stats(); st.CatchingUp() {
		return fmt.Errorf("catching up: blocks %d to %d are still being fetched from peers", st.Contiguous+1, st.Height)
	}
	return nil
}

// ProposeAsync hands b to raft and returns a channel that yields exactly one
// value: nil once the batch applied on this validator, an error wrapping
// ErrStaleOffsets or ErrRejected if the state machine refused it,
// raftnode.ErrLeadershipLost if the term changed first, raftnode.ErrStopped
// on shutdown, or ctx's error; it returns raftnode.ErrNotLeader on a
// follower. Proposals enter the raft log in call order, so one caller's
// batches stay ordered. b is not modified; the proposer defaults to this
// validator. On a chain without its genesis yet, the genesis goes first.
func (n *Node) ProposeAsync(ctx context.Context, b *aurigraphv1.Batch) (<-chan error, error) {
	proposer := b.GetProposer()
	if proposer == 0 {
		proposer = n.cfg.ID
	}
	return n.Node.ProposeAsync(ctx, func(id, term uint64) ([]byte, error) {
		if err := n.ensureGenesis(ctx, term); err != nil {
			return nil, err
		}
		data, err := proto.Marshal(&aurigraphv1.Batch{
			Proposer:    proposer,
			TimestampMs: b.GetTimestampMs(),
			Sources:     b.GetSources(),
			Txs:         b.GetTxs(),
			Alert:       b.GetAlert(),
			ProposalId:  id,
			// Every batch says its format, so that a validator of a later
			// release that changed it knows this one.
			FormatVersion: EntryFormatWrite,
		})
		if err != nil {
			return nil, fmt.Errorf("encode batch of %d txs: %w", len(b.GetTxs()), err)
		}
		return data, nil
	})
}

// proposeRules hands the chain's own entries (its genesis, validator keys)
// to raft without a waiter: their outcome shows in the state they change,
// and they are not transactions, so they stay out of the proposal metrics.
func (n *Node) proposeRules(ctx context.Context, b *aurigraphv1.Batch) error {
	b = proto.CloneOf(b)
	b.FormatVersion = EntryFormatWrite
	data, err := proto.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode chain entry: %w", err)
	}
	return n.Propose(ctx, data)
}

// ensureGenesis proposes the configured genesis, once a term, while the
// chain has none. Raft keeps one leader's proposals in order, so whatever
// this caller proposes next lands after it; a genesis proposed twice
// applies once.
func (n *Node) ensureGenesis(ctx context.Context, term uint64) error {
	if n.chain.hasGenesis.Load() {
		return nil
	}
	n.genesisMu.Lock()
	done := n.genesisTerm == term
	n.genesisTerm = term
	n.genesisMu.Unlock()
	if done {
		return nil
	}
	if err := n.proposeRules(ctx, &aurigraphv1.Batch{Proposer: n.cfg.ID, Genesis: n.cfg.Genesis}); err != nil {
		n.genesisMu.Lock()
		n.genesisTerm = 0
		n.genesisMu.Unlock()
		return fmt.Errorf("propose the chain's genesis: %w", err)
	}
	n.logger.Info("proposed the chain's genesis", "chain_id", n.cfg.Genesis.GetChainId(),
		"require_signatures", n.cfg.Genesis.GetRequireSignatures(), "issuers", len(n.cfg.Genesis.GetIssuers()))
	return nil
}

// NextOffsets returns, for each partition of topic the replicated state
// knows, the next offset ingest must read. It first confirms leadership with
// a raft ReadIndex and waits until this validator has applied everything
// committed before the read, so the answer reflects every batch any earlier
// leader got committed.
func (n *Node) NextOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	isLeader, term := n.Leader()
	if !isLeader {
		return nil, raftnode.ErrNotLeader
	}
	if err := n.LinearizableRead(ctx); err != nil {
		return nil, fmt.Errorf("read offsets of topic %q: %w", topic, err)
	}
	// The read went through whichever validator leads now; ingest must only
	// resume if that is still this one, in the term it started in.
	if isLeader, now := n.Leader(); !isLeader || now != term {
		return nil, raftnode.ErrLeadershipLost
	}
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.nextOffsets(topic), nil
}

// Close stops the chain's own work, then the raft node (which first hands
// leadership to the most caught-up peer when this validator leads, bounded
// by ctx), then closes the block store. Waiting proposals get
// raftnode.ErrStopped.
func (n *Node) Close(ctx context.Context) error {
	n.closeOnce.Do(func() {
		n.stopWorkers()
		n.workers.Wait()
		err := n.Node.Close(ctx)
		n.closeErr = errors.Join(err, n.chain.Close())
	})
	return n.closeErr
}
