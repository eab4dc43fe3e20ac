package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/projector"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Ceilings are the rates each stage reaches alone on this machine, measured
// in the same run as the pipeline so that a pipeline figure reads as a
// share of what is physically possible here.
type Ceilings struct {
	// LogTPS is records/s through the broker: produced and consumed at once
	// on a scratch topic with the partitions of the transaction topic.
	LogTPS float64 `json:"log_tps"`
	// RaftTPS is transactions/s raft commits with the validators' WAL and
	// transport and no state machine, in entries of ingest's batch size.
	RaftTPS float64 `json:"raft_tps"`
	// ApplyTPS is transactions/s the state machine executes and persists.
	ApplyTPS float64 `json:"apply_tps"`
	// VerifyTPS is signed transactions/s ingest's validation (digest and
	// Ed25519 verification) checks on all cores.
	VerifyTPS float64 `json:"verify_tps"`
	// ClickHouseRowsPerS is transaction rows/s inserted through the
	// projector's client.
	ClickHouseRowsPerS float64 `json:"clickhouse_rows_per_s"`
}

type ceilingSpec struct {
	brokers    []string
	partitions int32
	clickhouse string
	// clickhouseDial and kafkaOpts: see Target.
	clickhouseDial func(ctx context.Context, addr string) (net.Conn, error)
	kafkaOpts      []kgo.Opt
	dir            string
	validators     int
	txSize         int
	logRecords     int
	insertRows     int
	raftDuration   time.Duration
}

func measureCeilings(ctx context.Context, spec ceilingSpec) (Ceilings, error) {
	var c Ceilings
	var err error
	if c.LogTPS, err = logCeiling(ctx, spec.brokers, spec.kafkaOpts, spec.partitions, spec.logRecords, spec.txSize); err != nil {
		return c, fmt.Errorf("log ceiling: %w", err)
	}
	raft, err := consensus.MeasureReplication(ctx, consensus.ReplicationBench{
		Dir: spec.dir, Validators: spec.validators, EntryTxs: 1000, TxBytes: spec.txSize, Duration: spec.raftDuration,
	})
	if err != nil {
		return c, err
	}
	c.RaftTPS = raft.TxPerSecond()
	apply, err := consensus.MeasureApply(ctx, consensus.ApplyBench{Dir: spec.dir, Batches: 200, BatchTxs: 1000})
	if err != nil {
		return c, err
	}
	c.ApplyTPS = apply.TxPerSecond()
	if c.VerifyTPS, err = verifyCeiling(ctx, 20_000); err != nil {
		return c, fmt.Errorf("verify ceiling: %w", err)
	}
	if spec.clickhouse != "" {
		ins, err := projector.MeasureInsert(ctx, projector.InsertBench{ClickHouse: spec.clickhouse, Dial: spec.clickhouseDial, Rows: spec.insertRows, Batches: 10})
		if err != nil {
			return c, err
		}
		c.ClickHouseRowsPerS = ins.RowsPerSecond()
	}
	return c, nil
}

// logCeiling produces n records of size bytes to a scratch topic while one
// consumer reads them back, and returns records/s until the last arrived.
func logCeiling(ctx context.Context, brokers []string, opts []kgo.Opt, partitions int32, n, size int) (float64, error) {
	topic := fmt.Sprintf("aurigraph.bench.ceiling.%d", time.Now().UnixNano())
	admCl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return 0, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	if err := ingest.EnsureTopics(ctx, adm, ingest.TopicSpec{Name: topic, Partitions: partitions}); err != nil {
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
	var produceErr firstError
	var wg sync.WaitGroup
	// Producers stop with the measurement, whichever way it ends.
	prodCtx, stopProducers := context.WithCancel(ctx)
	defer func() {
		stopProducers()
		wg.Wait()
	}()
	for p := range producers {
		wg.Go(func() {
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
				kgo.ProducerLinger(2 * time.Millisecond), kgo.MaxBufferedRecords(50_000)}, opts...)...)
			if err != nil {
				produceErr.set(err)
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
						produceErr.set(err)
					}
				})
			}
			if err := cl.Flush(prodCtx); err != nil && prodCtx.Err() == nil {
				produceErr.set(err)
			}
		})
	}
	got := 0
	for got < n {
		if err := produceErr.get(); err != nil {
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

// verifyCeiling runs ingest.ValidateAll on n signed transactions, in polls
// of verifyPoll on every core as ingest does, for at least a second and
// returns transactions/s.
func verifyCeiling(ctx context.Context, n int) (float64, error) {
	const verifyPoll = 256
	seed := make([]byte, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	txs := make([]*aurigraphv1.Transaction, n)
	for i := range txs {
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "verify", To: "verify", Amount: 1, Nonce: uint64(i + 1)}
		schemas.SignTx(tx, key)
		txs[i] = tx
	}
	workers := runtime.GOMAXPROCS(0)
	var verified atomic.Int64
	var firstErr firstError
	start := time.Now()
	deadline := start.Add(time.Second)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * verifyPoll; ctx.Err() == nil; i += workers * verifyPoll {
				lo := i % n
				poll := txs[lo:min(lo+verifyPoll, n)]
				for _, err := range ingest.ValidateAll(poll) {
					if err != nil {
						firstErr.set(err)
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
	if err := firstErr.get(); err != nil {
		return 0, err
	}
	return float64(verified.Load()) / time.Since(start).Seconds(), ctx.Err()
}
