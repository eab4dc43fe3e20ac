// Package sigcache verifies Ed25519 signatures over transaction digests and
// remembers the ones that verified, so a process checks each signature once:
// the leader's ingest checks it before proposing, and every validator's
// state machine in the same process checks it again when it applies.
package sigcache

import (
	"crypto/ed25519"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSize is how many verified signatures a Cache remembers by
// default: at tens of thousands of signed transactions a second, the few
// seconds between ingest and apply, in about 20 MB.
const DefaultSize = 128 << 10

type entry struct {
	pub [ed25519.PublicKeySize]byte
	sig [ed25519.SignatureSize]byte
}

// Cache is safe for concurrent use. The zero value is not usable; call New.
type Cache struct {
	mu  sync.Mutex
	cur map[[32]byte]entry
	old map[[32]byte]entry
	gen int

	hits, misses prometheus.Counter
}

// New returns a cache that remembers about size verified signatures (two
// generations of size/2; the older is dropped whole when the newer fills),
// with hit and miss counters registered on reg when it is not nil.
func New(size int, reg prometheus.Registerer) *Cache {
	gen := max(size/2, 1)
	c := &Cache{
		cur: make(map[[32]byte]entry, gen),
		old: map[[32]byte]entry{},
		gen: gen,
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_sigcache_hits_total",
			Help: "Transaction signatures found already verified in this process.",
		}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_sigcache_misses_total",
			Help: "Transaction signatures this process verified.",
		}),
	}
	if reg != nil {
		reg.MustRegister(c.hits, c.misses)
	}
	return c
}

// Verify reports whether sig is pub's Ed25519 signature over digest, a
// 32-byte transaction digest. A hit needs the same digest, key and signature
// byte for byte, so remembering cannot make a forged signature pass.
func (c *Cache) Verify(pub, digest, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize || len(digest) != 32 {
		return false
	}
	key := [32]byte(digest)
	var want entry
	copy(want.pub[:], pub)
	copy(want.sig[:], sig)
	c.mu.Lock()
	e, ok := c.cur[key]
	if !ok {
		e, ok = c.old[key]
	}
	c.mu.Unlock()
	if ok && e == want {
		c.hits.Inc()
		return true
	}
	c.misses.Inc()
	if !ed25519.Verify(pub, digest, sig) {
		return false
	}
	c.mu.Lock()
	if len(c.cur) >= c.gen {
		c.old, c.cur = c.cur, make(map[[32]byte]entry, c.gen)
	}
	c.cur[key] = want
	c.mu.Unlock()
	return true
}
