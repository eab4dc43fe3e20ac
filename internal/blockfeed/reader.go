package blockfeed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/internal/tracing"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	defaultTopicCheck = 10 * time.Second
	// retryPoll bounds a poll's wait while a skipped block waits for a
	// refreshed anchor, or while no anchor is known, so the reader comes
	// back to ask again even when the topic is idle.
	retryPoll = 2 * time.Second
	// logEvery paces the log line of each rejection reason.
	logEvery = 10 * time.Second
)

// Config configures a Reader.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic defaults to schemas.TopicBlocks.
	Topic string
	// ClientOpts are applied after the reader's own client options (TLS,
	// SASL, fetch sizes and waits). They must not configure a group.
	ClientOpts []kgo.Opt
	// Trust supplies the anchor; required unless Insecure.
	Trust Trust
	// Insecure accepts blocks without checking signatures or the genesis
	// link; shape, hashes and the links between blocks are still checked.
	Insecure bool
	// TopicCheck is how often the topic's id is checked (10s).
	TopicCheck time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Rejections counts skipped records; nil counts none.
	Rejections *Rejections
}

// check completes c for a reader, which needs a trust anchor.
func (c *Config) check() error {
	if c.Trust == nil && !c.Insecure {
		return errors.New("blockfeed: no trust anchor to verify blocks with; give one, or run explicitly without verification")
	}
	return c.checkTopic()
}

// checkTopic completes c for reading records alone.
func (c *Config) checkTopic() error {
	if len(c.Brokers) == 0 {
		return errors.New("blockfeed: no brokers; give at least one host:port")
	}
	if c.Topic == "" {
		c.Topic = schemas.TopicBlocks
	}
	if c.TopicCheck <= 0 {
		c.TopicCheck = defaultTopicCheck
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// anchor is what to verify with now: nothing to wait for without a trust.
func (c *Config) anchor() (Anchor, bool) {
	if c.Insecure {
		return Anchor{}, true
	}
	return c.Trust.Anchor()
}

// Block is an accepted block event and the offset of its record.
type Block struct {
	Event  *aurigraphv1.BlockEvent
	Offset int64
	// Trace is the span context the record's traceparent header names,
	// read only while tracing is on.
	Trace trace.SpanContext
}

// Batch is what one Poll accepted.
type Batch struct {
	Blocks []Block
	// Records is how many records the poll read, accepted or not.
	Records int
	// HighWatermark is the partition's end as of the fetch, -1 if unknown.
	HighWatermark int64
}

// Reader follows the blocks topic's single partition from a Position and
// returns only the blocks a Verifier accepts. When the next block was
// skipped for a key the anchor lacked, the reader refreshes the anchor
// (paced by the Trust) and, once it changed, reads again from that record,
// so the real block is found even though its record went by. It is not
// safe for concurrent use.
type Reader struct {
	cfg Config
	log *slog.Logger
	v   *Verifier

	admin, cl *kgo.Client
	watchCtx  context.Context
	stopWatch context.CancelCauseFunc
	watchDone chan struct{}

	// frontier is the offset after the last record judged: records below
	// it met again after a seek are not counted twice.
	frontier int64
	// retryFrom is the offset of the first record of the next height
	// skipped for an unknown key, or -1; retryVersion is the anchor's
	// version it was judged with.
	retryFrom    int64
	retryVersion uint64
	gates        map[string]*retry.Gate
	anchorGate   retry.Gate
}

var errClosed = errors.New("blockfeed: reader closed")

// Open connects and positions the reader after pos: at pos.Offset when it
// belongs to the topic as it is now, at the lowest offset the next height
// can have otherwise.
func Open(ctx context.Context, cfg Config, pos Position) (*Reader, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	admin, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("blockfeed: create kafka client for %v: %w", cfg.Brokers, err)
	}
	meta, err := kafkatopic.Describe(ctx, admin, cfg.Topic)
	if err != nil {
		admin.Close()
		return nil, fmt.Errorf("blockfeed: %w", err)
	}
	offset := int64(pos.Height)
	if bytes.Equal(pos.TopicID, meta.ID) {
		offset = max(offset, pos.Offset)
	}
	pos.Offset, pos.TopicID = offset, meta.ID
	r := &Reader{
		cfg: cfg, log: cfg.Logger.With("component", "blockfeed", "topic", cfg.Topic),
		v: NewVerifier(pos), admin: admin, frontier: offset, retryFrom: -1,
		gates: make(map[string]*retry.Gate), watchDone: make(chan struct{}),
	}
	if r.cl, err = r.consumer(offset); err != nil {
		admin.Close()
		return nil, err
	}
	r.watchCtx, r.stopWatch = context.WithCancelCause(context.WithoutCancel(ctx))
	go func() {
		defer close(r.watchDone)
		// A kgo client keeps the topic id it started with and quietly
		// fetches nothing from a topic created again under the same name.
		if err := kafkatopic.Watch(r.watchCtx, admin, cfg.Topic, meta.ID, cfg.TopicCheck); err != nil {
			r.stopWatch(err)
		}
	}()
	return r, nil
}

func (r *Reader) consumer(offset int64) (*kgo.Client, error) {
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(r.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{r.cfg.Topic: {0: kgo.NewOffset().At(offset)}}),
	}, r.cfg.ClientOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("blockfeed: create kafka consumer for %v: %w", r.cfg.Brokers, err)
	}
	return cl, nil
}

