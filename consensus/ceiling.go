package consensus

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// The ceilings below measure what this package's parts can do on their own,
// so a pipeline figure can be read as a share of what the machine allows:
// replication (raft, fsynced WAL, gRPC transport) with nothing applied, and
// the state machine with its block store and no raft around it.

// ReplicationBench configures MeasureReplication.
type ReplicationBench struct {
	// Dir receives each validator's WAL; it should be on the disk the
	// pipeline uses.
	Dir string
	// Validators is the cluster size (3).
	Validators int
	// EntryTxs and TxBytes shape each proposed entry: a Batch of EntryTxs
	// transactions of about TxBytes bytes each (1000 and 150).
	EntryTxs, TxBytes int
	// Duration is how long entries are proposed (3s).
	Duration time.Duration
}

// ReplicationResult is what MeasureReplication measured.
type ReplicationResult struct {
	Entries    int           // entries committed on the leader within Duration
	Txs        int           // Entries × EntryTxs
	EntryBytes int           // encoded size of one entry
	Elapsed    time.Duration // from the first proposal to the last counted commit
}

// TxPerSecond is the replicated transaction rate.
func (r ReplicationResult) TxPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Txs) / r.Elapsed.Seconds()
}

// MeasureReplication runs a raft cluster over loopback, each validator the
// real raft loop with its WAL, snapshots and peer transport, over a state
// machine that applies nothing, and measures how many transactions per
// second it commits when entries are proposed as fast as raft accepts them.
func MeasureReplication(ctx context.Context, cfg ReplicationBench) (ReplicationResult, error) {
	if cfg.Validators <= 0 {
		cfg.Validators = 3
	}
	if cfg.EntryTxs <= 0 {
		cfg.EntryTxs = 1000
	}
	if cfg.TxBytes <= 0 {
		cfg.TxBytes = 150
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 3 * time.Second
	}
	entry, err := proto.Marshal(syntheticBatch(cfg.EntryTxs, cfg.TxBytes))
	if err != nil {
		return ReplicationResult{}, fmt.Errorf("replication ceiling: encode entry: %w", err)
	}

	lis := make([]net.Listener, cfg.Validators)
	peers := make(map[uint64]string, cfg.Validators)
	for i := range lis {
		l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lis[:i] {
				l.Close()
			}
			return ReplicationResult{}, fmt.Errorf("replication ceiling: listen on loopback: %w", err)
		}
		lis[i] = l
		peers[uint64(i+1)] = l.Addr().String()
	}
	nodes := make([]*Node, 0, cfg.Validators)
	machines := make([]*countingMachine, 0, cfg.Validators)
	defer func() {
		for _, n := range nodes {
			n.Close(context.Background())
		}
	}()
	for i, l := range lis {
		m := &countingMachine{progress: make(chan struct{}, 1)}
		n, err := Start(ctx, Config{
			ID: uint64(i + 1), Peers: peers, Listener: l, DataDir: filepath.Join(cfg.Dir, fmt.Sprintf("raft-%d", i+1)),
			Logger: slog.New(slog.DiscardHandler), machine: m,
		})
		if err != nil {
			for _, l := range lis[i+1:] {
				l.Close()
			}
			return ReplicationResult{}, fmt.Errorf("replication ceiling: %w", err)
		}
		nodes, machines = append(nodes, n), append(machines, m)
	}

	lead, err := waitLeader(ctx, nodes, 10*time.Second)
	if err != nil {
		return ReplicationResult{}, err
	}
	m := machines[lead]
	n := nodes[lead]
	// Bound what is proposed but not committed, as ingest's MaxInflight
	// does, so the figure is steady-state throughput, not queue filling.
	const inflight = 16
	deadline := time.Now().Add(cfg.Duration)
	start := time.Now()
	proposed := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if proposed-int(m.entries.Load()) >= inflight {
			select {
			case <-m.progress:
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
			}
			continue
		}
		if err := n.raft.Propose(ctx, entry); err != nil {
			if !errors.Is(err, raft.ErrProposalDropped) {
				return ReplicationResult{}, fmt.Errorf("replication ceiling: propose: %w", err)
			}
			// Dropped while raft is full or has moved leadership; a figure
			// taken across an election would not be a ceiling.
			if isLeader, _ := n.Leader(); !isLeader {
				return ReplicationResult{}, errors.New("replication ceiling: leadership moved during the measurement; the machine is too loaded to measure it now")
			}
			time.Sleep(time.Millisecond)
			continue
		}
		proposed++
	}
	committed := int(m.entries.Load())
	elapsed := time.Since(start)
	if err := n.Err(); err != nil {
		return ReplicationResult{}, err
	}
	if ctx.Err() != nil {
		return ReplicationResult{}, ctx.Err()
	}
	return ReplicationResult{Entries: committed, Txs: committed * cfg.EntryTxs, EntryBytes: len(entry), Elapsed: elapsed}, nil
}

// countingMachine applies nothing: it counts the normal entries committed.
type countingMachine struct {
	mu          sync.Mutex
	index, term uint64
	entries     atomic.Uint64
	progress    chan struct{}
}

func (m *countingMachine) Apply(ents []raftpb.Entry, confChange func(*raftpb.Entry) (raftpb.ConfChangeV2, error)) ([]Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counted := uint64(0)
	for i := range ents {
		e := &ents[i]
		if _, err := confChange(e); err != nil {
			return nil, err
		}
		if e.Index <= m.index {
			continue
		}
		if e.Type == raftpb.EntryNormal && len(e.Data) > 0 {
			counted++
		}
		m.index, m.term = e.Index, e.Term
	}
	if counted > 0 {
		m.entries.Add(counted)
		select {
		case m.progress <- struct{}{}:
		default:
		}
	}
	return nil, nil
}

