package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/coder/websocket"

	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/stream"
)

// StreamConfig configures RunStream.
type StreamConfig struct {
	// Subscribers are WebSocket connections to the live stream.
	Subscribers int
	// Duration is the measured window, after a warm-up of its own.
	Duration time.Duration
	// Rate is the open-loop load in tx/s while subscribers listen.
	Rate      float64
	Producers int
	TxSize    int
	// Query is the subscription's query string, e.g. "types=block".
	Query string
	// Portal subscribes as the web portal does instead of with Query:
	// blocks, throughput and validator changes from a replay of the newest
	// blocks on, offering permessage-deflate as browsers do.
	Portal bool
	// Gateway, when set, starts a reader that follows the pipeline's
	// blocks topic (an aurigraph gateway) and returns its HTTP address:
	// subscribers connect there. Delivery is then timed from the moment
	// the validators committed each block, which this process sees.
	Gateway    func(ctx context.Context, brokers []string, validatorHTTP string) (httpAddr string, stop func() error, err error)
	Validators int
	// CPUProfile, when set, receives a pprof CPU profile of the load.
	CPUProfile io.Writer
	Logger     *slog.Logger
}

// StreamReport is the JSON `aurigraph bench stream` writes.
type StreamReport struct {
	Version int     `json:"version"`
	Started string  `json:"started"`
	Machine Machine `json:"machine"`
	Config  struct {
		Subscribers int     `json:"subscribers"`
		DurationS   float64 `json:"duration_s"`
		Rate        float64 `json:"rate"`
		Query       string  `json:"query"`
		Validators  int     `json:"validators"`
		// Via is "gateway" when subscribers read from a gateway.
		Via string `json:"via,omitempty"`
	} `json:"config"`
	// Connected subscribers at the start of the window; Disconnected of
	// them ended before the run did.
	Connected    int `json:"connected"`
	Disconnected int `json:"disconnected"`
	// CommittedTPS and BlocksPerS are the chain's rates in the window: the
	// blocks committed in the second half of the load, the first half
	// being the warm-up.
	CommittedTPS float64 `json:"committed_tps"`
	BlocksPerS   float64 `json:"blocks_per_s"`
	// Delivered counts block events received in the window, Expected what
	// every connected subscriber should have received.
	Delivered int64 `json:"delivered"`
	Expected  int64 `json:"expected"`
	// Gaps are heights a subscriber skipped; Duplicates heights it got
	// twice; Undelivered heights still missing at the end of the run.
	Gaps        int64 `json:"gaps"`
	Duplicates  int64 `json:"duplicates"`
	Undelivered int64 `json:"undelivered"`
	// DeliveryMs is from the server's committed_ms of a block (when its hub
	// saw it committed; whole milliseconds) to its arrival at a subscriber,
	// over every subscriber and block of the window. Through a gateway it is
	// from the validators' commit instead, which the gateway's hub sees later.
	DeliveryMs   Percentiles `json:"delivery_ms"`
	CPUSeconds   float64     `json:"cpu_seconds"`
	PeakRSSBytes int64       `json:"peak_rss_bytes"`
}

// subscriber is one live-stream connection's bookkeeping.
type subscriber struct {
	next                   atomic.Uint64 // next height expected; 0 before the first
	gaps, dups, windowSeen atomic.Int64
	ended                  atomic.Bool
}

// heightWindow is the range of heights measured: first is set when the
// window opens, last when it closes.
type heightWindow struct{ first, last atomic.Uint64 }

func (w *heightWindow) holds(h uint64) bool {
	first, last := w.first.Load(), w.last.Load()
	return first != 0 && h >= first && (last == 0 || h <= last)
}

// shardedHistogram spreads recording over locks, since thousands of
// goroutines record at once.
type shardedHistogram struct {
	shards [32]struct {
		mu sync.Mutex
		h  *hdrhistogram.Histogram
	}
}

