package hashtab

import (
	"runtime"

	"github.com/aurigraph/aurigraph/internal/offheap"
)

// allocSlots returns n zeroed slots and a function that returns them, to
// call once nothing reads them. Slots hold no pointers, so a large table's
// live outside the Go heap: a validator's dedup window of a million ids is
// 48 MB of slots, which on the heap GOGC=100 doubled into 48 MB more of
// headroom for garbage.
func allocSlots(n uint64) ([]slot, func()) { return offheap.Slice[slot](int(n)) }

// freeWhenUnreachable returns t's slots to the kernel once t is garbage, for
// tables dropped without a call to anything (a state machine replaced by a
// snapshot, say).
func freeWhenUnreachable(t *Table) {
	runtime.AddCleanup(t, func(h *slotsHandle) { h.free() }, t.handle)
}
