package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/health"
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
	// Health, when set, is told why publishing failed, the moment it does;
	// whether blocks reach the topic again is for its watcher to see.
	Health health.Reporter
}

// Publisher publishes every committed block, in height order, as a
// BlockEvent keyed by its decimal height to a single-partition topic.
//
// It never publishes a height twice and never skips one because it keeps no
// progress of its own: the topic is the progress. The topic has one
// partition, so its offsets follow heights (offset = height-1) and its last
// record names the last height published; each run reads that record and
// continues at the next height. Within a run the producer is idempotent, so
// broker-side retries cannot write a record twice, and a record that fails
// stops the run before any later height is produced (failing a batch also
// fails every record buffered behind it), so the topic never gets a hole. A
// run that stops with records unacknowledged loses nothing: the next run
// finds where the topic really ends. Both the startup check and every
// acknowledgement verify offset = height-1, so a violation (another writer,
// a second concurrent Publisher) stops publishing instead of spreading.
//
// Run exactly one Publisher per topic, on the validator that owns publishing.
type Publisher struct {
	cfg     PublisherConfig
	src     BlockSource
	log     *slog.Logger
	metrics publisherMetrics
	height  atomic.Uint64 // highest height known to be in the topic
}

// NewPublisher checks cfg; Run connects.
func NewPublisher(cfg PublisherConfig, src BlockSource) (*Publisher, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("stream: publisher needs at least one broker address (host:port)")
	}
	if src == nil {
		return nil, errors.New("stream: publisher needs a block source")
	}
	if cfg.Topic == "" {
		cfg.Topic = schemas.TopicBlocks
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Publisher{
		cfg:     cfg,
		src:     src,
		log:     cfg.Logger.With("component", "stream.publisher", "topic", cfg.Topic),
		metrics: newPublisherMetrics(cfg.Registerer),
	}, nil
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

// Height is the highest block height known to be in the topic: what the
// last run found there at start, plus every acknowledgement since.
func (p *Publisher) Height() uint64 { return p.height.Load() }

func (p *Publisher) setHeight(h uint64) {
	p.height.Store(h)
	p.metrics.height.Set(float64(h))
}

// Run publishes until ctx is canceled (returning nil once buffered records
// are flushed) or publishing fails (returning why; nothing after the failed
// height is published). Run again to resume.
func (p *Publisher) Run(ctx context.Context) error {
	cl, err := kgo.NewClient(p.clientOpts()...)
	if err != nil {
		return fmt.Errorf("stream: create kafka client for %v: %w", p.cfg.Brokers, err)
	}
	defer cl.Close()
	from, err := p.resumeHeight(ctx, kadm.NewClient(cl))
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	p.setHeight(from - 1)
	p.log.Info("publishing blocks", "from_height", from)
	return p.publish(ctx, cl, from)
}

// resumeHeight prepares the topic and returns the first height it lacks.
func (p *Publisher) resumeHeight(ctx context.Context, adm *kadm.Client) (uint64, error) {
	if err := p.ensureTopic(ctx, adm); err != nil {
		return 0, err
	}
	last, err := p.lastPublished(ctx, adm)
	if err != nil || last == nil {
		return 1, err
	}
	if err := p.checkSameChain(ctx, last); err != nil {
		return 0, err
	}
	return last.GetBlock().GetHeader().GetHeight() + 1, nil
}

// ensureTopic creates the topic with one partition, or checks that the
// existing one has exactly one.
func (p *Publisher) ensureTopic(ctx context.Context, adm *kadm.Client) error {
	// The topic is the durable record of what was published and where the
	// next run resumes, so it must not age out.
	retain := "-1"
	_, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"retention.ms": &retain}, p.cfg.Topic)
	if err == nil {
		p.log.Info("created topic", "partitions", 1)
		return nil
	}
	if !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("stream: create topic %s: %w", p.cfg.Topic, err)
	}
	topics, err := adm.ListTopics(ctx, p.cfg.Topic)
	if err != nil {
		return fmt.Errorf("stream: describe topic %s: %w", p.cfg.Topic, err)
	}
	td := topics[p.cfg.Topic]
	if td.Err != nil {
		return fmt.Errorf("stream: describe topic %s: %w", p.cfg.Topic, td.Err)
	}
	if n := len(td.Partitions); n != 1 {
		return fmt.Errorf("stream: topic %s has %d partitions, but block events need exactly 1 so that offsets follow heights: delete it or choose another topic", p.cfg.Topic, n)
	}
	return nil
}