func newShardedHistogram() *shardedHistogram {
	s := &shardedHistogram{}
	for i := range s.shards {
		s.shards[i].h = newHistogram()
	}
	return s
}

func (s *shardedHistogram) record(shard int, us int64) {
	sh := &s.shards[shard%len(s.shards)]
	sh.mu.Lock()
	sh.h.RecordValue(max(us, 1))
	sh.mu.Unlock()
}

func (s *shardedHistogram) merged() *hdrhistogram.Histogram {
	out := newHistogram()
	for i := range s.shards {
		s.shards[i].mu.Lock()
		out.Merge(s.shards[i].h)
		s.shards[i].mu.Unlock()
	}
	return out
}

// RunStream measures the live stream's fan-out: it connects Subscribers
// WebSocket clients, drives the pipeline at Rate, and reports delivery
// latency from commit and every gap or duplicate a subscriber saw.
func RunStream(ctx context.Context, cfg StreamConfig, start Starter) (*StreamReport, error) {
	if cfg.Subscribers <= 0 || cfg.Duration <= 0 || cfg.Rate <= 0 || cfg.Producers <= 0 {
		return nil, errors.New("bench stream: subscribers, duration, rate and producers must be positive")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	dataDir, err := os.MkdirTemp("", "aurigraph-bench-stream-")
	if err != nil {
		return nil, fmt.Errorf("bench data dir: %w", err)
	}
	defer os.RemoveAll(dataDir)
	tgt, stop, err := start(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer stop()
	if err := waitUntil(ctx, 20*time.Second, "a raft leader", tgt.HasLeader); err != nil {
		return nil, err
	}

	rep := &StreamReport{Version: 1, Started: time.Now().UTC().Format(time.RFC3339),
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()}}
	rep.Config.Subscribers, rep.Config.DurationS, rep.Config.Rate = cfg.Subscribers, cfg.Duration.Seconds(), cfg.Rate
	if cfg.Portal {
		cfg.Query = PortalQuery(tgt.Chain.Height())
	}
	rep.Config.Query, rep.Config.Validators = cfg.Query, cfg.Validators

	var window heightWindow
	hist := newShardedHistogram()
	subs := make([]*subscriber, cfg.Subscribers)
	subCtx, cancelSubs := context.WithCancel(ctx)
	defer cancelSubs()
	host := tgt.HTTP
	var clock *commitClock
	if cfg.Gateway != nil {
		gw, stopGateway, err := cfg.Gateway(ctx, tgt.Brokers, tgt.HTTP)
		if err != nil {
			return nil, fmt.Errorf("bench stream: start the gateway: %w", err)
		}
		defer stopGateway()
		host, rep.Config.Via = gw, "gateway"
		clock = newCommitClock()
		go clock.watch(subCtx, tgt.Chain)
	}
	url := liveStreamURL(host) + "?" + cfg.Query
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancelSubs()
	dials := make(chan struct{}, 64)
	var dialErr firstError
	var dialOpts *websocket.DialOptions
	if cfg.Portal {
		dialOpts = &websocket.DialOptions{CompressionMode: websocket.CompressionNoContextTakeover}
	}
	log.Info("bench stream: connecting subscribers", "count", cfg.Subscribers, "url", url)
	for i := range subs {
		subs[i] = &subscriber{}
		dials <- struct{}{}
		c, _, err := websocket.Dial(subCtx, url, dialOpts)
		<-dials
		if err != nil {
			dialErr.set(fmt.Errorf("subscriber %d: dial %s: %w", i, url, err))
			break
		}
		wg.Add(1)
		go func(s *subscriber, shard int) {
			defer wg.Done()
			defer c.CloseNow()
			defer s.ended.Store(true)
			readStream(subCtx, c, s, hist, shard, &window, clock)
		}(subs[i], i)
	}
	if err := dialErr.get(); err != nil {
		return nil, err
	}
	rep.Connected = cfg.Subscribers

	// Warm up as long as the window, so batching and the subscribers' queues
	// have settled; count commits only inside the window.
	cpu0, wall0 := cpuOf(tgt.PIDs), time.Now()
	run := "stream" + strconv.FormatInt(time.Now().Unix()%1_000_000, 36)
	producers := make([]*producer, cfg.Producers)
	for i := range producers {
		producers[i] = newProducer(run, i, cfg.TxSize, false)
	}
	// The window is the blocks committed in the second half of the load.
	go func() {
		select {
		case <-time.After(cfg.Duration):
		case <-subCtx.Done():
			return
		}
		window.first.Store(tgt.Chain.Height() + 1)
		select {
		case <-time.After(cfg.Duration):
		case <-subCtx.Done():
			return
		}
		window.last.Store(tgt.Chain.Height())
	}()
	log.Info("bench stream: load on", "rate", cfg.Rate, "warm_up", cfg.Duration, "window", cfg.Duration)
	spec := loadSpec{brokers: tgt.Brokers, topic: schemas.TopicTransactions, phase: "s", rate: cfg.Rate, duration: 2 * cfg.Duration}
	if cfg.CPUProfile != nil {
		if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
			return nil, fmt.Errorf("bench stream: cpu profile: %w", err)
		}
	}
	_, err = runLoad(ctx, spec, producers, nil)
	if cfg.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	cpu := cpuOf(tgt.PIDs) - cpu0
	elapsed := time.Since(wall0)

	// Give the tail a moment, then count what each subscriber still lacks.
	head := tgt.Chain.Height()
	_ = waitUntil(ctx, 10*time.Second, "subscribers at the head", func() bool {
		for _, s := range subs {
			if !s.ended.Load() && s.next.Load() <= head {
				return false
			}
		}
		return true
	})
	for _, s := range subs {
		if s.ended.Load() {
			rep.Disconnected++
			continue
		}
		if n := s.next.Load(); n <= head {
			rep.Undelivered += int64(head - n + 1)
		}
		rep.Gaps += s.gaps.Load()
		rep.Duplicates += s.dups.Load()
		rep.Delivered += s.windowSeen.Load()
	}
	first, last := window.first.Load(), window.last.Load()
	if first == 0 || last < first {
		return nil, fmt.Errorf("bench stream: no block committed in the %v window", cfg.Duration)
	}
	var txs int
	for h := first; h <= last; h++ {
		b, err := tgt.Chain.Get(h)
		if err != nil {
			return nil, fmt.Errorf("bench stream: read block %d: %w", h, err)
		}
		txs += len(b.GetTxs())
	}
	blocks := int64(last - first + 1)
	rep.CommittedTPS = float64(txs) / cfg.Duration.Seconds()
	rep.BlocksPerS = float64(blocks) / cfg.Duration.Seconds()
	rep.Expected = blocks * int64(cfg.Subscribers-rep.Disconnected)
	rep.DeliveryMs = percentiles(hist.merged())
	rep.CPUSeconds = cpu.Seconds()
	rep.PeakRSSBytes = peakRSS()
	log.Info("bench stream: done", "elapsed", elapsed.Round(time.Millisecond))
	return rep, nil
}

