package stream

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/internal/tracing"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	// publishBuffer bounds the records produced but not yet acknowledged;
	// Produce blocks beyond it, which holds the tail back to the broker's pace.
	publishBuffer = 1024
	// shutdownFlushTimeout is how long a stopping Publisher lets buffered
	// records reach the broker. Whatever misses it is published by the next
	// run, which resumes from the topic.
	shutdownFlushTimeout = 10 * time.Second
	heightHeader         = "height"
	// deliveryTimeout is how long a block may go unacknowledged before
	// publishing counts as failing.
	deliveryTimeout = 30 * time.Second
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic defaults to schemas.TopicBlocks.
	Topic string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_stream_publish* metrics; nil registers none.
	Registerer prometheus.Registerer
	// ClientOpts are applied after the publisher's own client options (TLS,
	// SASL, client id, ...). They must keep the idempotent producer on.
	ClientOpts []kgo.Opt
	// RetryMax caps the pause between attempts after a failure (30s).
	RetryMax time.Duration
	// TopicCheck is how often the topic's id is checked, so that a topic
	// deleted or created again is published to anew (10s).
	TopicCheck time.Duration
	// Health, when set, is told why publishing failed, the moment it does;
	// whether blocks reach the topic again is for its watcher to see.
	Health health.Reporter
	// Keys are the chain's validator keys (required): records in the topic
	// count as published only when signed with them, and a block is
	// published only once its own signature verifies with them.
	Keys chain.KeySet
	// KeyWait is how long a block signed by a key the chain has not
	// registered yet waits before publishing counts as failing (30s).
	KeyWait time.Duration
}

// Publisher publishes every committed block, in height order, as a
// BlockEvent keyed by its decimal height and carrying the signature stored
// with the block, to a single-partition topic.
//
// It keeps no progress of its own: the topic is the progress. Anyone who can
// write the topic may have put records there, so offsets do not follow
// heights and the last record proves nothing. Each run looks for the highest
// block in the topic that is this chain's: signed by a key of the chain's
// validators and equal to the local block of that height, which also fixes
// its link to the block before. It reads back from the topic's end only as
// far as such a block could be (the block of height h sits at offset h-1 or
// later), and continues at the next height. Forged or replayed records at
// the tail are skipped, never trusted and never a reason to stop. Within a
// run the producer is idempotent, so broker-side retries cannot write a
// record twice, and a record that fails stops the run before any later
// height is produced (failing a batch also fails every record buffered
// behind it), so the topic never gets a hole. A run that stops with records
// unacknowledged loses nothing: the next run finds where the topic really
// ends. A height may still appear twice (two publishers for a moment during
// a change of leader); readers take the first valid record of each height.
//
// A block is published only once its signature verifies with the chain's
// keys, as readers will check it: at a chain's start a validator's key may
// be registered a moment after its first blocks, and the publisher waits.
//
// A failure never ends Run: it is logged at once, counted, shown by Status,
// and retried with backoff from where the topic ends. A block larger than
// the topic accepts (its max.message.bytes was lowered after the block was
// built) blocks publishing until the limit is raised again.
//
// Run one Publisher per topic, on the validator that owns publishing.
type Publisher struct {
	cfg     PublisherConfig
	src     SignedSource
	log     *slog.Logger
	metrics publisherMetrics
	height  atomic.Uint64 // highest height known to be in the topic

	mu     sync.Mutex
	status PublisherStatus
}

// Publisher states, in PublisherStatus.State.
const (
	PublisherIdle       = "idle"
	PublisherPublishing = "publishing"
	// PublisherRetrying: publishing failed; it is retried with backoff.
	PublisherRetrying = "retrying"
	// PublisherBlocked: the next block is larger than the topic accepts; it
	// is retried, but only raising the topic's max.message.bytes helps.
	PublisherBlocked = "blocked"
)

// PublisherStatus is what a health check needs to know about publishing.
type PublisherStatus struct {
	State string
	// Height is the highest height known to be in the topic.
	Height uint64
	// Err says why the state is retrying or blocked; Reason is its label in
	// aurigraph_stream_publish_errors_total.
	Err, Reason string
	// Failures counts attempts failed in a row.
	Failures int
	// Since is when State last changed.
	Since time.Time
}

