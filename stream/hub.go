package stream

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurigraph/aurigraph/internal/tracing"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Defaults of HubOptions.
const (
	// DefaultQueueSize is how many messages a live subscriber may fall
	// behind before it is moved to replay from storage.
	DefaultQueueSize = 1024
	// DefaultMaxLagBlocks is how far behind the head a replaying subscriber
	// may be before it is disconnected.
	DefaultMaxLagBlocks = 100_000
	// DefaultMaxPerClient is how many subscriptions one client may hold.
	DefaultMaxPerClient = 256
)

// validatorPoll is how often HubOptions.Validators is asked for changes.
const validatorPoll = 250 * time.Millisecond

var (
	// ErrLagged ends a subscription that fell more than MaxLagBlocks
	// behind the head. The subscriber got every block up to its last
	// message and can resume from the next height with a new subscription.
	ErrLagged = errors.New("stream: subscriber fell too far behind and was disconnected")
	// ErrHubClosed ends subscriptions when the hub stops, and refuses new ones.
	ErrHubClosed = errors.New("stream: hub stopped")
	// ErrTooManySubscriptions refuses a subscription beyond MaxPerClient.
	ErrTooManySubscriptions = errors.New("stream: too many subscriptions from this client")
)

// HubOptions configures a Hub. The zero value is usable.
type HubOptions struct {
	// QueueSize bounds each subscriber's queue; DefaultQueueSize when 0.
	QueueSize int
	// MaxLagBlocks: a subscriber moved to replay that is more than this many
	// blocks behind the head ends with ErrLagged; DefaultMaxLagBlocks when 0.
	MaxLagBlocks uint64
	// MaxPerClient limits the subscriptions of one SubscribeRequest.Client;
	// DefaultMaxPerClient when 0, no limit when negative.
	MaxPerClient int
	// Validators reports the validator set; the hub polls it and sends a
	// validator event on every change. When nil the hub learns leaders and
	// terms from block headers.
	Validators func() ValidatorStatus
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_stream_* hub metrics; nil registers none.
	Registerer prometheus.Registerer
	// Scope, when set, says which transactions the subscriber whose request
	// carries ctx may receive (nil: all). It applies on top of whatever
	// filter the subscriber asks for, and the subscriber cannot change it.
	Scope func(ctx context.Context) func(*aurigraphv1.Transaction) bool
}

// Hub tails a BlockSource and fans every block out to its subscribers, and
// keeps the per-second throughput behind Performance.
//
// The hub never waits for a subscriber: live messages go into each
// subscriber's bounded queue without blocking. A subscriber whose queue is
// full leaves the live fan-out and is fed from the source by a goroutine of
// its own, which only ever waits for that subscriber; once it reaches the
// head it rejoins the live fan-out.
type Hub struct {
	src     BlockSource
	opts    HubOptions
	log     *slog.Logger
	metrics *hubMetrics
	stats   *perfStats
	running atomic.Bool
	head    atomic.Uint64 // mirrors last for replays' lag checks

	mu         sync.Mutex
	last       uint64 // highest height fanned out; only Run's tail advances it
	validators ValidatorStatus
	// validatorsKnown is set once validators holds a real status.
	validatorsKnown bool
	subs            map[*Subscription]struct{}
	perClient       map[string]int
	closed          bool
	done            chan struct{} // closed when the hub stops
	pumps           sync.WaitGroup
}

// NewHub returns a hub that will stream blocks committed after src's current
// height; subscribers ask for older blocks with SubscribeRequest.FromHeight.
func NewHub(src BlockSource, opts HubOptions) *Hub {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.MaxLagBlocks == 0 {
		opts.MaxLagBlocks = DefaultMaxLagBlocks
	}
	if opts.MaxPerClient == 0 {
		opts.MaxPerClient = DefaultMaxPerClient
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Hub{
		src:       src,
		opts:      opts,
		log:       opts.Logger.With("component", "stream.hub"),
		metrics:   newHubMetrics(opts.Registerer),
		stats:     newPerfStats(time.Now()),
		last:      src.Height(),
		subs:      make(map[*Subscription]struct{}),
		perClient: make(map[string]int),
		done:      make(chan struct{}),
	}
	h.head.Store(h.last)
	return h
}

// Height is the highest block height the hub has delivered to subscribers.
func (h *Hub) Height() uint64 { return h.head.Load() }

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
	var poll <-chan time.Time
	if h.opts.Validators != nil {
		t := time.NewTicker(validatorPoll)
		defer t.Stop()
		poll = t.C
		h.pollValidators()
	}
	for {
		select {
		case now := <-ticker.C:
			h.tick(now)
		case <-poll:
			h.pollValidators()
		case err := <-tailed:
			h.Close()
			h.pumps.Wait()
			return err
		}
	}
}

