package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Headers set on every dead-lettered record.
const (
	HeaderReason          = "reason"
	HeaderSourceTopic     = "source_topic"
	HeaderSourcePartition = "source_partition"
	HeaderSourceOffset    = "source_offset"
)

var errLeadershipLost = errors.New("leadership lost")

// Proposer is the consensus side of ingest, implemented by the Raft node.
type Proposer interface {
	// Leader reports whether this node leads and in which term.
	Leader() (isLeader bool, term uint64)
	// NextOffsets returns the replicated next offset per partition of topic;
	// an absent partition has had nothing applied and starts at offset 0.
	NextOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	// ProposeAsync proposes b. Calls are ordered; the channel yields nil once
	// b is applied, or an error when it was not (its sources did not continue
	// the replicated offsets, leadership was lost, ctx ended). The channel
	// must always yield eventually. Any error makes the consumer rewind to
	// NextOffsets, so the kinds need not be told apart here.
	ProposeAsync(ctx context.Context, b *aurigraphv1.Batch) (<-chan error, error)
}

// ConsumerConfig configures a Consumer. Zero values take the defaults shown.
type ConsumerConfig struct {
	Brokers  []string
	Topic    string // schemas.TopicTransactions
	DLQTopic string // schemas.TopicDeadLetters
	// Partitions is the partition count Topic is created with when missing (6).
	Partitions int32
	// NodeID is written to Batch.proposer.
	NodeID        uint64
	MaxBatchTxs   int           // 4096 records per batch
	MaxBatchBytes int           // 4 MiB of record values per batch
	Linger        time.Duration // 5ms from a batch's first record to its proposal
	MaxInflight   int           // 8 proposals awaiting their result
	// RequireSignatures dead-letters unsigned transactions. Leave it off
	// only when Topic is trusted: every producer that can write to it is
	// authenticated and entitled to submit for the senders it names.
	RequireSignatures bool
	// HoldInflight makes batching adapt to commit latency (2): a batch that
	// is not full waits past Linger while this many proposals are in
	// flight, and goes as soon as one of them is done. Under light load
	// batches leave after Linger; under heavy load they grow to what one
	// commit round trip brings in, which is what keeps fsyncs per
	// transaction down. Set it to MaxInflight to hold no batch.
	HoldInflight int
	// LeaderPoll is how often Leader() is asked (50ms): the longest a new
	// leader waits to start and a deposed one keeps fetching.
	LeaderPoll time.Duration
	// PartitionRefresh is how often a leading consumer looks for partitions
	// added to Topic (30s); it restarts from the replicated offsets to
	// include them.
	PartitionRefresh time.Duration
	Logger           *slog.Logger
	// Registerer receives the aurigraph_ingest_* metrics; validators sharing
	// a process each need their own (e.g. prometheus.WrapRegistererWith a
	// node label).
	Registerer prometheus.Registerer
	// ClientOpts are appended to every franz-go client the consumer makes
	// (TLS, SASL, ...).
	ClientOpts []kgo.Opt
	// Health, when set, is told why consuming failed each time it is
	// retried; whether records are applied again is for its watcher to see.
	Health health.Reporter
}

// Consumer feeds the log into consensus while its node leads. See Run.
type Consumer struct {
	cfg ConsumerConfig
	p   Proposer
	log *slog.Logger
	m   *consumerMetrics
}

// drainTimeout bounds how long a stopping term waits for outstanding
// proposals; giving up is safe because the replicated offsets reject any
// batch that would apply twice.
const drainTimeout = 30 * time.Second

