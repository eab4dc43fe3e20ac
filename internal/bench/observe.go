package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/aurigraph/aurigraph/stream"
)

// Latencies are recorded in microseconds up to ten minutes, three
// significant digits.
func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 600_000_000, 3) }

// msCount is how many of a block's bench transactions were submitted in one
// millisecond; a block's transactions were submitted within a few, so this
// keeps per-block submit times small without losing any.
type msCount struct {
	ms    int64
	count int64
}

// blockObs is what the observers saw of one block.
type blockObs struct {
	committed time.Time
	submits   map[string][]msCount // by phase
}

// observer watches blocks being committed, projected and delivered, and
// turns them into per-stage latency histograms and throughput.
type observer struct {
	// phases maps each recipient of the run's transactions to its phase;
	// it never changes, so it is read without the lock.
	phases map[string]string

	mu     sync.Mutex
	blocks map[uint64]*blockObs
	// commitHist is submit→commit per transaction, by phase.
	commitHist map[string]*hdrhistogram.Histogram
	// committed counts bench transactions by phase, with the commit time of
	// each block, for windowed throughput.
	committed map[string][]commitPoint
	total     map[string]int64
	projected map[uint64]time.Time
	delivered []map[uint64]time.Time // per subscriber
	streamErr error
}

type commitPoint struct {
	at  time.Time
	txs int64
}

func newObserver(phases map[string]string) *observer {
	return &observer{
		phases:     phases,
		blocks:     make(map[uint64]*blockObs),
		commitHist: make(map[string]*hdrhistogram.Histogram),
		committed:  make(map[string][]commitPoint),
		total:      make(map[string]int64),
		projected:  make(map[uint64]time.Time),
	}
}

// phaseOf returns the phase of the run a transaction to recipient belongs
// to, or "" when it is not the run's.
func (o *observer) phaseOf(recipient string) string { return o.phases[recipient] }

// commitTimer is a block source that knows when each block was committed
// better than the moment it is read, such as one in another process.
type commitTimer interface {
	CommittedAt(height uint64) (time.Time, bool)
}

// watchCommits follows src from its current height until ctx ends.
func (o *observer) watchCommits(ctx context.Context, src stream.BlockSource) error {
	next := src.Height() + 1
	for {
		if err := src.Wait(ctx, next); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("wait for block %d: %w", next, err)
		}
		for top := src.Height(); next <= top; next++ {
			b, err := src.Get(next)
			if err != nil {
				return fmt.Errorf("read block %d: %w", next, err)
			}
			now := time.Now()
			if ct, ok := src.(commitTimer); ok {
				if at, ok := ct.CommittedAt(next); ok {
					now = at
				}
			}
			obs := &blockObs{committed: now, submits: map[string][]msCount{}}
			counts := map[string]int64{}
			for _, r := range b.GetTxs() {
				tx := r.GetTx()
				phase := o.phaseOf(tx.GetTo())
				if phase == "" {
					continue
				}
				counts[phase]++
				ms := tx.GetSubmittedMs()
				s := obs.submits[phase]
				if n := len(s); n > 0 && s[n-1].ms == ms {
					s[n-1].count++
				} else {
					s = append(s, msCount{ms: ms, count: 1})
				}
				obs.submits[phase] = s
			}
			o.mu.Lock()
			o.blocks[next] = obs
			for phase, s := range obs.submits {
				h := o.commitHist[phase]
				if h == nil {
					h = newHistogram()
					o.commitHist[phase] = h
				}
				for _, c := range s {
					_ = h.RecordValues(max(now.Sub(time.UnixMilli(c.ms)).Microseconds(), 1), c.count)
				}
				o.committed[phase] = append(o.committed[phase], commitPoint{at: now, txs: counts[phase]})
				o.total[phase] += counts[phase]
			}
			o.mu.Unlock()
		}
	}
}

// watchProjection polls the projected height: a block counts as visible in
// ClickHouse once the projector's insert of it returned.
func (o *observer) watchProjection(ctx context.Context, projected func() uint64) {
	last := projected()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			p := projected()
			if p <= last {
				continue
			}
			o.mu.Lock()
			for h := last + 1; h <= p; h++ {
				o.projected[h] = now
			}
			o.mu.Unlock()
			last = p
		}
	}
}

// watchStream holds one WebSocket subscriber on url and notes when each
// block arrives. ready is closed once the subscriber is attached (its
// welcome arrived) or has failed.
func (o *observer) watchStream(ctx context.Context, url string, ready chan<- struct{}) {
	seen := make(map[uint64]time.Time)
	o.mu.Lock()
	o.delivered = append(o.delivered, seen)
	o.mu.Unlock()
	var attached sync.Once
	signal := func() { attached.Do(func() { close(ready) }) }
	defer signal()
	err := followLiveStream(ctx, url, func(f liveFrame, at time.Time) {
		switch f.Type {
		case "welcome":
			signal()
		case "block":
			o.mu.Lock()
			seen[f.Height] = at
			o.mu.Unlock()
		}
	})
	if err != nil {
		o.fail(fmt.Errorf("live stream subscriber: %w", err))
	}
}

// stageLatencies reconciles what the three watchers saw into histograms:
// they run independently, so a block may be seen projected or delivered
// before its commit was noted, and matching waits until the end.
type stageLatencies struct {
	commitProjected, submitProjected *hdrhistogram.Histogram
	commitDelivered, submitDelivered *hdrhistogram.Histogram
}

func (o *observer) stages(phase string) stageLatencies {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := stageLatencies{newHistogram(), newHistogram(), newHistogram(), newHistogram()}
	for h, b := range o.blocks {
		subs := b.submits[phase]
		if len(subs) == 0 {
			continue
		}
		if at, ok := o.projected[h]; ok {
			_ = st.commitProjected.RecordValue(max(at.Sub(b.committed).Microseconds(), 1))
			for _, c := range subs {
				_ = st.submitProjected.RecordValues(max(at.Sub(time.UnixMilli(c.ms)).Microseconds(), 1), c.count)
			}
		}
		for _, seen := range o.delivered {
			if at, ok := seen[h]; ok {
				_ = st.commitDelivered.RecordValue(max(at.Sub(b.committed).Microseconds(), 1))
				for _, c := range subs {
					_ = st.submitDelivered.RecordValues(max(at.Sub(time.UnixMilli(c.ms)).Microseconds(), 1), c.count)
				}
			}
		}
	}
	return st
}

// committedBetween counts bench transactions of phase committed in [from, to).
func (o *observer) committedBetween(phase string, from, to time.Time) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n int64
	for _, p := range o.committed[phase] {
		if !p.at.Before(from) && p.at.Before(to) {
			n += p.txs
		}
	}
	return n
}

// commitSpan returns the commit times of phase's first and last blocks and
// the transactions committed after the first.
func (o *observer) commitSpan(phase string) (first, last time.Time, txs int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	pts := o.committed[phase]
	if len(pts) < 2 {
		return first, last, 0
	}
	for _, p := range pts[1:] {
		txs += p.txs
	}
	return pts[0].at, pts[len(pts)-1].at, txs
}

// committedTotal is how many bench transactions of phase were committed.
func (o *observer) committedTotal(phase string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total[phase]
}

func (o *observer) commitHistogram(phase string) *hdrhistogram.Histogram {
	o.mu.Lock()
	defer o.mu.Unlock()
	if h := o.commitHist[phase]; h != nil {
		return hdrhistogram.Import(h.Export())
	}
	return newHistogram()
}

// fail records the first error of any watcher.
func (o *observer) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.streamErr == nil {
		o.streamErr = err
	}
}

func (o *observer) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.streamErr
}
