package blocklog

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// digestKey is a key as the chain makes them: a digest.
func digestKey(i int) Key {
	sum := sha256.Sum256(binary.LittleEndian.AppendUint64(nil, uint64(i)))
	return Key(sum[:16])
}

// runsResident is how much of the index's run files this process has
// resident, from /proc/self/smaps.
func runsResident(t *testing.T, dir string) (resident, mapped int64) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	inRun := false
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			inRun = len(fields) >= 6 && strings.HasPrefix(fields[5], dir) && strings.HasSuffix(fields[5], runSuffix)
			continue
		}
		if !inRun || len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "Rss:":
			resident += kb << 10
		case "Size:":
			mapped += kb << 10
		}
	}
	return resident, mapped
}

// The index's run files take none of this process's memory, however many
// lookups they answer, and however long the chain: lookups read them with
// pread, so their pages stay in the page cache, which is the kernel's to
// reclaim. Mapped, the files of a long chain would all become resident on
// a leader that checks every submitted transaction id against them.
func TestIndexRunsStayOutOfMemory(t *testing.T) {
	dir := t.TempDir()
	const perRun, runs = 32 << 10, 4
	ix, err := OpenIndex(dir, perRun, false)
	if err != nil {
		t.Fatal(err)
	}
	for h := range runs * perRun / 64 {
		es := make([]Entry, 64)
		for i := range es {
			es[i] = Entry{digestKey(h*64 + i), uint64(h)}
		}
		ix.AddQuiet(uint64(h+1), es)
	}
	ix.Flush()
	lookups := func(ix *Index) {
		t.Helper()
		for i := range 50_000 {
			if _, ok, err := ix.Lookup(digestKey(1<<30 + i)); ok || err != nil {
				t.Fatalf("unknown key %d: found %v, %v", i, ok, err)
			}
		}
		for i := 0; i < runs*perRun-perRun; i += 97 {
			if loc, ok, err := ix.Lookup(digestKey(i)); !ok || err != nil || loc != uint64(i/64) {
				t.Fatalf("key %d: %d %v %v, want %d", i, loc, ok, err, i/64)
			}
		}
	}
	check := func(what string) {
		t.Helper()
		if resident, mapped := runsResident(t, dir); resident > 0 || mapped > 0 {
			t.Fatalf("%s: %d bytes of the runs mapped, %d resident", what, mapped, resident)
		}
	}
	lookups(ix)
	check("after lookups")
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = OpenIndex(dir, perRun, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	check("after opening, which checks every run")
	lookups(ix)
	check("after lookups in the reopened index")
}

func TestFilterFalsePositives(t *testing.T) {
	const n = 100_000
	f := newFilter(n, 42)
	for i := range n {
		k := digestKey(i)
		f.add(&k)
	}
	for i := range n {
		if k := digestKey(i); !f.mayContain(&k) {
			t.Fatalf("key %d added but not in the filter", i)
		}
	}
	fp := 0
	for i := range n {
		if k := digestKey(n + i); f.mayContain(&k) {
			fp++
		}
	}
	if rate := float64(fp) / n; rate > 0.002 {
		t.Fatalf("false positive rate %.4f, want about 0.0005", rate)
	}
}

// BenchmarkIndexLookupUnknown is the check of a new transaction id against
// an index of 20 runs: what a submission costs the chain's leader.
func BenchmarkIndexLookupUnknown(b *testing.B) {
	dir := b.TempDir()
	const perRun, runs = 16 << 10, 20
	ix, err := OpenIndex(dir, perRun, false)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	for h := range runs * perRun / 64 {
		es := make([]Entry, 64)
		for i := range es {
			es[i] = Entry{digestKey(h*64 + i), uint64(h)}
		}
		ix.AddQuiet(uint64(h+1), es)
	}
	ix.Flush()
	b.ResetTimer()
	for i := range b.N {
		if _, ok, err := ix.Lookup(digestKey(1<<40 + i)); ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// TestRunFiltersLiveOffTheHeap: the filters of a long chain's runs, 2 bytes
// an id, stay out of the collector's heap, where its headroom doubled them.
func TestRunFiltersLiveOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	filters := make([]*filter, 8)
	for i := range filters {
		filters[i] = newFilter(DefaultRunEntries, 1)
		k := Key{byte(i)}
		filters[i].add(&k)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	size := int64(len(filters) * DefaultRunEntries * filterBitsPerKey / 8)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > size/8 {
		t.Fatalf("%d filters of %d bytes put %d bytes on the heap, want them off it", len(filters), size/int64(len(filters)), grew)
	}
	for i, f := range filters {
		if k := (Key{byte(i)}); !f.mayContain(&k) {
			t.Fatalf("filter %d lost its key", i)
		}
	}
}