// NewConsumer checks cfg and fills in defaults; nothing connects until Run.
func NewConsumer(cfg ConsumerConfig, p Proposer) (*Consumer, error) {
	if p == nil {
		return nil, errors.New("ingest consumer: nil Proposer")
	}
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("ingest consumer: no brokers configured (set Brokers, e.g. 127.0.0.1:9092)")
	}
	cfg.Topic = cmp.Or(cfg.Topic, schemas.TopicTransactions)
	cfg.DLQTopic = cmp.Or(cfg.DLQTopic, schemas.TopicDeadLetters)
	if cfg.Topic == cfg.DLQTopic {
		return nil, fmt.Errorf("ingest consumer: topic and dead-letter topic are both %q", cfg.Topic)
	}
	cfg.Partitions = cmp.Or(cfg.Partitions, 6)
	cfg.MaxBatchTxs = cmp.Or(cfg.MaxBatchTxs, 4096)
	cfg.MaxBatchBytes = cmp.Or(cfg.MaxBatchBytes, 4<<20)
	cfg.Linger = cmp.Or(cfg.Linger, 5*time.Millisecond)
	cfg.MaxInflight = cmp.Or(cfg.MaxInflight, 8)
	// Holding needs a free slot to make sense; equal to MaxInflight it never
	// holds longer than the semaphore would block anyway.
	cfg.HoldInflight = cmp.Or(cfg.HoldInflight, min(2, cfg.MaxInflight))
	cfg.LeaderPoll = cmp.Or(cfg.LeaderPoll, 50*time.Millisecond)
	cfg.PartitionRefresh = cmp.Or(cfg.PartitionRefresh, 30*time.Second)
	if cfg.Partitions < 0 || cfg.MaxBatchTxs < 0 || cfg.MaxBatchBytes < 0 || cfg.Linger < 0 || cfg.MaxInflight < 0 || cfg.HoldInflight < 0 || cfg.LeaderPoll < 0 || cfg.PartitionRefresh < 0 {
		return nil, errors.New("ingest consumer: Partitions, MaxBatchTxs, MaxBatchBytes, Linger, MaxInflight, HoldInflight, LeaderPoll and PartitionRefresh must not be negative")
	}
	if cfg.HoldInflight > cfg.MaxInflight {
		return nil, fmt.Errorf("ingest consumer: HoldInflight %d exceeds MaxInflight %d", cfg.HoldInflight, cfg.MaxInflight)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	m, err := newConsumerMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Consumer{cfg: cfg, p: p, log: log, m: m}, nil
}

