package projector

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/test/testlog"
)

// env is one test's broker, ClickHouse client and a fresh aurigraph
// database, and the chain it publishes.
type env struct {
	t       testing.TB
	brokers []string
	prod    *kgo.Client
	ch      driver.Conn
	chain   *signedChain
	// keys is the chain's validator keys file.
	keys string
}

// testSeed names the validators and the genesis of the chain tests
// publish; a child process derives the same keys from it.
const testSeed = "projector-test"

// signedChain is the chain tests publish: block h holds the transactions
// of testBlock(h, txs(h)), hashed, linked to block h-1 and signed by its
// validator, as the publisher puts it on the topic.
type signedChain struct {
	c   *chaintest.Chain
	txs func(uint64) int
}

// event returns block h's event, building the chain up to h.
func (s *signedChain) event(h uint64) *aurigraphv1.BlockEvent {
	for next := s.c.Height() + 1; next <= h; next++ {
		tmpl := testBlock(next, s.txs(next))
		s.c.Append(tmpl.Block.Txs, tmpl.Block.Header.TimestampMs)
	}
	return s.c.Event(h, testBlock(h, 0).CommittedMs)
}

// record is block h's record on the topic.
func (s *signedChain) record(t testing.TB, h uint64) *kgo.Record {
	return &kgo.Record{Key: []byte(strconv.FormatUint(h, 10)), Value: mustMarshal(t, s.event(h))}
}

func newEnv(t testing.TB) *env {
	t.Helper()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, DefaultTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(DefaultTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)

	opts, err := clickhouse.ParseDSN(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	if err := ch.Exec(context.Background(), "DROP DATABASE IF EXISTS aurigraph SYNC"); err != nil {
		t.Fatalf("reset database: %v", err)
	}
	chain := &signedChain{c: chaintest.New(testSeed, 3), txs: txsAt}
	keys, err := chain.c.WriteKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, brokers: cluster.ListenAddrs(), prod: prod, ch: ch, chain: chain, keys: keys}
}

// txsAt is how many transactions the test block at height h carries; some
// blocks are empty, as real ones are when the chain is idle.
func txsAt(h uint64) int { return int(h % 7) }

func expectedTxs(from, to uint64) uint64 {
	var n uint64
	for h := from; h <= to; h++ {
		n += uint64(txsAt(h))
	}
	return n
}

// publish produces blocks from..to the way validators do: key = height.
func (e *env) publish(from, to uint64) { e.publishSized(from, to, txsAt) }

// publishSized is publish with block h holding txs(h) transactions; the
// first call of an env decides the chain's sizes.
func (e *env) publishSized(from, to uint64, txs func(uint64) int) {
	e.t.Helper()
	if e.chain.c.Height() == 0 {
		e.chain.txs = txs
	}
	var recs []*kgo.Record
	for h := from; h <= to; h++ {
		recs = append(recs, e.chain.record(e.t, h))
	}
	e.produce(recs...)
}

func (e *env) produce(recs ...*kgo.Record) {
	e.t.Helper()
	if err := e.prod.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		e.t.Fatalf("produce: %v", err)
	}
}

// config completes cfg for this environment; fields already set are kept.
// The projector trusts the chain's keys file, as aurigraph dev's trusts the
// validators.
func (e *env) config(cfg Config) Config {
	cfg.Brokers = e.brokers
	if cfg.Trust == nil {
		trust, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{File: e.keys})
		if err != nil {
			e.t.Fatal(err)
		}
		cfg.Trust = trust
	}
	if cfg.ClickHouse == "" {
		cfg.ClickHouse = testDSN
	}
	// Per-batch logs help read a failed test, but would flood benchmark output.
	level := slog.LevelDebug
	if _, ok := e.t.(*testing.B); ok {
		level = slog.LevelWarn
	}
	cfg.Logger = testlog.New(e.t, level)
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = 20 * time.Millisecond
	}
	if cfg.MinInsertInterval == 0 {
		cfg.MinInsertInterval = -1
	}
	return cfg
}

func (e *env) projector(cfg Config) *Projector {
	e.t.Helper()
	p, err := New(e.config(cfg))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// running is a Projector whose Run is in progress.
type running struct {
	p      *Projector
	cancel context.CancelFunc
	errc   chan error
}

func start(p *Projector) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{p: p, cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- p.Run(ctx) }()
	return r
}

// stop cancels Run and returns what it returned.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.errc:
		if cerr := r.p.Close(); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancellation")
		return nil
	}
}