// Close stops the reader. Call it once, after the last Poll.
func (r *Reader) Close() {
	r.stopWatch(errClosed)
	<-r.watchDone
	r.cl.Close()
	r.admin.Close()
}

// Position is the last accepted block and where to read after it.
func (r *Reader) Position() Position { return r.v.Position() }

// TopicID is the id of the topic the reader follows.
func (r *Reader) TopicID() []byte { return r.v.Position().TopicID }

// topicErr reports the topic deleted or created again; the error wraps
// kafkatopic.ErrReplaced.
func (r *Reader) topicErr() error {
	if cause := context.Cause(r.watchCtx); cause != nil && cause != errClosed {
		return fmt.Errorf("blockfeed: follow %s: %w", r.cfg.Topic, cause)
	}
	return nil
}

// Poll reads up to maxRecords records and returns the blocks among them
// that are accepted, in height order. It waits for records until ctx ends,
// or, while a block waits for a refreshed anchor, at most a couple of
// seconds. Fetch failures, and ctx's error, are returned with whatever was
// accepted; the caller backs off after fetch failures. An error wrapping kafkatopic.ErrReplaced
// means the topic was deleted or created again: Close the reader and Open
// another from Position.
func (r *Reader) Poll(ctx context.Context, maxRecords int) (Batch, error) {
	b := Batch{HighWatermark: -1}
	if err := r.topicErr(); err != nil {
		return b, err
	}
	an, ok := r.anchor(ctx)
	if !ok {
		return b, ctx.Err()
	}
	if r.retryFrom >= 0 && r.newerAnchor(ctx, r.retryVersion) {
		if err := r.seek(r.retryFrom); err != nil {
			return b, err
		}
		r.log.Info("validator keys changed; reading again the records skipped for an unknown key", "from_offset", r.retryFrom, "next_height", r.v.Next())
		r.retryFrom = -1
		if an, ok = r.anchor(ctx); !ok {
			return b, ctx.Err()
		}
	}
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.watchCtx, cancel)
	defer stop()
	if r.retryFrom >= 0 {
		var cancelWait context.CancelFunc
		pollCtx, cancelWait = context.WithTimeout(pollCtx, retryPoll)
		defer cancelWait()
	}
	fetches := r.cl.PollRecords(pollCtx, maxRecords)
	if err := r.topicErr(); err != nil {
		// Open from Position reads whatever this poll brought again.
		return b, err
	}
	// Records that came back are judged even when ctx ended meanwhile:
	// the client will not return them again.
	errs := []error{ctx.Err()}
	fetches.EachError(func(topic string, partition int32, err error) {
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("blockfeed: fetch %s/%d: %w", topic, partition, err))
		}
	})
	fetches.EachPartition(func(p kgo.FetchTopicPartition) { b.HighWatermark = p.HighWatermark })
	recs := fetches.Records()
	b.Records = len(recs)
	for _, rec := range recs {
		ev, rej := r.v.Check(rec.Key, rec.Value, rec.Offset, an)
		if rej != nil && rej.Reason == ReasonUnknownSigner && !r.cfg.Insecure && r.newerAnchor(ctx, an.Version) {
			if an, ok = r.anchor(ctx); !ok {
				return b, ctx.Err()
			}
			ev, rej = r.v.Check(rec.Key, rec.Value, rec.Offset, an)
		}
		switch {
		case rej == nil:
			r.retryFrom = -1
			blk := Block{Event: ev, Offset: rec.Offset}
			if tracing.Enabled() {
				blk.Trace = tracing.Extract(rec.Headers)
			}
			b.Blocks = append(b.Blocks, blk)
		case rej.Reason == ReasonUnknownSigner && r.retryFrom < 0:
			r.retryFrom, r.retryVersion = rec.Offset, an.Version
			fallthrough
		default:
			r.reject(rec, rej)
		}
		r.frontier = max(r.frontier, rec.Offset+1)
	}
	return b, errors.Join(errs...)
}

