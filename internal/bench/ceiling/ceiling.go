// Package ceiling measures the rate each stage of the pipeline reaches
// alone on this machine, so that a pipeline figure reads as a share of what
// is physically possible here. Every ceiling drives the stage's own code
// through its exported API: the broker through Kafka clients, raft through
// the validators' raft driver (internal/raftnode over raftgrpc), the state
// machine through consensus.Chain, validation through ingest and inserts
// through the projector's.
package ceiling

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftgrpc"
	"github.com/aurigraph/aurigraph/projector"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Ceilings are the rates each stage reaches alone.
type Ceilings struct {
	// LogTPS is records/s through the broker: produced and consumed at once
	// on a scratch topic with the partitions of the transaction topic.
	LogTPS float64 `json:"log_tps"`
	// RaftTPS is transactions/s raft commits with the validators' WAL and
	// transport and no state machine, in entries of ingest's batch size.
	RaftTPS float64 `json:"raft_tps"`
	// ApplyTPS is transactions/s the state machine decodes, executes and
	// persists.
	ApplyTPS float64 `json:"apply_tps"`
	// VerifyTPS is signed transactions/s ingest's validation (digest and
	// Ed25519 verification) checks on all cores.
	VerifyTPS float64 `json:"verify_tps"`
	// ClickHouseRowsPerS is transaction rows/s inserted through the
	// projector's client.
	ClickHouseRowsPerS float64 `json:"clickhouse_rows_per_s"`
}

// Spec says where and how much to measure.
type Spec struct {
	// Brokers, Partitions and KafkaOpts reach the broker: the scratch topic
	// gets Partitions, and KafkaOpts log the clients in (SASL, TLS).
	Brokers    []string
	Partitions int32
	KafkaOpts  []kgo.Opt
	// ClickHouse is the URL the projector writes to, and ClickHouseDial
	// how it connects there when set; empty leaves the insert ceiling out.
	ClickHouse     string
	ClickHouseDial func(ctx context.Context, addr string) (net.Conn, error)
	// Dir receives the raft logs and the block store; it should be on the
	// disk the pipeline uses.
	Dir string
	// Validators is the raft cluster's size.
	Validators int
	// TxSize is the approximate size of a transaction.
	TxSize int
	// LogRecords go through the broker; InsertRows into ClickHouse.
	LogRecords, InsertRows int
	// RaftDuration is how long entries are proposed to raft.
	RaftDuration time.Duration
}

// Measure runs the ceilings one after another.
func Measure(ctx context.Context, s Spec) (Ceilings, error) {
	var c Ceilings
	var err error
	if c.LogTPS, err = logRate(ctx, s.Brokers, s.KafkaOpts, s.Partitions, s.LogRecords, s.TxSize); err != nil {
		return c, fmt.Errorf("log ceiling: %w", err)
	}
	if c.RaftTPS, err = replication(ctx, s.Dir, s.Validators, 1000, s.TxSize, s.RaftDuration); err != nil {
		return c, fmt.Errorf("replication ceiling: %w", err)
	}
	if c.ApplyTPS, err = apply(ctx, s.Dir, 200, 1000); err != nil {
		return c, fmt.Errorf("apply ceiling: %w", err)
	}
	if c.VerifyTPS, err = Verify(ctx, 20_000); err != nil {
		return c, fmt.Errorf("verify ceiling: %w", err)
	}
	if s.ClickHouse != "" {
		if c.ClickHouseRowsPerS, err = insert(ctx, s.ClickHouse, s.ClickHouseDial, s.InsertRows, 10); err != nil {
			return c, fmt.Errorf("insert ceiling: %w", err)
		}
	}
	return c, nil
}

// logRate produces n records of size bytes to a scratch topic while one
// consumer reads them back, and returns records/s until the last arrived.
func logRate(ctx context.Context, brokers []string, opts []kgo.Opt, partitions int32, n, size int) (float64, error) {
	topic := fmt.Sprintf("aurigraph.bench.ceiling.%d", time.Now().UnixNano())
	admCl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return 0, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	if err := ingest.EnsureTopics(ctx, admCl, ingest.TopicSpec{Name: topic, Partitions: partitions}); err != nil {
		return 0, err
	}
	defer func() {
		delCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(delCtx, topic)
	}()

	consumer, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(16 << 20)}, opts...)...)
	if err != nil {
		return 0, err
	}
	defer consumer.Close()

	value := make([]byte, size)
	start := time.Now()
	producers := 4
	var wg sync.WaitGroup
	// Producers stop with the measurement, whichever way it ends; the
	// first to fail stops them all with its error as the cause.
	prodCtx, stopProducers := context.WithCancelCause(ctx)
	defer func() {
		stopProducers(nil)
		wg.Wait()
	}()
	for p := range producers {
		wg.Go(func() {
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
				kgo.ProducerLinger(2 * time.Millisecond), kgo.MaxBufferedRecords(50_000)}, opts...)...)
			if err != nil {
				stopProducers(err)
				return
			}
			defer cl.Close()
			for i := p; i < n; i += producers {
				key := []byte{byte(i), byte(i >> 8)}
				if prodCtx.Err() != nil {
					return
				}
				cl.Produce(prodCtx, &kgo.Record{Key: key, Value: value}, func(_ *kgo.Record, err error) {
					if err != nil && prodCtx.Err() == nil {
						stopProducers(err)
					}
				})
			}
			if err := cl.Flush(prodCtx); err != nil && prodCtx.Err() == nil {
				stopProducers(err)
			}
		})
	}
	got := 0
	for got < n {
		if err := context.Cause(prodCtx); err != nil && ctx.Err() == nil {
			return 0, fmt.Errorf("produce to %s: %w", topic, err)
		}
		pollCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		fetches := consumer.PollRecords(pollCtx, 100_000)
		cancel()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			return 0, fmt.Errorf("consume %s after %d of %d records: %w", topic, got, n, errs[0].Err)
		}
		got += fetches.NumRecords()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// replication runs a raft cluster of validators over loopback, each the