// Run consumes while the node leads and idles while it follows, until ctx is
// done; it then returns nil after stopping cleanly. Each time the node
// becomes leader (or its term changes, or a proposal fails) Run reads the
// replicated offsets afresh and consumes from exactly there, so every record
// is proposed into the chain once. Run may be called once.
func (c *Consumer) Run(ctx context.Context) error {
	// This client only produces to the dead-letter topic (idempotently, all
	// in-sync replicas acknowledging: kgo's defaults) and reads metadata.
	// Dead letters are written synchronously, so lingering only adds delay.
	opts := append([]kgo.Opt{kgo.SeedBrokers(c.cfg.Brokers...), kgo.ProducerLinger(0)}, c.cfg.ClientOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("ingest consumer: kafka client for brokers %v: %w", c.cfg.Brokers, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	defer c.m.leader.Set(0)

	topicsReady := false
	backoff := c.cfg.LeaderPoll
	for {
		leader, term := c.p.Leader()
		c.m.leader.Set(boolGauge(leader))
		var err error
		switch {
		case !leader:
			c.m.lag.Reset()
		case !topicsReady:
			err = EnsureTopics(ctx, adm,
				TopicSpec{Name: c.cfg.Topic, Partitions: c.cfg.Partitions},
				TopicSpec{Name: c.cfg.DLQTopic, Partitions: 1})
			topicsReady = err == nil
			if topicsReady {
				continue
			}
		default:
			var progressed bool
			progressed, err = c.lead(ctx, cl, adm, term)
			if progressed {
				backoff = c.cfg.LeaderPoll
			}
		}
		wait := c.cfg.LeaderPoll
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, errLeadershipLost):
			c.log.Info("stopped consuming", "term", term, "reason", err)
		default:
			c.log.Warn("not consuming; retrying from the replicated offsets", "term", term, "err", err, "retry_in", backoff)
			if c.cfg.Health != nil {
				c.cfg.Health.Report(err)
			}
			wait = backoff
			backoff = min(2*backoff, 2*time.Second)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// pending is a proposal awaiting its result.
type pending struct {
	ch  <-chan error
	txs int
}

// lead consumes and proposes for one leadership term, until leadership is
// lost, a proposal fails or ctx is done. It reports whether any proposal was
// applied, and why it stopped.
func (c *Consumer) lead(ctx context.Context, cl *kgo.Client, adm *kadm.Client, term uint64) (progressed bool, err error) {
	termCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	offsets, err := c.p.NextOffsets(termCtx, c.cfg.Topic)
	if err != nil {
		return false, fmt.Errorf("read replicated offsets of %s: %w", c.cfg.Topic, err)
	}
	parts, err := topicPartitions(termCtx, adm, c.cfg.Topic)
	if err != nil {
		return false, err
	}
	start := make(map[int32]kgo.Offset, len(parts))
	next := make(map[int32]int64, len(parts))
	for _, p := range parts {
		next[p] = offsets[p]
		start[p] = kgo.NewOffset().At(offsets[p])
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(c.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.cfg.Topic: start}),
		// Records of aborted producer transactions must never enter the chain.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	}, c.cfg.ClientOpts...)
	src, err := kgo.NewClient(opts...)
	if err != nil {
		return false, fmt.Errorf("kafka consumer for %s: %w", c.cfg.Topic, err)
	}
	defer src.Close()
	c.log.Info("leading: consuming", "term", term, "topic", c.cfg.Topic, "partitions", len(parts), "offsets", offsets)

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		c.watch(termCtx, stop, adm, term, len(parts))
	}()

	t := &termState{
		c:           c,
		ctx:         ctx,
		term:        termCtx,
		stop:        stop,
		termNo:      term,
		cl:          cl,
		next:        next,
		starts:      make(map[int32]int64),
		warnedBelow: make(map[int32]bool),
		sem:         make(chan struct{}, c.cfg.MaxInflight),
		freed:       make(chan struct{}, 1),
		queue:       make(chan pending, c.cfg.MaxInflight),
	}
	waiterDone := make(chan struct{})
	abandon := make(chan struct{})
	var applied bool
	go func() {
		defer close(waiterDone)
		applied = t.await(abandon)
	}()

	err = t.consume(src)

	close(t.queue)
	timer := time.NewTimer(drainTimeout)
	defer timer.Stop()
	select {
	case <-waiterDone:
	case <-timer.C:
		c.log.Error("gave up waiting for outstanding proposals", "term", term, "after", drainTimeout)
		close(abandon)
		<-waiterDone
	}
	if cause := context.Cause(termCtx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	}
	stop(nil)
	<-watchDone
	return applied, err
}

// watch ends the term when the node stops leading, its term changes or the
// topic gains partitions.
func (c *Consumer) watch(ctx context.Context, stop context.CancelCauseFunc, adm *kadm.Client, term uint64, nparts int) {
	poll := time.NewTicker(c.cfg.LeaderPoll)
	defer poll.Stop()
	refresh := time.NewTicker(c.cfg.PartitionRefresh)
	defer refresh.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			leader, now := c.p.Leader()
			c.m.leader.Set(boolGauge(leader))
			if !leader || now != term {
				stop(fmt.Errorf("%w: leader=%v term %d → %d", errLeadershipLost, leader, term, now))
				return
			}
		case <-refresh.C:
			parts, err := topicPartitions(ctx, adm, c.cfg.Topic)
			if err == nil && len(parts) != nparts {
				stop(fmt.Errorf("topic %s now has %d partitions (was %d)", c.cfg.Topic, len(parts), nparts))
				return
			}
		}
	}
}