func (m *countingMachine) Applied() (uint64, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.index, m.term
}

func (m *countingMachine) Snapshot() (uint64, uint64, func() ([]byte, error)) {
	index, term := m.Applied()
	return index, term, func() ([]byte, error) { return nil, nil }
}

func (m *countingMachine) Restore(_ []byte, index, term uint64, _ bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.index, m.term = index, term
	return nil
}

func (m *countingMachine) Sync() error { return nil }

// waitLeader returns the position in nodes of the one that leads.
func waitLeader(ctx context.Context, nodes []*Node, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for i, n := range nodes {
			if isLeader, _ := n.Leader(); isLeader {
				return i, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("replication ceiling: no raft leader among %d validators after %v", len(nodes), timeout)
}

// ApplyBench configures MeasureApply.
type ApplyBench struct {
	// Dir receives the block store.
	Dir string
	// Batches of BatchTxs transfers are applied, each persisted as the raft
	// loop persists one Ready (200 of 1000).
	Batches, BatchTxs int
}

// ApplyResult is what MeasureApply measured.
type ApplyResult struct {
	Txs     int
	Elapsed time.Duration
}

// TxPerSecond is the applied transaction rate.
func (r ApplyResult) TxPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Txs) / r.Elapsed.Seconds()
}

// MeasureApply runs the state machine alone: transfers between funded
// accounts, executed, built into blocks and committed to a block store, one
// append to the block log per batch. Batches are made before the clock starts.
func MeasureApply(ctx context.Context, cfg ApplyBench) (ApplyResult, error) {
	if cfg.Batches <= 0 {
		cfg.Batches = 200
	}
	if cfg.BatchTxs <= 0 {
		cfg.BatchTxs = 1000
	}
	store, err := openBlockStore(filepath.Join(cfg.Dir, BlocksFile), false, 0)
	if err != nil {
		return ApplyResult{}, fmt.Errorf("apply ceiling: %w", err)
	}
	defer store.Close()
	gen, setup := NewTransferGen(1000)
	f := newChainFSM(1_000_000, chain.DefaultGenesis())
	store.window = f.dedup.location
	if _, err := f.apply(setup, 1, 1); err != nil {
		return ApplyResult{}, fmt.Errorf("apply ceiling: fund accounts: %w", err)
	}
	f.appliedIndex = 1
	if _, err := f.persist(store); err != nil {
		return ApplyResult{}, fmt.Errorf("apply ceiling: %w", err)
	}
	batches := make([]*aurigraphv1.Batch, cfg.Batches)
	for i := range batches {
		batches[i] = gen.Batch(cfg.BatchTxs)
	}
	store.signer = &blockSigner{id: 1, key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	start := time.Now()
	for i, b := range batches {
		if ctx.Err() != nil {
			return ApplyResult{}, ctx.Err()
		}
		if _, err := f.apply(b, 1, uint64(i+2)); err != nil {
			return ApplyResult{}, fmt.Errorf("apply ceiling: batch %d: %w", i, err)
		}
		f.appliedIndex = uint64(i + 2)
		if _, err := f.persist(store); err != nil {
			return ApplyResult{}, fmt.Errorf("apply ceiling: batch %d: %w", i, err)
		}
	}
	return ApplyResult{Txs: cfg.Batches * cfg.BatchTxs, Elapsed: time.Since(start)}, nil
}

// TransferGen makes an endless sequence of valid batches of transfers
// between funded accounts: fresh ids, contiguous offsets, growing nonces.
type TransferGen struct {
	accounts int
	nonces   []uint64
	next     int
	off      int64
}

// NewTransferGen returns a generator over n accounts and the batch that
// funds them, to be applied first.
func NewTransferGen(accounts int) (*TransferGen, *aurigraphv1.Batch) {
	setup := &aurigraphv1.Batch{}
	for i := range accounts {
		setup.Txs = append(setup.Txs, &aurigraphv1.Transaction{
			Id: fmt.Sprintf("mint-%d", i), Type: aurigraphv1.TxType_TX_TYPE_MINT,
			To: fmt.Sprintf("acct-%d", i), Amount: 1 << 40,
		})
	}
	return &TransferGen{accounts: accounts, nonces: make([]uint64, accounts)}, setup
}

// Batch returns the next batch of size transfers.
func (g *TransferGen) Batch(size int) *aurigraphv1.Batch {
	txs := make([]*aurigraphv1.Transaction, size)
	for i := range txs {
		from := g.next % g.accounts
		g.nonces[from]++
		txs[i] = &aurigraphv1.Transaction{
			Id: fmt.Sprintf("tx-%d", g.next), Type: aurigraphv1.TxType_TX_TYPE_TRANSFER,
			From: fmt.Sprintf("acct-%d", from), To: fmt.Sprintf("acct-%d", (from+1)%g.accounts), Amount: 1, Nonce: g.nonces[from],
		}
		g.next++
	}
	b := &aurigraphv1.Batch{
		Sources: []*aurigraphv1.SourceRange{{Topic: "bench", Partition: 0, StartOffset: g.off, EndOffset: g.off + int64(size)}},
		Txs:     txs,
	}
	g.off += int64(size)
	return b
}

// syntheticBatch is a batch of n transactions padded to about txBytes each,
// the size of what ingest proposes.
func syntheticBatch(n, txBytes int) *aurigraphv1.Batch {
	g, _ := NewTransferGen(max(1, n))
	b := g.Batch(n)
	for _, tx := range b.Txs {
		if pad := txBytes - proto.Size(tx); pad > 0 {
			tx.Payload = make([]byte, pad)
		}
	}
	return b
}