// Healthy reports whether blocks are being published.
func (s PublisherStatus) Healthy() bool {
	return s.State != PublisherRetrying && s.State != PublisherBlocked
}

// Status reports how publishing goes.
func (p *Publisher) Status() PublisherStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.status
	st.Height = p.Height()
	return st
}

// markPublishing ends a failure once publishing works again; a state that
// flapped back at every attempt would hide a failure from health checks.
func (p *Publisher) markPublishing() {
	p.mu.Lock()
	state := p.status.State
	p.mu.Unlock()
	if state != PublisherPublishing {
		p.setStatus(PublisherPublishing, 0, nil)
	}
}

func (p *Publisher) setStatus(state string, failures int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if state != p.status.State {
		p.status.Since = time.Now()
	}
	p.status.State, p.status.Failures, p.status.Err, p.status.Reason = state, failures, "", ""
	if err != nil {
		p.status.Err, p.status.Reason = err.Error(), failureReason(err)
	}
	failing := 0.0
	if state == PublisherRetrying || state == PublisherBlocked {
		failing = 1
	}
	p.metrics.failing.Set(failing)
}

// NewPublisher checks cfg; Run connects.
func NewPublisher(cfg PublisherConfig, src SignedSource) (*Publisher, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("stream: publisher needs at least one broker address (host:port)")
	}
	if src == nil {
		return nil, errors.New("stream: publisher needs a block source")
	}
	if cfg.Keys == nil {
		return nil, errors.New("stream: publisher needs the chain's validator keys")
	}
	if cfg.KeyWait <= 0 {
		cfg.KeyWait = 30 * time.Second
	}
	if cfg.Topic == "" {
		cfg.Topic = schemas.TopicBlocks
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.TopicCheck <= 0 {
		cfg.TopicCheck = 10 * time.Second
	}
	p := &Publisher{
		cfg:     cfg,
		src:     src,
		log:     cfg.Logger.With("component", "stream.publisher", "topic", cfg.Topic),
		metrics: newPublisherMetrics(cfg.Registerer),
	}
	p.setStatus(PublisherIdle, 0, nil)
	return p, nil
}

func (p *Publisher) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(p.cfg.Brokers...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MaxBufferedRecords(publishBuffer),
	}
	opts = append(opts, extra...)
	return append(opts, p.cfg.ClientOpts...)
}

// Labels of aurigraph_stream_publish_errors_total.
const (
	// reasonTooLarge: a block record larger than the topic accepts.
	reasonTooLarge = "too_large"
	// reasonTopic: the topic cannot be extended (partitions, another
	// chain, another writer, records gone).
	reasonTopic = "topic"
	// reasonSource: the local chain could not be read.
	reasonSource = "source"
	// reasonSignature: a block's stored signature does not verify with the
	// chain's keys, so readers would refuse it.
	reasonSignature = "signature"
	// reasonBroker: anything else the broker or the client reported.
	reasonBroker = "broker"
)

// publishError labels a failure with its reason.
type publishError struct {
	reason string
	err    error
}