func (r *running) waitHeight(t testing.TB, h uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for r.p.Height() < h {
		select {
		case err := <-r.errc:
			t.Fatalf("Run returned at height %d, before %d: %v", r.p.Height(), h, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("height %d after 20s, want %d", r.p.Height(), h)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type counts struct {
	blocks, uniqBlocks, maxHeight, txs, uniqTxs uint64
}

func (e *env) counts() counts {
	e.t.Helper()
	var c counts
	ctx := context.Background()
	if err := e.ch.QueryRow(ctx, "SELECT count(), uniqExact(height), max(height) FROM aurigraph.blocks").
		Scan(&c.blocks, &c.uniqBlocks, &c.maxHeight); err != nil {
		e.t.Fatalf("count blocks: %v", err)
	}
	if err := e.ch.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM aurigraph.transactions").
		Scan(&c.txs, &c.uniqTxs); err != nil {
		e.t.Fatalf("count transactions: %v", err)
	}
	return c
}

// wantExactly checks the projection holds heights 1..h once each, with every
// transaction of those blocks once.
func (e *env) wantExactly(h uint64) {
	e.t.Helper()
	want := counts{blocks: h, uniqBlocks: h, maxHeight: h, txs: expectedTxs(1, h), uniqTxs: expectedTxs(1, h)}
	if got := e.counts(); got != want {
		e.t.Fatalf("projection = %+v, want %+v", got, want)
	}
	e.checkRollup(want.txs)
}

// checkRollup checks that aurigraph.block_stats agrees with the
// transactions, height by height, even for heights projected twice.
func (e *env) checkRollup(wantTxs uint64) {
	e.t.Helper()
	var rolled, heights uint64
	var mismatched uint64
	if err := e.ch.QueryRow(context.Background(), `SELECT sum(txs), count(), countIf(txs != n) FROM (SELECT height, txs FROM aurigraph.block_stats FINAL) AS s
		LEFT JOIN (SELECT height, count() AS n FROM aurigraph.transactions GROUP BY height) AS t USING height`).Scan(&rolled, &heights, &mismatched); err != nil {
		e.t.Fatalf("read block_stats: %v", err)
	}
	if rolled != wantTxs || mismatched != 0 {
		e.t.Fatalf("block_stats holds %d transactions over %d heights (%d heights disagree), want %d", rolled, heights, mismatched, wantTxs)
	}
	// The test blocks move committed amounts from alice to bob.
	var moved uint64
	if err := e.ch.QueryRow(context.Background(), "SELECT sum(amount) FROM aurigraph.transactions WHERE status = 'committed'").Scan(&moved); err != nil {
		e.t.Fatal(err)
	}
	var alice, bob string
	if err := e.ch.QueryRow(context.Background(), `SELECT toString(sumIf(balance, account = 'alice')), toString(sumIf(balance, account = 'bob'))
		FROM aurigraph.accounts WHERE asset = 'AUR'`).Scan(&alice, &bob); err != nil {
		e.t.Fatalf("read aurigraph.accounts: %v", err)
	}
	if want := strconv.FormatUint(moved, 10); bob != want || alice != "-"+want && !(moved == 0 && alice == "0") {
		e.t.Fatalf("accounts: alice %s, bob %s; want -%s and %s", alice, bob, want, want)
	}
}

func TestProjectsAllBlocksExactlyOnce(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 300)
	reg := prometheus.NewRegistry()
	r := start(e.projector(Config{MaxBatchBlocks: 64, Registerer: reg}))
	r.waitHeight(t, 300)
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.wantExactly(300)

	gathered := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() == "transactions" {
				gathered[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"aurigraph_projector_height":       300,
		"aurigraph_projector_blocks_total": 300,
		"aurigraph_projector_rows_total":   float64(expectedTxs(1, 300)),
		"aurigraph_projector_lag_blocks":   0,
	}
	for name, v := range want {
		if got, ok := gathered[name]; !ok || got != v {
			t.Errorf("%s = %v (registered: %v), want %v", name, got, ok, v)
		}
	}

	// Columns arrive as the block said, not just the right number of rows.
	var (
		hash, status, reason, typ string
		latency                   int64
		blockTime                 time.Time
	)
	ctx := context.Background()
	if err := e.ch.QueryRow(ctx, "SELECT hash FROM aurigraph.blocks WHERE height = 12").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(e.chain.c.Block(12).GetHeader().GetHash()); hash != want {
		t.Errorf("hash of block 12 = %q, want %s", hash, want)
	}
	if err := e.ch.QueryRow(ctx, "SELECT toString(status), reason, type, commit_latency_ms, block_time FROM aurigraph.transactions WHERE id = 'tx-12-2'").
		Scan(&status, &reason, &typ, &latency, &blockTime); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || reason != "insufficient balance" || typ != "transfer" || latency != 25 ||
		!blockTime.Equal(time.UnixMilli(1_780_000_000_012)) {
		t.Errorf("tx-12-2 = %s %q %s %d %v", status, reason, typ, latency, blockTime)
	}
}

func TestRestartResumesWithoutDuplicatesOrLoss(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 400)
	first := start(e.projector(Config{MaxBatchBlocks: 16}))
	// Stop while blocks are still flowing, mid-stream, not at a quiet point.
	first.waitHeight(t, 50)
	if err := first.stop(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	stoppedAt := first.p.Height()
	if stoppedAt >= 400 {
		t.Fatalf("first run finished everything (height %d); the test needs it stopped mid-way", stoppedAt)
	}

	e.publish(401, 450)
	second := start(e.projector(Config{MaxBatchBlocks: 16}))
	second.waitHeight(t, 450)
	if err := second.stop(t); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	e.wantExactly(450)
}

// A crash between a batch's two inserts leaves transaction rows with no block
// rows. The next run must remove them and project the range again.
func TestRestartAfterCrashBetweenInserts(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 80)
	first := start(e.projector(Config{}))
	first.waitHeight(t, 50)
	if err := first.stop(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	h := first.p.Height()

	// Exactly what an interrupted flush leaves behind: the next range's
	// transactions, written with that run's token, and no block rows.
	var partial pending
	for height := h + 1; height <= h+10; height++ {
		partial.add(e.chain.event(height), int64(height-1), "")
	}
	crashed := e.projector(Config{})
	token := fmt.Sprintf("tx-%d-%d-%s", partial.first, partial.last, "crashed")
	if err := crashed.insert(context.Background(), "transactions", insertTransactions, token, partial.txs.values, partial.txs.len(), nil); err != nil {
		t.Fatalf("insert partial batch: %v", err)
	}
	crashed.Close()
	if c := e.counts(); c.txs != expectedTxs(1, h+10) || c.maxHeight != h {
		t.Fatalf("after simulated crash: %+v, want %d transactions and height %d", c, expectedTxs(1, h+10), h)
	}

	second := start(e.projector(Config{}))
	second.waitHeight(t, 80)
	if err := second.stop(t); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	e.wantExactly(80)
}

// A retry after a lost response sends the same rows with the same token; the
// table's deduplication window must drop the second copy.
func TestRetriedInsertIsDropped(t *testing.T) {
	e := newEnv(t)
	p := e.projector(Config{})
	defer p.Close()
	ctx := context.Background()
	if err := p.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var b pending
	b.add(e.chain.event(1), 0, "")
	for range 2 {
		if err := p.insert(ctx, "transactions", insertTransactions, "tx-1-1-s", b.txs.values, b.txs.len(), nil); err != nil {
			t.Fatal(err)
		}
		if err := p.insert(ctx, "blocks", insertBlocks, "blocks-1-1-s", b.blocks.values, b.blocks.len(), nil); err != nil {
			t.Fatal(err)
		}
	}
	e.wantExactly(1)
}

func TestMigrateIsIdempotent(t *testing.T) {
	e := newEnv(t)
	p := e.projector(Config{})
	defer p.Close()
	ctx := context.Background()
	for range 2 {
		if err := p.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var n, distinct uint64
	if err := e.ch.QueryRow(ctx, "SELECT count(), uniqExact(version) FROM aurigraph.schema_migrations").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != uint64(len(p.migrations)) || distinct != n {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", n, distinct, len(p.migrations))
	}
}

func TestDuplicateBlocksOnTopicAreSkipped(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 10)
	e.publish(8, 20) // a new leader republishing blocks already on the topic
	r := start(e.projector(Config{}))
	r.waitHeight(t, 20)
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.wantExactly(20)
}

// TestInsertsKeepTheirDistance checks MinInsertInterval: a block that comes
// right after an insert waits for the interval to pass since it, one that
// comes after a quiet spell only for FlushInterval, and a full batch not at
// all.
func TestInsertsKeepTheirDistance(t *testing.T) {
	// Long enough that the bounds below leave a loaded machine seconds
	// for a produce, a fetch and an insert.
	const gap = 4 * time.Second
	e := newEnv(t)
	r := start(e.projector(Config{MinInsertInterval: gap, MaxBatchBlocks: 5}))
	defer r.stop(t)

	visible := func(h uint64) time.Duration {
		t.Helper()
		start := time.Now()
		e.publish(h, h)
		r.waitHeight(t, h)
		return time.Since(start)
	}
	// A full batch first, so that what is timed below does not include
	// the projector's start.
	e.publish(1, 5)
	r.waitHeight(t, 5)
	time.Sleep(gap)
	// The interval runs from the start of block 6's insert, which came
	// after block 6 was published.
	took := visible(6)
	if took += visible(7); took < gap*9/10 {
		t.Errorf("block 7, right after the insert of block 6, was inserted %v after block 6 was published, want at least %v", took, gap)
	}
	time.Sleep(gap)
	if took := visible(8); took > gap/2 {
		t.Errorf("block 8, after a quiet spell, was inserted after %v, want about the flush interval", took)
	}
	start := time.Now()
	e.publish(9, 13) // a full batch
	r.waitHeight(t, 13)
	if took := time.Since(start); took > gap/2 {
		t.Errorf("a full batch right after an insert was inserted after %v, want at once", took)
	}
	e.wantExactly(13)
}

func TestRunTwiceConcurrentlyIsRefused(t *testing.T) {
	e := newEnv(t)
	p := e.projector(Config{})
	r := start(p)
	// Wait until the first Run has claimed the projector.
	deadline := time.Now().Add(5 * time.Second)
	for !p.running.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Run = %v, want refusal", err)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// BenchmarkProject measures end-to-end projection through the embedded
// engine's HTTP front: 100 blocks of 2,000 transactions per iteration.
func BenchmarkProject(b *testing.B) {
	const blocks, perBlock = 100, 2000
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		e.publishSized(1, blocks, func(uint64) int { return perBlock })
		p := e.projector(Config{})
		b.StartTimer()
		began := time.Now()
		r := start(p)
		r.waitHeight(b, blocks)
		elapsed += time.Since(began)
		b.StopTimer()
		if err := r.stop(b); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(blocks*perBlock*b.N)/elapsed.Seconds(), "rows/s")
}

func TestRebuildProjectsTheRangeAgain(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 80)
	first := start(e.projector(Config{}))
	first.waitHeight(t, 80)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	p := e.projector(Config{})
	if err := p.Rebuild(context.Background(), 41); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if c := e.counts(); c.maxHeight != 40 || c.txs != expectedTxs(1, 40) {
		t.Fatalf("after rebuild from 41: %+v, want height 40 and its transactions", c)
	}
	second := start(e.projector(Config{}))
	second.waitHeight(t, 80)
	if err := second.stop(t); err != nil {
		t.Fatal(err)
	}
	e.wantExactly(80)
	if err := e.projector(Config{}).Rebuild(context.Background(), 0); err == nil {
		t.Fatal("rebuild from height 0 accepted")
	}
}

func TestRawTTLIsSetAndRemoved(t *testing.T) {
	e := newEnv(t)
	ttlOf := func() string {
		var q string
		if err := e.ch.QueryRow(context.Background(), "SELECT create_table_query FROM system.tables WHERE database = 'aurigraph' AND name = 'transactions'").Scan(&q); err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(q, " TTL "); i >= 0 {
			return strings.Fields(q[i:])[1]
		}
		return ""
	}
	e.publish(1, 5)
	for _, tc := range []struct {
		ttl  time.Duration
		want string
	}{{30 * 24 * time.Hour, "toDateTime(block_time)"}, {0, ""}} {
		r := start(e.projector(Config{RawTTL: tc.ttl}))
		r.waitHeight(t, 5)
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := ttlOf(); got != tc.want {
			t.Fatalf("RawTTL %v: table TTL %q, want %q", tc.ttl, got, tc.want)
		}
	}
	// Old rows go: a block a year old is past a day's TTL.
	e.chain.c.Append(testBlock(6, 3).Block.Txs, time.Now().Add(-365*24*time.Hour).UnixMilli())
	e.produce(e.chain.record(t, 6))
	r := start(e.projector(Config{RawTTL: 24 * time.Hour}))
	r.waitHeight(t, 6)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Exec(context.Background(), "OPTIMIZE TABLE aurigraph.transactions FINAL"); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := e.ch.QueryRow(context.Background(), "SELECT count() FROM aurigraph.transactions WHERE height = 6").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d transactions of a year-old block survived a 1-day TTL", n)
	}
}

// A dead projector's blocks insert that lands after its successor resumed
// leaves blocks whose transactions that successor deleted as orphans. The
// next start finds them and projects them again.
func TestRestartRepairsBlocksWithoutTheirTransactions(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 60)
	r := start(e.projector(Config{MaxBatchBlocks: 10}))
	r.waitHeight(t, 60)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, table := range rowsByHeight {
		if err := e.ch.Exec(context.Background(), fmt.Sprintf("DELETE FROM aurigraph.%s WHERE height > 40", table)); err != nil {
			t.Fatal(err)
		}
	}
	p := e.projector(Config{})
	r = start(p)
	r.waitHeight(t, 60)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	e.wantExactly(60)
}
