package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ErrNotPublished is returned by TopicSource.Get for a height the blocks
// topic does not hold (yet, or any more after retention).
var ErrNotPublished = errors.New("stream: block not in the blocks topic")

// TopicSourceConfig configures a TopicSource.
type TopicSourceConfig struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic defaults to schemas.TopicBlocks.
	Topic string
	// Cache is how many of the newest blocks are kept in memory, and how
	// far back a gateway reads the topic when it starts; 4096 when 0.
	Cache int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// ClientOpts are applied after the source's own client options (TLS,
	// SASL, client id, ...).
	ClientOpts []kgo.Opt
	// RetryMax caps the pause between attempts after a failure (10s).
	RetryMax time.Duration
	// TopicCheck is how often the topic's id is checked, so that a topic
	// deleted and created again is followed anew (10s).
	TopicCheck time.Duration
}

// replayFetch is how many blocks one read of older heights brings in, so a
// replay costs a round trip per that many blocks rather than per block.
const replayFetch = 256

// TopicSource is a BlockSource that follows the blocks topic the leader's
// Publisher writes, for processes that serve the chain without being a
// validator (aurigraph gateway). The topic has one partition with offset =
// height-1, so any height is one fetch away; the newest blocks are cached.
type TopicSource struct {
	cfg       TopicSourceConfig
	log       *slog.Logger
	ready     chan struct{}
	readyOnce sync.Once

	mu      sync.Mutex
	head    uint64 // highest height in the topic that this source knows of
	start   uint64 // lowest height still in the topic
	recent  map[uint64]*aurigraphv1.Block
	older   map[uint64]*aurigraphv1.Block // fetched for replays, dropped wholesale when full
	changed chan struct{}
	err     error
	// resume is the offset after the last record read, where a client
	// made anew after a failure continues; -1 before the first record.
	resume int64
	status TopicSourceStatus
}

// TopicSourceStatus says whether a TopicSource follows its topic.
type TopicSourceStatus struct {
	// Following is false while reading the topic fails and is retried;
	// Err says why.
	Following bool
	Err       string
	// Failures counts attempts failed in a row.
	Failures int
	Since    time.Time
}

// Status reports whether the source follows its topic.
func (s *TopicSource) Status() TopicSourceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *TopicSource) setStatus(failures int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	following := err == nil
	if following != s.status.Following {
		s.status.Since = time.Now()
	}
	s.status.Following, s.status.Failures, s.status.Err = following, failures, ""
	if err != nil {
		s.status.Err = err.Error()
	}
}

// NewTopicSource checks cfg; Run connects.
func NewTopicSource(cfg TopicSourceConfig) (*TopicSource, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("stream: topic source needs at least one broker")
	}
	if cfg.Topic == "" {
		cfg.Topic = schemas.TopicBlocks
	}
	if cfg.Cache <= 0 {
		cfg.Cache = 4096
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 10 * time.Second
	}
	if cfg.TopicCheck <= 0 {
		cfg.TopicCheck = 10 * time.Second
	}
	return &TopicSource{
		cfg: cfg, log: cfg.Logger.With("component", "stream.topic_source", "topic", cfg.Topic),
		ready: make(chan struct{}), recent: make(map[uint64]*aurigraphv1.Block), older: make(map[uint64]*aurigraphv1.Block),
		changed: make(chan struct{}), resume: -1, status: TopicSourceStatus{Following: true, Since: time.Now()},
	}, nil
}

func (s *TopicSource) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	opts := append([]kgo.Opt{kgo.SeedBrokers(s.cfg.Brokers...), kgo.FetchMaxWait(100 * time.Millisecond)}, extra...)
	return append(opts, s.cfg.ClientOpts...)
}

// Ready is closed once the source knows the topic's head, so Height is
// meaningful.
func (s *TopicSource) Ready() <-chan struct{} { return s.ready }

