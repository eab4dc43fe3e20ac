package chainapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Service answers chain and validator reads and membership changes for the
// validators running in this process. The REST handler and the gRPC
// services are both thin adapters over it, so the two APIs cannot drift.
type Service struct {
	nodes []*consensus.Node
	opts  ServiceOptions
}

// ServiceOptions configures NewService.
type ServiceOptions struct {
	// Pending reports whether a transaction id is known upstream (accepted
	// by ingest) but not yet in a block. Nil means nothing is pending.
	Pending func(id string) bool
	// ReadTimeout bounds the linearizable read barrier (finding a leader,
	// ReadIndex, waiting for apply). Default 2s.
	ReadTimeout time.Duration
	// StatusTimeout bounds the barrier of a status read (Stats), which then
	// answers this validator's applied state marked stale instead of
	// failing. Default 200ms.
	StatusTimeout time.Duration
	// Logger receives unexpected errors; nil means slog.Default().
	Logger *slog.Logger
	// Scope, when set, says which transactions the caller of ctx may see
	// (nil: all). Blocks are served with only those, headers whole, and a
	// transaction the caller may not see is not found, as if absent.
	Scope func(ctx context.Context) func(*aurigraphv1.Transaction) bool
}

// NewService serves the validators of this process (at least one).
func NewService(nodes []*consensus.Node, opts ServiceOptions) *Service {
	if len(nodes) == 0 {
		panic("chainapi: NewService needs at least one node")
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 2 * time.Second
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = 200 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{nodes: nodes, opts: opts}
}

// Errors of the service beyond consensus.ErrBlockNotFound.
var (
	// ErrTxNotFound: the id is neither in the chain nor pending.
	ErrTxNotFound = errors.New("consensus: transaction not found")
	// ErrInvalidArgument wraps every *ArgumentError.
	ErrInvalidArgument = errors.New("consensus: invalid argument")
)

// ArgumentError is a request field the service cannot use.
type ArgumentError struct {
	Field, Reason string
}

// Error reads as a sentence: the field name, then the reason.
func (e *ArgumentError) Error() string { return e.Field + " " + e.Reason }

// Unwrap lets errors.Is(err, ErrInvalidArgument) match.
func (e *ArgumentError) Unwrap() error { return ErrInvalidArgument }

func badArgument(field, format string, args ...any) error {
	return &ArgumentError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ReadUnavailableError is a linearizable read that could not be made
// consistent in time: no leader, or it did not answer. Retrying is safe, and
// so is a stale read.
type ReadUnavailableError struct {
	Validator uint64
	Leader    uint64
	Timeout   time.Duration
	Err       error
}

func (e *ReadUnavailableError) Error() string {
	return fmt.Sprintf("consistent read through validator %d failed within %s: %v; retry, or read this validator's possibly stale local state", e.Validator, e.Timeout, e.Err)
}

func (e *ReadUnavailableError) Unwrap() error { return e.Err }

// CatchingUpError is a read of a block this validator has not fetched yet
// after a raft snapshot install. It wraps ErrBlockNotFound.
type CatchingUpError struct {
	Validator          uint64
	Contiguous, Height uint64
	Err                error
}

func (e *CatchingUpError) Error() string {
	return fmt.Sprintf("%v: validator %d is catching up (blocks %d..%d not all fetched yet); retry shortly or ask another validator",
		e.Err, e.Validator, e.Contiguous+1, e.Height)
}

func (e *CatchingUpError) Unwrap() error { return e.Err }

// NotLeaderError is a membership change sent to a process none of whose
// validators leads. It wraps ErrNotLeader.
type NotLeaderError struct {
	Leader uint64
	Err    error
}

func (e *NotLeaderError) Error() string {
	return fmt.Sprintf("%v; send it to validator %d, the leader", e.Err, e.Leader)
}

func (e *NotLeaderError) Unwrap() error { return e.Err }

// primary is the validator reads go to: the local leader when one of this
// process's validators leads, else the first.
func (s *Service) primary() *consensus.Node {
	if n := s.leading(); n != nil {
		return n
	}
	return s.nodes[0]
}

// leading is the local validator that leads, nil when none does.
func (s *Service) leading() *consensus.Node {
	for _, n := range s.nodes {
		if lead, _ := n.Leader(); lead {
			return n
		}
	}
	return nil
}

// barrier makes n's state include every block committed before the call,
// unless the caller accepts a stale read.
func (s *Service) barrier(ctx context.Context, n *consensus.Node, stale bool) error {
	if stale {
		return nil
	}
	return s.barrierWithin(ctx, n, s.opts.ReadTimeout)
}

func (s *Service) barrierWithin(ctx context.Context, n *consensus.Node, timeout time.Duration) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := n.LinearizableRead(rctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrStopped), errors.Is(err, context.DeadlineExceeded):
		return &ReadUnavailableError{Validator: n.ID(), Leader: n.Status().Leader, Timeout: timeout, Err: err}
	default:
		s.opts.Logger.Error("linearizable read", "validator", n.ID(), "err", err)
		return fmt.Errorf("linearizable read through validator %d: %w", n.ID(), err)
	}
}

