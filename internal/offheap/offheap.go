// Package offheap maps large arrays of pointer-free values from the kernel
// instead of allocating them on the Go heap. The collector has nothing to
// find in such arrays, but on its heap they raise its goal: with GOGC=100
// every live byte there makes room for another byte of garbage before the
// next cycle, so a 48 MB array costs about 96 MB of resident memory at the
// heap's peak. Mapped, it costs its own size, faulted in when it is made
// (huge pages where the kernel has them), and it is not copied when it
// grows.
package offheap

// minBytes is the size from which arrays are mapped: below it the mapping's
// page rounding and system call cost more than the heap headroom saved. An
// index run's filter (512 KiB for a run of 256K ids) is above it.
const minBytes = 256 << 10

// Slice returns n zeroed values of T, which must hold no pointers, and a
// function that releases them, to call once nothing reads them: a mapped
// array used after it is released faults.
func Slice[T any](n int) ([]T, func()) {
	if s, free, ok := mapSlice[T](n); ok {
		return s, free
	}
	return make([]T, n), func() {}
}