// PortalQuery is the subscription the web portal opens when the chain is
// at head: blocks, throughput and validator changes, from a replay of the
// newest 50 blocks on.
func PortalQuery(head uint64) string {
	return fmt.Sprintf("types=block,tps,validator&from_height=%d", max(head, 50)-49)
}

// commitClock records when this process saw each height committed.
type commitClock struct {
	mu sync.Mutex
	at map[uint64]time.Time
}

func newCommitClock() *commitClock { return &commitClock{at: map[uint64]time.Time{}} }

// watch records commit times of the chain's new heights until ctx ends.
func (c *commitClock) watch(ctx context.Context, chain stream.BlockSource) {
	next := chain.Height() + 1
	for chain.Wait(ctx, next) == nil {
		now := time.Now()
		c.mu.Lock()
		for top := chain.Height(); next <= top; next++ {
			c.at[next] = now
		}
		c.mu.Unlock()
	}
}

func (c *commitClock) get(height uint64) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.at[height]
	return t, ok
}

// readStream reads block events until the connection or ctx ends. With a
// clock, delivery is timed from the commit it recorded.
func readStream(ctx context.Context, c *websocket.Conn, s *subscriber, hist *shardedHistogram, shard int, window *heightWindow, clock *commitClock) {
	c.SetReadLimit(1 << 20)
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		height, committedMs, ok := blockFields(data)
		if !ok {
			continue
		}
		switch next := s.next.Load(); {
		case next == 0 || height == next:
		case height > next:
			s.gaps.Add(int64(height - next))
		default:
			s.dups.Add(1)
			continue
		}
		s.next.Store(height + 1)
		if window.holds(height) {
			s.windowSeen.Add(1)
			committed := time.UnixMilli(committedMs)
			if clock != nil {
				if t, ok := clock.get(height); ok {
					committed = t
				}
			}
			hist.record(shard, at.Sub(committed).Microseconds())
		}
	}
}