// notFound explains a missing block: not there, or not fetched yet.
func notFound(n *consensus.Node, err error) error {
	if st := n.Blocks().Stats(); errors.Is(err, consensus.ErrBlockNotFound) && st.CatchingUp() {
		return &CatchingUpError{Validator: n.ID(), Contiguous: st.Contiguous, Height: st.Height, Err: err}
	}
	return err
}

// CheckHeight rejects height 0, which no block has.
func CheckHeight(height uint64) error {
	if height == 0 {
		return badArgument("height", "0 does not exist: the first block has height 1")
	}
	return nil
}

// Latest returns the head of the chain; ErrBlockNotFound while it is empty.
func (s *Service) Latest(ctx context.Context, stale bool) (*aurigraphv1.Block, error) {
	n := s.primary()
	if err := s.barrier(ctx, n, stale); err != nil {
		return nil, err
	}
	st := n.Blocks().Stats()
	if st.Height == 0 {
		return nil, fmt.Errorf("chain is empty, no block committed yet: %w", consensus.ErrBlockNotFound)
	}
	blk, err := n.Blocks().Get(st.Height)
	return s.scoped(ctx, blk), notFound(n, err)
}

// scoped returns blk as the caller of ctx may see it.
func (s *Service) scoped(ctx context.Context, blk *aurigraphv1.Block) *aurigraphv1.Block {
	if s.opts.Scope == nil || blk == nil {
		return blk
	}
	see := s.opts.Scope(ctx)
	if see == nil {
		return blk
	}
	out := &aurigraphv1.Block{Header: blk.GetHeader()}
	for _, r := range blk.GetTxs() {
		if see(r.GetTx()) {
			out.Txs = append(out.Txs, r)
		}
	}
	return out
}

// Block returns the block at height.
func (s *Service) Block(ctx context.Context, height uint64, stale bool) (*aurigraphv1.Block, error) {
	if err := CheckHeight(height); err != nil {
		return nil, err
	}
	n := s.primary()
	// Stored blocks never change: only a height beyond the local chain needs
	// the barrier, so "not found" is not an artefact of lagging behind.
	if height > n.Blocks().Height() {
		if err := s.barrier(ctx, n, stale); err != nil {
			return nil, err
		}
	}
	blk, err := n.Blocks().Get(height)
	return s.scoped(ctx, blk), notFound(n, err)
}

// BlockByHash returns the block whose header hash is hash.
func (s *Service) BlockByHash(ctx context.Context, hash []byte, stale bool) (*aurigraphv1.Block, error) {
	if len(hash) != len(chain.ZeroHash) {
		return nil, badArgument("hash", "has %d bytes: a block hash is %d bytes", len(hash), len(chain.ZeroHash))
	}
	n := s.primary()
	blk, err := n.Blocks().GetByHash(hash)
	if errors.Is(err, consensus.ErrBlockNotFound) {
		// It may be committed but not applied here yet.
		if err := s.barrier(ctx, n, stale); err != nil {
			return nil, err
		}
		blk, err = n.Blocks().GetByHash(hash)
	}
	return s.scoped(ctx, blk), notFound(n, err)
}

// MaxListBlocks bounds one page of Blocks.
const MaxListBlocks = 1000

// BlockPage is one page of consecutive blocks.
type BlockPage struct {
	Blocks []*aurigraphv1.Block
	// Next is the height to ask for to continue; 0 when the range is done.
	Next uint64
	// Head is the chain's height when the page was read.
	Head uint64
}

