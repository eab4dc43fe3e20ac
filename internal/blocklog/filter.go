package blocklog

import (
	"encoding/binary"
	"math/bits"
	"runtime"

	"github.com/aurigraph/aurigraph/internal/offheap"
)

// A filter is a Bloom filter over one run's keys, in memory. Nearly every
// key looked up in the runs is one they do not hold (a transaction id
// submitted for the first time is checked against the chain), and without
// it each such lookup would search every run's file: a cost that grows with
// the chain. With it, such a lookup reads a few bits per run and reads no
// run's file at all, but for about 1 in 2,000.
type filter struct {
	bits []uint64
	m    uint64 // bits in the filter
	seed uint64
}

// Sixteen bits a key and eleven probes: a false positive rate of about
// 0.05%, so that even with a hundred runs one lookup of an unknown key in
// twenty reads a file, for 2 bytes of memory a key.
const (
	filterBitsPerKey = 16
	filterProbes     = 11
)

// newFilter sizes a filter for keys. Its bits live outside the Go heap: a
// validator keeps a filter for every run of its chain, 2 bytes for each id
// it ever indexed, the one part of its memory that grows with the chain,
// and on the heap the collector's headroom doubled that. They are returned
// to the kernel once the filter is garbage; add and mayContain keep it
// alive while they read them.
func newFilter(keys int, seed uint64) *filter {
	m := uint64(max(keys, 1)) * filterBitsPerKey
	m = (m + 63) &^ 63
	words, free := offheap.Slice[uint64](int(m / 64))
	f := &filter{bits: words, m: m, seed: seed}
	runtime.AddCleanup(f, func(free func()) { free() }, free)
	return f
}

// hashes derives the probes' two hashes from a key. Keys are digests, but
// mixing them with a seed of this process's own keeps ids ground to collide
// in the filter from making lookups slow everywhere.
func (f *filter) hashes(k *Key) (h1, h2 uint64) {
	h1 = mix(binary.LittleEndian.Uint64(k[:8]) ^ f.seed)
	h2 = mix(binary.LittleEndian.Uint64(k[8:]) ^ f.seed ^ 0x9e3779b97f4a7c15)
	return h1, h2 | 1
}

// mix is splitmix64's finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (f *filter) add(k *Key) {
	defer runtime.KeepAlive(f)
	h1, h2 := f.hashes(k)
	for i := range uint64(filterProbes) {
		bit, _ := bits.Mul64(h1+i*h2, f.m)
		f.bits[bit/64] |= 1 << (bit % 64)
	}
}

func (f *filter) mayContain(k *Key) bool {
	defer runtime.KeepAlive(f)
	h1, h2 := f.hashes(k)
	for i := range uint64(filterProbes) {
		bit, _ := bits.Mul64(h1+i*h2, f.m)
		if f.bits[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// The filters of merged runs live in their files, one for each partition
// of partBlocks blocks of entries (43,520 keys), found by the partition's
// first key, which is all of a merged run that stays in memory. A key's
// probes all fall in one 64-byte block of its partition's filter, chosen
// by its hash, so a lookup reads that block with a single pread, and a
// merge holds one partition's filter at a time (80 KiB) as the entries
// stream past. Five blocks for every 170 keys are 15 bits a key; with
// eight probes in a block that a key shares with about 34 others, the
// filter turns away all but 0.11% of the keys it does not hold
// (TestBlockFilterFalsePositives).
const (
	filterBlockBytes = 64
	unitFilterBlocks = 5 // for each block of blockEntries entries
	blockProbes      = 8
)

// blockFilterProbe names the block, of a filter of blocks blocks, that
// holds k's probes, and the bits they set in it. seed is the run's own,
// written in its file, so that the filter reads the same in every process.
func blockFilterProbe(k *Key, seed uint64, blocks int) (block int, probes [blockProbes]uint16) {
	h1 := mix(binary.LittleEndian.Uint64(k[:8]) ^ seed)
	h2 := mix(binary.LittleEndian.Uint64(k[8:]) ^ seed ^ 0x9e3779b97f4a7c15)
	hi, _ := bits.Mul64(h1, uint64(blocks))
	for i := range blockProbes - 1 {
		probes[i] = uint16(h2>>(9*i)) & (filterBlockBytes*8 - 1)
	}
	probes[blockProbes-1] = uint16(h1) & (filterBlockBytes*8 - 1)
	return int(hi), probes
}

// blockFilterAdd adds k to filter, a whole number of blocks.
func blockFilterAdd(filter []byte, k *Key, seed uint64) {
	b, probes := blockFilterProbe(k, seed, len(filter)/filterBlockBytes)
	block := filter[b*filterBlockBytes : (b+1)*filterBlockBytes]
	for _, p := range probes {
		block[p>>3] |= 1 << (p & 7)
	}
}

// blockFilterHas reports whether block, the one blockFilterProbe named for
// k, may hold k.
func blockFilterHas(block []byte, probes *[blockProbes]uint16) bool {
	for _, p := range probes {
		if block[p>>3]&(1<<(p&7)) == 0 {
			return false
		}
	}
	return true
}
