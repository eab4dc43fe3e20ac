// Package sigcache verifies Ed25519 signatures over transaction digests, by
// the one rule every validator applies (ZIP 215, see Verify), many at a
// time where it can, and remembers the ones that verified, so a process
// checks each signature once: the leader's ingest checks it before
// proposing, and every validator's state machine in the same process checks
// it again when it applies.
package sigcache

import (
	"crypto/ed25519"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hdevalence/ed25519consensus"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/chain"
)

// DefaultSize is how many verified signatures a Cache remembers by
// default: at tens of thousands of signed transactions a second, the few
// seconds between ingest and apply, in about 20 MB.
const DefaultSize = 128 << 10

// Verify reports whether sig is pub's Ed25519 signature over digest, by the
// chain's rule (chain.VerifyEd25519: ZIP 215, keys of small order refused),
// the same for one signature as for a batch.
func Verify(pub, digest, sig []byte) bool { return chain.VerifyEd25519(pub, digest, sig) }

// Item is one signature to verify: Sig by Pub over Digest.
type Item struct {
	Pub, Digest, Sig []byte
}

// batchChunk is how many signatures are checked in one batch equation at
// most: the cost a signature of a batch falls as it grows, about halved
// against checking one by one at this size.
const batchChunk = 256

// VerifyBatch sets ok[i] to whether items[i] verifies, as Verify would,
// checking them in batches of up to batchChunk, as many at a time as
// GOMAXPROCS allows. A follower's state machine verifies every signature
// of the blocks it applies, on its applier: checked on one core, the chain
// could commit no more than that core verifies, whatever the leader's
// ingest verifies on all of them.
func VerifyBatch(items []Item, ok []bool) {
	chunks := (len(items) + batchChunk - 1) / batchChunk
	if chunks == 0 {
		return
	}
	// Chunks of equal size: 257 signatures are two batches of 129, not one
	// of 256 and a second, alone on its core, of 1.
	size := (len(items) + chunks - 1) / chunks
	var next atomic.Int64
	work := func() {
		for {
			lo := int(next.Add(1)-1) * size
			if lo >= len(items) {
				return
			}
			hi := min(lo+size, len(items))
			verifyChunk(items[lo:hi], ok[lo:hi])
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// verifyChunk checks items in one batch and, if the batch fails, each half
// of it: a bad signature costs a few batches of shrinking size rather than
// checking all of its neighbours one by one, so a sender who slips bad
// signatures in cannot make ingest much slower for everyone else.
func verifyChunk(items []Item, ok []bool) {
	if len(items) <= 4 {
		for i, it := range items {
			ok[i] = Verify(it.Pub, it.Digest, it.Sig)
		}
		return
	}
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(items))
	for _, it := range items {
		pub := it.Pub
		if !chain.UsableKey(pub) {
			// Fails the batch, which the halves then find.
			pub = nil
		}
		bv.Add(pub, it.Digest, it.Sig)
	}
	if bv.Verify() {
		for i := range ok {
			ok[i] = true
		}
		return
	}
	half := len(items) / 2
	verifyChunk(items[:half], ok[:half])
	verifyChunk(items[half:], ok[half:])
}

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
// with hit and miss counters registered on reg when it is not nil. The
// first generation grows from empty: a validator that sees no signed
// transactions should not carry a full generation's 16 MB for nothing.
func New(size int, reg prometheus.Registerer) *Cache {
	gen := max(size/2, 1)
	c := &Cache{
		cur: map[[32]byte]entry{},
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

// Verify reports whether sig is pub's signature over digest, a 32-byte
// transaction digest, by the rule of the package's Verify. A hit needs the
// same digest, key and signature byte for byte, so remembering cannot make
// a forged signature pass.
func (c *Cache) Verify(pub, digest, sig []byte) bool {
	it := Item{pub, digest, sig}
	if !chain.UsableKey(pub) || len(sig) != ed25519.SignatureSize || len(digest) != 32 {
		return false
	}
	if c.remembers(it) {
		c.hits.Inc()
		return true
	}
	c.misses.Inc()
	if !Verify(pub, digest, sig) {
		return false
	}
	c.mu.Lock()
	c.rememberLocked(it)
	c.mu.Unlock()
	return true
}

func (c *Cache) remembers(it Item) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remembersLocked(it)
}

func (c *Cache) remembersLocked(it Item) bool {
	e, found := c.cur[[32]byte(it.Digest)]
	if !found {
		e, found = c.old[[32]byte(it.Digest)]
	}
	return found && e == entryOf(it)
}

func (c *Cache) rememberLocked(it Item) {
	if len(c.cur) >= c.gen {
		c.old, c.cur = c.cur, make(map[[32]byte]entry, c.gen)
	}
	c.cur[[32]byte(it.Digest)] = entryOf(it)
}

// VerifyBatch sets ok[i] to whether items[i] verifies, verifying what it
// does not remember in batches (see the package's VerifyBatch).
func (c *Cache) VerifyBatch(items []Item, ok []bool) {
	var miss []int
	hits := 0
	c.mu.Lock()
	for i, it := range items {
		ok[i] = false
		switch {
		case !chain.UsableKey(it.Pub) || len(it.Sig) != ed25519.SignatureSize || len(it.Digest) != 32:
		case c.remembersLocked(it):
			ok[i] = true
			hits++
		default:
			miss = append(miss, i)
		}
	}
	c.mu.Unlock()
	c.hits.Add(float64(hits))
	if len(miss) == 0 {
		return
	}
	c.misses.Add(float64(len(miss)))
	check := make([]Item, len(miss))
	for j, i := range miss {
		check[j] = items[i]
	}
	verified := make([]bool, len(miss))
	VerifyBatch(check, verified)
	c.mu.Lock()
	defer c.mu.Unlock()
	for j, i := range miss {
		if !verified[j] {
			continue
		}
		ok[i] = true
		c.rememberLocked(items[i])
	}
}

func entryOf(it Item) entry {
	var e entry
	copy(e.pub[:], it.Pub)
	copy(e.sig[:], it.Sig)
	return e
}