// validators' raft driver with its WAL, snapshots and peer transport over
// a state machine that applies nothing, proposes entries of entryTxs
// transactions of about txBytes each as fast as raft accepts them for d,
// and returns the transactions/s the leader saw committed.
func replication(ctx context.Context, dir string, validators, entryTxs, txBytes int, d time.Duration) (float64, error) {
	entry, err := proto.Marshal(paddedBatch(entryTxs, txBytes))
	if err != nil {
		return 0, fmt.Errorf("encode entry: %w", err)
	}
	lis := make([]net.Listener, validators)
	peers := make(map[uint64]string, validators)
	for i := range lis {
		l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lis[:i] {
				l.Close()
			}
			return 0, fmt.Errorf("listen on loopback: %w", err)
		}
		lis[i] = l
		peers[uint64(i+1)] = l.Addr().String()
	}
	replicas := make([]*raftnode.Node, 0, validators)
	machines := make([]*countingMachine, 0, validators)
	defer func() {
		for _, r := range replicas {
			r.Close(context.Background())
		}
	}()
	log := slog.New(slog.DiscardHandler)
	for i, l := range lis {
		m := &countingMachine{progress: make(chan struct{}, 1)}
		id := uint64(i + 1)
		tr, err := raftgrpc.New(raftgrpc.Config{ID: id, Listener: l, Logger: log})
		if err == nil {
			var r *raftnode.Node
			r, err = raftnode.Start(raftnode.Config{
				ID: id, Peers: peers, DataDir: filepath.Join(dir, fmt.Sprintf("raft-%d", id)), Transport: tr, Logger: log,
			}, m)
			if err == nil {
				replicas, machines = append(replicas, r), append(machines, m)
			}
		}
		if err != nil {
			for _, l := range lis[i+1:] {
				l.Close()
			}
			return 0, err
		}
	}

	lead, err := waitLeader(ctx, replicas, 10*time.Second)
	if err != nil {
		return 0, err
	}
	m, r := machines[lead], replicas[lead]
	// Bound what is proposed but not committed, as ingest's MaxInflight
	// does, so the figure is steady-state throughput, not queue filling.
	const inflight = 16
	deadline := time.Now().Add(d)
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
		switch err := r.Propose(ctx, entry); {
		case err == nil:
			proposed++
		case errors.Is(err, raftnode.ErrNotLeader):
			// A figure taken across an election would not be a ceiling.
			return 0, errors.New("leadership moved during the measurement; the machine is too loaded to measure it now")
		case errors.Is(err, raft.ErrProposalDropped):
			time.Sleep(time.Millisecond)
		default:
			return 0, fmt.Errorf("propose: %w", err)
		}
	}
	committed := int(m.entries.Load())
	elapsed := time.Since(start)
	if err := r.Err(); err != nil {
		return 0, err
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return float64(committed*entryTxs) / elapsed.Seconds(), nil
}

// countingMachine applies nothing: it counts the normal entries committed.
type countingMachine struct {
	mu          sync.Mutex
	index, term uint64
	entries     atomic.Uint64
	progress    chan struct{}
}