// newerAnchor asks the trust for fresher keys and reports whether the
// anchor is now newer than version, whichever refresh found the change.
func (r *Reader) newerAnchor(ctx context.Context, version uint64) bool {
	r.cfg.Trust.Refresh(ctx)
	an, ok := r.cfg.anchor()
	return ok && an.Version != version
}

// anchor returns the anchor, waiting a little for one while none is known.
func (r *Reader) anchor(ctx context.Context) (Anchor, bool) {
	if an, ok := r.cfg.anchor(); ok {
		return an, true
	}
	r.cfg.Trust.Refresh(ctx)
	if an, ok := r.cfg.anchor(); ok {
		return an, true
	}
	if ok, held := r.anchorGate.Allow("no anchor"); ok {
		r.log.Warn("no validator keys known yet; reading the blocks topic waits for them", "repeats_not_logged", held)
	}
	t := time.NewTimer(retryPoll)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return Anchor{}, false
}

func (r *Reader) seek(offset int64) error {
	cl, err := r.consumer(offset)
	if err != nil {
		return err
	}
	r.cl.Close()
	r.cl = cl
	return nil
}

func (r *Reader) reject(rec *kgo.Record, rej *Rejection) {
	if rej.Quiet || rec.Offset < r.frontier {
		return
	}
	r.cfg.Rejections.inc(rej.Reason)
	g := r.gates[rej.Reason]
	if g == nil {
		g = &retry.Gate{Every: logEvery}
		r.gates[rej.Reason] = g
	}
	if ok, held := g.Allow(rej.Reason); ok {
		r.log.Warn("skipped a record of the blocks topic that is not the next valid block",
			"reason", rej.Reason, "offset", rec.Offset, "height", rej.Height, "next_height", r.v.Next(),
			"err", rej.Err, "repeats_not_logged", held)
	}
}

// WaitAnchor returns once cfg's trust knows an anchor, asking it for one
// with backoff meanwhile, or with ctx's error.
func WaitAnchor(ctx context.Context, cfg Config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	backoff := retry.Backoff{Min: 200 * time.Millisecond, Max: retryPoll}
	var gate retry.Gate
	for {
		if _, ok := cfg.anchor(); ok {
			return nil
		}
		cfg.Trust.Refresh(ctx)
		if _, ok := cfg.anchor(); ok {
			return nil
		}
		if ok, held := gate.Allow("no anchor"); ok {
			cfg.Logger.Warn("no validator keys known yet; reading the blocks topic waits for them", "topic", cfg.Topic, "repeats_not_logged", held)
		}
		if err := backoff.Wait(ctx); err != nil {
			return err
		}
	}
}

// Verified reports whether ev is a block the chain's validators signed,
// whatever its height and link: well formed, and signed by a key cfg's
// anchor holds (refreshed once when the key is unknown). Without
// verification it checks the shape alone.
func Verified(ctx context.Context, cfg Config, ev *aurigraphv1.BlockEvent) bool {
	if chain.CheckBlock(ev.GetBlock()) != nil {
		return false
	}
	if cfg.Insecure {
		return true
	}
	if cfg.Trust == nil {
		return false
	}
	an, ok := cfg.anchor()
	if !ok {
		return false
	}
	hd := ev.GetBlock().GetHeader()
	err := chain.CheckSignature(hd, ev.GetSigner(), ev.GetSignature(), an.Keys)
	if errors.Is(err, chain.ErrUnknownSigner) {
		cfg.Trust.Refresh(ctx)
		if newer, ok := cfg.anchor(); ok && newer.Version != an.Version {
			err = chain.CheckSignature(hd, ev.GetSigner(), ev.GetSignature(), newer.Keys)
		}
	}
	return err == nil
}

