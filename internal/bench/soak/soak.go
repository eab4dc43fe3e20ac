// Package soak holds a pipeline under steady load for minutes and records
// how its memory, its disk and the answers to status reads behave over
// time: whether anything grows without bound, what a committed transaction
// costs on each validator's disk, and whether status reads keep answering.
// `aurigraph bench --profile soak` runs it against a dev process of its own.
package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultDuration    = 10 * time.Minute
	DefaultMaxPhase    = 30 * time.Second
	DefaultShare       = 0.5
	DefaultSampleEvery = 5 * time.Second
	DefaultPollEvery   = time.Second
	// DefaultReadTimeout is how long a status read may take before it
	// counts as unanswered.
	DefaultReadTimeout = 5 * time.Second
)

// maxBacklog bounds the records waiting to commit while the maximum is
// measured: enough for full batches, little enough to drain in seconds.
const maxBacklog = 100_000

// Config is one soak run. Zero fields take the defaults.
type Config struct {
	// Duration is how long the steady load runs.
	Duration time.Duration
	// Rate is the load in tx/s over the three paths; 0 measures the
	// maximum first (MaxPhase of flooding the three paths in the same
	// mix) and takes Share of it.
	Rate     float64
	MaxPhase time.Duration
	Share    float64
	// SampleEvery spaces the samples of memory, disk and progress;
	// PollEvery the status reads.
	SampleEvery time.Duration
	PollEvery   time.Duration
	ReadTimeout time.Duration
	Logger      *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	c.Duration = cmpOr(c.Duration, DefaultDuration)
	c.MaxPhase = cmpOr(c.MaxPhase, DefaultMaxPhase)
	c.Share = cmpOr(c.Share, DefaultShare)
	c.SampleEvery = cmpOr(c.SampleEvery, DefaultSampleEvery)
	c.PollEvery = cmpOr(c.PollEvery, DefaultPollEvery)
	c.ReadTimeout = cmpOr(c.ReadTimeout, DefaultReadTimeout)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch {
	case c.Duration < time.Minute:
		return c, fmt.Errorf("soak --duration %v: use at least 1m; the flatness figures compare whole minutes", c.Duration)
	case c.Rate < 0:
		return c, fmt.Errorf("soak --rate %v: must not be negative (0 measures the maximum first)", c.Rate)
	case c.Share <= 0 || c.Share > 1:
		return c, fmt.Errorf("soak share %v of the maximum: use a value in (0, 1]", c.Share)
	case c.SampleEvery <= 0 || c.PollEvery <= 0 || c.ReadTimeout <= 0 || c.MaxPhase <= 0:
		return c, errors.New("soak: intervals and timeouts must be positive")
	}
	return c, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Target is the running pipeline a soak drives.
type Target struct {
	// HTTP and GRPC are the REST and gRPC APIs' host:port (plaintext).
	HTTP, GRPC string
	Brokers    []string
	// PID is the process whose memory is sampled.
	PID int
	// Dirs are the directories whose size is sampled, by name;
	// Validators names those among them that are validators' data dirs.
	Dirs       map[string]string
	Validators []string
}

// Run drives tgt for cfg.Duration at cfg.Rate (or a share of the maximum
// measured first) and reports what it saw.
func Run(ctx context.Context, cfg Config, tgt Target) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	rep := &Report{
		Version: 1, Started: time.Now().UTC().Format(time.RFC3339),
		Machine:    Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()},
		DurationS:  cfg.Duration.Seconds(),
		Validators: len(tgt.Validators),
	}
	run := strconv.FormatInt(time.Now().Unix()%1_000_000, 36)
	l, err := newLoad(ctx, run, tgt)
	if err != nil {
		return nil, err
	}
	defer l.close()
	obs := &observer{tgt: tgt, client: &http.Client{Timeout: cfg.ReadTimeout}}
	base, err := obs.committed(ctx)
	if err != nil {
		return nil, fmt.Errorf("soak: read the chain's size before starting: %w", err)
	}

	rate := cfg.Rate
	if rate == 0 {
		log.Info("soak: measuring the maximum by flooding REST, gRPC and the topic", "duration", cfg.MaxPhase)
		rep.MaxTPS, err = measureMax(ctx, cfg.MaxPhase, l, obs)
		if err != nil {
			return nil, err
		}
		rate = cfg.Share * rep.MaxTPS
		log.Info("soak: maximum measured", "committed_tps", int(rep.MaxTPS), "soak_rate", int(rate))
	}
	rep.Rate = rate

	// The soak counts from here: whatever the maximum's phase committed is
	// in the disk figures' baseline, not in the soak's transactions.
	start, err := obs.committed(ctx)
	if err != nil {
		return nil, err
	}
	rep.CommittedBefore = start - base
	acceptedBefore := l.accepted()
	log.Info("soak: steady load over REST, gRPC and the topic", "rate", int(rate), "duration", cfg.Duration)
	soakCtx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	began := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { l.run(soakCtx, "s", rate) })
	polls := map[string]*poller{
		"chain_stats": {url: "http://" + tgt.HTTP + "/api/v12/chain/stats"},
		"health":      {url: "http://" + tgt.HTTP + "/q/health", ok: []int{http.StatusOK, http.StatusServiceUnavailable}},
	}
	for _, p := range polls {
		wg.Go(func() { p.run(soakCtx, obs.client, cfg.PollEvery, began) })
	}
	var samples []Sample
	tick := time.NewTicker(cfg.SampleEvery)
	defer tick.Stop()
	sample := func() {
		s := obs.sample(ctx, began)
		if s.Committed < 0 && len(samples) > 0 {
			// A read that failed under load: the chain is where it was.
			s.Committed = samples[len(samples)-1].ChainTxs
		}
		s.ChainTxs = max(s.Committed, start)
		s.Committed = s.ChainTxs - start
		s.Accepted = l.accepted() - acceptedBefore
		samples = append(samples, s)
		log.Info("soak: sample", "t_s", int(s.T), "rss_mib", s.RSS>>20, "heap_mib", s.HeapInUse>>20, "committed", s.Committed, "accepted", s.Accepted)
	}
	sample()
	for soakCtx.Err() == nil {
		select {
		case <-soakCtx.Done():
		case <-tick.C:
			sample()
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	sample()
	wg.Wait()
	rep.Samples = samples
	rep.Paths = make(map[string]PathReport)
	for name, st := range l.stats {
		pr := PathReport{Accepted: st.accepted.Load(), Failed: st.failed.Load()}
		if err := st.err(); err != nil {
			pr.FirstError = err.Error()
		}
		rep.Paths[name] = pr
	}
	rep.StatusReads = make(map[string]ReadStats)
	for name, p := range polls {
		rep.StatusReads[name] = p.stats()
	}
	rep.summarize(tgt.Validators)
	return rep, nil
}

// measureMax floods the three paths for d and returns the committed tx/s, then
// waits for the backlog to drain.
func measureMax(ctx context.Context, d time.Duration, l *load, obs *observer) (float64, error) {
	before, err := obs.committed(ctx)
	if err != nil {
		return 0, err
	}
	accepted0 := l.accepted()
	var committed int64
	var mu sync.Mutex
	phaseCtx, stop := context.WithTimeout(ctx, d)
	defer stop()
	// Committed is polled rather than asked for by each producer.
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for phaseCtx.Err() == nil {
			if n, err := obs.committed(phaseCtx); err == nil {
				mu.Lock()
				committed = n - before
				mu.Unlock()
			}
			select {
			case <-phaseCtx.Done():
			case <-t.C:
			}
		}
	}()
	backlog := func() int64 {
		mu.Lock()
		defer mu.Unlock()
		return l.accepted() - accepted0 - committed
	}
	began := time.Now()
	l.flood(phaseCtx, "m", backlog, maxBacklog)
	end, err := obs.committed(ctx)
	if err != nil {
		return 0, err
	}
	tps := float64(end-before) / time.Since(began).Seconds()
	if tps <= 0 {
		return 0, fmt.Errorf("soak: nothing committed in %v of flooding REST, gRPC and the topic; is the pipeline stuck?", d)
	}
	// The soak starts on an empty backlog.
	flushCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_ = l.kafka.Flush(flushCtx)
	want := before + l.accepted() - accepted0
	deadline := time.Now().Add(3 * time.Minute)
	for {
		n, err := obs.committed(ctx)
		if err == nil && n >= want {
			return tps, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("soak: the backlog of the maximum's phase did not drain in 3 minutes (committed %d of %d)", n-before, want-before)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// observer reads what the soak samples.
type observer struct {
	tgt    Target
	client *http.Client
}

// committed is the chain's transaction count, as the validator serving
// the API has it.
func (o *observer) committed(ctx context.Context) (int64, error) {
	var st struct {
		TxCount int64 `json:"tx_count"`
	}
	url := "http://" + o.tgt.HTTP + "/api/v12/chain/stats?stale=true"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	return st.TxCount, nil
}

// sample reads the process's memory, the directories' sizes and the chain.
func (o *observer) sample(ctx context.Context, began time.Time) Sample {
	s := Sample{T: time.Since(began).Seconds(), Dirs: make(map[string]int64, len(o.tgt.Dirs))}
	status := procStatus(o.tgt.PID)
	s.RSS, s.HWM, s.RSSAnon, s.RSSFile = status["VmRSS:"], status["VmHWM:"], status["RssAnon:"], status["RssFile:"]
	s.HeapInUse = o.heapInUse(ctx)
	for name, dir := range o.tgt.Dirs {
		s.Dirs[name] = dirBytes(dir)
	}
	s.Committed = -1
	if n, err := o.committed(ctx); err == nil {
		s.Committed = n
	}
	return s
}

// heapInUse is the Go heap in use of the process serving the API, from its
// metrics; 0 when they cannot be read.
func (o *observer) heapInUse(ctx context.Context) int64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+o.tgt.HTTP+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	return metricValue(io.LimitReader(resp.Body, 16<<20), "go_memstats_heap_inuse_bytes")
}

// poller times one status read every interval.
type poller struct {
	url string
	// ok are the statuses that count as an answer (200 when empty).
	ok []int

	mu    sync.Mutex
	reads []Read
}

func (p *poller) run(ctx context.Context, client *http.Client, every time.Duration, began time.Time) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		at := time.Now()
		r := Read{T: at.Sub(began).Seconds()}
		// The soak's end must not cut a read short into a failure.
		req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, p.url, nil)
		if err == nil {
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				r.Status = resp.StatusCode
			}
		}
		r.Ms = float64(time.Since(at).Microseconds()) / 1000
		if err != nil {
			r.Err = err.Error()
		}
		p.mu.Lock()
		p.reads = append(p.reads, r)
		p.mu.Unlock()
	}
}