// termState is the batch being built and the proposals in flight for one term.
type termState struct {
	c      *Consumer
	ctx    context.Context // Run's: proposals outlive the term that made them
	term   context.Context
	stop   context.CancelCauseFunc
	termNo uint64
	cl     *kgo.Client

	next        map[int32]int64 // first offset not yet in any proposed batch
	starts      map[int32]int64 // partitions in the open batch → its range start
	warnedBelow map[int32]bool
	txs         []*aurigraphv1.Transaction
	bad         []*kgo.Record
	why         []string
	bytes       int
	first       time.Time

	sem chan struct{}
	// freed wakes a batch held by HoldInflight when a proposal is done.
	freed chan struct{}
	queue chan pending
}

func (t *termState) records() int { return len(t.txs) + len(t.bad) }

func (t *termState) consume(src *kgo.Client) error {
	cfg := &t.c.cfg
	for t.term.Err() == nil {
		pollCtx, cancel := t.pollContext()
		fetches := src.PollRecords(pollCtx, cfg.MaxBatchTxs-t.records())
		cancel()
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, kgo.ErrClientClosed) {
				continue
			}
			t.c.log.Warn("fetch error", "topic", fe.Topic, "partition", fe.Partition, "err", fe.Err)
		}
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if n := len(fp.Records); n > 0 {
				last := fp.Records[n-1].Offset
				t.c.m.lag.WithLabelValues(strconv.Itoa(int(fp.Partition))).Set(float64(max(fp.HighWatermark-last-1, 0)))
			}
		})
		recs := fetches.Records()
		results := decodeAll(recs, cfg.RequireSignatures)
		for i, r := range recs {
			t.add(r, results[i])
			if t.records() >= cfg.MaxBatchTxs || t.bytes >= cfg.MaxBatchBytes {
				if err := t.flush(); err != nil {
					return err
				}
			}
		}
		if t.due() {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// due reports whether the open batch, not full, should be proposed now: its
// linger is over and fewer than HoldInflight proposals are in flight.
func (t *termState) due() bool {
	return t.records() > 0 && !time.Now().Before(t.first.Add(t.c.cfg.Linger)) && len(t.sem) < t.c.cfg.HoldInflight
}

// pollContext bounds the next poll: with an empty batch only the term does;
// during a batch's linger its deadline does; a batch held past its linger
// waits for records or for a proposal to be done, whichever comes first.
func (t *termState) pollContext() (context.Context, context.CancelFunc) {
	switch {
	case t.records() == 0:
		return t.term, func() {}
	case time.Now().Before(t.first.Add(t.c.cfg.Linger)):
		return context.WithDeadline(t.term, t.first.Add(t.c.cfg.Linger))
	case t.due():
		// Poll returns at once what is buffered; the batch goes right after.
		ctx, cancel := context.WithCancel(t.term)
		cancel()
		return ctx, cancel
	}
	// The deadline is a backstop only: a wakeup meant for this poll cannot
	// be lost (a watcher of an earlier poll hands it back), but holding must
	// never depend on that alone.
	ctx, cancel := context.WithTimeout(t.term, max(10*t.c.cfg.Linger, 50*time.Millisecond))
	go func() {
		select {
		case <-t.freed:
			if ctx.Err() != nil {
				// This poll already ended; the next one needs the wakeup.
				select {
				case t.freed <- struct{}{}:
				default:
				}
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// decoded is a record's transaction, or why it was rejected.
type decoded struct {
	tx  *aurigraphv1.Transaction
	err error
}

// decodeRecordsPerWorker keeps small polls on one goroutine, where handing
// work out would cost more than it saves.
const decodeRecordsPerWorker = 64

// decodeAll decodes and validates recs on up to GOMAXPROCS goroutines:
// signature checks make this the leader's most CPU-hungry step.
func decodeAll(recs []*kgo.Record, requireSig bool) []decoded {
	out := make([]decoded, len(recs))
	one := func(i int) {
		tx, err := DecodeRecord(recs[i].Value)
		if err == nil {
			err = Validate(tx)
		}
		if err == nil && requireSig {
			err = RequireSignature(tx)
		}
		out[i] = decoded{tx, err}
	}
	workers := min(runtime.GOMAXPROCS(0), len(recs)/decodeRecordsPerWorker)
	if workers <= 1 {
		for i := range recs {
			one(i)
		}
		return out
	}
	chunk := (len(recs) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(recs); lo += chunk {
		hi := min(lo+chunk, len(recs))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				one(i)
			}
		})
	}
	wg.Wait()
	return out
}

// add puts one decoded record into the open batch, extending its
// partition's range over the record (and over any offsets the log skipped
// before it, such as transaction markers).
func (t *termState) add(r *kgo.Record, d decoded) {
	if r.Offset < t.next[r.Partition] {
		// Only a partition truncated below the replicated position (a
		// recreated topic, a broker that lost data) hands back such offsets;
		// they are already in the chain.
		if !t.warnedBelow[r.Partition] {
			t.warnedBelow[r.Partition] = true
			t.c.log.Warn("partition is behind the replicated offset; skipping its records until it catches up",
				"partition", r.Partition, "offset", r.Offset, "next", t.next[r.Partition])
		}
		return
	}
	if t.records() == 0 {
		t.first = time.Now()
	}
	if _, ok := t.starts[r.Partition]; !ok {
		t.starts[r.Partition] = t.next[r.Partition]
	}
	t.next[r.Partition] = r.Offset + 1
	t.bytes += len(r.Value)
	if d.err != nil {
		t.c.m.recordsInvalid.Inc()
		t.bad = append(t.bad, r)
		t.why = append(t.why, d.err.Error())
		return
	}
	t.c.m.recordsOK.Inc()
	d.tx.SubmittedMs = r.Timestamp.UnixMilli()
	t.txs = append(t.txs, d.tx)
}

// flush dead-letters the open batch's bad records, then proposes it.
func (t *termState) flush() error {
	cfg := &t.c.cfg
	if len(t.bad) > 0 {
		dlq := make([]*kgo.Record, len(t.bad))
		for i, r := range t.bad {
			dlq[i] = &kgo.Record{
				Topic: cfg.DLQTopic,
				Key:   r.Key,
				Value: r.Value,
				Headers: []kgo.RecordHeader{
					{Key: HeaderReason, Value: []byte(t.why[i])},
					{Key: HeaderSourceTopic, Value: []byte(r.Topic)},
					{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(r.Partition), 10)},
					{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, r.Offset, 10)},
				},
			}
		}
		if err := t.cl.ProduceSync(t.term, dlq...).FirstErr(); err != nil {
			return fmt.Errorf("dead-letter %d records to %s: %w", len(dlq), cfg.DLQTopic, err)
		}
	}
	b := &aurigraphv1.Batch{
		Proposer:    cfg.NodeID,
		TimestampMs: time.Now().UnixMilli(),
		Sources:     make([]*aurigraphv1.SourceRange, 0, len(t.starts)),
		Txs:         t.txs,
	}
	for p, s := range t.starts {
		b.Sources = append(b.Sources, &aurigraphv1.SourceRange{Topic: cfg.Topic, Partition: p, StartOffset: s, EndOffset: t.next[p]})
	}
	slices.SortFunc(b.Sources, func(x, y *aurigraphv1.SourceRange) int { return cmp.Compare(x.Partition, y.Partition) })

	select {
	case t.sem <- struct{}{}:
	case <-t.term.Done():
		return context.Cause(t.term)
	}
	ch, err := t.c.p.ProposeAsync(t.ctx, b)
	if err != nil {
		<-t.sem
		t.c.m.proposeErrors.WithLabelValues(t.c.errorReason(t.termNo, err)).Inc()
		return fmt.Errorf("propose batch of %d txs: %w", len(b.Txs), err)
	}
	t.queue <- pending{ch: ch, txs: len(b.Txs)}
	t.c.m.batches.Inc()
	t.c.m.batchSize.Observe(float64(len(b.Txs)))

	clear(t.starts)
	t.txs, t.bad, t.why, t.bytes = nil, t.bad[:0], t.why[:0], 0
	return nil
}

// await collects proposal results in order and ends the term on the first
// failure. It reports whether any proposal was applied.
func (t *termState) await(abandon <-chan struct{}) (applied bool) {
	for p := range t.queue {
		var err error
		select {
		case err = <-p.ch:
		case <-t.ctx.Done():
			err = t.ctx.Err()
		case <-abandon:
			err = errors.New("abandoned while draining")
		}
		<-t.sem
		select {
		case t.freed <- struct{}{}:
		default:
		}
		if err == nil {
			applied = true
			continue
		}
		t.c.m.proposeErrors.WithLabelValues(t.c.errorReason(t.termNo, err)).Inc()
		t.stop(fmt.Errorf("proposal of %d txs failed: %w", p.txs, err))
	}
	return applied
}

// errorReason labels a failed proposal. Whether a rejection was for stale
// offsets is the consensus metrics' business; here it is enough to know
// whether this node still led when the failure arrived.
func (c *Consumer) errorReason(term uint64, err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "shutdown"
	}
	if leader, now := c.p.Leader(); !leader || now != term {
		return "leadership_lost"
	}
	return "rejected"
}

