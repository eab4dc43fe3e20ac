package offheap

import (
	"runtime"
	"testing"
)

func TestLargeSlicesLiveOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	big, free := Slice[[16]byte](1 << 20)
	runtime.ReadMemStats(&after)
	if grew := after.HeapAlloc - before.HeapAlloc; grew > 1<<20 {
		t.Fatalf("a slice of 16 MiB put %d bytes on the heap, want it off it", grew)
	}
	if len(big) != 1<<20 || big[len(big)-1] != ([16]byte{}) {
		t.Fatalf("got %d values, the last %x, want 2^20 zeroed", len(big), big[len(big)-1])
	}
	big[len(big)-1][0] = 1
	free()

	small, free := Slice[uint64](16)
	defer free()
	small[15] = 7
	if len(small) != 16 || small[15] != 7 {
		t.Fatalf("small slice: %v", small)
	}
}