func (e *publishError) Error() string { return e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

func failed(reason string, err error) error { return &publishError{reason, err} }

func failureReason(err error) string {
	var pe *publishError
	switch {
	case errors.As(err, &pe):
		return pe.reason
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return reasonTooLarge
	}
	return reasonBroker
}

// Height is the highest block height known to be in the topic: what the
// last run found there at start, plus every acknowledgement since.
func (p *Publisher) Height() uint64 { return p.height.Load() }

func (p *Publisher) setHeight(h uint64) {
	p.height.Store(h)
	p.metrics.height.Set(float64(h))
}

// Run publishes until ctx is canceled, then returns nil once buffered
// records are flushed. A failure stops publishing at the failed height,
// which is logged at once and retried with backoff (reset by every
// acknowledged block) from where the topic ends. Run may be called again
// after it returned.
func (p *Publisher) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: 200 * time.Millisecond, Max: p.cfg.RetryMax}
	var gate retry.Gate
	for {
		var acked atomic.Bool
		err := p.runOnce(ctx, func() { acked.Store(true) })
		if acked.Load() {
			backoff.Reset()
			gate.Clear()
		}
		if ctx.Err() != nil {
			p.setStatus(PublisherIdle, 0, nil)
			return nil
		}
		if err == nil {
			err = errors.New("stream: publishing stopped without a cause")
		}
		reason := failureReason(err)
		p.metrics.errors.WithLabelValues(reason).Inc()
		state := PublisherRetrying
		if reason == reasonTooLarge {
			state = PublisherBlocked
		}
		wait := backoff.Next()
		p.setStatus(state, backoff.Failures(), err)
		if ok, held := gate.Allow(err.Error()); ok {
			msg := "publishing blocks failed; retrying from where the topic ends"
			if state == PublisherBlocked {
				msg = "publishing is blocked: a block is larger than the topic accepts; raise the topic's max.message.bytes (see the README)"
			}
			p.log.Error(msg, "reason", reason, "err", err, "published_height", p.Height(), "retry_in", wait, "failures", backoff.Failures(), "repeats_not_logged", held)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.setStatus(PublisherIdle, 0, nil)
			return nil
		case <-t.C:
		}
	}
}

// runOnce publishes with one client until ctx ends or publishing fails;
// progress is called, from the client's goroutines, at each acknowledged
// block.
func (p *Publisher) runOnce(ctx context.Context, progress func()) error {
	adm, err := kgo.NewClient(p.clientOpts()...)
	if err != nil {
		return fmt.Errorf("stream: create kafka client for %v: %w", p.cfg.Brokers, err)
	}
	defer adm.Close()
	limit, err := kafkatopic.MaxMessageBytes(ctx, adm, p.cfg.Topic)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	from, err := p.resumeHeight(ctx, adm)
	if err != nil {
		return err
	}
	meta, err := kafkatopic.Describe(ctx, adm, p.cfg.Topic)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	if before := p.Height(); from == 1 && before > 0 {
		p.log.Warn("the blocks topic is empty though blocks were published to it before: it was deleted or recreated; publishing the chain again from height 1", "published_before", before)
	}
	p.setHeight(from - 1)
	// A batch of records never exceeds what the topic takes; a record
	// alone that does fails here rather than at the broker. A broker that
	// keeps answering with retriable errors fails the run after a while, so
	// that it shows.
	cl, err := kgo.NewClient(p.clientOpts(
		kgo.ProducerBatchMaxBytes(int32(min(max(limit, 512), 1<<30))),
		kgo.RecordDeliveryTimeout(deliveryTimeout),
	)...)
	if err != nil {
		return fmt.Errorf("stream: create kafka client for %v: %w", p.cfg.Brokers, err)
	}
	defer cl.Close()
	p.log.Info("publishing blocks", "from_height", from, "topic_max_message_bytes", limit)
	if from > p.src.Height() {
		// Nothing waits to be published: this run is as good as it gets.
		p.markPublishing()
	}
	return p.publish(ctx, cl, from, limit, meta.ID, func() {
		p.markPublishing()
		progress()
	})
}

// resumeHeight prepares the topic and returns the first height it lacks.
func (p *Publisher) resumeHeight(ctx context.Context, cl *kgo.Client) (uint64, error) {
	if err := p.ensureTopic(ctx, cl); err != nil {
		return 0, err
	}
	cfg := blockfeed.Config{Brokers: p.cfg.Brokers, Topic: p.cfg.Topic, ClientOpts: p.cfg.ClientOpts}
	head, err := blockfeed.FindHead(ctx, cfg, func(ev *aurigraphv1.BlockEvent) (bool, error) { return p.published(ctx, ev) })
	if err != nil {
		return 0, err
	}
	if head.End > 0 && head.Start >= head.End {
		return 0, failed(reasonTopic, fmt.Errorf("stream: topic %s ends at offset %d but holds no records (deleted by retention?), so the last published height is unknown: restore retention.ms=-1 and republish into a fresh topic", p.cfg.Topic, head.End))
	}
	if head.Skipped > 0 {
		p.log.Warn("skipped records of the blocks topic that are not this chain's blocks while looking for the last one published",
			"skipped", head.Skipped, "last_published_height", head.Height, "at_offset", head.Offset, "topic_end", head.End)
	}
	return head.Height + 1, nil
}