func (m *countingMachine) Apply(ents []raftpb.Entry, conf raftnode.Conf) ([]raftnode.Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counted := uint64(0)
	for i := range ents {
		e := &ents[i]
		if _, err := conf.Change(e); err != nil {
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

// waitLeader returns the position in replicas of the one that leads.
func waitLeader(ctx context.Context, replicas []*raftnode.Node, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for i, r := range replicas {
			if isLeader, _ := r.Leader(); isLeader {
				return i, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("no raft leader among %d validators after %v", len(replicas), timeout)
}

// paddedBatch is a batch of n transfers padded to about txBytes each, the
// size of what ingest proposes.
func paddedBatch(n, txBytes int) *aurigraphv1.Batch {
	g, _ := txgen.NewTransfers(max(1, n))
	b := g.Batch(n)
	for _, tx := range b.Txs {
		if pad := txBytes - proto.Size(tx); pad > 0 {
			tx.Payload = make([]byte, pad)
		}
	}
	return b
}

// apply runs the chain's state machine alone, as a validator's applier
// runs it: batches of batchTxs transfers between funded accounts, each a
// raft entry decoded, executed, built into a signed block and appended to
// the block store. Entries are encoded before the clock starts.
func apply(ctx context.Context, dir string, batches, batchTxs int) (float64, error) {
	c, err := consensus.OpenChain(consensus.ChainConfig{
		DataDir: filepath.Join(dir, "chain"), ID: 1, Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	gen, setup := txgen.NewTransfers(1000)
	entry := func(index uint64, b *aurigraphv1.Batch) (raftpb.Entry, error) {
		data, err := proto.Marshal(b)
		return raftpb.Entry{Type: raftpb.EntryNormal, Term: 1, Index: index, Data: data}, err
	}
	ents := make([]raftpb.Entry, 2+batches)
	for i := range ents {
		b := setup
		switch i {
		case 0:
			b = &aurigraphv1.Batch{Genesis: chain.DefaultGenesis()}
		case 1:
		default:
			b = gen.Batch(batchTxs)
		}
		if ents[i], err = entry(uint64(i+1), b); err != nil {
			return 0, fmt.Errorf("encode entry %d: %w", i+1, err)
		}
	}
	applied := func(ents []raftpb.Entry) error {
		outcomes, err := c.Apply(ents, nil)
		if err != nil {
			return err
		}
		for k, o := range outcomes {
			if o.Err != nil {
				return fmt.Errorf("the state machine refused entry %d: %w", ents[k].Index, o.Err)
			}
		}
		return nil
	}
	if err := applied(ents[:2]); err != nil {
		return 0, fmt.Errorf("genesis and funding: %w", err)
	}
	start := time.Now()
	for i := 2; i < len(ents); i++ {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err := applied(ents[i : i+1]); err != nil {
			return 0, err
		}
	}
	return float64(batches*batchTxs) / time.Since(start).Seconds(), nil
}

// Verify runs ingest.ValidateAll on n signed transactions, in polls of
// ingest's size on every core as ingest does, for at least a second and
// returns transactions/s.
func Verify(ctx context.Context, n int) (float64, error) {
	const verifyPoll = 256
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	txs := make([]*aurigraphv1.Transaction, n)
	for i := range txs {
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "verify", To: "verify", Amount: 1, Nonce: uint64(i + 1)}
		schemas.SignTx(tx, key)
		txs[i] = tx
	}
	workers := runtime.GOMAXPROCS(0)
	var verified atomic.Int64
	// The first worker to meet an invalid transaction stops the others
	// with it as the cause.
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	start := time.Now()
	deadline := start.Add(time.Second)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * verifyPoll; runCtx.Err() == nil; i += workers * verifyPoll {
				lo := i % n
				poll := txs[lo:min(lo+verifyPoll, n)]
				for _, err := range ingest.ValidateAll(poll) {
					if err != nil {
						stop(err)
						return
					}
				}
				if verified.Add(int64(len(poll))); time.Now().After(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(runCtx); err != nil {
		return 0, err
	}
	return float64(verified.Load()) / time.Since(start).Seconds(), nil
}

// insert measures how fast ClickHouse takes transaction rows through the
// projector's client and insert: into a scratch table with the layout of
// aurigraph.transactions, in a database of its own that is dropped
// afterwards, rows in batches inserts of equal size. Rows are put into the
// projector's columns before the clock starts; handing them to the client
// is part of the insert, as it is for the projector.
func insert(ctx context.Context, dsn string, dial func(ctx context.Context, addr string) (net.Conn, error), rows, batches int) (float64, error) {
	conn, err := projector.OpenClickHouseDial(dsn, dial)
	if err != nil {
		return 0, err
	}
	defer conn.Close()

	db := fmt.Sprintf("aurigraph_ceiling_%d", time.Now().UnixNano())
	table := db + ".transactions"
	if err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return 0, fmt.Errorf("create scratch database %s: %w", db, err)
	}
	defer func() {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = conn.Exec(dropCtx, "DROP DATABASE IF EXISTS "+db)
	}()
	if err := conn.Exec(ctx, "CREATE TABLE "+table+" AS "+projector.Database+".transactions"); err != nil {
		return 0, fmt.Errorf("create %s like %s.transactions (run the projector's migrations first): %w", table, projector.Database, err)
	}

	perBatch := (rows + batches - 1) / batches
	gen, _ := txgen.NewTransfers(1000)
	var parts []*projector.TxRows
	for height, left := uint64(1), rows; left > 0; height++ {
		n := min(perBatch, left)
		blk := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: height, TimestampMs: time.Now().UnixMilli()}}
		for _, tx := range gen.Batch(n).GetTxs() {
			tx.SubmittedMs = blk.Header.TimestampMs - 5
			blk.Txs = append(blk.Txs, &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED})
		}
		part := &projector.TxRows{}
		if err := part.Add(blk); err != nil {
			return 0, err
		}
		parts = append(parts, part)
		left -= n
	}
	start := time.Now()
	for i, part := range parts {
		if err := projector.InsertTxRows(ctx, conn, table, part); err != nil {
			return 0, fmt.Errorf("batch %d: %w", i, err)
		}
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}
