package ingest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
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
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/internal/tracing"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Headers set on every dead-lettered record.
const (
	HeaderReason          = "reason"
	HeaderSourceTopic     = "source_topic"
	HeaderSourcePartition = "source_partition"
	HeaderSourceOffset    = "source_offset"
	// HeaderSourceSize is the size of the source record in bytes (key,
	// value and headers).
	HeaderSourceSize = "source_size"
	// HeaderPayload is "omitted" on a dead letter that stands for records
	// it does not copy: its value is a DeadLetterRef in JSON.
	HeaderPayload = "payload"
)

// DeadLetterRef is the JSON value of a dead letter that refers to records
// instead of copying them: a record above ConsumerConfig.MaxRecordBytes, one
// the dead-letter topic refused, or a compressed batch that decompresses
// beyond ConsumerConfig.MaxDecompressedBatchBytes.
type DeadLetterRef struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// EndOffset, for a batch, ends the range [offset, end_offset) it covers.
	EndOffset int64 `json:"end_offset,omitempty"`
	// Size is the record's size in bytes; 0 for a batch.
	Size   int    `json:"size,omitempty"`
	Reason string `json:"reason"`
}

// ErrTopicChanged means the transaction topic is not the one the chain
// consumed from: it was deleted and created again (a new topic id), or it
// lost records the chain had already consumed. Ingest stops until an
// operator decides (see ConsumerConfig.AcceptTopicID), because consuming it
// from the replicated offsets would skip records.
var ErrTopicChanged = errors.New("ingest: the transaction topic is not the one the chain consumed from")

var (
	errLeadershipLost = errors.New("leadership lost")
	// errTopicReplaced ends a term after the replicated state accepted a
	// recreated topic, so the next one starts from its offsets at once.
	errTopicReplaced = errors.New("topic replaced")
)

// Proposer is the consensus side of ingest, implemented by the Raft node.
type Proposer interface {
	// Leader reports whether this node leads and in which term.
	Leader() (isLeader bool, term uint64)
	// NextOffsets returns the replicated next offset per partition of topic;
	// an absent partition has had nothing applied and starts at offset 0.
	NextOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	// TopicID returns the broker's id of the topic those offsets were
	// recorded against (SourceRange.topic_id), nil when none was recorded.
	TopicID(topic string) []byte
	// ProposeAsync proposes b. Calls are ordered; the channel yields nil once
	// b is applied, or an error when it was not (its sources did not continue
	// the replicated offsets, leadership was lost, ctx ended). The channel
	// must always yield eventually. Any error makes the consumer rewind to
	// NextOffsets, so the kinds need not be told apart here.
	ProposeAsync(ctx context.Context, b *aurigraphv1.Batch) (<-chan error, error)
}

// leadershipNotifier is a Proposer that says when Leader's answer may have
// changed (consensus.Node does): the consumer then starts and stops on the
// notification rather than at its next LeaderPoll.
type leadershipNotifier interface {
	LeadershipChanged() <-chan struct{}
}

// leadershipChanged is p's notification, or nil (a channel that never
// closes) when p does not notify.
func leadershipChanged(p Proposer) <-chan struct{} {
	if ln, ok := p.(leadershipNotifier); ok {
		return ln.LeadershipChanged()
	}
	return nil
}

