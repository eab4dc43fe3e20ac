package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// DefaultQueueSize is how many messages a subscriber may fall behind the
// live stream before it is disconnected.
const DefaultQueueSize = 1024

var (
	// ErrLagged ends a subscription whose queue overflowed. The subscriber
	// got every block up to its last message and can resume from the next
	// height with a new subscription.
	ErrLagged = errors.New("stream: subscriber fell too far behind and was disconnected")
	// ErrHubClosed ends subscriptions when the hub stops, and refuses new ones.
	ErrHubClosed = errors.New("stream: hub stopped")
)

// HubOptions configures a Hub. The zero value is usable.
type HubOptions struct {
	// QueueSize bounds each subscriber's queue; DefaultQueueSize when 0.
	QueueSize int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_stream_* hub metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Hub tails a BlockSource and fans every block out to its subscribers, and
// keeps the per-second throughput behind Performance.
//
// The hub never waits for a subscriber: live messages go into each
// subscriber's bounded queue without blocking, and a full queue ends that
// subscription with ErrLagged.
type Hub struct {
	src       BlockSource
	queueSize int
	log       *slog.Logger
	metrics   hubMetrics
	stats     *perfStats
	running   atomic.Bool

	mu     sync.Mutex
	last   uint64 // highest height fanned out; only Run's tail advances it
	subs   map[*Subscription]struct{}
	closed bool
	done   chan struct{} // closed when the hub stops
	pumps  sync.WaitGroup
}

// NewHub returns a hub that will stream blocks committed after src's current
// height; subscribers ask for older blocks with Subscribe's fromHeight.
func NewHub(src BlockSource, opts HubOptions) *Hub {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Hub{
		src:       src,
		queueSize: opts.QueueSize,
		log:       opts.Logger.With("component", "stream.hub"),
		metrics:   newHubMetrics(opts.Registerer),
		stats:     newPerfStats(time.Now()),
		last:      src.Height(),
		subs:      make(map[*Subscription]struct{}),
		done:      make(chan struct{}),
	}
}

// Height is the highest block height the hub has delivered to subscribers.
func (h *Hub) Height() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Performance reports throughput and commit latency over the last minute.
func (h *Hub) Performance() Performance {
	p := h.stats.snapshot(time.Now())
	p.Height = h.Height()
	return p
}

// Run tails the source and emits a tps message every second until ctx is
// canceled (then it returns nil) or reading the source fails. Either way
// every subscription ends with ErrHubClosed before Run returns. Run may be
// called once.
func (h *Hub) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("stream: Hub.Run called more than once")
	}
	tailed := make(chan error, 1)
	go func() { tailed <- h.tail(ctx) }()

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case now := <-ticker.C:
			h.tick(now)
		case err := <-tailed:
			h.shutdown()
			return err
		}
	}
}

func (h *Hub) tail(ctx context.Context) error {
	next := h.Height() + 1
	for {
		if err := h.src.Wait(ctx, next); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stream: wait for block %d: %w", next, err)
		}
		for top := h.src.Height(); next <= top; next++ {
			b, err := h.src.Get(next)
			if err != nil {
				return fmt.Errorf("stream: read block %d: %w", next, err)
			}
			if got := b.GetHeader().GetHeight(); got != next {
				return fmt.Errorf("stream: block source returned height %d when asked for %d", got, next)
			}
			h.fanOut(next, b)
		}
	}
}

func (h *Hub) fanOut(height uint64, b *aurigraphv1.Block) {
	h.stats.observe(time.Now(), b)
	msg := newBlockMessage(b)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = height
	for s := range h.subs {
		// A subscriber that asked to start above the head skips lower blocks.
		if height < s.next {
			continue
		}
		if h.offerLocked(s, msg) {
			s.next = height + 1
		}
	}
}

func (h *Hub) tick(now time.Time) {
	t, tps := h.stats.lastSecond(now)
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := newTPSMessage(TPSSample{T: t, TPS: tps, Height: h.last})
	for s := range h.subs {
		h.offerLocked(s, msg)
	}
}

