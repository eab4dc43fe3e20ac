package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/internal/tracing"
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
	// Trust supplies the validator keys and genesis hash blocks are
	// verified with; required unless Insecure.
	Trust blockfeed.Trust
	// Insecure serves blocks without checking their signatures or block
	// 1's link to the genesis: anyone who can write the topic decides what
	// the source serves.
	Insecure bool
	// Registerer receives aurigraph_stream_blocks_rejected_total; nil
	// registers none.
	Registerer prometheus.Registerer
}

// replayFetch is how many blocks one read of older heights brings in, so a
// replay costs a round trip per that many blocks rather than per block.
const replayFetch = 256

// TopicSource is a BlockSource that follows the blocks topic the leader's
// Publisher writes, for processes that serve the chain without being a
// validator (aurigraph gateway). It serves only blocks that verify (see
// internal/blockfeed): anything else someone wrote to the topic is skipped
// and counted. It starts at the newest blocks, caches them, and fetches
// older heights on demand from where it saw them in the topic, or else from
// the lowest offset they can have.
type TopicSource struct {
	cfg       TopicSourceConfig
	log       *slog.Logger
	ready     chan struct{}
	readyOnce sync.Once
	rejected  *blockfeed.Rejections

	mu     sync.Mutex
	head   uint64 // highest height verified in the topic
	start  uint64 // lowest height surely still in the topic
	recent map[uint64]*aurigraphv1.Block
	older  map[uint64]*aurigraphv1.Block // fetched for replays, dropped wholesale when full
	// hashes of blocks verified on their own links, kept longer than the
	// blocks, so that fetches of older heights can link to the block before
	// them rather than take their first block on its signature alone.
	hashes  map[uint64][]byte
	changed chan struct{}
	err     error
	// located is set once the head was found; pos is then the last block
	// accepted and where a reader made anew after a failure continues.
	located bool
	pos     blockfeed.Position
	offsets offsetIndex
	status  TopicSourceStatus
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
	if cfg.Trust == nil && !cfg.Insecure {
		return nil, errors.New("stream: topic source needs validator keys to verify blocks with (or to be told explicitly to serve them unverified)")
	}
	rejected, err := blockfeed.NewRejections(cfg.Registerer, "stream")
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	return &TopicSource{
		cfg: cfg, log: cfg.Logger.With("component", "stream.topic_source", "topic", cfg.Topic), rejected: rejected,
		ready: make(chan struct{}), recent: make(map[uint64]*aurigraphv1.Block), older: make(map[uint64]*aurigraphv1.Block),
		hashes: make(map[uint64][]byte), changed: make(chan struct{}), status: TopicSourceStatus{Following: true, Since: time.Now()},
	}, nil
}