// Reads of ranges by FindHead.
const (
	// rangeIdle is how long a range read waits for a record before it
	// takes the topic's end as reached: the last offsets may be control
	// records, which are never returned.
	rangeIdle = 2 * time.Second
	// maxHeadWindow bounds the records Head reads in one go.
	maxHeadWindow = 256
)

// Head is the highest block a scan of the topic found.
type Head struct {
	Height uint64
	Offset int64
	// Skipped counts the records the scan read and did not take.
	Skipped int
	// Start and End are the topic's first and next offsets.
	Start, End int64
}

// FindHead returns the highest height whose record accept takes, or
// Height 0. It uses cfg's brokers, topic and client options alone. It reads back from the end of the topic in growing windows and
// stops as soon as no higher block can lie before the window, since the
// block of height h sits at offset h-1 or later; so it reads the topic's
// last record, plus whatever others wrote since the block it finds.
func FindHead(ctx context.Context, cfg Config, accept func(*aurigraphv1.BlockEvent) (bool, error)) (Head, error) {
	if err := cfg.checkTopic(); err != nil {
		return Head{}, err
	}
	start, end, err := topicBounds(ctx, cfg)
	if err != nil {
		return Head{}, err
	}
	head := Head{Offset: -1, Start: start, End: end}
	window := int64(1)
	for hi := end; hi > start; {
		lo := max(start, hi-window)
		err := readRange(ctx, cfg, lo, hi, func(rec *kgo.Record) error {
			ev, err := Decode(rec.Key, rec.Value)
			if err != nil {
				head.Skipped++
				return nil
			}
			h := ev.GetBlock().GetHeader().GetHeight()
			if h <= head.Height {
				return nil
			}
			ok, err := accept(ev)
			if err != nil {
				return err
			}
			if !ok {
				head.Skipped++
				return nil
			}
			head.Height, head.Offset = h, rec.Offset
			return nil
		})
		if err != nil {
			return Head{}, err
		}
		if lo <= int64(head.Height) {
			break
		}
		hi, window = lo, min(2*window, maxHeadWindow)
	}
	return head, nil
}

// topicBounds returns the topic's first and next offsets.
func topicBounds(ctx context.Context, cfg Config) (start, end int64, err error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)...)
	if err != nil {
		return 0, 0, fmt.Errorf("blockfeed: create kafka client for %v: %w", cfg.Brokers, err)
	}
	defer cl.Close()
	return bounds(ctx, cl, cfg.Topic)
}

// readRange calls fn with every record of offsets [lo, hi), in order, as far
// as the topic holds them; it stops at fn's first error.
func readRange(ctx context.Context, cfg Config, lo, hi int64, fn func(*kgo.Record) error) error {
	if lo >= hi {
		return nil
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: {0: kgo.NewOffset().At(lo)}}),
	}, cfg.ClientOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("blockfeed: create kafka consumer for %v: %w", cfg.Brokers, err)
	}
	defer cl.Close()
	for {
		pollCtx, cancel := context.WithTimeout(ctx, rangeIdle)
		fetches := cl.PollFetches(pollCtx)
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		var fetchErr error
		fetches.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && fetchErr == nil {
				fetchErr = err
			}
		})
		if fetchErr != nil {
			return fmt.Errorf("blockfeed: read offsets %d..%d of %s: %w", lo, hi-1, cfg.Topic, fetchErr)
		}
		recs := fetches.Records()
		if len(recs) == 0 {
			return nil
		}
		for _, rec := range recs {
			if rec.Offset < lo || rec.Offset >= hi {
				continue
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if recs[len(recs)-1].Offset >= hi-1 {
			return nil
		}
	}
}

func bounds(ctx context.Context, cl *kgo.Client, topic string) (start, end int64, err error) {
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return 0, 0, fmt.Errorf("blockfeed: list the start offset of %s: %w", topic, err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, 0, fmt.Errorf("blockfeed: list the end offset of %s: %w", topic, err)
	}
	so, sok := starts.Lookup(topic, 0)
	eo, eok := ends.Lookup(topic, 0)
	if !sok || !eok {
		return 0, 0, fmt.Errorf("blockfeed: %s has no partition 0", topic)
	}
	return so.Offset, eo.Offset, nil
}