// offerLocked queues msg for s without waiting, and ends s if its queue is full.
func (h *Hub) offerLocked(s *Subscription, msg Message) bool {
	select {
	case s.ch <- msg:
		return true
	default:
		delete(h.subs, s)
		h.metrics.lagged.Inc()
		h.log.Warn("disconnecting lagging subscriber", "queue_size", h.queueSize, "next_height", s.next)
		h.finishLocked(s, ErrLagged)
		return false
	}
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	close(h.done)
	for s := range h.subs {
		delete(h.subs, s)
		h.finishLocked(s, ErrHubClosed)
	}
	h.mu.Unlock()
	// Replaying subscribers see done and end themselves.
	h.pumps.Wait()
}

// Subscribe starts a subscription. With fromHeight 0 it delivers blocks
// committed from now on; otherwise it first replays fromHeight up to the live
// head from the source and then continues live, with no height skipped or
// repeated. A fromHeight above the head waits for that height. The
// subscription ends when ctx is canceled, Close is called, the subscriber
// lags, or the hub stops; Messages is closed then and Err says why.
func (h *Hub) Subscribe(ctx context.Context, fromHeight uint64) (*Subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &Subscription{hub: h, ch: make(chan Message, h.queueSize), cancel: cancel}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		cancel()
		return nil, ErrHubClosed
	}
	h.metrics.subscribers.Inc()
	s.next = h.last + 1
	if fromHeight > 0 {
		s.next = fromHeight
	}
	if s.next > h.last {
		h.attachLocked(ctx, s)
		return s, nil
	}
	h.pumps.Add(1)
	go h.catchUp(ctx, s)
	return s, nil
}

// catchUp replays blocks from the source until the subscriber reaches the
// hub's head, then hands it to the live fan-out. The check and the handoff
// happen under the hub's lock, which fanOut also holds while it advances the
// head, so no block can slip between the replay and the live stream.
func (h *Hub) catchUp(ctx context.Context, s *Subscription) {
	defer h.pumps.Done()
	for {
		h.mu.Lock()
		switch {
		case h.closed:
			h.finishLocked(s, ErrHubClosed)
		case ctx.Err() != nil:
			h.finishLocked(s, ctx.Err())
		case s.next > h.last:
			h.attachLocked(ctx, s)
		default:
			target := h.last
			h.mu.Unlock()
			if err := h.replay(ctx, s, target); err != nil {
				h.mu.Lock()
				h.finishLocked(s, err)
				h.mu.Unlock()
				return
			}
			continue
		}
		h.mu.Unlock()
		return
	}
}

// replay sends s.next..target. It may block on the subscriber's queue: while
// replaying, a slow subscriber only slows itself down.
func (h *Hub) replay(ctx context.Context, s *Subscription, target uint64) error {
	for ; s.next <= target; s.next++ {
		b, err := h.src.Get(s.next)
		if err != nil {
			return fmt.Errorf("stream: replay block %d: %w", s.next, err)
		}
		select {
		case s.ch <- newBlockMessage(b):
		case <-ctx.Done():
			return ctx.Err()
		case <-h.done:
			return ErrHubClosed
		}
	}
	return nil
}

func (h *Hub) attachLocked(ctx context.Context, s *Subscription) {
	h.subs[s] = struct{}{}
	s.stopWatch = context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			h.finishLocked(s, ctx.Err())
		}
	})
}

// finishLocked ends s exactly once; by then nothing else sends on s.ch.
func (h *Hub) finishLocked(s *Subscription, err error) {
	s.err = err
	close(s.ch)
	if s.stopWatch != nil {
		s.stopWatch()
	}
	s.cancel()
	h.metrics.subscribers.Dec()
}

// Subscription is one subscriber's ordered view of the stream.
type Subscription struct {
	hub       *Hub
	ch        chan Message
	cancel    context.CancelFunc
	stopWatch func() bool
	next      uint64 // next block height owed to the subscriber
	err       error
}

// Messages delivers blocks in height order and a tps message every second
// once live. It is closed when the subscription ends.
func (s *Subscription) Messages() <-chan Message { return s.ch }

// Err says why the subscription ended: ErrLagged, ErrHubClosed, the context's
// error (also after Close), or a source read error. It is nil while the
// subscription is open.
func (s *Subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.err
}

// Close ends the subscription; Messages is closed shortly after.
func (s *Subscription) Close() { s.cancel() }