// Blocks returns up to limit consecutive blocks from..to (to 0: the head);
// limit 0 means 100. headersOnly leaves the transactions out.
func (s *Service) Blocks(ctx context.Context, from, to uint64, limit int, headersOnly, stale bool) (BlockPage, error) {
	switch {
	case from == 0:
		return BlockPage{}, badArgument("from_height", "0 does not exist: the first block has height 1")
	case to != 0 && to < from:
		return BlockPage{}, badArgument("to_height", "%d is below from_height %d", to, from)
	case limit < 0 || limit > MaxListBlocks:
		return BlockPage{}, badArgument("limit", "%d is out of range: ask for 1 to %d blocks (0 means 100)", limit, MaxListBlocks)
	case limit == 0:
		limit = 100
	}
	n := s.primary()
	if err := s.barrier(ctx, n, stale); err != nil {
		return BlockPage{}, err
	}
	head := n.Blocks().Height()
	last := head
	if to != 0 && to < last {
		last = to
	}
	page := BlockPage{Head: head}
	for h := from; h <= last && len(page.Blocks) < limit; h++ {
		if err := ctx.Err(); err != nil {
			return BlockPage{}, err
		}
		blk, err := n.Blocks().Get(h)
		if err != nil {
			return BlockPage{}, notFound(n, err)
		}
		if headersOnly {
			blk = &aurigraphv1.Block{Header: blk.GetHeader()}
		} else {
			blk = s.scoped(ctx, blk)
		}
		page.Blocks = append(page.Blocks, blk)
	}
	if end := from + uint64(len(page.Blocks)); end <= last {
		page.Next = end
	}
	return page, nil
}

// ChainStatus is what Stats answers: the chain's head, and whether it is
// this validator's applied state rather than a consistent read.
type ChainStatus struct {
	consensus.ChainStats
	Stale bool
}

// Stats describes the head of the chain. It is a status read, so it
// answers within StatusTimeout whatever the load: a consistent read when
// the barrier completes in that time, else this validator's applied state
// marked Stale. Under load the barrier waits behind the raft loop's WAL
// syncs and the applier's backlog for seconds, and a monitor polling the
// height learns more from a slightly old one than from a 503.
func (s *Service) Stats(ctx context.Context, stale bool) (ChainStatus, error) {
	n := s.primary()
	if !stale {
		err := s.barrierWithin(ctx, n, s.opts.StatusTimeout)
		var unavailable *ReadUnavailableError
		switch {
		case errors.As(err, &unavailable):
			stale = true
		case err != nil:
			return ChainStatus{}, err
		}
	}
	return ChainStatus{ChainStats: n.Blocks().Stats(), Stale: stale}, nil
}

// Verify checks the hash chain and every block's tx root.
func (s *Service) Verify(ctx context.Context) (consensus.VerifyReport, error) {
	return consensus.VerifyChain(ctx, s.primary().Blocks())
}

// Keys returns what consumers of the blocks topic must trust: the hash
// block 1 links to and every validator's block-signing key.
func (s *Service) Keys(ctx context.Context, stale bool) (chain.Anchor, error) {
	n := s.primary()
	if err := s.barrier(ctx, n, stale); err != nil {
		return chain.Anchor{}, err
	}
	a, err := n.Anchor()
	if err != nil {
		return chain.Anchor{}, &ReadUnavailableError{Err: err}
	}
	return a, nil
}

// Genesis returns the chain's rules.
func (s *Service) Genesis(ctx context.Context, stale bool) (*aurigraphv1.Genesis, error) {
	n := s.primary()
	if err := s.barrier(ctx, n, stale); err != nil {
		return nil, err
	}
	g, err := n.Genesis()
	if err != nil {
		return nil, &ReadUnavailableError{Err: err}
	}
	return g, nil
}

// TxState is where a transaction is in its life.
type TxState string

// TxState values, as the REST API spells them.
const (
	TxPending   TxState = "pending"
	TxCommitted TxState = "committed"
	TxFailed    TxState = "failed"
)