// published reports whether a record's block event is this chain's block:
// signed with the chain's keys and equal to the local block of its height.
//
// A block signed with the chain's keys that is not the local one was signed
// for another chain (validators whose keys were reused) or with a stolen
// key. Readers refuse it if it does not link to the block before it, and it
// is skipped here too; one that links like the local block does (a rival
// for that height) is refused: whichever readers meet first they would
// take, and only an operator can sort that out.
func (p *Publisher) published(ctx context.Context, ev *aurigraphv1.BlockEvent) (bool, error) {
	if chain.VerifyEvent(ev, p.cfg.Keys) != nil {
		return false, nil
	}
	hd := ev.GetBlock().GetHeader()
	if p.src.Height() < hd.GetHeight() {
		p.log.Info("waiting for the local chain to reach the topic", "topic_height", hd.GetHeight(), "local_height", p.src.Height())
	}
	if err := p.src.Wait(ctx, hd.GetHeight()); err != nil {
		return false, failed(reasonSource, fmt.Errorf("stream: wait for block %d: %w", hd.GetHeight(), err))
	}
	b, err := p.src.Get(hd.GetHeight())
	if err != nil {
		return false, failed(reasonSource, fmt.Errorf("stream: read block %d: %w", hd.GetHeight(), err))
	}
	local := b.GetHeader()
	switch {
	case bytes.Equal(local.GetHash(), hd.GetHash()):
		return true, nil
	case bytes.Equal(local.GetPrevHash(), hd.GetPrevHash()):
		return false, failed(reasonTopic, fmt.Errorf("stream: topic %s holds a block %d with hash %x signed by this chain's validator %d, but the local chain's block %d is %x: the topic belongs to another chain run by the same validator keys, or a validator key signed a block that is not the chain's; publish into a fresh topic, and replace the key if it was stolen",
			p.cfg.Topic, hd.GetHeight(), hd.GetHash(), ev.GetSigner(), hd.GetHeight(), local.GetHash()))
	}
	p.log.Error("the blocks topic holds a block signed by this chain's validator that is not the chain's and does not link to it; readers skip it, but the validator's key signed it: was the key reused for another chain, or stolen?",
		"height", hd.GetHeight(), "hash", hex.EncodeToString(hd.GetHash()), "signer", ev.GetSigner())
	return false, nil
}

// BlockRecordOverhead bounds what a block record of the blocks topic adds
// to its block's encoding: the record batch header (61 bytes), the record's
// framing, key and height header, and the BlockEvent around the block.
const BlockRecordOverhead = 1024

// MaxBlockBytes is the largest encoded block whose record fits a topic
// that accepts records of up to topicLimit bytes (its max.message.bytes).
func MaxBlockBytes(topicLimit int) int { return topicLimit - BlockRecordOverhead }

// ensureTopic creates the topic with one partition, returning once the
// broker serves it, or checks that the existing one has exactly one.
func (p *Publisher) ensureTopic(ctx context.Context, cl *kgo.Client) error {
	adm := kadm.NewClient(cl)
	// The topic is the durable record of what was published and where the
	// next run resumes, so it must not age out.
	retain := "-1"
	_, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"retention.ms": &retain}, p.cfg.Topic)
	if err == nil {
		p.log.Info("created topic", "partitions", 1)
		if _, err := kafkatopic.AwaitCreated(ctx, cl, p.cfg.Topic); err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		return nil
	}
	// Where ACLs are on, only admins create topics: the topic must exist.
	denied := errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed)
	if !errors.Is(err, kerr.TopicAlreadyExists) && !denied {
		return fmt.Errorf("stream: create topic %s: %w", p.cfg.Topic, err)
	}
	topics, err := adm.ListTopics(ctx, p.cfg.Topic)
	if err != nil {
		return fmt.Errorf("stream: describe topic %s: %w", p.cfg.Topic, err)
	}
	td := topics[p.cfg.Topic]
	if td.Err != nil && denied {
		return fmt.Errorf("stream: topic %s: %w; this client may not create topics: have an admin of the cluster create it with one partition", p.cfg.Topic, td.Err)
	}
	if td.Err != nil {
		return fmt.Errorf("stream: describe topic %s: %w", p.cfg.Topic, td.Err)
	}
	if n := len(td.Partitions); n != 1 {
		return failed(reasonTopic, fmt.Errorf("stream: topic %s has %d partitions, but block events need exactly 1 so that readers see heights in order: delete it or choose another topic", p.cfg.Topic, n))
	}
	return nil
}