// ConsumerConfig configures a Consumer. Zero values take the defaults shown.
type ConsumerConfig struct {
	Brokers  []string
	Topic    string // schemas.TopicTransactions
	DLQTopic string // schemas.TopicDeadLetters
	// Partitions is the partition count Topic is created with when missing (6).
	Partitions int32
	// NodeID is written to Batch.proposer.
	NodeID      uint64
	MaxBatchTxs int // 4096 records per batch
	// MaxBatchBytes bounds the encoded block a batch becomes
	// (DefaultMaxBatchBytes, at least MinMaxBatchBytes), as chain.BlockBound
	// counts it: its header, and per transaction its encoding plus room for
	// its status and a failure reason of up to schemas.MaxReasonBytes. A
	// batch is cut before a record that would take it past this bound or
	// past the chain's own max_block_bytes (Chain.MaxBlockBytes), so set it
	// to what the blocks topic accepts per record, less the record's
	// envelope.
	MaxBatchBytes int
	// MaxRecordBytes bounds a record of Topic, key, value and headers
	// together (DefaultMaxRecordBytes). A larger record is not decoded: a
	// reference to it is dead-lettered. A valid transaction is far smaller.
	MaxRecordBytes int
	// MaxDecompressedBatchBytes bounds what one compressed record batch of
	// Topic may decompress to (64 MiB). A batch beyond it is not read: a
	// reference to its offsets is dead-lettered and consumption goes on
	// after it.
	MaxDecompressedBatchBytes int
	Linger                    time.Duration // 5ms from a batch's first record to its proposal
	MaxInflight               int           // 8 proposals awaiting their result
	// RequireSignatures dead-letters unsigned transactions. Leave it off
	// only when Topic is trusted: every producer that can write to it is
	// authenticated and entitled to submit for the senders it names.
	RequireSignatures bool
	// Signatures verifies transaction signatures (nil: each one, every
	// time); share a sigcache.Cache with the validators of the process.
	Signatures SignatureVerifier
	// Chain, when set, dead-letters what the chain could never apply for
	// lack of authority before it is proposed (see Chain.Admit).
	Chain Chain
	// HoldInflight makes batching adapt to commit latency (2): a batch that
	// is not full waits past Linger while this many proposals are in
	// flight, and goes as soon as one of them is done. Under light load
	// batches leave after Linger; under heavy load they grow to what one
	// commit round trip brings in, which is what keeps fsyncs per
	// transaction down. Set it to MaxInflight to hold no batch.
	HoldInflight int
	// LeaderPoll is how often Leader() is asked of a Proposer that does not
	// notify leadership changes (50ms): the longest a new leader waits to
	// start and a deposed one keeps fetching. One that notifies
	// (consensus.Node does) is only asked when it notifies, and the
	// consumer acts at once. It is also the shortest pause after a failure.
	LeaderPoll time.Duration
	// PartitionRefresh is how often a leading consumer looks at Topic's
	// metadata (10s): added partitions make it restart from the replicated
	// offsets to include them; a deleted or recreated topic stops it.
	PartitionRefresh time.Duration
	// AcceptTopicID, the id of Topic as the broker reports it now (base64,
	// as kafka-topics --describe prints it), accepts that topic in place of
	// the one the chain consumed from when Topic was deleted and created
	// again: the leader records the new id in the replicated state, with
	// every partition starting again at offset 0. Records the old topic held
	// past the replicated offsets are gone with it. Leave it empty otherwise;
	// it has no effect while the ids agree.
	AcceptTopicID string
	// RetryMax caps the pause between attempts after a failure (10s).
	RetryMax time.Duration
	Logger   *slog.Logger
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

// Defaults and bounds of ConsumerConfig.
const (
	// DefaultMaxBatchBytes fits a block record in Kafka's default
	// max.message.bytes (1,048,588) with room for its envelope.
	DefaultMaxBatchBytes = 1_000_000
	// MinMaxBatchBytes leaves room for a block of the largest valid
	// transaction.
	MinMaxBatchBytes = 64 << 10
	// DefaultMaxRecordBytes is far above the largest valid transaction
	// (about 6 KiB as JSON with a 4 KiB payload).
	DefaultMaxRecordBytes = 64 << 10
)

// submittedBytes is what setting submitted_ms adds to a decoded
// transaction: its tag and a varint of up to 10 bytes. A batch is bounded as
// chain.BlockBound bounds the block, from the transactions as proposed.
const submittedBytes = 11

// maxBlockBytes is what a batch's block may take: MaxBatchBytes, or the
// chain's own limit when that is lower.
func (c *Consumer) maxBlockBytes() int {
	if c.cfg.Chain != nil {
		if n := c.cfg.Chain.MaxBlockBytes(); n > 0 && n < c.cfg.MaxBatchBytes {
			return n
		}
	}
	return c.cfg.MaxBatchBytes
}

// Consumer feeds the log into consensus while its node leads. See Run.
type Consumer struct {
	cfg      ConsumerConfig
	p        Proposer
	log      *slog.Logger
	m        *consumerMetrics
	acceptID []byte
	check    checker

	mu     sync.Mutex
	status ConsumerStatus
}

// Consumer states, in ConsumerStatus.State.
const (
	StateFollowing = "following"
	StateConsuming = "consuming"
	// StateRetrying: a step failed (broker unreachable, dead-letter topic
	// failing, ...); it is retried with backoff.
	StateRetrying = "retrying"
	// StateBlocked: the topic is not the one the chain consumed from
	// (ErrTopicChanged); nothing is consumed until an operator acts.
	StateBlocked = "blocked"
)

// ConsumerStatus is what a health check needs to know about ingest.
type ConsumerStatus struct {
	// Leading is set while this node leads, and so is the one to consume.
	Leading bool
	State   string
	// Err says why the state is retrying or blocked.
	Err string
	// Since is when State last changed.
	Since time.Time
}

// Status reports whether ingest is making progress. A leader that is
// retrying or blocked is not.
func (c *Consumer) Status() ConsumerStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Consumer) setStatus(leading bool, state string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if state != c.status.State {
		c.status.Since = time.Now()
	}
	c.status.Leading, c.status.State, c.status.Err = leading, state, ""
	if err != nil {
		c.status.Err = err.Error()
	}
	c.m.stalled.Set(boolGauge(state == StateRetrying || state == StateBlocked))
	c.m.topicChanged.Set(boolGauge(state == StateBlocked))
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
	cfg.MaxBatchBytes = cmp.Or(cfg.MaxBatchBytes, DefaultMaxBatchBytes)
	cfg.MaxRecordBytes = cmp.Or(cfg.MaxRecordBytes, DefaultMaxRecordBytes)
	cfg.MaxDecompressedBatchBytes = cmp.Or(cfg.MaxDecompressedBatchBytes, 64<<20)
	cfg.RetryMax = cmp.Or(cfg.RetryMax, 10*time.Second)
	cfg.Linger = cmp.Or(cfg.Linger, 5*time.Millisecond)
	cfg.MaxInflight = cmp.Or(cfg.MaxInflight, 8)
	// Holding needs a free slot to make sense; equal to MaxInflight it never
	// holds longer than the semaphore would block anyway.
	cfg.HoldInflight = cmp.Or(cfg.HoldInflight, min(2, cfg.MaxInflight))
	cfg.LeaderPoll = cmp.Or(cfg.LeaderPoll, 50*time.Millisecond)
	cfg.PartitionRefresh = cmp.Or(cfg.PartitionRefresh, 10*time.Second)
	if cfg.Partitions < 0 || cfg.MaxBatchTxs < 0 || cfg.MaxRecordBytes < 0 || cfg.MaxDecompressedBatchBytes < 0 || cfg.Linger < 0 ||
		cfg.MaxInflight < 0 || cfg.HoldInflight < 0 || cfg.LeaderPoll < 0 || cfg.PartitionRefresh < 0 || cfg.RetryMax < 0 {
		return nil, errors.New("ingest consumer: Partitions, MaxBatchTxs, MaxRecordBytes, MaxDecompressedBatchBytes, Linger, MaxInflight, HoldInflight, LeaderPoll, PartitionRefresh and RetryMax must not be negative")
	}
	if cfg.MaxBatchBytes < MinMaxBatchBytes {
		return nil, fmt.Errorf("ingest consumer: MaxBatchBytes %d is below %d, the room a block of the largest valid transaction needs", cfg.MaxBatchBytes, MinMaxBatchBytes)
	}
	var acceptID []byte
	if cfg.AcceptTopicID != "" {
		id, err := kafkatopic.ParseID(cfg.AcceptTopicID)
		if err != nil {
			return nil, fmt.Errorf("ingest consumer: AcceptTopicID: %w", err)
		}
		acceptID = id
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
	c := &Consumer{cfg: cfg, p: p, log: log, m: m, acceptID: acceptID, check: newChecker(cfg.Signatures, cfg.RequireSignatures, cfg.Chain)}
	c.setStatus(false, StateFollowing, nil)
	return c, nil
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
	defer c.setStatus(false, StateFollowing, nil)

	topicsReady := false
	backoff := retry.Backoff{Min: c.cfg.LeaderPoll, Max: c.cfg.RetryMax}
	var gate retry.Gate
	for {
		changed := leadershipChanged(c.p)
		leader, term := c.p.Leader()
		c.m.leader.Set(boolGauge(leader))
		var err error
		switch {
		case !leader:
			c.m.lag.Reset()
			c.setStatus(false, StateFollowing, nil)
			backoff.Reset()
		case !topicsReady:
			err = EnsureTopics(ctx, cl,
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
				backoff.Reset()
				gate.Clear()
			}
		}
		wait := c.cfg.LeaderPoll
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, errTopicReplaced):
			continue
		case errors.Is(err, errLeadershipLost):
			c.log.Info("stopped consuming", "term", term, "reason", err)
		case errors.Is(err, ErrTopicChanged):
			wait = backoff.Next()
			c.setStatus(true, StateBlocked, err)
			if ok, held := gate.Allow(err.Error()); ok {
				c.log.Error("not consuming: the transaction topic is not the one the chain consumed from; see \"A recreated transaction topic\" in the README",
					"term", term, "err", err, "recheck_in", wait, "repeats_not_logged", held)
			}
		default:
			wait = backoff.Next()
			c.setStatus(true, StateRetrying, err)
			if c.cfg.Health != nil {
				c.cfg.Health.Report(err)
			}
			if ok, held := gate.Allow(err.Error()); ok {
				c.log.Warn("not consuming; retrying from the replicated offsets", "term", term, "err", err, "retry_in", wait, "repeats_not_logged", held)
			}
		}
		// A Proposer that notifies is asked again when it notifies, or when
		// a failure's pause is over; only one that does not is polled.
		var again <-chan time.Time
		if changed == nil || err != nil {
			again = time.After(wait)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
			if err != nil {
				// Backing off from a failure: the failure decides when to
				// look again, not a new term.
				select {
				case <-ctx.Done():
					return nil
				case <-again:
				}
			}
		case <-again:
		}
	}
}

