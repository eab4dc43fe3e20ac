package consensus

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/tracing"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Chain is the chain's state machine (a raftnode.StateMachine): it
// executes committed batches, builds and signs their blocks and appends them
// to its block store. A validator's raft node applies entries to the Chain
// of its data dir; OpenChain gives one without raft around it, to be fed
// entries directly.
type Chain struct {
	// mu guards fsm: whichever applies writes, the validator's reads read.
	mu     sync.RWMutex
	fsm    *fsm
	blocks *BlockStore
	logger *slog.Logger
	m      *metrics
	// hasGenesis is set once the chain's genesis applied, so proposing
	// need not wait for mu behind a busy applier.
	hasGenesis atomic.Bool
	// progress counts what Apply wrote, for Node.AlertSample.
	progress struct {
		blocks, txs, failed, latencyMs atomic.Uint64
	}
}

// ChainConfig configures OpenChain.
type ChainConfig struct {
	// DataDir holds the block store, DataDir/blocks.
	DataDir string
	// ID and Key sign every block the chain builds, as validator ID
	// would. Both are required.
	ID  uint64
	Key ed25519.PrivateKey
	// DedupWindow is how many recent transaction ids are remembered to
	// drop duplicates. Default 1,000,000.
	DedupWindow int
	// Signatures verifies transaction signatures. Default: a verifier that
	// remembers nothing.
	Signatures SignatureVerifier
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
}

