// Package ratelimit keeps token buckets per key (a principal, an address,
// an organisation) in bounded memory.
package ratelimit

import (
	"container/list"
	"math"
	"sync"
	"time"
)

// Limiter refills each key's bucket at Rate tokens a second up to Burst.
// It remembers at most MaxKeys keys; the least recently used is forgotten
// first, which can only make a forgotten key's next request succeed, never
// refuse one that should pass.
type Limiter struct {
	rate, burst float64
	max         int

	mu    sync.Mutex
	keys  map[string]*list.Element
	order *list.List
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// New returns a limiter; rate <= 0 allows everything. maxKeys defaults to
// 100,000 when 0.
func New(rate, burst float64, maxKeys int) *Limiter {
	if burst < 1 {
		burst = math.Max(1, rate)
	}
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	return &Limiter{rate: rate, burst: burst, max: maxKeys, keys: map[string]*list.Element{}, order: list.New()}
}

// Take takes n tokens from key's bucket. When there are not enough it takes
// none and returns how long until there will be. A request larger than the
// burst passes once the bucket is full and leaves it in debt, so large
// batches pass at the configured average rate instead of never.
func (l *Limiter) Take(key string, n float64, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, found := l.keys[key]; found {
		b = el.Value.(*bucket)
		l.order.MoveToFront(el)
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
		b.at = now
	} else {
		if l.order.Len() >= l.max {
			oldest := l.order.Back()
			l.order.Remove(oldest)
			delete(l.keys, oldest.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: l.burst, at: now}
		l.keys[key] = l.order.PushFront(b)
	}
	need := math.Min(n, l.burst)
	if b.tokens >= need {
		b.tokens -= n
		return true, 0
	}
	return false, time.Duration(math.Ceil((need-b.tokens)/l.rate*1000)) * time.Millisecond
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
