//go:build unix

package offheap

import (
	"syscall"
	"unsafe"
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
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(mem))), n), func() { _ = syscall.Munmap(mem) }, true
}