// pending is a proposal awaiting its result.
type pending struct {
	ch  <-chan error
	txs int
	// span is the proposal's, ended once it applies; nil when tracing is off.
	span trace.Span
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
	recorded := c.p.TopicID(c.cfg.Topic)
	meta, err := kafkatopic.Describe(termCtx, cl, c.cfg.Topic)
	if err != nil {
		return false, err
	}
	parts := meta.Partitions
	if len(recorded) > 0 && !bytes.Equal(recorded, meta.ID) {
		if c.acceptID != nil && bytes.Equal(c.acceptID, meta.ID) {
			return c.replaceTopic(termCtx, term, recorded, meta)
		}
		return false, fmt.Errorf("%w: %s has topic id %s, but the chain consumed from %s: it was deleted and created again", ErrTopicChanged, c.cfg.Topic, kafkatopic.FormatID(meta.ID), kafkatopic.FormatID(recorded))
	}
	bounds, err := partitionBounds(termCtx, adm, c.cfg.Topic)
	if err != nil {
		return false, err
	}
	// Records at offsets the chain has consumed must still be there: a
	// partition ending below its replicated offset lost them (the topic
	// was recreated by a broker without topic ids, or records were lost),
	// and the records written there next would be taken as consumed.
	for p, n := range offsets {
		if end, ok := bounds[p]; !ok || end.end < n {
			if c.acceptID != nil && bytes.Equal(c.acceptID, meta.ID) && len(recorded) == 0 {
				return c.replaceTopic(termCtx, term, recorded, meta)
			}
			return false, fmt.Errorf("%w: partition %d of %s ends at offset %d, below the replicated offset %d: the topic was recreated or lost records (topic id %s)",
				ErrTopicChanged, p, c.cfg.Topic, end.end, n, kafkatopic.FormatID(meta.ID))
		}
	}
	start := make(map[int32]kgo.Offset, len(parts))
	next := make(map[int32]int64, len(parts))
	for _, p := range parts {
		next[p] = offsets[p]
		from := offsets[p]
		if first := bounds[p].start; first > from {
			// Retention deleted records before they were consumed: nothing
			// can bring them back, so the next range covers their offsets.
			c.m.expired.Add(float64(first - from))
			c.log.Error("records were deleted by the topic's retention before the chain consumed them; continuing after them",
				"topic", c.cfg.Topic, "partition", p, "from_offset", from, "to_offset", first)
			from = first
		}
		start[p] = kgo.NewOffset().At(from)
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(c.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.cfg.Topic: start}),
		// Records of aborted producer transactions must never enter the chain.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// An offset out of range is never quietly moved: the term ends and
		// the next one checks the topic against the replicated offsets.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		kgo.MaxDecompressBatchBytes(c.cfg.MaxDecompressedBatchBytes),
		kgo.FetchMaxBytes(fetchMaxBytes),
		kgo.FetchMaxPartitionBytes(fetchMaxPartitionBytes),
	}, c.cfg.ClientOpts...)
	src, err := kgo.NewClient(opts...)
	if err != nil {
		return false, fmt.Errorf("kafka consumer for %s: %w", c.cfg.Topic, err)
	}
	defer src.Close()
	c.log.Info("leading: consuming", "term", term, "topic", c.cfg.Topic, "topic_id", kafkatopic.FormatID(meta.ID), "partitions", len(parts), "offsets", offsets)
	c.setStatus(true, StateConsuming, nil)

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		c.watch(termCtx, stop, cl, term, meta)
	}()

	t := &termState{
		c:       c,
		ctx:     ctx,
		term:    termCtx,
		stop:    stop,
		termNo:  term,
		cl:      cl,
		src:     src,
		topicID: meta.ID,
		budget:  c.maxBlockBytes() - chain.BlockHeaderBytes,
		next:    next,
		starts:  make(map[int32]int64),
		sem:     make(chan struct{}, c.cfg.MaxInflight),
		freed:   make(chan struct{}, 1),
		queue:   make(chan pending, c.cfg.MaxInflight),
		backoff: retry.Backoff{Min: c.cfg.LeaderPoll, Max: c.cfg.RetryMax},
	}
	waiterDone := make(chan struct{})
	abandon := make(chan struct{})
	var applied bool
	go func() {
		defer close(waiterDone)
		applied = t.await(abandon)
	}()

	err = t.consume()

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