// Run follows the topic until ctx is canceled, then returns nil. It waits
// for the topic to exist. A failure to read it is logged, shown by Status
// and retried with backoff (reset by every block read) from the last record
// read; a topic deleted and created again is followed anew.
func (s *TopicSource) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: 200 * time.Millisecond, Max: s.cfg.RetryMax}
	var gate retry.Gate
	for {
		err := s.runOnce(ctx, func() {
			if backoff.Failures() > 0 {
				backoff.Reset()
				gate.Clear()
				s.setStatus(0, nil)
			}
		})
		if ctx.Err() != nil {
			break
		}
		wait := backoff.Next()
		s.setStatus(backoff.Failures(), err)
		if ok, held := gate.Allow(err.Error()); ok {
			s.log.Error("reading the blocks topic failed; retrying", "err", err, "height", s.Height(), "retry_in", wait, "repeats_not_logged", held)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	s.mu.Lock()
	s.err = errors.New("stream: topic source stopped")
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

// runOnce follows the topic with one client until ctx ends or reading
// fails; progress is called once the topic is found, and after each poll
// that brought blocks.
func (s *TopicSource) runOnce(ctx context.Context, progress func()) error {
	s.mu.Lock()
	from := s.resume
	s.mu.Unlock()
	if from < 0 {
		start, end, err := s.bounds(ctx)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.start, s.head = uint64(start)+1, max(s.head, uint64(end))
		s.notifyLocked()
		s.mu.Unlock()
		s.readyOnce.Do(func() { close(s.ready) })
		s.log.Info("following the blocks topic", "head", end, "first_height", start+1)
		from = max(start, end-int64(s.cfg.Cache))
	}
	cl, err := kgo.NewClient(s.clientOpts(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		s.cfg.Topic: {0: kgo.NewOffset().At(from)},
	}))...)
	if err != nil {
		return fmt.Errorf("stream: create kafka consumer for %v: %w", s.cfg.Brokers, err)
	}
	defer cl.Close()
	meta, err := kafkatopic.Describe(ctx, cl, s.cfg.Topic)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	progress()
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() { stop(kafkatopic.Watch(runCtx, cl, s.cfg.Topic, meta.ID, s.cfg.TopicCheck)) }()
	for {
		fetches := cl.PollFetches(runCtx)
		if ctx.Err() != nil {
			return nil
		}
		if cause := context.Cause(runCtx); cause != nil {
			return fmt.Errorf("stream: follow %s: %w", s.cfg.Topic, cause)
		}
		if err := fetches.Err(); err != nil {
			return fmt.Errorf("stream: consume %s: %w", s.cfg.Topic, err)
		}
		var bad error
		fetches.EachRecord(func(rec *kgo.Record) {
			if bad != nil {
				return
			}
			b, err := blockOfRecord(rec)
			if err != nil {
				bad = err
				return
			}
			s.addRecent(b)
			s.mu.Lock()
			s.resume = rec.Offset + 1
			s.mu.Unlock()
		})
		if bad != nil {
			return bad
		}
		if !fetches.Empty() {
			progress()
		}
	}
}