// errStopped marks a publish loop that ended because Run's context did.
var errStopped = errors.New("stream: publisher stopped")

// publish tails the source from height from. Produce uses its own context so
// that shutdown flushes buffered records instead of canceling them; that
// context ends on the first failure, or when the flush grace runs out.
func (p *Publisher) publish(ctx context.Context, cl *kgo.Client, from uint64, limit int, topicID []byte, progress func()) error {
	loopCtx, stopLoop := context.WithCancelCause(ctx)
	produceCtx, stopProduce := context.WithCancelCause(context.WithoutCancel(ctx))
	// The first cause recorded on produceCtx is the run's outcome.
	fail := func(err error) {
		if p.cfg.Health != nil {
			p.cfg.Health.Report(err)
		}
		stopProduce(err)
		stopLoop(err)
	}

	graceDone := make(chan struct{})
	go func() {
		defer close(graceDone)
		<-loopCtx.Done()
		grace := time.NewTimer(shutdownFlushTimeout)
		defer grace.Stop()
		select {
		case <-grace.C:
			stopProduce(fmt.Errorf("stream: shutdown: buffered block events not acknowledged within %s; the next run publishes them", shutdownFlushTimeout))
		case <-produceCtx.Done():
		}
	}()

	// A producer keeps the topic id it started with: a topic deleted or
	// created again would fail only the next block, and never while idle.
	go func() {
		if err := kafkatopic.Watch(loopCtx, cl, p.cfg.Topic, topicID, p.cfg.TopicCheck); err != nil {
			fail(failed(reasonTopic, err))
		}
	}()
	p.tail(loopCtx, produceCtx, cl, from, limit, progress, fail)
	// Flush fails only when produceCtx ends, and its cause is returned below.
	_ = cl.Flush(produceCtx)
	stopLoop(errStopped)
	stopProduce(errStopped)
	<-graceDone
	if cause := context.Cause(produceCtx); cause != errStopped {
		return cause
	}
	return nil
}

func (p *Publisher) tail(loopCtx, produceCtx context.Context, cl *kgo.Client, next uint64, limit int, progress func(), fail func(error)) {
	for {
		if err := p.src.Wait(loopCtx, next); err != nil {
			if loopCtx.Err() == nil {
				fail(failed(reasonSource, fmt.Errorf("stream: wait for block %d: %w", next, err)))
			}
			return
		}
		for top := p.src.Height(); next <= top; next++ {
			if loopCtx.Err() != nil {
				return
			}
			b, sig, err := p.src.Signed(next)
			if err != nil {
				fail(failed(reasonSource, fmt.Errorf("stream: read block %d: %w", next, err)))
				return
			}
			if err := p.waitSigned(loopCtx, b, sig); err != nil {
				if loopCtx.Err() == nil {
					fail(err)
				}
				return
			}
			rec, err := newBlockRecord(p.cfg.Topic, next, b, sig, time.Now())
			if err != nil {
				fail(failed(reasonSource, err))
				return
			}
			if size := recordBytes(rec); size > limit {
				// The blocks before it land first: the topic then ends right
				// below the height that waits.
				_ = cl.Flush(produceCtx)
				fail(failed(reasonTooLarge, fmt.Errorf("stream: block %d makes a record of %d bytes, but %s accepts at most %d (max.message.bytes): raise it to at least %d",
					next, size, p.cfg.Topic, limit, size)))
				return
			}
			height := next
			var span trace.Span
			if tracing.Enabled() {
				span = traceBlockRecord(produceCtx, b, rec)
			}
			cl.Produce(produceCtx, rec, func(_ *kgo.Record, err error) {
				if span != nil {
					if err != nil {
						span.SetStatus(codes.Error, err.Error())
					}
					span.End()
				}
				if err != nil {
					fail(fmt.Errorf("stream: publish block %d to %s: %w", height, p.cfg.Topic, err))
					return
				}
				p.metrics.published.Inc()
				p.setHeight(height)
				progress()
			})
		}
	}
}