// OpenChain opens the chain in cfg.DataDir on its own, with no raft log:
// the caller hands it committed entries in log order through Apply (with a
// nil raftnode.Conf), the chain's genesis first, and Close closes its block
// store. Outside a raft configuration no validator is a member, so entries
// registering a validator's key are refused.
func OpenChain(cfg ChainConfig) (*Chain, error) {
	if cfg.ID == 0 || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("consensus chain in %s: ID (%d) must be >= 1 and Key an Ed25519 private key (%d bytes)", cfg.DataDir, cfg.ID, len(cfg.Key))
	}
	if cfg.DataDir == "" {
		return nil, errors.New("consensus chain: DataDir is required")
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = 1_000_000
	}
	if cfg.DedupWindow < 0 {
		return nil, fmt.Errorf("consensus chain: DedupWindow %d is negative", cfg.DedupWindow)
	}
	if cfg.Signatures == nil {
		cfg.Signatures = plainVerifier{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return openChain(cfg, newMetrics(nil, cfg.ID))
}

// openChain opens the block store in cfg.DataDir, migrated from an earlier
// version's if need be, under an empty state that the newest snapshot and
// the entries after it fill. cfg has its defaults.
func openChain(cfg ChainConfig, m *metrics) (*Chain, error) {
	if err := migrateBoltStore(cfg.DataDir, cfg.Logger); err != nil {
		return nil, err
	}
	blocks, err := openBlockStore(filepath.Join(cfg.DataDir, BlocksFile), false, max(1, min(blocklog.DefaultRunEntries, cfg.DedupWindow/2)), cfg.Logger)
	if err != nil {
		return nil, err
	}
	if err := blocks.setSigner(cfg.ID, cfg.Key); err != nil {
		blocks.Close()
		return nil, err
	}
	c := &Chain{fsm: newFSM(cfg.DedupWindow), blocks: blocks, logger: cfg.Logger, m: m}
	c.fsm.sigs = cfg.Signatures
	blocks.window = c.recentTx
	m.index.follow(blocks.ix.Stats)
	return c, nil
}

// Close closes the block store.
func (c *Chain) Close() error { return c.blocks.Close() }

// recentTx finds an id in the dedup window.
func (c *Chain) recentTx(d txDigest) (uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.fsm.dedup.location(d)
}

// Applied is the index and term of the last entry applied.
func (c *Chain) Applied() (uint64, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.fsm.appliedIndex, c.fsm.appliedTerm
}

// Apply executes the entries and persists their combined effect, the
// blocks they built, in one append to the block store; see
// raftnode.StateMachine. Only a validator that conf names a member registers
// its block-signing key; a nil conf, for entries fed without raft, changes
// no configuration and names no member.
func (c *Chain) Apply(ents []raftpb.Entry, conf raftnode.Conf) ([]raftnode.Outcome, error) {
	start := time.Now()
	var outcomes []raftnode.Outcome
	c.mu.Lock()
	f := c.fsm
	advanced := false
	for i := range ents {
		e := &ents[i]
		var cc raftpb.ConfChangeV2
		if conf != nil {
			var err error
			if cc, err = conf.Change(e); err != nil {
				c.mu.Unlock()
				return nil, err
			}
		}
		if e.Index <= f.appliedIndex {
			continue // the state came from a snapshot taken after it
		}
		for _, ch := range cc.Changes {
			if ch.Type == raftpb.ConfChangeRemoveNode {
				f.retireValidator(ch.NodeID)
			}
		}
		if e.Type == raftpb.EntryNormal && len(e.Data) > 0 {
			var b aurigraphv1.Batch
			if err := decodeBatch(e.Data, &b); err != nil {
				if ferr := checkUndecodableEntry(e.Data, e.Index, e.Term); ferr != nil {
					c.mu.Unlock()
					return nil, fmt.Errorf("%w (%v)", ferr, err)
				}
				// Every validator fails the same way on the same bytes, so
				// skipping keeps them in agreement.
				c.logger.Error("skipping undecodable raft entry", "index", e.Index, "term", e.Term, "err", err)
			} else if err := checkEntry(&b, e.Index, e.Term); err != nil {
				c.mu.Unlock()
				return nil, err
			} else {
				var err error
				switch vk := b.GetValidatorKey(); {
				case vk != nil:
					member := false
					if conf != nil {
						member, _ = conf.Member(vk.GetId())
					}
					if err = f.applyValidatorKey(vk, member); err != nil {
						c.logger.Warn("validator key not registered", "validator", vk.GetId(), "index", e.Index, "err", err)
					}
				default:
					var span trace.Span
					if tracing.Enabled() {
						span = traceApply(&b, e.Term, e.Index)
					}
					if _, err = f.apply(&b, e.Term, e.Index); err != nil {
						c.logger.Debug("batch rejected", "index", e.Index, "err", err)
					}
					if span != nil {
						if err != nil {
							span.SetStatus(codes.Error, err.Error())
						}
						span.End()
					}
				}
				outcomes = append(outcomes, raftnode.Outcome{Proposal: b.GetProposalId(), Err: err})
			}
		}
		f.appliedIndex, f.appliedTerm = e.Index, e.Term
		advanced = true
	}
	var written []*aurigraphv1.Block
	if advanced {
		var err error
		if written, err = f.persist(c.blocks); err != nil {
			c.mu.Unlock()
			return nil, err
		}
	}
	height := f.height
	c.hasGenesis.Store(f.genesis != nil)
	c.mu.Unlock()
	if !advanced {
		return nil, nil
	}
	c.m.applyDuration.Observe(time.Since(start).Seconds())
	// Blocks replayed after a restart were counted when first written.
	txs := 0
	now := time.Now().UnixMilli()
	for _, blk := range written {
		txs += len(blk.GetTxs())
		c.progress.failed.Add(uint64(blk.GetHeader().GetFailedCount()))
		if d := now - blk.GetHeader().GetTimestampMs(); d > 0 {
			c.progress.latencyMs.Add(uint64(d))
		}
	}
	c.progress.blocks.Add(uint64(len(written)))
	c.progress.txs.Add(uint64(txs))
	c.m.committedBlocks.Add(float64(len(written)))
	c.m.committedTxs.Add(float64(txs))
	c.m.txRate.add(txs)
	c.m.height.Set(float64(height))
	return outcomes, nil
}

// Snapshot copies the state at Applied; see raftnode.StateMachine.
func (c *Chain) Snapshot() (uint64, uint64, func() ([]byte, error)) {
	c.mu.RLock()
	img := c.fsm.image()
	index, term := c.fsm.appliedIndex, c.fsm.appliedTerm
	c.mu.RUnlock()
	return index, term, img.encode
}

// Restore replaces the state with a snapshot's. Blocks between the stored
// height and the snapshot's are not transferred by raft; the store reports
// them as missing until block catch-up fetched them.
func (c *Chain) Restore(data []byte, index, term uint64, installed bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if index <= c.fsm.appliedIndex {
		return nil
	}
	st, err := DecodeSnapshot(data, index)
	if err != nil {
		return err
	}
	oldHeight := c.fsm.height
	c.fsm.restore(st)
	c.hasGenesis.Store(c.fsm.genesis != nil)
	c.fsm.appliedIndex, c.fsm.appliedTerm = index, term
	if _, err := c.fsm.persist(c.blocks); err != nil {
		return err
	}
	c.m.height.Set(float64(c.fsm.height))
	if installed {
		c.logger.Warn("state restored from raft snapshot; fetching the blocks in between from peers",
			"index", index, "old_height", oldHeight, "height", c.fsm.height)
	}
	return nil
}

// Sync syncs the block log: the WAL entries a snapshot covers are what
// would rebuild the blocks they built, should a crash cut them from the
// log, so those blocks must be on disk before the entries may go.
func (c *Chain) Sync() error { return c.blocks.Sync() }

// traceApply starts the span of applying committed batch b at raft position
// (term, index), under the trace of its ingest batch when this process
// proposed it; nil otherwise, so followers of another process add none.
func traceApply(b *aurigraphv1.Batch, term, index uint64) trace.Span {
	src := b.GetSources()
	if len(src) == 0 {
		return nil
	}
	_, span, ok := tracing.StartBatchSpan(context.Background(), "aurigraph.apply",
		tracing.BatchKey{Partition: src[0].GetPartition(), Start: src[0].GetStartOffset()},
		trace.WithAttributes(attribute.Int64("aurigraph.raft.term", int64(term)), attribute.Int64("aurigraph.raft.index", int64(index)),
			attribute.Int("aurigraph.txs", len(b.GetTxs()))))
	if !ok {
		return nil
	}
	return span
}
