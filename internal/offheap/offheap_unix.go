//go:build unix

package offheap

import (
	"syscall"
	"unsafe"
)

// hugeBytes is the size from which a mapping asks for transparent huge
// pages. The arrays this package maps are hash tables and filters probed at
// random: with 4 KiB pages nearly every probe of a 48 MB table also misses
// the TLB, and its first touches fault a page at a time on the applying
// goroutine, which took a third of the state machine's first second under
// load.
const hugeBytes = 4 << 20

// Linux madvise advice; other Unix systems refuse them, which only costs
// the speed they buy.
const (
	madvHugepage      = 14
	madvPopulateWrite = 23
)

func mapSlice[T any](n int) ([]T, func(), bool) {
	size := uintptr(n) * unsafe.Sizeof(*new(T))
	if n <= 0 || size < minBytes {
		return nil, nil, false
	}
	mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		// Out of address space or mappings: the heap can still try.
		return nil, nil, false
	}
	if size >= hugeBytes {
		_ = syscall.Madvise(mem, madvHugepage)
	}
	populate(mem)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), n), func() { _ = syscall.Munmap(mem) }, true
}

// populate faults mem in now, where its caller sized it for use, rather than
// a page at a time under the first writes: those come under load, on the
// path that applies blocks. Its memory shows in the resident size from the
// start instead of creeping up.
func populate(mem []byte) {
	if syscall.Madvise(mem, madvPopulateWrite) == nil {
		return
	}
	// Kernels before 5.14: a write to each page does the same.
	for i := 0; i < len(mem); i += syscall.Getpagesize() {
		mem[i] = 0
	}
}