// lastPublished reads the topic's last record; nil when the topic is empty.
func (p *Publisher) lastPublished(ctx context.Context, adm *kadm.Client) (*aurigraphv1.BlockEvent, error) {
	ends, err := adm.ListEndOffsets(ctx, p.cfg.Topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("stream: list end offset of %s: %w", p.cfg.Topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, p.cfg.Topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("stream: list start offset of %s: %w", p.cfg.Topic, err)
	}
	end, _ := ends.Lookup(p.cfg.Topic, 0)
	start, _ := starts.Lookup(p.cfg.Topic, 0)
	if end.Offset == 0 {
		return nil, nil
	}
	if start.Offset >= end.Offset {
		return nil, fmt.Errorf("stream: topic %s ends at offset %d but holds no records (deleted by retention?), so the last published height is unknown: restore retention.ms=-1 and republish into a fresh topic", p.cfg.Topic, end.Offset)
	}
	rec, err := p.fetch(ctx, end.Offset-1)
	if err != nil {
		return nil, err
	}
	height, ev, err := decodeBlockRecord(rec.Key, rec.Value)
	if err != nil {
		return nil, fmt.Errorf("stream: last record of %s (offset %d): %w", p.cfg.Topic, rec.Offset, err)
	}
	if height != uint64(rec.Offset)+1 {
		return nil, fmt.Errorf("stream: topic %s holds height %d at offset %d, but offsets must follow heights (offset = height-1): something else wrote to it; publish into a fresh topic", p.cfg.Topic, height, rec.Offset)
	}
	return ev, nil
}

// fetch reads the record at offset of partition 0 with a short-lived consumer.
func (p *Publisher) fetch(ctx context.Context, offset int64) (*kgo.Record, error) {
	cl, err := kgo.NewClient(p.clientOpts(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		p.cfg.Topic: {0: kgo.NewOffset().At(offset)},
	}))...)
	if err != nil {
		return nil, fmt.Errorf("stream: create kafka consumer for %v: %w", p.cfg.Brokers, err)
	}
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			return nil, fmt.Errorf("stream: fetch offset %d of %s: %w", offset, p.cfg.Topic, err)
		}
		for it := fetches.RecordIter(); !it.Done(); {
			if r := it.Next(); r.Offset == offset {
				return r, nil
			}
		}
	}
}

// checkSameChain refuses to extend a topic that another chain wrote: after a
// chain reset the heights would line up while the blocks do not.
func (p *Publisher) checkSameChain(ctx context.Context, last *aurigraphv1.BlockEvent) error {
	hd := last.GetBlock().GetHeader()
	if p.src.Height() < hd.GetHeight() {
		p.log.Info("waiting for the local chain to reach the topic", "topic_height", hd.GetHeight(), "local_height", p.src.Height())
	}
	if err := p.src.Wait(ctx, hd.GetHeight()); err != nil {
		return fmt.Errorf("stream: wait for block %d: %w", hd.GetHeight(), err)
	}
	b, err := p.src.Get(hd.GetHeight())
	if err != nil {
		return fmt.Errorf("stream: read block %d: %w", hd.GetHeight(), err)
	}
	if !bytes.Equal(b.GetHeader().GetHash(), hd.GetHash()) {
		return fmt.Errorf("stream: topic %s holds block %d with hash %x, but the local chain's block %d is %x: the topic belongs to another chain; publish into a fresh topic", p.cfg.Topic, hd.GetHeight(), hd.GetHash(), hd.GetHeight(), b.GetHeader().GetHash())
	}
	return nil
}

// errStopped marks a publish loop that ended because Run's context did.
var errStopped = errors.New("stream: publisher stopped")

// publish tails the source from height from. Produce uses its own context so
// that shutdown flushes buffered records instead of canceling them; that
// context ends on the first failure, or when the flush grace runs out.
func (p *Publisher) publish(ctx context.Context, cl *kgo.Client, from uint64) error {
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

	p.tail(loopCtx, produceCtx, cl, from, fail)
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

func (p *Publisher) tail(loopCtx, produceCtx context.Context, cl *kgo.Client, next uint64, fail func(error)) {
	for {
		if err := p.src.Wait(loopCtx, next); err != nil {
			if loopCtx.Err() == nil {
				fail(fmt.Errorf("stream: wait for block %d: %w", next, err))
			}
			return
		}
		for top := p.src.Height(); next <= top; next++ {
			if loopCtx.Err() != nil {
				return
			}
			b, err := p.src.Get(next)
			if err != nil {
				fail(fmt.Errorf("stream: read block %d: %w", next, err))
				return
			}
			rec, err := newBlockRecord(p.cfg.Topic, next, b, time.Now())
			if err != nil {
				fail(err)
				return
			}
			height := next
			cl.Produce(produceCtx, rec, func(r *kgo.Record, err error) {
				if err != nil {
					fail(fmt.Errorf("stream: publish block %d to %s: %w", height, p.cfg.Topic, err))
					return
				}
				if r.Offset != int64(height)-1 {
					fail(fmt.Errorf("stream: block %d landed at offset %d of %s instead of %d: another writer is using the topic", height, r.Offset, p.cfg.Topic, height-1))
					return
				}
				p.metrics.published.Inc()
				p.setHeight(height)
			})
		}
	}
}

func newBlockRecord(topic string, height uint64, b *aurigraphv1.Block, committed time.Time) (*kgo.Record, error) {
	if got := b.GetHeader().GetHeight(); got != height {
		return nil, fmt.Errorf("stream: block source returned height %d when asked for %d", got, height)
	}
	value, err := proto.Marshal(&aurigraphv1.BlockEvent{Block: b, CommittedMs: committed.UnixMilli()})
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

// decodeBlockRecord decodes a record of the blocks topic and checks that its
// key names the height of the block it carries.
func decodeBlockRecord(key, value []byte) (uint64, *aurigraphv1.BlockEvent, error) {
	height, err := strconv.ParseUint(string(key), 10, 64)
	if err != nil || height == 0 || strconv.FormatUint(height, 10) != string(key) {
		return 0, nil, fmt.Errorf("key %q is not a block height", key)
	}
	var ev aurigraphv1.BlockEvent
	if err := proto.Unmarshal(value, &ev); err != nil {
		return 0, nil, fmt.Errorf("decode block event %d: %w", height, err)
	}
	if got := ev.GetBlock().GetHeader().GetHeight(); got != height {
		return 0, nil, fmt.Errorf("key says height %d but the block event holds height %d", height, got)
	}
	return height, &ev, nil
}