// feed is the configuration of the source's readers of the topic;
// rejections are counted only by the reader that follows the topic, so
// that fetches of older heights do not count the same records again.
func (s *TopicSource) feed(counted bool) blockfeed.Config {
	cfg := blockfeed.Config{
		Brokers: s.cfg.Brokers, Topic: s.cfg.Topic, Trust: s.cfg.Trust,
		ClientOpts: append([]kgo.Opt{kgo.FetchMaxWait(100 * time.Millisecond)}, s.cfg.ClientOpts...),
		Insecure:   s.cfg.Insecure, TopicCheck: s.cfg.TopicCheck, Logger: s.cfg.Logger,
	}
	if counted {
		cfg.Rejections = s.rejected
	}
	return cfg
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

// runOnce follows the topic with one reader until ctx ends or reading
// fails; progress is called once the topic is found, and after each poll
// that brought records.
func (s *TopicSource) runOnce(ctx context.Context, progress func()) error {
	s.mu.Lock()
	located, pos := s.located, s.pos
	s.mu.Unlock()
	if !located {
		var err error
		if pos, err = s.locate(ctx); err != nil {
			return err
		}
	}
	r, err := blockfeed.Open(ctx, s.feed(true), pos)
	if err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	defer r.Close()
	if !bytes.Equal(r.TopicID(), pos.TopicID) {
		// Offsets seen in another topic say nothing about this one.
		s.mu.Lock()
		s.offsets = offsetIndex{}
		s.mu.Unlock()
	}
	progress()
	for {
		batch, err := r.Poll(ctx, replayFetch)
		if ctx.Err() != nil {
			return nil
		}
		for _, blk := range batch.Blocks {
			// The hub's fan-out of this block finds the publisher's span
			// here, as it finds the ingest's on a validator.
			tracing.RememberBatch(batchKey(blk.Event.GetBlock()), blk.Trace)
			s.addRecent(blk.Event.GetBlock(), blk.Offset)
		}
		s.mu.Lock()
		s.pos = r.Position()
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		if batch.Records > 0 && len(batch.Blocks) == 0 {
			if err := s.checkBehind(ctx, r.Position()); err != nil {
				return err
			}
		}
		if batch.Records > 0 {
			progress()
		}
	}
}

// checkBehind finds out whether the records after pos are gone: retention
// deleted blocks this source had not read yet (it was stopped, or slower
// than the topic's retention). The next height can then never come, so the
// source starts again from the newest blocks, as at its start; the heights
// in between are not served.
func (s *TopicSource) checkBehind(ctx context.Context, pos blockfeed.Position) error {
	start, _, err := s.bounds(ctx)
	if err != nil || start <= pos.Offset {
		return nil
	}
	s.mu.Lock()
	s.located = false
	s.mu.Unlock()
	s.log.Warn("the blocks topic's retention deleted blocks this gateway had not read yet; following from the newest blocks again, and heights in between are not served",
		"next_height", pos.Height+1, "next_offset", pos.Offset, "topic_start_offset", start)
	return fmt.Errorf("%w: blocks from height %d on were deleted before they were read", ErrNotPublished, pos.Height+1)
}

// locate waits for the topic and the validator keys, finds the newest block
// in the topic and returns where to start reading so that the cache fills
// with the newest blocks.
func (s *TopicSource) locate(ctx context.Context) (blockfeed.Position, error) {
	start, _, err := s.bounds(ctx)
	if err != nil {
		return blockfeed.Position{}, err
	}
	feed := s.feed(false)
	if err := blockfeed.WaitAnchor(ctx, feed); err != nil {
		return blockfeed.Position{}, err
	}
	head, err := blockfeed.FindHead(ctx, feed, func(ev *aurigraphv1.BlockEvent) (bool, error) {
		return blockfeed.Verified(ctx, feed, ev), nil
	})
	if err != nil {
		return blockfeed.Position{}, fmt.Errorf("stream: %w", err)
	}
	first := uint64(1)
	if head.Height > uint64(s.cfg.Cache) {
		first = head.Height - uint64(s.cfg.Cache) + 1
	}
	// Retention may have deleted the cache's oldest heights already: the
	// block of height h sits at offset h-1 or later, so the first record
	// left holds a height of at most start+1, and reading from it skips
	// whatever lies below that height as blocks taken before.
	first = min(max(first, uint64(start)+1), max(head.Height, 1))
	// The block before the first is unknown, so the first is taken on its
	// signature; from height 1 on, the genesis hash stands for it.
	pos := blockfeed.Position{Height: first - 1, Offset: int64(first - 1)}
	s.mu.Lock()
	s.located, s.pos = true, pos
	s.start, s.head = uint64(start)+1, max(s.head, head.Height)
	s.notifyLocked()
	s.mu.Unlock()
	s.readyOnce.Do(func() { close(s.ready) })
	s.log.Info("following the blocks topic", "head", head.Height, "first_height", first, "skipped_records", head.Skipped)
	return pos, nil
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

func (s *TopicSource) addRecent(b *aurigraphv1.Block, offset int64) {
	h := b.GetHeader().GetHeight()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offsets.add(h, offset)
	s.rememberLocked(b)
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

// fetchOlder reads height and the heights after it from the topic and
// caches them. They are verified from the block before height when its
// hash is known (or height is 1); otherwise the first of them is taken on
// its signature alone.
func (s *TopicSource) fetchOlder(height uint64) (*aurigraphv1.Block, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.mu.Lock()
	pos := blockfeed.Position{Height: height - 1, Offset: int64(height - 1), TopicID: s.pos.TopicID}
	if off, ok := s.offsets.lookup(height); ok {
		pos.Offset = off
	}
	pos.Hash = s.hashes[height-1]
	last := min(height+replayFetch-1, s.head)
	s.mu.Unlock()
	r, err := blockfeed.Open(ctx, s.feed(false), pos)
	if err != nil {
		return nil, fmt.Errorf("stream: fetch height %d: %w", height, err)
	}
	defer r.Close()
	var want *aurigraphv1.Block
	for r.Position().Height < last {
		pollCtx, cancelPoll := context.WithTimeout(ctx, olderIdle)
		batch, err := r.Poll(pollCtx, replayFetch)
		cancelPoll()
		for _, blk := range batch.Blocks {
			b := blk.Event.GetBlock()
			if b.GetHeader().GetHeight() == height {
				want = b
			}
			s.mu.Lock()
			if len(s.older) >= s.cfg.Cache {
				clear(s.older)
			}
			s.older[b.GetHeader().GetHeight()] = b
			s.rememberLocked(b)
			s.mu.Unlock()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("stream: fetch height %d from %s: %w", height, s.cfg.Topic, ctx.Err())
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("stream: fetch height %d from %s: %w", height, s.cfg.Topic, err)
		}
		if batch.Records == 0 {
			break // the end of the topic
		}
	}
	if want == nil {
		return nil, fmt.Errorf("block %d: %w", height, ErrNotPublished)
	}
	return want, nil
}

// olderIdle is how long a fetch of older heights waits for a record before
// it takes the end of the topic as reached.
const olderIdle = 2 * time.Second

// maxHashes bounds the verified hashes kept: 64K heights, a few MB.
const maxHashes = 1 << 16

func (s *TopicSource) rememberLocked(b *aurigraphv1.Block) {
	if len(s.hashes) >= maxHashes {
		clear(s.hashes)
	}
	s.hashes[b.GetHeader().GetHeight()] = b.GetHeader().GetHash()
}

// offsetIndex remembers where accepted heights sit in the topic, as runs of
// consecutive heights whose offset is height-1+shift. A run starts only
// where records of others pushed the following heights further along, so
// the index stays small; beyond maxOffsetRuns the oldest half is dropped
// and those heights are searched from their lower bound again.
type offsetIndex struct {
	runs []offsetRun
}

type offsetRun struct {
	from  uint64
	shift int64
}

const maxOffsetRuns = 1 << 16

// add records height at offset; heights are added in increasing order.
func (x *offsetIndex) add(height uint64, offset int64) {
	shift := offset - int64(height-1)
	if n := len(x.runs); n > 0 {
		if last := x.runs[n-1]; height < last.from || last.shift == shift {
			return
		}
	}
	x.runs = append(x.runs, offsetRun{from: height, shift: shift})
	if len(x.runs) > maxOffsetRuns {
		x.runs = slices.Clone(x.runs[len(x.runs)/2:])
	}
}

func (x *offsetIndex) lookup(height uint64) (int64, bool) {
	i := sort.Search(len(x.runs), func(i int) bool { return x.runs[i].from > height }) - 1
	if i < 0 {
		return 0, false
	}
	return int64(height-1) + x.runs[i].shift, true
}
