package fault

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// progressSample is the chain and the producer at one instant.
type progressSample struct {
	at        time.Time
	committed uint64 // most transactions any live validator holds
	produced  int64  // transactions the broker acknowledged
}

// progress samples commit progress in the background so a test can tell,
// afterwards, how throughput behaved around a fault.
type progress struct {
	c    *cluster
	load *loadGen
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []progressSample
}

func startProgress(c *cluster, load *loadGen, every time.Duration) *progress {
	p := &progress{c: c, load: load, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run(every)
	c.t.Cleanup(p.close)
	return p
}

func (p *progress) run(every time.Duration) {
	defer close(p.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		var best uint64
		for _, id := range p.c.live() {
			if s, err := p.c.stats(id); err == nil {
				best = max(best, s.TxCount)
			}
		}
		p.mu.Lock()
		p.samples = append(p.samples, progressSample{at: time.Now(), committed: best, produced: p.load.produced()})
		p.mu.Unlock()
	}
}

func (p *progress) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// committedAt is the committed count at the last sample at or before t.
func committedAt(samples []progressSample, t time.Time) uint64 {
	var v uint64
	for _, s := range samples {
		if s.at.After(t) {
			break
		}
		v = s.committed
	}
	return v
}

// rate is committed transactions per second over [from, to).
func rate(samples []progressSample, from, to time.Time) float64 {
	return float64(committedAt(samples, to)-committedAt(samples, from)) / to.Sub(from).Seconds()
}

// dip describes throughput around one fault.
type dip struct {
	before  float64   // tx/s over the 2s before the fault
	after   []float64 // tx/s in each of the 3 one-second windows after it
	peakLag int64     // most produced-but-uncommitted transactions after it
	// recovered is how long after the fault the backlog was back to
	// normal; 0 when it never grew beyond normal.
	recovered time.Duration
	unsettled bool // the backlog grew and had not shrunk back by the last sample
}

func (d dip) String() string {
	after := make([]string, len(d.after))
	for i, r := range d.after {
		after[i] = fmt.Sprintf("%.0f", r)
	}
	rec := "never grew beyond normal"
	switch {
	case d.unsettled:
		rec = "not back to normal by the end of the run"
	case d.recovered > 0:
		rec = "back to normal after " + d.recovered.Round(10*time.Millisecond).String()
	}
	return fmt.Sprintf("throughput %.0f tx/s before, %v tx/s in the 1s windows after; backlog peaked at %d txs, %s",
		d.before, after, d.peakLag, rec)
}

// dipAround measures throughput around a fault at t. The backlog counts as
// back to normal once it is no larger than the largest backlog in the 2s
// before the fault.
func (p *progress) dipAround(t time.Time) dip {
	p.mu.Lock()
	samples := slices.Clone(p.samples)
	p.mu.Unlock()
	d := dip{before: rate(samples, t.Add(-2*time.Second), t)}
	for i := range 3 {
		from := t.Add(time.Duration(i) * time.Second)
		d.after = append(d.after, rate(samples, from, from.Add(time.Second)))
	}
	var normal int64
	for _, s := range samples {
		if !s.at.Before(t.Add(-2*time.Second)) && s.at.Before(t) {
			normal = max(normal, s.produced-int64(s.committed))
		}
	}
	peaked := false
	for _, s := range samples {
		if s.at.Before(t) {
			continue
		}
		lag := s.produced - int64(s.committed)
		if lag > d.peakLag {
			d.peakLag = lag
		}
		if lag > normal {
			peaked = true
		}
		if peaked && lag <= normal {
			d.recovered = s.at.Sub(t)
			return d
		}
	}
	d.unsettled = peaked
	return d
}

// durationStats returns the median and maximum of ds.
func durationStats(ds []time.Duration) (median, maximum time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	median = s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return median, s[len(s)-1]
}

// longestStall is the longest time, overlapping [start, end], from the
// sample where the committed count reached a value to the first sample
// where it grew past it: commit stalls as a client polling the validators
// sees them.
func (p *progress) longestStall(start, end time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var longest time.Duration
	var since time.Time
	var level uint64
	for _, s := range p.samples {
		if since.IsZero() || s.committed > level {
			if !since.IsZero() && !s.at.Before(start) && !since.After(end) {
				longest = max(longest, s.at.Sub(since))
			}
			since, level = s.at, s.committed
		}
	}
	return longest
}