func (h *Hub) tail(ctx context.Context) error {
	next := h.Height() + 1
	var gap uint64 // heights skipped since the last block delivered
	for {
		if err := h.src.Wait(ctx, next); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stream: wait for block %d: %w", next, err)
		}
		for top := h.src.Height(); next <= top; next++ {
			b, err := h.src.Get(next)
			if errors.Is(err, ErrNotPublished) {
				// A gateway's source lost these heights to the blocks
				// topic's retention before it read them: the live stream
				// goes on after them, and replays of them fail.
				gap++
				continue
			}
			if err != nil {
				return fmt.Errorf("stream: read block %d: %w", next, err)
			}
			if gap > 0 {
				h.log.Warn("the live stream skipped blocks its source no longer has", "from_height", next-gap, "to_height", next-1)
				gap = 0
			}
			if got := b.GetHeader().GetHeight(); got != next {
				return fmt.Errorf("stream: block source returned height %d when asked for %d", got, next)
			}
			h.fanOut(next, b)
		}
	}
}

func (h *Hub) fanOut(height uint64, b *aurigraphv1.Block) {
	// One span per block, not per subscriber: its cost stays flat however
	// many subscribe.
	delivered := 0
	if tracing.Enabled() {
		if _, span, ok := tracing.StartBatchSpan(context.Background(), "aurigraph.stream.fanout", batchKey(b),
			trace.WithAttributes(attribute.Int64("aurigraph.block.height", int64(height)))); ok {
			defer func() {
				span.SetAttributes(attribute.Int("aurigraph.stream.delivered", delivered))
				span.End()
			}()
		}
	}
	now := time.Now()
	h.stats.observe(now, b)
	msg := newBlockMessage(b, now)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = height
	h.head.Store(height)
	depth := 0
	for s := range h.subs {
		// A subscriber that asked to start above the head skips lower blocks.
		if height < s.next {
			continue
		}
		if m := s.match.Load(); !m.block && !m.tx {
			s.next = height + 1
			continue
		}
		if h.offerLocked(s, msg) {
			s.next = height + 1
			depth = max(depth, len(s.ch))
			delivered++
		}
	}
	h.metrics.queueDepth.Set(float64(depth))
	if h.opts.Validators == nil {
		hd := b.GetHeader()
		h.setValidatorsLocked(ValidatorStatus{Leader: hd.GetProposer(), Term: hd.GetRaftTerm(), Height: height})
	}
}

func (h *Hub) tick(now time.Time) {
	t, tps, blocks := h.stats.lastSecond(now)
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := newTPSMessage(TPSSample{T: t, TPS: tps, Blocks: blocks, Height: h.last})
	for s := range h.subs {
		if s.match.Load().tps {
			h.offerLocked(s, msg)
		}
	}
}

// PublishAlert sends a user-defined alert's transition to the subscribers
// that want alert events. Like tps and validator events, alert events are
// live only: the alert history API keeps them.
func (h *Hub) PublishAlert(t *aurigraphv1.AlertTransition) {
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := newAlertMessage(t, h.last)
	for s := range h.subs {
		if s.match.Load().alert {
			h.offerLocked(s, msg)
		}
	}
}

func (h *Hub) pollValidators() {
	v := h.opts.Validators()
	h.mu.Lock()
	defer h.mu.Unlock()
	v.Height = h.last
	h.setValidatorsLocked(v)
}

// setValidatorsLocked records v and sends it to the subscribers that want
// validator events if it differs from what they were last told.
func (h *Hub) setValidatorsLocked(v ValidatorStatus) {
	if h.validatorsKnown && v.same(h.validators) {
		return
	}
	h.validators, h.validatorsKnown = v, true
	msg := newValidatorMessage(v)
	for s := range h.subs {
		if s.match.Load().validator {
			h.offerLocked(s, msg)
		}
	}
}

