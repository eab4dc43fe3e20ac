// Package hashtab is a hash table from 16-byte keys that are already
// uniformly random (digests) to 64-bit values, for the hot paths that keep
// a million of them: open addressing with linear probing over one flat
// array of slots (key and value side by side), a cheap keyed mix of the
// key as its hash, and deletion by shifting back, so there are no
// tombstones. A lookup or insert usually touches one cache line; a Go map
// of the same keys probes a control word before the slot.
package hashtab

import (
	"encoding/binary"
	"math/rand/v2"
)

// Key is a 16-byte digest. The zero key is allowed.
type Key [16]byte

// Table is not safe for concurrent use.
type Table struct {
	// seed keys the mix: digests of ids chosen from outside could be
	// ground to share their low bits and pile onto one probe run, but not
	// to collide under a seed they do not know.
	seed  [2]uint64
	slots []slot
	mask  uint64
	n     int
	// The zero key marks an empty slot, so it is kept aside.
	hasZero bool
	zeroVal uint64
	// sink keeps Prefetch's loads from being optimised away.
	sink Key
	// handle returns slots that live outside the Go heap.
	handle *slotsHandle
}

// slotsHandle owns the release of the current slots. It is apart from the
// Table so that the cleanup that frees them does not keep the Table alive.
type slotsHandle struct{ free func() }

type slot struct {
	key Key
	val uint64
}

// New returns a table sized for about n entries; it grows when fuller.
func New(n int) *Table {
	size := uint64(16)
	for size < uint64(n)*2 {
		size <<= 1
	}
	slots, free := allocSlots(size)
	t := &Table{slots: slots, mask: size - 1, seed: [2]uint64{rand.Uint64(), rand.Uint64() | 1}, handle: &slotsHandle{free: free}}
	freeWhenUnreachable(t)
	return t
}

func (t *Table) home(k Key) uint64 {
	h := (binary.LittleEndian.Uint64(k[:]) ^ t.seed[0]) * 0x9e3779b97f4a7c15
	h ^= binary.LittleEndian.Uint64(k[8:]) * t.seed[1]
	return (h ^ h>>29) & t.mask
}

// Len is the number of entries.
func (t *Table) Len() int {
	if t.hasZero {
		return t.n + 1
	}
	return t.n
}

// find returns k's slot, or the empty slot where it would go.
func (t *Table) find(k Key) (uint64, bool) {
	for i := t.home(k); ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return i, true
		case Key{}:
			return i, false
		}
	}
}

// Get returns the value of k.
func (t *Table) Get(k Key) (uint64, bool) {
	if k == (Key{}) {
		return t.zeroVal, t.hasZero
	}
	i, ok := t.find(k)
	if !ok {
		return 0, false
	}
	return t.slots[i].val, true
}

// Insert adds k with v unless k is present, and reports whether it added.
func (t *Table) Insert(k Key, v uint64) bool {
	if k == (Key{}) {
		if t.hasZero {
			return false
		}
		t.hasZero, t.zeroVal = true, v
		return true
	}
	if uint64(t.n+1)*4 > uint64(len(t.slots))*3 {
		t.grow()
	}
	i, ok := t.find(k)
	if ok {
		return false
	}
	t.slots[i] = slot{k, v}
	t.n++
	return true
}

// Put sets the value of k, adding it when absent.
func (t *Table) Put(k Key, v uint64) {
	if t.Insert(k, v) {
		return
	}
	if k == (Key{}) {
		t.zeroVal = v
		return
	}
	if i, ok := t.find(k); ok {
		t.slots[i].val = v
	}
}

// Delete removes k, moving later entries of its probe run back so that no
// lookup stops short of them.
func (t *Table) Delete(k Key) bool {
	if k == (Key{}) {
		was := t.hasZero
		t.hasZero, t.zeroVal = false, 0
		return was
	}
	i, ok := t.find(k)
	if !ok {
		return false
	}
	for j := (i + 1) & t.mask; t.slots[j].key != (Key{}); j = (j + 1) & t.mask {
		// The entry at j may fill the hole at i only if its home is not
		// in (i, j].
		if h := t.home(t.slots[j].key); (j-h)&t.mask >= (j-i)&t.mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot{}
	t.n--
	return true
}

// Range calls f for each entry, in no particular order, until f returns
// false.
func (t *Table) Range(f func(k Key, v uint64) bool) {
	if t.hasZero && !f(Key{}, t.zeroVal) {
		return
	}
	for i := range t.slots {
		if s := &t.slots[i]; s.key != (Key{}) && !f(s.key, s.val) {
			return
		}
	}
}

func (t *Table) grow() {
	old, freeOld := t.slots, t.handle.free
	t.slots, t.handle.free = allocSlots(2 * uint64(len(old)))
	defer freeOld()
	t.mask = uint64(len(t.slots)) - 1
	t.n = 0
	for _, s := range old {
		if s.key == (Key{}) {
			continue
		}
		j, _ := t.find(s.key)
		t.slots[j] = s
		t.n++
	}
}

// Prefetch reads the home slot of each key without acting on it. The loads
// do not depend on each other, so the processor overlaps their cache
// misses; the inserts and deletes that follow for the same keys then find
// their slots in cache instead of waiting for memory one after another. In
// a table far larger than the cache this is most of what a batch of
// operations costs.
func (t *Table) Prefetch(keys []Key) {
	var x Key
	for _, k := range keys {
		x[0] ^= t.slots[t.home(k)].key[0]
	}
	t.sink[0] ^= x[0]
}
