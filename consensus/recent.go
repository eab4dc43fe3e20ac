package consensus

import (
	"sync"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Bounds of the decoded-block cache: enough for every tail reader (the
// live hub and the publisher read each block as it commits) to find the
// last few of the largest blocks, little enough that the collector does not
// spend its marks on it. A decoded transaction is a dozen objects and
// pointers to mark; at 64K transactions a validator, the three caches of
// dev were two thirds of what each collection marked at half the maximum
// rate, and its marks took about 50 ms instead of 30. Through a whole
// quick bench, tail readers missed the cache 54 times at this bound and 28
// at 64K, nearly all right after a start, when it is empty anyway.
const (
	recentMaxBlocks = 1024
	recentMaxTxs    = 16 << 10
)

// recentBlocks keeps the newest committed blocks decoded, with the
// signatures stored with them. Every reader that tails the chain (the live
// hub, the publisher) asks for the block just committed; without it each of
// them would decode it again from the store, together costing more than
// building it did, and the publisher would read each whole block back from
// the log for its signature alone. Readers further back (subscribers
// replaying older blocks, peers catching up) read the store.
type recentBlocks struct {
	mu       sync.RWMutex
	byHeight map[uint64]recentBlock
	order    []uint64 // heights, oldest first
	txs      int
}

// recentBlock is a block and the signature prefix of its stored record.
type recentBlock struct {
	blk *aurigraphv1.Block
	sig []byte
}

func newRecentBlocks() *recentBlocks {
	return &recentBlocks{byHeight: make(map[uint64]recentBlock)}
}

func (r *recentBlocks) get(height uint64) *aurigraphv1.Block {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byHeight[height].blk
}

// signature returns the signature prefix stored with the block at height,
// if it is cached.
func (r *recentBlocks) signature(height uint64) ([]byte, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.byHeight[height]
	return b.sig, ok
}

// add caches blocks just committed, evicting the oldest beyond the bounds.
func (r *recentBlocks) add(blocks []recentBlock) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range blocks {
		h := b.blk.GetHeader().GetHeight()
		if _, ok := r.byHeight[h]; ok {
			continue
		}
		r.byHeight[h] = b
		r.order = append(r.order, h)
		r.txs += len(b.blk.GetTxs())
	}
	// The newest block stays whatever its size.
	drop := 0
	for kept := len(r.order); kept > 1 && (kept > recentMaxBlocks || r.txs > recentMaxTxs); kept-- {
		old := r.order[drop]
		r.txs -= len(r.byHeight[old].blk.GetTxs())
		delete(r.byHeight, old)
		drop++
	}
	if drop > 0 {
		r.order = append(r.order[:0], r.order[drop:]...)
	}
}

// reset forgets everything, when the store's content is replaced wholesale.
func (r *recentBlocks) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.byHeight)
	r.order = r.order[:0]
	r.txs = 0
}
