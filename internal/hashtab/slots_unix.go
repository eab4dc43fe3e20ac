//go:build unix

package hashtab

import (
	"runtime"
	"syscall"
	"unsafe"
)

// offHeapBytes is the size from which a table's slots are mapped from the
// kernel rather than allocated on the Go heap. Slots hold no pointers, so
// the collector has nothing to find in them; on its heap they would only
// raise its goal: a validator's dedup window of a million ids is 48 MB of
// slots, which GOGC=100 doubled into 48 MB more of headroom for garbage.
// Pages are still faulted in on first touch, as the heap's are.
const offHeapBytes = 1 << 20

// allocSlots returns n zeroed slots and a function that returns them, to
// call once nothing reads them.
func allocSlots(n uint64) ([]slot, func()) {
	size := n * uint64(unsafe.Sizeof(slot{}))
	if size < offHeapBytes {
		return make([]slot, n), func() {}
	}
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		// Out of address space or mappings: the heap can still try.
		return make([]slot, n), func() {}
	}
	return unsafe.Slice((*slot)(unsafe.Pointer(unsafe.SliceData(mem))), n), func() { _ = syscall.Munmap(mem) }
}

// freeWhenUnreachable returns t's slots to the kernel once t is garbage, for
// tables dropped without a call to anything (a state machine replaced by a
// snapshot, say).
func freeWhenUnreachable(t *Table) {
	runtime.AddCleanup(t, func(h *slotsHandle) { h.free() }, t.handle)
}