// TxInfo is what the chain knows of one transaction.
type TxInfo struct {
	ID     string
	State  TxState
	Height uint64
	Index  uint32
	Reason string
	// Result is the transaction with its outcome, set by TransactionResult
	// only; nil while pending.
	Result *aurigraphv1.TxResult
	// BlockTimestampMs is the timestamp of the block holding Result.
	BlockTimestampMs int64
}

// Transaction finds a transaction by id: committed, failed, or pending
// upstream; ErrTxNotFound otherwise. It reads the transaction's block only
// when it failed, for the reason.
func (s *Service) Transaction(ctx context.Context, id string, stale bool) (TxInfo, error) {
	return s.transaction(ctx, id, stale, false)
}

// TransactionResult is Transaction with Result: the transaction itself, read
// from its block.
func (s *Service) TransactionResult(ctx context.Context, id string, stale bool) (TxInfo, error) {
	return s.transaction(ctx, id, stale, true)
}

func (s *Service) transaction(ctx context.Context, id string, stale, withResult bool) (TxInfo, error) {
	if id == "" {
		return TxInfo{}, badArgument("id", "is empty: give the id Submit returned")
	}
	n := s.primary()
	if err := s.barrier(ctx, n, stale); err != nil {
		return TxInfo{}, err
	}
	store := n.Blocks()
	loc, ok, err := store.LookupTx(id)
	if err != nil {
		s.opts.Logger.Error("look up transaction", "id", id, "err", err)
		return TxInfo{}, err
	}
	if !ok {
		if s.opts.Pending != nil && s.opts.Pending(id) || n.InLog(id) {
			return TxInfo{ID: id, State: TxPending}, nil
		}
		if st := store.Stats(); st.CatchingUp() {
			return TxInfo{}, &CatchingUpError{Validator: n.ID(), Contiguous: st.Contiguous, Height: st.Height,
				Err: fmt.Errorf("transaction %q: %w", id, consensus.ErrBlockNotFound)}
		}
		return TxInfo{}, fmt.Errorf("transaction %q is not in the chain and not pending: %w", id, ErrTxNotFound)
	}
	info := TxInfo{ID: id, State: TxCommitted, Height: loc.Height, Index: loc.Index}
	if loc.Status == aurigraphv1.TxStatus_TX_STATUS_FAILED {
		info.State = TxFailed
	}
	var see func(*aurigraphv1.Transaction) bool
	if s.opts.Scope != nil {
		see = s.opts.Scope(ctx)
	}
	if !withResult && info.State != TxFailed && see == nil {
		return info, nil
	}
	blk, err := store.Get(loc.Height)
	if err != nil {
		s.opts.Logger.Error("read block of transaction", "id", id, "height", loc.Height, "err", err)
		return TxInfo{}, fmt.Errorf("read block %d of transaction %q: %w", loc.Height, id, err)
	}
	if int(loc.Index) < len(blk.GetTxs()) {
		info.Result = blk.GetTxs()[loc.Index]
		info.Reason = info.Result.GetReason()
		info.BlockTimestampMs = blk.GetHeader().GetTimestampMs()
	}
	if see != nil && !see(info.Result.GetTx()) {
		// The same answer as for an id never seen, so a scoped caller
		// cannot tell another organisation's transactions exist.
		return TxInfo{}, fmt.Errorf("transaction %q is not in the chain and not pending: %w", id, ErrTxNotFound)
	}
	if !withResult && info.State != TxFailed {
		info.Result, info.BlockTimestampMs = nil, 0
	}
	return info, nil
}

// ValidatorInfo is one member of the validator set.
type ValidatorInfo struct {
	raftnode.Member
	// Role is leader, follower or learner.
	Role string
	// State and Applied are known for validators of this process.
	State   string
	Applied uint64
	// Match, Replication and Active are known when the answering validator
	// leads.
	Match       uint64
	Replication string
	Active      bool
}

// ValidatorSet is the membership as one validator sees it.
type ValidatorSet struct {
	AnsweredBy uint64
	Leader     uint64
	Term       uint64
	Validators []ValidatorInfo
}

// Validators returns every member with its state and progress.
func (s *Service) Validators(ctx context.Context, stale bool) (ValidatorSet, error) {
	p := s.primary()
	if err := s.barrier(ctx, p, stale); err != nil {
		return ValidatorSet{}, err
	}
	return s.validatorSet(p), nil
}