func topicPartitions(ctx context.Context, adm *kadm.Client, topic string) ([]int32, error) {
	details, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("metadata of topic %s: %w", topic, err)
	}
	d, ok := details[topic]
	if !ok {
		return nil, fmt.Errorf("metadata of topic %s: topic missing", topic)
	}
	if d.Err != nil {
		return nil, fmt.Errorf("metadata of topic %s: %w", topic, d.Err)
	}
	parts := d.Partitions.Numbers()
	if len(parts) == 0 {
		return nil, fmt.Errorf("metadata of topic %s: no partitions", topic)
	}
	slices.Sort(parts)
	return parts, nil
}

// TopicSpec is a topic EnsureTopics creates when missing.
type TopicSpec struct {
	Name       string
	Partitions int32
}

// EnsureTopics creates the topics that do not exist yet, with the broker's
// default replication factor. Existing topics are left as they are.
func EnsureTopics(ctx context.Context, adm *kadm.Client, specs ...TopicSpec) error {
	for _, s := range specs {
		res, err := adm.CreateTopic(ctx, s.Partitions, -1, nil, s.Name)
		if err == nil {
			err = res.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s with %d partitions: %w", s.Name, s.Partitions, err)
		}
	}
	return nil
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type consumerMetrics struct {
	records        *prometheus.CounterVec
	recordsOK      prometheus.Counter
	recordsInvalid prometheus.Counter
	batches        prometheus.Counter
	batchSize      prometheus.Histogram
	proposeErrors  *prometheus.CounterVec
	leader         prometheus.Gauge
	lag            *prometheus.GaugeVec
}

func newConsumerMetrics(reg prometheus.Registerer) (*consumerMetrics, error) {
	m := &consumerMetrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_ingest_records_total",
			Help: "Log records consumed by the leader, by result (ok, invalid → dead-lettered).",
		}, []string{"result"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_ingest_batches_proposed_total",
			Help: "Batches proposed to consensus.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurigraph_ingest_batch_size_txs",
			Help:    "Valid transactions per proposed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		proposeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_ingest_propose_errors_total",
			Help: "Proposals that failed, by reason (rejected while leading, leadership_lost, shutdown).",
		}, []string{"reason"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_ingest_leader",
			Help: "1 while this node leads and consumes, else 0.",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurigraph_ingest_consume_lag_records",
			Help: "Records between the last consumed offset and the high watermark, per partition (leader only).",
		}, []string{"partition"}),
	}
	m.recordsOK = m.records.WithLabelValues("ok")
	m.recordsInvalid = m.records.WithLabelValues("invalid")
	if reg == nil {
		return m, nil
	}
	for _, col := range []prometheus.Collector{m.records, m.batches, m.batchSize, m.proposeErrors, m.leader, m.lag} {
		if err := reg.Register(col); err != nil {
			return nil, fmt.Errorf("ingest consumer: register metrics: %w", err)
		}
	}
	return m, nil
}