// watch ends the term when the node stops leading, its term changes, or the
// topic gains partitions, is deleted or is created again.
func (c *Consumer) watch(ctx context.Context, stop context.CancelCauseFunc, cl *kgo.Client, term uint64, meta kafkatopic.Meta) {
	// Leadership is polled only from a Proposer that does not notify.
	var poll <-chan time.Time
	if leadershipChanged(c.p) == nil {
		ticker := time.NewTicker(c.cfg.LeaderPoll)
		defer ticker.Stop()
		poll = ticker.C
	}
	refresh := time.NewTicker(c.cfg.PartitionRefresh)
	defer refresh.Stop()
	for {
		// Asked after taking the notification, so that a change since the
		// term was read, or since the last look, is never missed.
		changed := leadershipChanged(c.p)
		leader, now := c.p.Leader()
		c.m.leader.Set(boolGauge(leader))
		if !leader || now != term {
			stop(fmt.Errorf("%w: leader=%v term %d → %d", errLeadershipLost, leader, term, now))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-poll:
		case <-refresh.C:
			now, err := kafkatopic.Describe(ctx, cl, c.cfg.Topic)
			switch {
			case errors.Is(err, kerr.UnknownTopicOrPartition):
				stop(fmt.Errorf("topic %s was deleted: %w", c.cfg.Topic, err))
				return
			case err != nil:
				// Metadata failing for a while is the fetches' concern.
			case !bytes.Equal(now.ID, meta.ID):
				// A client keeps the id it started with and quietly fetches
				// nothing from the new topic: this is what notices.
				stop(fmt.Errorf("topic %s now has id %s (was %s)", c.cfg.Topic, kafkatopic.FormatID(now.ID), kafkatopic.FormatID(meta.ID)))
				return
			case len(now.Partitions) != len(meta.Partitions):
				stop(fmt.Errorf("topic %s now has %d partitions (was %d)", c.cfg.Topic, len(now.Partitions), len(meta.Partitions)))
				return
			}
		}
	}
}

// termState is the batch being built and the proposals in flight for one term.
type termState struct {
	c       *Consumer
	ctx     context.Context // Run's: proposals outlive the term that made them
	term    context.Context
	stop    context.CancelCauseFunc
	termNo  uint64
	cl      *kgo.Client // dead letters
	src     *kgo.Client // the topic
	topicID []byte
	// budget is what the open batch may add to a block's header.
	budget int

	next   map[int32]int64 // first offset not yet in any proposed batch
	starts map[int32]int64 // partitions in the open batch → its range start
	txs    []*aurigraphv1.Transaction
	bad    []*deadLetter
	// blockBytes bounds what the open batch adds to its block's header.
	blockBytes int
	first      time.Time
	// traces are the distinct trace contexts the open batch's records
	// carried (tracing.Join); filled only while tracing is on.
	traces []trace.SpanContext

	sem chan struct{}
	// freed wakes a batch held by HoldInflight when a proposal is done.
	freed chan struct{}
	queue chan pending

	backoff retry.Backoff
	gate    retry.Gate
}

func (t *termState) records() int { return len(t.txs) + len(t.bad) }

// polled is one poll of the topic on its way to the batching loop: its
// records, decoded and checked, and the compressed batches it could not
// read.
type polled struct {
	recs     []*kgo.Record
	results  []decoded
	tooLarge []*kgo.ErrDecompressTooLarge
	// err ends the term: the topic no longer continues the offsets.
	err error
}

