// Package retry paces loops that repeat a failing step: how long to wait
// before the next attempt (exponential backoff with jitter, capped, reset on
// success) and how often to say so in the log.
package retry

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Backoff yields growing delays between attempts: Min after the first
// failure, doubling up to Max, each drawn from [d/2, d] so that many
// processes failing together do not retry in step. The zero value waits
// 100ms to 30s. It is not safe for concurrent use.
type Backoff struct {
	Min, Max time.Duration
	failures int
}

// Next counts a failure and returns how long to wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = 100 * time.Millisecond
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	d := lo
	for i := 0; i < b.failures && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	b.failures++
	return d/2 + rand.N(d/2+1)
}

// Wait sleeps for Next, or until ctx ends; it returns ctx's error then.
func (b *Backoff) Wait(ctx context.Context) error { return Sleep(ctx, b.Next()) }

// Sleep waits for d, or returns ctx's error once it ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Reset starts over at Min: call it once an attempt succeeds.
func (b *Backoff) Reset() { b.failures = 0 }

// Failures is the number of failures since the last Reset.
func (b *Backoff) Failures() int { return b.failures }

// Gate lets a repeated log line through once per Every (a minute when zero)
// and at once when its key changes, so a loop failing the same way many
// times a second logs a line a minute while a new failure is never hidden.
// It is safe for concurrent use.
type Gate struct {
	Every time.Duration

	mu         sync.Mutex
	key        string
	last       time.Time
	suppressed int
}

// Allow reports whether a line with this key should be logged now, and how
// many lines with the same key were held back since the last one allowed.
func (g *Gate) Allow(key string) (ok bool, suppressed int) {
	every := g.Every
	if every <= 0 {
		every = time.Minute
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	if key == g.key && now.Sub(g.last) < every {
		g.suppressed++
		return false, 0
	}
	if key != g.key {
		g.suppressed = 0
	}
	suppressed, g.key, g.last, g.suppressed = g.suppressed, key, now, 0
	return true, suppressed
}

// Clear forgets the last key, so the next line is logged whatever it is:
// call it once the failure is over.
func (g *Gate) Clear() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.key, g.suppressed = "", 0
}