func (p *poller) answered(r Read) bool {
	if r.Err != "" {
		return false
	}
	if len(p.ok) == 0 {
		return r.Status == http.StatusOK
	}
	return slices.Contains(p.ok, r.Status)
}

func (p *poller) stats() ReadStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := ReadStats{URL: p.url, Reads: len(p.reads)}
	ms := make([]float64, 0, len(p.reads))
	for _, r := range p.reads {
		ms = append(ms, r.Ms)
		if !p.answered(r) {
			st.Unanswered++
			if st.FirstFailure == "" {
				st.FirstFailure = fmt.Sprintf("at %.0fs: status %d %s", r.T, r.Status, r.Err)
			}
		}
	}
	slices.Sort(ms)
	st.P50Ms, st.P99Ms = quantile(ms, 0.5), quantile(ms, 0.99)
	if len(ms) > 0 {
		st.MaxMs = ms[len(ms)-1]
	}
	st.ByMinute = p.byMinute()
	return st
}

// byMinute is the p99 of each minute's reads.
func (p *poller) byMinute() []float64 {
	var out []float64
	var cur []float64
	minute := 0
	flush := func() {
		slices.Sort(cur)
		out = append(out, quantile(cur, 0.99))
		cur = cur[:0]
	}
	for _, r := range p.reads {
		for int(r.T/60) > minute {
			flush()
			minute++
		}
		cur = append(cur, r.Ms)
	}
	if len(cur) > 0 {
		flush()
	}
	return out
}

// quantile of sorted values, nearest rank; 0 for none.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("soak: encode the report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("soak: write the report: %w", err)
	}
	return nil
}