// offerLocked queues msg for s without waiting. A full queue moves s from
// the live fan-out to a replay of its own, which blocks only on s.
func (h *Hub) offerLocked(s *Subscription, msg *Message) bool {
	select {
	case s.ch <- msg:
		return true
	default:
		delete(h.subs, s)
		s.stopWatch()
		s.replays++
		h.metrics.laggedReplays.Inc()
		h.log.Debug("subscriber fell behind: replaying it from storage", "next_height", s.next, "client", s.client, "transport", s.transport, "times", s.replays)
		h.pumps.Add(1)
		go h.catchUp(s)
		return false
	}
}

// Close ends every subscription with ErrHubClosed and refuses new ones,
// so servers can stop gracefully without waiting for streams that never
// end; replaying subscribers end themselves shortly after. Run keeps
// tailing until its context is canceled. Close may be called any number of
// times.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for s := range h.subs {
		delete(h.subs, s)
		h.finishLocked(s, ErrHubClosed)
	}
}

// SubscribeRequest says where a subscription starts and what it delivers.
type SubscribeRequest struct {
	// FromHeight is the first block to deliver; 0 means live only. Blocks
	// from there to the head are replayed from the source first, with no
	// height skipped or repeated at the switch to live. A height above the
	// head waits for that height.
	FromHeight uint64
	// After, instead of FromHeight, resumes right after the event with this
	// id (Event.ID): "H" or "H.I".
	After  string
	Filter Filter
	// Client identifies the subscriber for HubOptions.MaxPerClient, e.g.
	// its IP address; empty is not limited.
	Client string
	// Transport labels the subscription in metrics: websocket, sse, grpc.
	Transport string
}

// Subscribe starts a subscription. It ends when ctx is canceled, Close is
// called, the subscriber falls more than MaxLagBlocks behind, or the hub
// stops; Messages is closed then and Err says why.
func (h *Hub) Subscribe(ctx context.Context, req SubscribeRequest) (*Subscription, error) {
	m, err := req.Filter.compile()
	if err != nil {
		return nil, err
	}
	var start cursor
	switch {
	case req.After != "":
		if start, err = parseEventID(req.After); err != nil {
			return nil, err
		}
	case req.FromHeight > 0:
		start = cursor{height: req.FromHeight}
	}
	transport := req.Transport
	if transport == "" {
		transport = "other"
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Subscription{
		hub: h, ctx: ctx, cancel: cancel, ch: make(chan *Message, h.opts.QueueSize),
		start: start, client: req.Client, transport: transport, tm: h.metrics.transport(transport),
	}
	if h.opts.Scope != nil {
		s.scope = h.opts.Scope(ctx)
	}
	s.match.Store(m)

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		cancel()
		return nil, ErrHubClosed
	}
	if req.Client != "" && h.opts.MaxPerClient > 0 && h.perClient[req.Client] >= h.opts.MaxPerClient {
		cancel()
		return nil, fmt.Errorf("%w: %s already holds %d; close some, or raise the server's limit", ErrTooManySubscriptions, req.Client, h.opts.MaxPerClient)
	}
	if req.Client != "" {
		h.perClient[req.Client]++
	}
	s.tm.subscribers.Inc()
	if m.validator && h.validatorsKnown {
		s.ch <- newValidatorMessage(h.validators)
	}
	s.next = h.last + 1
	if start.height > 0 {
		s.next = start.height
	}
	if s.next > h.last {
		h.attachLocked(s)
		return s, nil
	}
	h.pumps.Add(1)
	go h.catchUp(s)
	return s, nil
}

