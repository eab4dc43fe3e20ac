package stream

import (
	"math"
	"math/bits"
	"sync"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// statsWindow is how many completed seconds Performance looks back over.
const statsWindow = 60

// Performance is the hub's view of recent chain throughput, served as JSON by
// PerformanceHandler. Rates come from whole seconds of wall-clock time, so
// CurrentTPS is the last completed second, not a partial one.
type Performance struct {
	// CurrentTPS is the transactions committed in the last completed second.
	CurrentTPS uint64 `json:"current_tps"`
	// CurrentBPS is the blocks committed in the last completed second.
	CurrentBPS uint64 `json:"current_bps"`
	// PeakTPS is the busiest completed second since the hub started.
	PeakTPS uint64 `json:"peak_tps"`
	// AvgTPS60s averages the completed seconds of the last minute (fewer
	// right after start).
	AvgTPS60s float64 `json:"avg_tps_60s"`
	// Recent has one entry per completed second of the last minute, oldest first.
	Recent []SecondStats `json:"recent"`
	// LatencyMs is commit latency over the last minute: when the hub saw the
	// block committed minus the transaction's submitted_ms.
	LatencyMs Latency `json:"latency_ms"`
	// Height is the highest block the hub has delivered.
	Height uint64 `json:"height"`
}

// SecondStats is the throughput of one wall-clock second.
type SecondStats struct {
	// T is the second, in Unix seconds.
	T   int64  `json:"t"`
	TPS uint64 `json:"tps"`
	BPS uint64 `json:"bps"`
}

// Latency holds commit-latency percentiles in milliseconds; both are 0 when
// no transaction carried submitted_ms in the window.
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// perfStats keeps one bucket per wall-clock second in a ring just long
// enough for the window plus the second in progress. A latency histogram per
// second (rather than raw samples) keeps the cost per transaction constant at
// any throughput.
type perfStats struct {
	mu      sync.Mutex
	started int64 // first second the hub observed
	cur     int64 // newest second written to the ring
	peak    uint64
	ring    [statsWindow + 1]secondBucket
}

type secondBucket struct {
	unix    int64
	txs     uint64
	blocks  uint64
	latency latencyHistogram
}

func newPerfStats(now time.Time) *perfStats {
	s := &perfStats{started: now.Unix(), cur: now.Unix()}
	s.ring[s.slot(s.cur)].unix = s.cur
	return s
}

func (s *perfStats) slot(sec int64) int {
	return int(sec % int64(len(s.ring)))
}

// advanceLocked makes sec the current second, folding the second it leaves
// into the peak. A clock that steps back keeps counting into the current
// second, and the window stays where it was.
func (s *perfStats) advanceLocked(sec int64) *secondBucket {
	if sec <= s.cur {
		return &s.ring[s.slot(s.cur)]
	}
	if prev := &s.ring[s.slot(s.cur)]; prev.unix == s.cur {
		s.peak = max(s.peak, prev.txs)
	}
	s.cur = sec
	b := &s.ring[s.slot(sec)]
	*b = secondBucket{unix: sec}
	return b
}

// observe accounts a block the hub saw committed at now.
func (s *perfStats) observe(now time.Time, b *aurigraphv1.Block) {
	nowMs := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	bucket := s.advanceLocked(now.Unix())
	bucket.blocks++
	bucket.txs += uint64(b.GetHeader().GetTxCount())
	for _, r := range b.GetTxs() {
		if sub := r.GetTx().GetSubmittedMs(); sub > 0 {
			bucket.latency.add(nowMs - sub)
		}
	}
}

// lastSecond returns the last completed second and its transaction and
// block counts.
func (s *perfStats) lastSecond(now time.Time) (t int64, txs, blocks uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now.Unix())
	t = s.cur - 1
	if b := &s.ring[s.slot(t)]; b.unix == t {
		return t, b.txs, b.blocks
	}
	return t, 0, 0
}

// snapshot fills everything in Performance except Height.
func (s *perfStats) snapshot(now time.Time) Performance {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now.Unix())
	sec := s.cur
	p := Performance{Recent: make([]SecondStats, 0, statsWindow)}
	var (
		total   uint64
		latency latencyHistogram
	)
	for t := max(sec-statsWindow, s.started); t < sec; t++ {
		st := SecondStats{T: t}
		if b := &s.ring[s.slot(t)]; b.unix == t {
			st.TPS, st.BPS = b.txs, b.blocks
			latency.merge(&b.latency)
		}
		total += st.TPS
		p.Recent = append(p.Recent, st)
	}
	if n := len(p.Recent); n > 0 {
		last := p.Recent[n-1]
		p.CurrentTPS, p.CurrentBPS = last.TPS, last.BPS
		p.AvgTPS60s = float64(total) / float64(n)
	}
	p.PeakTPS = s.peak
	p.LatencyMs = Latency{P50: latency.quantile(0.50), P99: latency.quantile(0.99)}
	return p
}

// latencyHistogram counts milliseconds in log-linear buckets: exact below
// 16 ms, then 8 buckets per power of two, so a reported percentile is within
// about 6% of the true one. Latencies above maxLatencyMs (~49 days) clamp.
type latencyHistogram [latencyBuckets]uint32

const (
	exactBelow      = 16
	subBuckets      = 8
	maxLatencyMs    = math.MaxUint32
	latencyBuckets  = exactBelow + (32-4)*subBuckets
	subBucketShift  = 3 // log2(subBuckets)
	firstLogBitsLen = 5 // bits.Len64(exactBelow)
)

func latencyBucket(ms int64) int {
	if ms < exactBelow {
		return int(max(ms, 0))
	}
	v := uint64(min(ms, maxLatencyMs))
	n := bits.Len64(v)
	shift := n - 1 - subBucketShift
	mantissa := int(v>>shift) - subBuckets
	return exactBelow + (n-firstLogBitsLen)*subBuckets + mantissa
}

// bucketRange returns the smallest latency a bucket holds and its width.
func bucketRange(i int) (lo, width uint64) {
	if i < exactBelow {
		return uint64(i), 1
	}
	n := (i-exactBelow)/subBuckets + firstLogBitsLen
	mantissa := uint64((i-exactBelow)%subBuckets + subBuckets)
	shift := n - 1 - subBucketShift
	return mantissa << shift, 1 << shift
}

func (h *latencyHistogram) add(ms int64) { h[latencyBucket(ms)]++ }

func (h *latencyHistogram) merge(o *latencyHistogram) {
	for i, c := range o {
		h[i] += c
	}
}

// quantile returns the midpoint of the bucket holding the q-th latency.
func (h *latencyHistogram) quantile(q float64) float64 {
	var total uint64
	for _, c := range h {
		total += uint64(c)
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range h {
		seen += uint64(c)
		if seen >= max(rank, 1) {
			lo, width := bucketRange(i)
			return float64(lo) + float64(width-1)/2
		}
	}
	return 0
}