// consume runs the term's three stages, each on its own goroutine, so that
// none waits for another while there is work: fetching polls the topic,
// decoding decodes and verifies one poll on every core while the next is
// fetched, and batching (here) adds the poll before to batches and proposes
// them. Verifying on the polling goroutine left the cores idle while it
// polled and batched, and left the fetch idle while it verified. Unbuffered
// hand-offs hold at most one poll waiting at each stage, a few times
// MaxBatchTxs records in all.
func (t *termState) consume() error {
	ctx, cancel := context.WithCancel(t.term)
	fetched, decodedc := make(chan polled), make(chan polled)
	var stages sync.WaitGroup
	stages.Go(func() { t.fetch(ctx, fetched) })
	stages.Go(func() { t.decode(ctx, fetched, decodedc) })
	defer func() {
		cancel()
		stages.Wait()
	}()

	cfg := &t.c.cfg
	// wait bounds how long a batch that is not full waits: until its linger
	// ends, or, held past it, a backstop; a wakeup through freed cannot be
	// lost (await hands out at most one, and one left over only wakes the
	// loop to look again), but holding must never depend on that alone.
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	for {
		var freed <-chan struct{}
		var wake <-chan time.Time
		if t.records() > 0 {
			until := time.Until(t.first.Add(cfg.Linger))
			if until <= 0 {
				freed, until = t.freed, max(10*cfg.Linger, 50*time.Millisecond)
			}
			wait.Reset(until)
			wake = wait.C
		}
		select {
		case p, ok := <-decodedc:
			if !ok {
				return nil
			}
			if p.err != nil {
				return p.err
			}
			if err := t.addPoll(p); err != nil {
				return err
			}
		case <-wake:
		case <-freed:
		case <-t.term.Done():
			return nil
		}
		wait.Stop()
		if t.due() {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
}

// addPoll puts a poll's records into batches, proposing each batch as it
// fills.
func (t *termState) addPoll(p polled) error {
	for _, e := range p.tooLarge {
		t.skipBatch(e)
	}
	for i, r := range p.recs {
		if t.records() > 0 && t.blockBytes+t.cost(r.Partition, p.results[i]) > t.budget {
			if err := t.flush(); err != nil {
				return err
			}
		}
		if err := t.add(r, p.results[i]); err != nil {
			return err
		}
		if t.records() >= t.c.cfg.MaxBatchTxs {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetch polls the topic until ctx ends or a poll ends the term, handing
// each poll to out, which it closes when it returns.
func (t *termState) fetch(ctx context.Context, out chan<- polled) {
	defer close(out)
	for ctx.Err() == nil {
		fetches := t.src.PollRecords(ctx, t.c.cfg.MaxBatchTxs)
		var p polled
		var failed bool
		failed, p.tooLarge, p.err = t.fetchErrors(fetches)
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if n := len(fp.Records); n > 0 {
				last := fp.Records[n-1].Offset
				t.c.m.lag.WithLabelValues(strconv.Itoa(int(fp.Partition))).Set(float64(max(fp.HighWatermark-last-1, 0)))
			}
		})
		p.recs = fetches.Records()
		if len(p.recs) > 0 || len(p.tooLarge) > 0 || p.err != nil {
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
		}
		switch {
		case p.err != nil:
			return
		case len(p.recs) > 0:
			t.backoff.Reset()
			t.gate.Clear()
		case failed:
			// kgo returns a failing fetch at once; without a pause the
			// loop would spin on it.
			if t.backoff.Wait(ctx) != nil {
				return
			}
		}
	}
}

// decode decodes and checks the records of each poll from in, handing them
// on to out in the same order, until in is closed or ctx ends; it closes
// out when it returns.
func (t *termState) decode(ctx context.Context, in <-chan polled, out chan<- polled) {
	defer close(out)
	for p := range in {
		p.results = decodeAll(p.recs, t.c.check, t.c.cfg.MaxRecordBytes)
		select {
		case out <- p:
		case <-ctx.Done():
			return
		}
	}
}

// fetchErrors handles the errors of one poll. It reports whether a fetch
// failed in a way worth pausing for, the compressed batches too large to
// read (already skipped in the client: the batching loop dead-letters a
// reference to each), and an error when the term must end.
func (t *termState) fetchErrors(fetches kgo.Fetches) (failed bool, tooLarge []*kgo.ErrDecompressTooLarge, err error) {
	for _, fe := range fetches.Errors() {
		var big *kgo.ErrDecompressTooLarge
		switch {
		case errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, kgo.ErrClientClosed):
		case errors.As(fe.Err, &big):
			t.src.SetOffsets(map[string]map[int32]kgo.EpochOffset{t.c.cfg.Topic: {big.Partition: {Epoch: big.Epoch, Offset: big.NextOffset}}})
			tooLarge = append(tooLarge, big)
		case errors.Is(fe.Err, kerr.OffsetOutOfRange), errors.Is(fe.Err, kerr.UnknownTopicID):
			return true, tooLarge, fmt.Errorf("fetch %s/%d: %w", fe.Topic, fe.Partition, fe.Err)
		default:
			failed = true
			t.c.m.fetchErrors.Inc()
			if ok, held := t.gate.Allow(fe.Err.Error()); ok {
				t.c.log.Warn("fetch error; retrying", "topic", fe.Topic, "partition", fe.Partition, "err", fe.Err, "repeats_not_logged", held)
			}
		}
	}
	return failed, tooLarge, nil
}

// due reports whether the open batch, not full, should be proposed now: its
// linger is over and fewer than HoldInflight proposals are in flight.
func (t *termState) due() bool {
	return t.records() > 0 && !time.Now().Before(t.first.Add(t.c.cfg.Linger)) && len(t.sem) < t.c.cfg.HoldInflight
}

// decoded is a record's transaction and its encoded size, or why the record
// was rejected.
type decoded struct {
	tx   *aurigraphv1.Transaction
	size int
	err  error
	// tooLarge: the record was not decoded; only a reference to it is
	// dead-lettered.
	tooLarge bool
}

// A fetch stays in the leader's memory, decompressed, until the last of its
// records is polled: with the client's defaults (1 MiB a partition, 50 MiB
// a fetch) six partitions of compressed transactions came back as 130,000
// records, 38 MB of heap, against batches of at most MaxBatchTxs. A quarter
// of that keeps several batches in hand between fetches, which cost little
// more than a poll. A record batch larger than these still comes whole.
const (
	fetchMaxPartitionBytes = 256 << 10
	fetchMaxBytes          = 4 << 20
)

// decodeRecordsPerWorker keeps small polls on one goroutine, where handing
// work out would cost more than it saves.
const decodeRecordsPerWorker = 64

// decodeAll decodes and validates recs on up to GOMAXPROCS goroutines:
// signature checks make this the leader's most CPU-hungry step. Records
// above maxRecordBytes are refused undecoded.
func decodeAll(recs []*kgo.Record, c checker, maxRecordBytes int) []decoded {
	out := make([]decoded, len(recs))
	// Records lo..hi are decoded, then checked together, so that their
	// signatures are verified in batches.
	span := func(lo, hi int) {
		txs := make([]*aurigraphv1.Transaction, hi-lo)
		// The digests checking the ids found, which the signatures are
		// over: checkAll need not digest every signed transaction again.
		digests := make([][sha256.Size]byte, hi-lo)
		errs := make([]error, hi-lo)
		// The span's transactions go into batches together, so they can
		// share their memory and spare the garbage collector about ten
		// allocations each.
		dec := schemas.NewTxDecoder(hi - lo)
		for i := lo; i < hi; i++ {
			if n := recordSize(recs[i]); n > maxRecordBytes {
				out[i] = decoded{tooLarge: true}
				errs[i-lo] = fmt.Errorf("record of %d bytes exceeds the %d-byte limit for a transaction record", n, maxRecordBytes)
				continue
			}
			txs[i-lo], digests[i-lo], errs[i-lo] = decodeRecord(recs[i].Value, dec)
		}
		c.checkAll(txs, digests, errs)
		for i := lo; i < hi; i++ {
			out[i].tx, out[i].err = txs[i-lo], errs[i-lo]
			if out[i].err == nil {
				out[i].size = chain.TxSize(out[i].tx)
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(recs)/decodeRecordsPerWorker)
	if workers <= 1 {
		span(0, len(recs))
		return out
	}
	chunk := (len(recs) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(recs); lo += chunk {
		hi := min(lo+chunk, len(recs))
		wg.Go(func() { span(lo, hi) })
	}
	wg.Wait()
	return out
}

// recordSize is what a record weighs: key, value and headers.
func recordSize(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// cost bounds what a record of partition adds to the open batch's block: a
// valid transaction with room for its result, and the partition's source
// range when the batch has none yet. A rejected record adds no transaction.
func (t *termState) cost(partition int32, d decoded) int {
	n := 0
	if _, ok := t.starts[partition]; !ok {
		n += chain.SourceRangeBytes + len(t.c.cfg.Topic)
	}
	if d.err == nil {
		n += d.size + submittedBytes + chain.TxResultBytes
	}
	return n
}

// extend makes the open batch's range of partition cover offsets up to end.
func (t *termState) extend(partition int32, end int64) {
	if t.records() == 0 {
		t.first = time.Now()
	}
	if _, ok := t.starts[partition]; !ok {
		t.starts[partition] = t.next[partition]
		t.blockBytes += chain.SourceRangeBytes + len(t.c.cfg.Topic)
	}
	t.next[partition] = end
}

// add puts one decoded record into the open batch, extending its
// partition's range over the record (and over any offsets the log skipped
// before it, such as transaction markers).
func (t *termState) add(r *kgo.Record, d decoded) error {
	if r.Offset < t.next[r.Partition] {
		// Only a partition truncated below the replicated position hands
		// back such offsets; its records were not consumed, so skipping
		// them would lose them.
		return fmt.Errorf("%w: partition %d returned offset %d, below the replicated offset %d", ErrTopicChanged, r.Partition, r.Offset, t.next[r.Partition])
	}
	t.extend(r.Partition, r.Offset+1)
	if d.err != nil {
		t.c.m.recordsInvalid.Inc()
		dl := &deadLetter{rec: r, partition: r.Partition, offset: r.Offset, size: recordSize(r), reason: d.err.Error(), kind: deadLetterInvalid}
		if d.tooLarge {
			dl.kind, dl.ref = deadLetterTooLarge, true
		}
		t.bad = append(t.bad, dl)
		return nil
	}
	t.c.m.recordsOK.Inc()
	if tracing.Enabled() {
		t.traces = tracing.Join(t.traces, tracing.Extract(r.Headers))
	}
	d.tx.SubmittedMs = r.Timestamp.UnixMilli()
	t.txs = append(t.txs, d.tx)
	t.blockBytes += d.size + submittedBytes + chain.TxResultBytes
	return nil
}

// skipBatch moves past a compressed batch that decompresses beyond
// MaxDecompressedBatchBytes, which the fetching stage already skipped in the
// client: the open batch's range covers its offsets and a reference to them
// is dead-lettered, so one batch cannot stall its partition.
func (t *termState) skipBatch(e *kgo.ErrDecompressTooLarge) {
	p := e.Partition
	if e.NextOffset <= t.next[p] {
		return
	}
	t.c.m.recordsInvalid.Inc()
	t.bad = append(t.bad, &deadLetter{partition: p, offset: max(e.Offset, t.next[p]), end: e.NextOffset, ref: true, kind: deadLetterBatchTooLarge,
		reason: fmt.Sprintf("compressed record batch decompresses to more than %d bytes", t.c.cfg.MaxDecompressedBatchBytes)})
	t.extend(p, e.NextOffset)
	t.c.log.Warn("skipping a compressed batch too large to decompress; a reference to it is dead-lettered",
		"partition", p, "from_offset", e.Offset, "to_offset", e.NextOffset)
}

// Kinds of dead letter, the reason label of dead_letters_total.
const (
	deadLetterInvalid       = "invalid"
	deadLetterTooLarge      = "too_large"
	deadLetterBatchTooLarge = "batch_too_large"
	deadLetterRefused       = "dlq_refused"
)

// deadLetter is a rejected record, or a skipped batch, on its way to the
// dead-letter topic.
type deadLetter struct {
	rec       *kgo.Record // nil for a batch
	partition int32
	offset    int64
	end       int64 // a batch's end; 0 for a record
	size      int
	reason    string
	kind      string
	// ref dead-letters a reference instead of a copy.
	ref bool
}

func (d *deadLetter) record(dlqTopic, topic string) (*kgo.Record, error) {
	out := &kgo.Record{
		Topic: dlqTopic,
		Headers: []kgo.RecordHeader{
			{Key: HeaderReason, Value: []byte(d.reason)},
			{Key: HeaderSourceTopic, Value: []byte(topic)},
			{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(d.partition), 10)},
			{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, d.offset, 10)},
		},
	}
	if d.rec != nil {
		out.Headers = append(out.Headers, kgo.RecordHeader{Key: HeaderSourceSize, Value: strconv.AppendInt(nil, int64(d.size), 10)})
	}
	if !d.ref {
		out.Key, out.Value = d.rec.Key, d.rec.Value
		return out, nil
	}
	value, err := json.Marshal(DeadLetterRef{Topic: topic, Partition: d.partition, Offset: d.offset, EndOffset: d.end, Size: d.size, Reason: d.reason})
	if err != nil {
		return nil, fmt.Errorf("encode dead-letter reference to %s/%d@%d: %w", topic, d.partition, d.offset, err)
	}
	out.Value = value
	out.Headers = append(out.Headers, kgo.RecordHeader{Key: HeaderPayload, Value: []byte("omitted")})
	return out, nil
}

// refused reports whether the broker (or the client, before sending) will
// never take this record, so that retrying it is pointless.
func refused(err error) bool {
	return errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) ||
		errors.Is(err, kerr.InvalidRecord) || errors.Is(err, kerr.CorruptMessage) || errors.Is(err, kerr.PolicyViolation)
}

// deadLetter writes the open batch's dead letters. A copy the dead-letter
// topic refuses (too large for it, say) is written again as a reference, so
// that no record can hold up the batch behind it.
func (t *termState) deadLetter() error {
	cfg := &t.c.cfg
	recs := make([]*kgo.Record, len(t.bad))
	of := make(map[*kgo.Record]*deadLetter, len(t.bad))
	for i, d := range t.bad {
		rec, err := d.record(cfg.DLQTopic, cfg.Topic)
		if err != nil {
			return err
		}
		recs[i], of[rec] = rec, d
	}
	var again []*kgo.Record
	var written []*deadLetter
	for _, res := range t.cl.ProduceSync(t.term, recs...) {
		d := of[res.Record]
		switch {
		case res.Err == nil:
			written = append(written, d)
		case d.ref || !refused(res.Err):
			return fmt.Errorf("dead-letter %s/%d@%d to %s: %w", cfg.Topic, d.partition, d.offset, cfg.DLQTopic, res.Err)
		default:
			t.c.log.Warn("the dead-letter topic refused a copy of a rejected record; dead-lettering a reference to it",
				"topic", cfg.Topic, "partition", d.partition, "offset", d.offset, "size", d.size, "err", res.Err)
			d.ref, d.kind = true, deadLetterRefused
			d.reason += fmt.Sprintf(" (copy refused by %s: %v)", cfg.DLQTopic, res.Err)
			rec, err := d.record(cfg.DLQTopic, cfg.Topic)
			if err != nil {
				return err
			}
			again = append(again, rec)
			written = append(written, d)
		}
	}
	if err := t.cl.ProduceSync(t.term, again...).FirstErr(); err != nil {
		return fmt.Errorf("dead-letter %d references to %s: %w", len(again), cfg.DLQTopic, err)
	}
	for _, d := range written {
		t.c.m.deadLetters.WithLabelValues(d.kind).Inc()
	}
	return nil
}

// flush dead-letters the open batch's bad records, then proposes it.
func (t *termState) flush() error {
	cfg := &t.c.cfg
	if len(t.bad) > 0 {
		if err := t.deadLetter(); err != nil {
			return err
		}
	}
	b := &aurigraphv1.Batch{
		Proposer:    cfg.NodeID,
		TimestampMs: time.Now().UnixMilli(),
		Sources:     make([]*aurigraphv1.SourceRange, 0, len(t.starts)),
		Txs:         t.txs,
	}
	for p, s := range t.starts {
		b.Sources = append(b.Sources, &aurigraphv1.SourceRange{Topic: cfg.Topic, Partition: p, StartOffset: s, EndOffset: t.next[p], TopicId: t.topicID})
	}
	slices.SortFunc(b.Sources, func(x, y *aurigraphv1.SourceRange) int { return cmp.Compare(x.Partition, y.Partition) })

	select {
	case t.sem <- struct{}{}:
	case <-t.term.Done():
		return context.Cause(t.term)
	}
	var propose trace.Span
	if tracing.Enabled() {
		propose = t.traceBatch(b)
	}
	ch, err := t.c.p.ProposeAsync(t.ctx, b)
	if err != nil {
		<-t.sem
		t.c.m.proposeErrors.WithLabelValues(t.c.errorReason(t.termNo, err)).Inc()
		if propose != nil {
			propose.SetStatus(codes.Error, err.Error())
			propose.End()
		}
		return fmt.Errorf("propose batch of %d txs: %w", len(b.Txs), err)
	}
	t.queue <- pending{ch: ch, txs: len(b.Txs), span: propose}
	t.c.m.batches.Inc()
	t.c.m.batchSize.Observe(float64(len(b.Txs)))
	t.c.m.batchBytes.Observe(float64(t.blockBytes + chain.BlockHeaderBytes))

	clear(t.starts)
	t.txs, t.bad, t.blockBytes, t.traces = nil, nil, 0, t.traces[:0]
	return nil
}

// traceBatch records the batch b as one span, joining the traces its
// records carried, and starts the span of its proposal, which ends when the
// batch is applied. The block the batch becomes is traced under the
// batch's span by the stages after commit (RememberBatch).
func (t *termState) traceBatch(b *aurigraphv1.Batch) trace.Span {
	ctx, batch := tracing.StartJoined(t.ctx, "aurigraph.ingest.batch", t.traces, trace.WithAttributes(
		attribute.Int("aurigraph.txs", len(b.Txs)),
		attribute.Int("aurigraph.dead_lettered", len(t.bad)),
		attribute.Int64("aurigraph.raft.term", int64(t.termNo)),
	))
	defer batch.End()
	if len(b.Sources) > 0 {
		tracing.RememberBatch(tracing.BatchKey{Partition: b.Sources[0].Partition, Start: b.Sources[0].StartOffset}, batch.SpanContext())
	}
	_, propose := tracing.Tracer().Start(ctx, "aurigraph.propose")
	return propose
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
		if p.span != nil {
			if err != nil {
				p.span.SetStatus(codes.Error, err.Error())
			}
			p.span.End()
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

// replaceTopic records in the replicated state that meta's topic, accepted
// by the operator, replaces the one the offsets were recorded against
// (recorded, nil when none was): a batch of no transactions whose one range
// starts the new topic at offset 0.
func (c *Consumer) replaceTopic(ctx context.Context, term uint64, recorded []byte, meta kafkatopic.Meta) (bool, error) {
	replaces := recorded
	if len(replaces) == 0 {
		replaces = make([]byte, 16)
	}
	b := &aurigraphv1.Batch{
		Proposer:    c.cfg.NodeID,
		TimestampMs: time.Now().UnixMilli(),
		Sources:     []*aurigraphv1.SourceRange{{Topic: c.cfg.Topic, Partition: meta.Partitions[0], TopicId: meta.ID, ReplacesTopicId: replaces}},
	}
	ch, err := c.p.ProposeAsync(ctx, b)
	if err == nil {
		select {
		case err = <-ch:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
	}
	if err != nil {
		return false, fmt.Errorf("accept %s with topic id %s in place of %s: %w", c.cfg.Topic, kafkatopic.FormatID(meta.ID), kafkatopic.FormatID(recorded), err)
	}
	c.log.Warn("accepted a recreated transaction topic: every partition is consumed again from offset 0",
		"term", term, "topic", c.cfg.Topic, "topic_id", kafkatopic.FormatID(meta.ID), "replaced_id", kafkatopic.FormatID(recorded))
	return true, errTopicReplaced
}

// offsetBounds is a partition's log start and end offsets.
type offsetBounds struct{ start, end int64 }

func partitionBounds(ctx context.Context, adm *kadm.Client, topic string) (map[int32]offsetBounds, error) {
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	out := make(map[int32]offsetBounds)
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = offsetBounds{end: o.Offset} })
	starts.Each(func(o kadm.ListedOffset) {
		b := out[o.Partition]
		b.start = o.Offset
		out[o.Partition] = b
	})
	return out, nil
}

// TopicSpec is a topic EnsureTopics creates when missing.
type TopicSpec struct {
	Name       string
	Partitions int32
}

// EnsureTopics creates the topics that do not exist yet, with the broker's
// default replication factor, and returns once the broker serves them.
// Existing topics are left as they are. A client the cluster does not allow
// to create topics (where ACLs are on, only admins may) is fine as long as
// they exist.
func EnsureTopics(ctx context.Context, cl *kgo.Client, specs ...TopicSpec) error {
	adm := kadm.NewClient(cl)
	for _, s := range specs {
		res, err := adm.CreateTopic(ctx, s.Partitions, -1, nil, s.Name)
		if err == nil {
			err = res.Err
		}
		if errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed) {
			topics, lerr := adm.ListTopics(ctx, s.Name)
			if lerr == nil && topics[s.Name].Err == nil && topics.Has(s.Name) {
				continue
			}
			return fmt.Errorf("create topic %s with %d partitions: %w: this client may not create topics; have an admin of the cluster create it", s.Name, s.Partitions, err)
		}
		if errors.Is(err, kerr.TopicAlreadyExists) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create topic %s with %d partitions: %w", s.Name, s.Partitions, err)
		}
		if _, err := kafkatopic.AwaitCreated(ctx, cl, s.Name); err != nil {
			return err
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
	deadLetters    *prometheus.CounterVec
	expired        prometheus.Counter
	fetchErrors    prometheus.Counter
	batches        prometheus.Counter
	batchSize      prometheus.Histogram
	batchBytes     prometheus.Histogram
	proposeErrors  *prometheus.CounterVec
	leader         prometheus.Gauge
	stalled        prometheus.Gauge
	topicChanged   prometheus.Gauge
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
		batchBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurigraph_ingest_batch_block_bytes",
			Help:    "Upper bound on the encoded block of each proposed batch, which MaxBatchBytes caps.",
			Buckets: prometheus.ExponentialBuckets(4096, 2, 12),
		}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_ingest_dead_letters_total",
			Help: "Records written to the dead-letter topic, by reason: invalid (a copy), too_large (a reference: above the record limit), dlq_refused (a reference: the dead-letter topic refused the copy), batch_too_large (a reference to a compressed batch that decompresses beyond its limit).",
		}, []string{"reason"}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_ingest_expired_records_total",
			Help: "Offsets the topic's retention deleted before the chain consumed them.",
		}),
		fetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_ingest_fetch_errors_total",
			Help: "Fetches of the transaction topic that failed and were retried after a pause.",
		}),
		stalled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_ingest_stalled",
			Help: "1 while this node leads but does not consume because a step fails (retrying) or the topic changed (blocked).",
		}),
		topicChanged: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_ingest_topic_changed",
			Help: "1 while ingest is blocked because the transaction topic is not the one the chain consumed from (recreated, or lost records); see the README.",
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
	// Every reason is exported from the start, so a rate over them is 0,
	// not absent, until the first dead letter.
	for _, kind := range []string{deadLetterInvalid, deadLetterTooLarge, deadLetterBatchTooLarge, deadLetterRefused} {
		m.deadLetters.WithLabelValues(kind)
	}
	if reg == nil {
		return m, nil
	}
	for _, col := range []prometheus.Collector{m.records, m.deadLetters, m.expired, m.fetchErrors, m.batches, m.batchSize, m.batchBytes, m.proposeErrors, m.leader, m.stalled, m.topicChanged, m.lag} {
		if err := reg.Register(col); err != nil {
			return nil, fmt.Errorf("ingest consumer: register metrics: %w", err)
		}
	}
	return m, nil
}