func (s *Service) validatorSet(p *consensus.Node) ValidatorSet {
	st := p.Status()
	local := make(map[uint64]consensus.Status, len(s.nodes))
	for _, n := range s.nodes {
		if n == p {
			local[n.ID()] = st
		} else {
			local[n.ID()] = n.Status()
		}
	}
	cs := p.ClusterStatus()
	set := ValidatorSet{AnsweredBy: p.ID(), Leader: cs.Leader, Term: cs.Term, Validators: []ValidatorInfo{}}
	for _, m := range cs.Members {
		v := ValidatorInfo{Member: m.Member, Role: m.Role, State: "unknown", Match: m.Match, Replication: m.Replication}
		if m.Active != nil {
			v.Active = *m.Active
		}
		if ls, ok := local[m.ID]; ok {
			v.State, v.Applied = ls.State, ls.Applied
		} else if m.ID == st.Leader {
			v.State = "leader"
		} else if st.Leader != 0 {
			v.State = "follower"
		}
		set.Validators = append(set.Validators, v)
	}
	return set
}

// Validator returns one member; ErrMemberNotFound if id is not one.
func (s *Service) Validator(ctx context.Context, id uint64) (ValidatorInfo, ValidatorSet, error) {
	if id == 0 {
		return ValidatorInfo{}, ValidatorSet{}, badArgument("id", "is 0: validator ids start at 1")
	}
	set := s.validatorSet(s.primary())
	for _, v := range set.Validators {
		if v.ID == id {
			return v, set, nil
		}
	}
	return ValidatorInfo{}, set, fmt.Errorf("validator %d: %w", id, raftnode.ErrMemberNotFound)
}

// ClusterStatus is the membership as the primary validator sees it.
func (s *Service) ClusterStatus() raftnode.ClusterStatus { return s.primary().ClusterStatus() }

// memberChangeTimeout bounds how long a membership change waits to apply.
const memberChangeTimeout = 15 * time.Second

// localLeader is the validator of this process that leads.
func (s *Service) localLeader() (*consensus.Node, error) {
	if n := s.leading(); n != nil {
		return n, nil
	}
	return nil, &NotLeaderError{Leader: s.nodes[0].Status().Leader, Err: raftnode.ErrNotLeader}
}

// CheckMember rejects a member id of 0 and a raft address that is not
// host:port.
func CheckMember(id uint64, raftAddress string) error {
	if id == 0 {
		return badArgument("id", "is missing or 0: validator ids start at 1")
	}
	return checkRaftAddress(raftAddress)
}

// AddMember adds a validator as a learner, through the local leader.
func (s *Service) AddMember(ctx context.Context, id uint64, raftAddress string) (raftnode.ClusterStatus, error) {
	if err := CheckMember(id, raftAddress); err != nil {
		return raftnode.ClusterStatus{}, err
	}
	n, err := s.localLeader()
	if err != nil {
		return raftnode.ClusterStatus{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, memberChangeTimeout)
	defer cancel()
	return s.memberChanged(n, n.AddMember(ctx, id, raftAddress))
}

// RemoveMember removes a validator, through the local leader.
func (s *Service) RemoveMember(ctx context.Context, id uint64) (raftnode.ClusterStatus, error) {
	if id == 0 {
		return raftnode.ClusterStatus{}, badArgument("id", "is 0: validator ids start at 1")
	}
	n, err := s.localLeader()
	if err != nil {
		return raftnode.ClusterStatus{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, memberChangeTimeout)
	defer cancel()
	return s.memberChanged(n, n.RemoveMember(ctx, id))
}

func (s *Service) memberChanged(n *consensus.Node, err error) (raftnode.ClusterStatus, error) {
	switch {
	case err == nil:
		return n.ClusterStatus(), nil
	case errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrLeadershipLost):
		return raftnode.ClusterStatus{}, &NotLeaderError{Leader: n.Status().Leader, Err: err}
	case !errors.Is(err, raftnode.ErrMemberExists) && !errors.Is(err, raftnode.ErrMemberNotFound) && !errors.Is(err, raftnode.ErrLastVoter) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
		// Only what the caller did not cause is worth an operator's attention.
		s.opts.Logger.Error("membership change", "err", err)
	}
	return raftnode.ClusterStatus{}, err
}
