package schemas

import (
	"unsafe"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TxDecoder is ParseTxJSON for many transactions, such as the records of
// one poll, with the allocations shared: the transactions come from slabs
// of them and their strings and bytes from chunks of memory, a few
// allocations for a whole span rather than about ten for each transaction,
// which the garbage collector would otherwise chase. It decodes exactly what
// ParseTxJSON decodes and fails with the same errors.
//
// A decoded transaction is an ordinary one, with three things to know:
//   - It keeps its slab and chunks alive, and with them every transaction
//     decoded beside it, so a TxDecoder suits transactions that live and die
//     together, as a poll's records do on their way into a block.
//   - Its strings share memory that is never written again.
//   - Its byte fields have no spare capacity, so appending to one copies it
//     rather than overwriting its neighbour.
//
// A nil *TxDecoder is ParseTxJSON itself, each transaction with memory of
// its own, for callers that decode one at a time. A TxDecoder is not safe
// for concurrent use; its zero value is not usable.
type TxDecoder struct {
	slab     []aurigraphv1.Transaction
	slabSize int
	mem      arena
}

// NewTxDecoder returns a decoder for about n transactions: its slabs hold n
// each, the first made when the first transaction is decoded.
func NewTxDecoder(n int) *TxDecoder { return &TxDecoder{slabSize: max(n, 1)} }

// ParseTxJSON is ParseTxJSON with the transaction and what it holds taken
// from d.
func (d *TxDecoder) ParseTxJSON(b []byte) (*aurigraphv1.Transaction, error) {
	if d == nil {
		return ParseTxJSON(b)
	}
	if len(d.slab) == 0 {
		d.slab = make([]aurigraphv1.Transaction, d.slabSize)
	}
	tx := &d.slab[0]
	if err := parseTxJSON(b, tx, &d.mem); err != nil {
		// The slot is used again, empty, for the next transaction.
		tx.Reset()
		return nil, err
	}
	d.slab = d.slab[1:]
	return tx, nil
}

// String returns a copy of b in d's memory, for a string that lives as long
// as the transactions d decoded, such as the id derived from one of them.
func (d *TxDecoder) String(b []byte) string {
	if d == nil {
		return string(b)
	}
	return d.mem.string(b)
}

// Chunks start small, for polls of a few records, and double up to
// arenaMaxChunk. A request above arenaMaxShared gets an allocation of its
// own, so a chunk left for a new one wastes at most that much.
const (
	arenaFirstChunk = 8 << 10
	arenaMaxChunk   = 64 << 10
	arenaMaxShared  = arenaFirstChunk
)

// arena hands out byte slices cut from larger chunks, each used once: a
// slice handed out is never handed out again, which is what lets strings
// alias it. A nil *arena allocates every slice on its own.
type arena struct {
	chunk []byte // the current chunk; its length is what was handed out
	next  int    // the size of the chunk after it
}

// alloc returns n zero bytes with no spare capacity.
func (a *arena) alloc(n int) []byte {
	if a == nil || n > arenaMaxShared {
		return make([]byte, n)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		size := max(a.next, arenaFirstChunk)
		a.chunk = make([]byte, 0, size)
		a.next = min(2*size, arenaMaxChunk)
	}
	lo := len(a.chunk)
	a.chunk = a.chunk[:lo+n]
	return a.chunk[lo : lo+n : lo+n]
}

// string returns a copy of b.
func (a *arena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if a == nil {
		return string(b)
	}
	s := a.alloc(len(b))
	copy(s, b)
	return unsafe.String(&s[0], len(s))
}
