package offheap

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// residentBytes reads this process's resident set size.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// A table sized for use is resident as soon as it is made: its first
// touches would otherwise fault pages in one at a time on the path that
// applies blocks, under load.
func TestSlicesArePopulatedWhenMade(t *testing.T) {
	const size = 32 << 20
	before := residentBytes(t)
	s, free := Slice[[64]byte](size / 64)
	defer free()
	if grew := residentBytes(t) - before; grew < size*9/10 {
		t.Fatalf("a %d MiB slice made %d MiB resident, want all of it", size>>20, grew>>20)
	}
	s[len(s)-1][0] = 1
}