// catchUp replays blocks from the source until the subscriber reaches the
// hub's head, then hands it to the live fan-out. The check and the handoff
// happen under the hub's lock, which fanOut also holds while it advances the
// head, so no block can slip between the replay and the live stream.
func (h *Hub) catchUp(s *Subscription) {
	defer h.pumps.Done()
	for {
		h.mu.Lock()
		switch {
		case h.closed:
			h.finishLocked(s, ErrHubClosed)
		case s.ctx.Err() != nil:
			h.finishLocked(s, s.ctx.Err())
		case s.next > h.last:
			h.attachLocked(s)
		default:
			target := h.last
			h.mu.Unlock()
			if err := h.replay(s, target); err != nil {
				h.mu.Lock()
				if errors.Is(err, ErrLagged) {
					h.metrics.lagged.Inc()
					h.metrics.failed(s.transport, reasonLagged)
					h.log.Warn("disconnecting lagging subscriber", "next_height", s.next, "head", target, "max_lag_blocks", h.opts.MaxLagBlocks, "client", s.client, "transport", s.transport)
				}
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
func (h *Hub) replay(s *Subscription, target uint64) error {
	for ; s.next <= target; s.next++ {
		if head := h.head.Load(); head > s.next && head-s.next > h.opts.MaxLagBlocks {
			return fmt.Errorf("%w: at height %d, %d blocks behind the head", ErrLagged, s.next, head-s.next)
		}
		if m := s.match.Load(); !m.block && !m.tx {
			continue
		}
		b, err := h.src.Get(s.next)
		if err != nil {
			return fmt.Errorf("stream: replay block %d: %w", s.next, err)
		}
		select {
		case s.ch <- newBlockMessage(b, time.Time{}):
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-h.done:
			return ErrHubClosed
		}
	}
	return nil
}

func (h *Hub) attachLocked(s *Subscription) {
	h.subs[s] = struct{}{}
	s.stopWatch = context.AfterFunc(s.ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			h.finishLocked(s, s.ctx.Err())
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
	s.tm.subscribers.Dec()
	if s.client != "" {
		if h.perClient[s.client]--; h.perClient[s.client] <= 0 {
			delete(h.perClient, s.client)
		}
	}
}

// Subscription is one subscriber's ordered view of the stream.
type Subscription struct {
	hub       *Hub
	ctx       context.Context
	cancel    context.CancelFunc
	ch        chan *Message
	stopWatch func() bool
	match     atomic.Pointer[matcher]
	// scope is the server's restriction on tx events; nil sees all.
	scope     func(*aurigraphv1.Transaction) bool
	start     cursor
	client    string
	transport string
	tm        *transportMetrics

	// Guarded by hub.mu, or owned by the replaying goroutine.
	next    uint64 // next block height owed to the subscriber
	replays int
	err     error
}

// Messages delivers the subscription's queue: blocks in height order, and
// once live, tps and validator messages. Events expands each into the
// events the filter selects. It is closed when the subscription ends.
func (s *Subscription) Messages() <-chan *Message { return s.ch }

// Events returns the events of m that the subscription's current filter
// selects, in order: a block's event, then its transactions by index. A
// resumed subscription's first block skips what the subscriber already had.
func (s *Subscription) Events(m *Message) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		mt := s.match.Load()
		switch m.Type {
		case MessageTPS:
			if mt.tps {
				yield(Event{Type: MessageTPS, Height: m.TPS.Height, msg: m})
			}
			return
		case MessageValidator:
			if mt.validator {
				yield(Event{Type: MessageValidator, Height: m.Validators.Height, msg: m})
			}
			return
		case MessageAlert:
			if mt.alert {
				yield(Event{Type: MessageAlert, Height: m.head, msg: m})
			}
			return
		case MessageBlock:
		default:
			return
		}
		height := m.Block.GetHeader().GetHeight()
		skipBlock, fromTx := false, uint32(0)
		if height == s.start.height && s.start.skipBlock {
			skipBlock, fromTx = true, s.start.tx
		}
		if mt.block && !skipBlock {
			if !yield(Event{Type: MessageBlock, Height: height, msg: m}) {
				return
			}
		}
		if !mt.tx {
			return
		}
		txs := m.Block.GetTxs()
		for i := int(fromTx); i < len(txs); i++ {
			if mt.matchTx(txs[i]) && (s.scope == nil || s.scope(txs[i].GetTx())) {
				if !yield(Event{Type: MessageTx, Height: height, TxIndex: uint32(i), msg: m}) {
					return
				}
			}
		}
	}
}

// SetFilter changes what the subscription delivers from the next message on.
func (s *Subscription) SetFilter(f Filter) error {
	m, err := f.compile()
	if err != nil {
		return err
	}
	s.match.Store(m)
	return nil
}

// Filter returns the subscription's current filter.
func (s *Subscription) Filter() Filter { return s.match.Load().filter }

// Sent accounts an event written to the subscriber: n bytes on the wire.
// Block events also record their delivery latency from commit.
func (s *Subscription) Sent(ev Event, n int) {
	s.tm.sent(ev.Type).Inc()
	s.tm.bytes.Add(float64(n))
	if ev.Type == MessageBlock && !ev.msg.Committed.IsZero() {
		s.tm.latency.Observe(time.Since(ev.msg.Committed).Seconds())
	}
}

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