// bounds waits for the topic and returns its start and end offsets.
func (s *TopicSource) bounds(ctx context.Context) (start, end int64, err error) {
	cl, err := kgo.NewClient(s.clientOpts()...)
	if err != nil {
		return 0, 0, fmt.Errorf("stream: create kafka client for %v: %w", s.cfg.Brokers, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	backoff := retry.Backoff{Min: 200 * time.Millisecond, Max: s.cfg.RetryMax}
	for warned := false; ; {
		starts, serr := adm.ListStartOffsets(ctx, s.cfg.Topic)
		ends, eerr := adm.ListEndOffsets(ctx, s.cfg.Topic)
		if err = errors.Join(serr, eerr); err == nil {
			err = errors.Join(starts.Error(), ends.Error())
		}
		if err == nil {
			so, sok := starts.Lookup(s.cfg.Topic, 0)
			eo, eok := ends.Lookup(s.cfg.Topic, 0)
			if sok && eok {
				return so.Offset, eo.Offset, nil
			}
			err = errors.New("partition 0 not listed")
		}
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
		if !warned {
			s.log.Warn("blocks topic not readable yet; retrying (is the pipeline's publisher running?)", "err", err)
			warned = true
		}
		if err := backoff.Wait(ctx); err != nil {
			return 0, 0, err
		}
	}
}

// blockOfRecord decodes a blocks-topic record and checks the offset =
// height-1 layout the Publisher guarantees.
func blockOfRecord(rec *kgo.Record) (*aurigraphv1.Block, error) {
	height, ev, err := decodeBlockRecord(rec.Key, rec.Value)
	if err != nil {
		return nil, fmt.Errorf("stream: record at offset %d of %s: %w", rec.Offset, rec.Topic, err)
	}
	if uint64(rec.Offset) != height-1 {
		return nil, fmt.Errorf("stream: %s holds height %d at offset %d, but offsets must follow heights: something other than the publisher wrote to it", rec.Topic, height, rec.Offset)
	}
	return ev.GetBlock(), nil
}

func (s *TopicSource) addRecent(b *aurigraphv1.Block) {
	h := b.GetHeader().GetHeight()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recent[h] = b
	if old := h - uint64(s.cfg.Cache); h > uint64(s.cfg.Cache) {
		delete(s.recent, old)
	}
	if h > s.head {
		s.head = h
		s.notifyLocked()
	}
}

func (s *TopicSource) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Height is the newest height in the topic that the source knows of.
func (s *TopicSource) Height() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// Wait returns once Height() >= height, with ctx's error, or with the
// error that stopped Run.
func (s *TopicSource) Wait(ctx context.Context, height uint64) error {
	for {
		s.mu.Lock()
		head, err, changed := s.head, s.err, s.changed
		s.mu.Unlock()
		if head >= height {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Get returns the block at height: from the cache, or from the topic in a
// fetch that also caches the heights after it.
func (s *TopicSource) Get(height uint64) (*aurigraphv1.Block, error) {
	s.mu.Lock()
	b, inTopic := s.recent[height], height >= s.start && height <= s.head
	if b == nil {
		b = s.older[height]
	}
	s.mu.Unlock()
	if b != nil {
		return b, nil
	}
	if !inTopic {
		return nil, fmt.Errorf("block %d: %w", height, ErrNotPublished)
	}
	// The newest heights arrive through Run soon after the head moves.
	if blk, err := s.waitRecent(height, 2*time.Second); blk != nil || err != nil {
		return blk, err
	}
	return s.fetchOlder(height)
}

// waitRecent waits for a height that is in the cache's range to arrive
// through Run; it returns nil at once for older heights.
func (s *TopicSource) waitRecent(height uint64, timeout time.Duration) (*aurigraphv1.Block, error) {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		b, head, changed := s.recent[height], s.head, s.changed
		s.mu.Unlock()
		if b != nil {
			return b, nil
		}
		if head >= uint64(s.cfg.Cache) && height <= head-uint64(s.cfg.Cache) || time.Now().After(deadline) {
			return nil, nil
		}
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
		}
	}
}

func (s *TopicSource) fetchOlder(height uint64) (*aurigraphv1.Block, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(s.clientOpts(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		s.cfg.Topic: {0: kgo.NewOffset().At(int64(height - 1))},
	}))...)
	if err != nil {
		return nil, fmt.Errorf("stream: create kafka consumer for %v: %w", s.cfg.Brokers, err)
	}
	defer cl.Close()
	last := min(height+replayFetch-1, s.Height())
	var want *aurigraphv1.Block
	for got := height - 1; got < last; {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			return nil, fmt.Errorf("stream: fetch height %d from %s: %w", height, s.cfg.Topic, err)
		}
		var bad error
		fetches.EachRecord(func(rec *kgo.Record) {
			b, err := blockOfRecord(rec)
			if err != nil {
				bad = err
				return
			}
			h := b.GetHeader().GetHeight()
			got = max(got, h)
			if h == height {
				want = b
			}
			s.mu.Lock()
			if len(s.older) >= s.cfg.Cache {
				clear(s.older)
			}
			s.older[h] = b
			s.mu.Unlock()
		})
		if bad != nil {
			return nil, bad
		}
	}
	if want == nil {
		return nil, fmt.Errorf("block %d: %w", height, ErrNotPublished)
	}
	return want, nil
}