// blockFields picks height and committed_ms out of a block frame without
// decoding the rest: thousands of subscribers share the machine with the
// pipeline they measure.
func blockFields(frame []byte) (height uint64, committedMs int64, ok bool) {
	if !bytes.HasPrefix(frame, []byte(`{"type":"block"`)) {
		return 0, 0, false
	}
	h, ok1 := jsonNumberAfter(frame, []byte(`"height":`))
	c, ok2 := jsonNumberAfter(frame, []byte(`"committed_ms":`))
	return h, int64(c), ok1 && ok2
}

func jsonNumberAfter(frame, key []byte) (uint64, bool) {
	i := bytes.Index(frame, key)
	if i < 0 {
		return 0, false
	}
	rest := frame[i+len(key):]
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	v, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return v, err == nil
}

// WriteMarkdown writes the report as a short table.
func (r *StreamReport) WriteMarkdown(w io.Writer) {
	via := ""
	if r.Config.Via != "" {
		via = " through a " + r.Config.Via
	}
	fmt.Fprintf(w, "Stream bench: %d WebSocket subscribers%s (%s), %s tx/s offered, %d validators, %d CPUs, %s\n\n",
		r.Config.Subscribers, via, r.Config.Query, HumanRate(r.Config.Rate), r.Config.Validators, r.Machine.CPUs, r.Machine.Go)
	fmt.Fprintln(w, "| figure | value |")
	fmt.Fprintln(w, "| --- | ---: |")
	fmt.Fprintf(w, "| committed tx/s in the window | %s |\n", HumanRate(r.CommittedTPS))
	fmt.Fprintf(w, "| blocks/s | %.1f |\n", r.BlocksPerS)
	fmt.Fprintf(w, "| commit → received ms p50 / p90 / p99 / p99.9 / max | %s / %s / %s / %s / %s |\n",
		trim(r.DeliveryMs.P50), trim(r.DeliveryMs.P90), trim(r.DeliveryMs.P99), trim(r.DeliveryMs.P999), trim(r.DeliveryMs.Max))
	fmt.Fprintf(w, "| block events delivered / expected | %d / %d |\n", r.Delivered, r.Expected)
	fmt.Fprintf(w, "| gaps / duplicates / undelivered at the end | %d / %d / %d |\n", r.Gaps, r.Duplicates, r.Undelivered)
	fmt.Fprintf(w, "| subscribers connected / disconnected early | %d / %d |\n", r.Connected, r.Disconnected)
	fmt.Fprintf(w, "| CPU seconds (load and window) | %.1f |\n", r.CPUSeconds)
	fmt.Fprintf(w, "| peak RSS of this process | %.0f MiB |\n", float64(r.PeakRSSBytes)/(1<<20))
}