// traceBlockRecord starts the span that publishes block b as rec, under
// the trace of the batch it was made from, and puts that span's context in
// rec's headers for the projector and gateways; nil when this process kept
// no trace of the batch.
func traceBlockRecord(ctx context.Context, b *aurigraphv1.Block, rec *kgo.Record) trace.Span {
	ctx, span, ok := tracing.StartBatchSpan(ctx, "aurigraph.publish", batchKey(b), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.Int64("aurigraph.block.height", int64(b.GetHeader().GetHeight())),
			attribute.String("messaging.destination.name", rec.Topic)))
	if !ok {
		return nil
	}
	tracing.Inject(ctx, &rec.Headers)
	return span
}

// batchKey names the batch block b was made from, as the ingest that
// proposed it remembered it.
func batchKey(b *aurigraphv1.Block) tracing.BatchKey {
	src := b.GetHeader().GetSources()
	if len(src) == 0 {
		return tracing.BatchKey{Partition: -1, Start: -1}
	}
	return tracing.BatchKey{Partition: src[0].GetPartition(), Start: src[0].GetStartOffset()}
}

// keyPoll is how often a block signed by a key the chain has not
// registered yet is checked again.
const keyPoll = 100 * time.Millisecond

// waitSigned returns once sig, the signature stored with b, verifies with
// the chain's keys; a key not registered yet is waited for up to KeyWait.
func (p *Publisher) waitSigned(ctx context.Context, b *aurigraphv1.Block, sig Signature) error {
	hd := b.GetHeader()
	deadline := time.Now().Add(p.cfg.KeyWait)
	for {
		err := chain.CheckSignature(hd, sig.Signer, sig.Signature, p.cfg.Keys)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, chain.ErrUnsigned):
			return failed(reasonSignature, fmt.Errorf("stream: block %d has no signature stored with it (a chain begun before validators signed their blocks?), and readers of %s refuse unsigned blocks: %w", hd.GetHeight(), p.cfg.Topic, err))
		case !errors.Is(err, chain.ErrUnknownSigner) || time.Now().After(deadline):
			return failed(reasonSignature, fmt.Errorf("stream: the signature stored with block %d does not verify with the chain's validator keys, so readers would refuse it: %w", hd.GetHeight(), err))
		}
		t := time.NewTimer(keyPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// recordFraming bounds a record batch's header (61 bytes) and one record's
// length, attributes, deltas and header count.
const recordFraming = 128

// recordBytes bounds what a block record weighs against max.message.bytes:
// the record batch around it, its key, value and headers.
func recordBytes(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value) + recordFraming
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

func newBlockRecord(topic string, height uint64, b *aurigraphv1.Block, sig Signature, committed time.Time) (*kgo.Record, error) {
	if got := b.GetHeader().GetHeight(); got != height {
		return nil, fmt.Errorf("stream: block source returned height %d when asked for %d", got, height)
	}
	value, err := proto.Marshal(&aurigraphv1.BlockEvent{Block: b, CommittedMs: committed.UnixMilli(), Signer: sig.Signer, Signature: sig.Signature})
	if err != nil {
		return nil, fmt.Errorf("stream: encode block %d: %w", height, err)
	}
	key := strconv.AppendUint(nil, height, 10)
	return &kgo.Record{
		Topic:     topic,
		Partition: 0,
		Key:       key,
		Value:     value,
		Headers:   []kgo.RecordHeader{{Key: heightHeader, Value: key}},
	}, nil
}
