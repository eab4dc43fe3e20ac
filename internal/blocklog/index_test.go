package blocklog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/dataformat"
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
// an index of 20 runs' worth of ids (two merged runs and four of tier 0):
// what a submission costs the chain's leader.
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

// memFilterBytes is how much memory the filters of ix's runs hold.
func (ix *Index) memFilterBytes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	total := 0
	for _, r := range ix.runs {
		if r.filter != nil {
			total += len(r.filter.bits) * 8
		}
	}
	return total
}

// settle waits for the runs being written and for the merges they start.
func (ix *Index) settle() {
	ix.Flush()
	ix.mergeWG.Wait()
}

// tiers counts ix's runs by tier.
func (ix *Index) tiers() map[int]int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := map[int]int{}
	for _, r := range ix.runs {
		out[r.tier]++
	}
	return out
}

// fillIndex adds heights from..to-1 of 64 digest keys each, key i at
// height i/64 and location i/64 + bump.
func fillIndex(ix *Index, from, to int, bump uint64, quiet bool) {
	for h := from; h < to; h++ {
		es := make([]Entry, 64)
		for i := range es {
			es[i] = Entry{digestKey(h*64 + i), uint64(h) + bump}
		}
		if quiet {
			ix.AddQuiet(uint64(h+1), es)
		} else {
			ix.Add(uint64(h+1), es)
		}
	}
}

// checkIndex looks up every key of heights 0..heights-1, each with the
// location fillIndex gave it (plus bump for heights below bumped), and
// as many keys never added.
func checkIndex(t *testing.T, ix *Index, heights, bumped int, bump uint64) {
	t.Helper()
	for i := range heights * 64 {
		want := uint64(i / 64)
		if i/64 < bumped {
			want += bump
		}
		if loc, ok, err := ix.Lookup(digestKey(i)); !ok || err != nil || loc != want {
			t.Fatalf("key %d: %d %v %v, want %d", i, loc, ok, err, want)
		}
	}
	for i := range heights * 64 {
		if loc, ok, err := ix.Lookup(digestKey(1<<40 + i)); ok || err != nil {
			t.Fatalf("unknown key %d: found at %d, %v", i, loc, err)
		}
	}
}

// TestIndexMemoryBounded grows an index of small runs tenfold: merges keep
// the filters in memory under 2·mergeFanIn runs' worth (with a merge
// under way, up to mergeFanIn tier-0 runs wait behind those being merged,
// and the one being written) and the runs a
// lookup checks logarithmic, and every key is found with its highest
// location, including keys added again at a higher one (which a merge of
// older runs must not lose to their first location), while keys never
// added are not found, before and after reopening.
func TestIndexMemoryBounded(t *testing.T) {
	dir := t.TempDir()
	const perRun = 1024
	const heightsPerRun = perRun / 64
	ix, err := OpenIndex(dir, perRun, false)
	if err != nil {
		t.Fatal(err)
	}
	bound := 2 * mergeFanIn * perRun * filterBitsPerKey / 8
	step := 20 * heightsPerRun
	const bump = 1 << 20
	for h := 0; h < 10*step; h += heightsPerRun {
		fillIndex(ix, h, h+heightsPerRun, 0, h%(2*heightsPerRun) == 0)
		// A validator cuts a run every few seconds, a merge takes
		// milliseconds here: the bound holds while merges keep up.
		ix.settle()
		if got := ix.memFilterBytes(); got > bound {
			t.Fatalf("at height %d: %d bytes of filters in memory, want at most %d", h, got, bound)
		}
		if h == step {
			// The first step's keys again, higher: the highest must win
			// over the older runs' copies.
			ix.settle()
			fillIndex(ix, 0, step, bump, false)
		}
	}
	ix.settle()
	if got := ix.memFilterBytes(); got > bound {
		t.Fatalf("%d bytes of filters in memory, want at most %d", got, bound)
	}
	tiers := ix.tiers()
	runs := 0
	for tier, n := range tiers {
		if n >= mergeFanIn {
			t.Errorf("tier %d has %d runs, want them merged", tier, n)
		}
		runs += n
	}
	// 10·step + step heights of perRun/heightsPerRun keys: 220 runs' worth.
	if runs > 3*(mergeFanIn-1) {
		t.Errorf("%d runs (%v), want at most %d", runs, tiers, 3*(mergeFanIn-1))
	}
	if err := ix.Err(); err != nil {
		t.Fatal(err)
	}
	// Of a merged run, only the first key of each partition is in memory.
	ix.mu.RLock()
	merged, parts, keys := 0, 0, 0
	for _, r := range ix.runs {
		if r.filter == nil {
			merged++
			parts += len(r.parts)
			keys += r.n
		}
	}
	ix.mu.RUnlock()
	if want := merged + keys/(partBlocks*blockEntries); merged == 0 || parts > want {
		t.Errorf("%d merged runs of %d keys keep %d keys in memory, want at most %d", merged, keys, parts, want)
	}
	heights := 10 * step
	// Keys still in memory are searchable too: check all of them.
	checkIndex(t, ix, heights, step, bump)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = OpenIndex(dir, perRun, true)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	covered := ix.Covered()
	if len(covered) != 1 || covered[0].First != 1 {
		t.Fatalf("runs cover %v, want one span from 1", covered)
	}
	last := int(covered[0].Last)
	// Heights past the last run were in memory only, and are gone.
	checkIndex(t, ix, last, step, bump)
}

// TestIndexMergeCrash lays out what a crash during a merge leaves: the
// merged run and all or some of its inputs (a crash between its rename and
// their removal), or a merged run torn (renamed but not all on disk) with
// its inputs. Open keeps one copy of every entry and leaves no height for
// the caller to index again.
func TestIndexMergeCrash(t *testing.T) {
	const perRun = 512
	const heights = mergeFanIn * perRun / 64
	for _, tc := range []struct {
		name      string
		restore   int  // inputs copied back beside the merged run
		tear      bool // cut the merged run in half
		wantRuns  int  // tier-0 runs left after Open
		wantMerge bool // the merged run is kept
	}{
		{name: "merged run and all its inputs", restore: mergeFanIn, wantMerge: true},
		{name: "merged run and some of its inputs", restore: 3, wantMerge: true},
		{name: "torn merged run and its inputs", restore: mergeFanIn, tear: true, wantRuns: mergeFanIn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, saved := t.TempDir(), t.TempDir()
			ix, err := openIndex(dir, perRun, false, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			fillIndex(ix, 0, heights, 0, true)
			ix.settle()
			want := ix.Covered()
			ix.Close()
			inputs, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix))
			if len(inputs) != mergeFanIn {
				t.Fatalf("%d runs written, want %d", len(inputs), mergeFanIn)
			}
			for _, p := range inputs {
				copyFile(t, p, filepath.Join(saved, filepath.Base(p)))
			}

			ix, err = OpenIndex(dir, perRun, false)
			if err != nil {
				t.Fatal(err)
			}
			ix.settle()
			ix.Close()
			merged, _ := filepath.Glob(filepath.Join(dir, "*"+mergedSuffix))
			if left, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix)); len(merged) != 1 || len(left) != 0 {
				t.Fatalf("after the merge: %v merged, %v left, want one merged run alone", merged, left)
			}
			for _, p := range inputs[:tc.restore] {
				copyFile(t, filepath.Join(saved, filepath.Base(p)), p)
			}
			// A merge a crash cut short leaves its temporary files.
			stale := filepath.Join(dir, "00000000000000000099"+mergedSuffix+tmpSuffix)
			if err := os.WriteFile(stale, []byte("cut short"), 0o640); err != nil {
				t.Fatal(err)
			}
			if tc.tear {
				st, err := os.Stat(merged[0])
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(merged[0], st.Size()/2); err != nil {
					t.Fatal(err)
				}
			}

			// No merging on this open, to see what Open itself keeps.
			ix, err = openIndex(dir, perRun, false, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if got := ix.Covered(); !slices.Equal(got, want) {
				t.Errorf("runs cover %v, want %v as before: the caller would index the rest again", got, want)
			}
			checkIndex(t, ix, heights, 0, 0)
			left, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix))
			kept, _ := filepath.Glob(filepath.Join(dir, "*"+mergedSuffix))
			if len(left) != tc.wantRuns || (len(kept) == 1) != tc.wantMerge {
				t.Errorf("%d runs and %d merged left, want %d and merged %v", len(left), len(kept), tc.wantRuns, tc.wantMerge)
			}
			if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the temporary file of a merge cut short is still there: %v", err)
			}
			if tiers := ix.tiers(); tiers[0] != tc.wantRuns {
				t.Errorf("the index reads runs of tiers %v, want %d of tier 0", tiers, tc.wantRuns)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestIndexUpgradeMergesEarlierRuns opens the runs of a release before
// merging (format 1, as many as its chain made) in this one: they are read
// as tier-0 runs and merged, every key is found, and runs.format stays 1
// with the merged runs recorded apart, so a validator rolled back to that
// release still opens the directory: it reads the tier-0 runs left, and
// indexes the heights of the merged ones again from the blocks.
func TestIndexUpgradeMergesEarlierRuns(t *testing.T) {
	const perRun = 512
	const heights = 3 * mergeFanIn * perRun / 64
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, runsFormatFile), []byte("1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	ix, err := openIndex(dir, perRun, false, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	fillIndex(ix, 0, heights, 0, false)
	ix.settle()
	want := ix.Covered()
	ix.Close()

	ix, err = OpenIndex(dir, perRun, false)
	if err != nil {
		t.Fatal(err)
	}
	ix.settle()
	if tiers := ix.tiers(); tiers[0] >= mergeFanIn || tiers[1] == 0 {
		t.Errorf("runs of tiers %v after opening, want the earlier runs merged", tiers)
	}
	if got := ix.Covered(); !slices.Equal(got, want) {
		t.Errorf("runs cover %v, want %v", got, want)
	}
	checkIndex(t, ix, heights, 0, 0)
	ix.Close()
	for file, want := range map[string]string{runsFormatFile: "1\n", mergedFormatFile: "1\n"} {
		if raw, err := os.ReadFile(filepath.Join(dir, file)); err != nil || string(raw) != want {
			t.Errorf("%s: %q (%v), want %q", file, raw, err, want)
		}
	}
	// What the earlier release reads: the tier-0 runs alone.
	left, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix))
	for _, p := range left {
		if _, err := openRun(p, 0, 1); err != nil {
			t.Errorf("tier-0 run %s after merging: %v", p, err)
		}
	}
}

// TestMergedFormatRefusesNewer: a merged.format newer than this release
// reads stops Open, as the other formats do.
func TestMergedFormatRefusesNewer(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, mergedFormatFile), []byte("2\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenIndex(dir, 0, false); !errors.Is(err, dataformat.ErrTooNew) {
		t.Fatalf("open: %v, want ErrTooNew", err)
	}
}

// TestBlockFilterFalsePositives measures the merged runs' filter: that of
// full partitions (partBlocks blocks of blockEntries keys), asked about
// keys they do not hold.
func TestBlockFilterFalsePositives(t *testing.T) {
	const parts, keys, asks = 8, partBlocks * blockEntries, 50_000
	fp := 0
	for p := range parts {
		filter := make([]byte, partFilterBytes)
		seed := uint64(p) * 0x9e3779b97f4a7c15
		for i := range keys {
			k := digestKey(p*keys + i)
			blockFilterAdd(filter, &k, seed)
		}
		has := func(k Key) bool {
			b, probes := blockFilterProbe(&k, seed, partFilterBytes/filterBlockBytes)
			return blockFilterHas(filter[b*filterBlockBytes:(b+1)*filterBlockBytes], &probes)
		}
		for i := range keys {
			if !has(digestKey(p*keys + i)) {
				t.Fatalf("partition %d lost key %d", p, i)
			}
		}
		for i := range asks {
			if has(digestKey(1<<40 + p*asks + i)) {
				fp++
			}
		}
	}
	rate := float64(fp) / (parts * asks)
	t.Logf("false positive rate %.4f (%d of %d) at %.1f bits a key", rate, fp, parts*asks, float64(partFilterBytes*8)/keys)
	if rate > 0.005 {
		t.Fatalf("false positive rate %.4f, want under 0.5%%", rate)
	}
}

// BenchmarkIndexLookupRuns looks up keys in an index of 64 runs' worth of
// entries, laid out as before merging (64 runs, each with its filter in
// memory) and merged (one run of tier 2, its filter in its file): an
// unknown key, what every new submission is checked as, and a key of the
// oldest run.
func BenchmarkIndexLookupRuns(b *testing.B) {
	const perRun, runs = 16 << 10, 64
	for _, layout := range []struct {
		name  string
		fanIn int
	}{{"unmerged", 1 << 30}, {"merged", mergeFanIn}} {
		ix, err := openIndex(b.TempDir(), perRun, false, layout.fanIn)
		if err != nil {
			b.Fatal(err)
		}
		fillIndex(ix, 0, runs*perRun/64, 0, true)
		ix.settle()
		b.Run(layout.name+"/unknown", func(b *testing.B) {
			for i := range b.N {
				if _, ok, err := ix.Lookup(digestKey(1<<40 + i)); ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(layout.name+"/old", func(b *testing.B) {
			for i := range b.N {
				k := i % perRun
				if loc, ok, err := ix.Lookup(digestKey(k)); !ok || err != nil || loc != uint64(k/64) {
					b.Fatal(loc, ok, err)
				}
			}
		})
		ix.Close()
	}
}

// BenchmarkIndexMerge times the merge of eight runs of DefaultRunEntries
// (2M entries) into one, as a validator does every eight runs: wall time,
// and the CPU time of the whole process meanwhile, in which the merge is
// all that runs.
func BenchmarkIndexMerge(b *testing.B) {
	dir := b.TempDir()
	ix, err := openIndex(dir, DefaultRunEntries, false, 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	fillIndex(ix, 0, mergeFanIn*DefaultRunEntries/64, 0, true)
	ix.settle()
	ix.Close()
	var took, cpu time.Duration
	for range b.N {
		b.StopTimer()
		saved := b.TempDir()
		names, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix))
		for _, p := range names {
			if err := os.Link(p, filepath.Join(saved, filepath.Base(p))); err != nil {
				b.Fatal(err)
			}
		}
		ix, err := openIndex(saved, DefaultRunEntries, false, 1<<30)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		began, cpuBefore := time.Now(), processCPU(b)
		ix.mu.Lock()
		ix.fanIn = mergeFanIn
		ix.startMergesLocked()
		ix.mu.Unlock()
		ix.mergeWG.Wait()
		took += time.Since(began)
		cpu += processCPU(b) - cpuBefore
		if tiers := ix.tiers(); tiers[1] != 1 {
			b.Fatalf("runs of tiers %v, want one merged", tiers)
		}
		ix.Close()
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "s/merge")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/merge")
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestIndexLookupsDuringMerges looks keys up while runs are written and
// merged: a lookup never reads a run whose file a merge closed, and finds
// every key already added, whichever run holds it at that moment.
func TestIndexLookupsDuringMerges(t *testing.T) {
	const perRun = 512
	ix, err := OpenIndex(t.TempDir(), perRun, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var added atomic.Int64
	done := make(chan struct{})
	failed := make(chan error, 1)
	go func() {
		defer close(failed)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			n := int(added.Load())
			if n == 0 {
				continue
			}
			k := (i * 7919) % (n * 64)
			if loc, ok, err := ix.Lookup(digestKey(k)); err != nil || !ok || loc != uint64(k/64) {
				failed <- fmt.Errorf("key %d of %d heights: %d %v %v", k, n, loc, ok, err)
				return
			}
		}
	}()
	const heights = 80 * perRun / 64
	for h := range heights {
		fillIndex(ix, h, h+1, 0, false)
		added.Store(int64(h + 1))
	}
	ix.settle()
	close(done)
	if err := <-failed; err != nil {
		t.Fatal(err)
	}
	if tiers := ix.tiers(); tiers[1] == 0 {
		t.Fatalf("runs of tiers %v: no merge ran", tiers)
	}
}

// TestIndexReportsMergeFailures makes a merge fail (a directory where its
// file goes) and checks that Err and Stats say so, that its runs stay as
// they were and keep answering, and that the next merge to succeed, after
// the backoff, clears the error.
func TestIndexReportsMergeFailures(t *testing.T) {
	const perRun = 64 * 4
	dir := t.TempDir()
	ix, err := openIndex(dir, perRun, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// The merge of the first two runs takes the sequence number after
	// theirs.
	blocker := filepath.Join(dir, fmt.Sprintf("%020d%s%s", 2, mergedSuffix, tmpSuffix))
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	fillIndex(ix, 0, 8, 0, false)
	ix.settle()
	st := ix.Stats()
	if ix.Err() == nil || st.MergeFailures != 1 || st.Merges != 0 || st.Runs != 2 || st.Merged != 0 {
		t.Fatalf("after a failed merge: Err %v, stats %+v; want the error, one failure and both runs kept", ix.Err(), st)
	}
	checkIndex(t, ix, 8, 0, 0)

	// The failed merge removed what it took for its file; make sure.
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h := 8; ix.Stats().Merges == 0; h += 4 {
		if time.Now().After(deadline) {
			t.Fatalf("no merge succeeded after the failure: stats %+v, Err %v", ix.Stats(), ix.Err())
		}
		time.Sleep(200 * time.Millisecond)
		// A run written starts the merges that are due.
		fillIndex(ix, h, h+4, 0, false)
		ix.settle()
	}
	if err := ix.Err(); err != nil {
		t.Fatalf("Err after a merge succeeded: %v, want nil", err)
	}
	if st := ix.Stats(); st.WriteFailures != 0 || st.MergeFailures != 1 || st.Merged == 0 {
		t.Fatalf("stats after recovering: %+v", st)
	}
}

// TestOpenIndexRemovesOnlyDamagedRuns: a run whose file is damaged is
// removed at open, its heights left to be indexed again from the blocks;
// one that cannot be read for another reason (here a directory where the
// file should be) fails the open and stays, since a merged run may cover
// most of the chain.
func TestOpenIndexRemovesOnlyDamagedRuns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func(path string) error
		removed bool
	}{
		{"garbage run", func(p string) error { return os.WriteFile(p+runSuffix, []byte("not a run at all, just bytes"), 0o640) }, true},
		{"empty run", func(p string) error { return os.WriteFile(p+runSuffix, nil, 0o640) }, true},
		{"garbage merged run", func(p string) error {
			return os.WriteFile(p+mergedSuffix, bytes.Repeat([]byte{7}, 4096), 0o640)
		}, true},
		{"unreadable run", func(p string) error { return os.Mkdir(p+runSuffix, 0o750) }, false},
		{"unreadable merged run", func(p string) error { return os.Mkdir(p+mergedSuffix, 0o750) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix, err := OpenIndex(dir, 64, false)
			if err != nil {
				t.Fatal(err)
			}
			ix.Close()
			if err := tc.make(filepath.Join(dir, fmt.Sprintf("%020d", 5))); err != nil {
				t.Fatal(err)
			}
			names := func() []string {
				es, _ := os.ReadDir(dir)
				var out []string
				for _, e := range es {
					if strings.HasPrefix(e.Name(), fmt.Sprintf("%020d", 5)) {
						out = append(out, e.Name())
					}
				}
				return out
			}
			ix, err = OpenIndex(dir, 64, false)
			if tc.removed {
				if err != nil {
					t.Fatalf("open with a damaged run: %v, want it removed and the index open", err)
				}
				ix.Close()
				if left := names(); len(left) != 0 {
					t.Fatalf("damaged run still there: %v", left)
				}
				return
			}
			if err == nil {
				ix.Close()
				t.Fatal("open succeeded over a run it could not read")
			}
			if left := names(); len(left) != 1 {
				t.Fatalf("unreadable run removed (%v), want it kept: %v", left, err)
			}
		})
	}
}

// TestRunsReuseTheirBuffers checks that writing a run after the first
// allocates little: the buffers of sorting and writing and the list of
// quiet entries are kept for the next, where making them anew for each
// run was most of what an index allocated.
func TestRunsReuseTheirBuffers(t *testing.T) {
	const runEntries = 64 << 10
	ix, err := OpenIndex(t.TempDir(), runEntries, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// Batches that do not divide a run, as blocks do not: the batch that
	// fills a run's list grows it past RunEntries, and the run is cut
	// after it, so each round below is one run of perRound entries.
	const batch = 1000
	const perRound = (runEntries + batch - 1) / batch * batch
	height := uint64(1)
	run := func(round int) uint64 {
		var batches [][]Entry
		for n := 0; n < perRound; n += batch {
			es := make([]Entry, batch)
			for i := range es {
				es[i] = Entry{key(round*perRound + n + i), uint64(n + i)}
			}
			batches = append(batches, es)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, es := range batches {
			ix.AddQuiet(height, es)
			height++
		}
		ix.wg.Wait()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	run(0)
	run(1)
	got, size := run(2), uint64(runEntries*entryBytes)
	if got > size/2 {
		t.Errorf("a run of %d bytes allocated %d bytes to be written, want under half its size", size, got)
	}
	if err := ix.Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3*perRound; i += 997 {
		if loc, ok, err := ix.Lookup(key(i)); err != nil || !ok || loc != uint64(i%perRound) {
			t.Fatalf("Lookup(key(%d)) = %d, %v, %v; want %d", i, loc, ok, err, i%perRound)
		}
	}
}

// TestMergePausesTakeTurns pauses three merges at once, as three
// validators in one process do: their pauses follow each other, so the
// three take three times one pause, not one.
func TestMergePausesTakeTurns(t *testing.T) {
	const pause = 30 * time.Millisecond
	var p pacer
	began := time.Now()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 2 {
				p.pause(pause, nil)
			}
		})
	}
	wg.Wait()
	if took := time.Since(began); took < 6*pause {
		t.Fatalf("three merges pausing twice each took %v, want at least %v: their pauses overlapped", took, 6*pause)
	}
}

// TestMergePauseEndsOnStop books a long pause behind another and closes
// stop, as Close does: the pause ends at once, however much was booked.
func TestMergePauseEndsOnStop(t *testing.T) {
	var p pacer
	stop := make(chan struct{})
	p.pause(0, nil)
	go p.pause(maxMergePause, nil)
	ended := make(chan bool)
	go func() { ended <- p.pause(maxMergePause, stop) }()
	time.Sleep(10 * time.Millisecond)
	began := time.Now()
	close(stop)
	if <-ended {
		t.Fatal("the pause ran its course after stop closed")
	}
	if took := time.Since(began); took > maxMergePause/2 {
		t.Fatalf("the pause ended %v after stop closed", took)
	}
}

// TestIndexLogsThroughItsLogger merges runs of an index opened with a
// logger of its own: the merge is logged there, with the logger's
// attributes, so that the validators of one process can be told apart.
func TestIndexLogsThroughItsLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil)).With("validator", 7)
	ix, err := openIndex(t.TempDir(), 64*4, false, 2, IndexLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	fillIndex(ix, 0, 8, 0, false)
	ix.settle()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, `msg="blocklog index: runs merged"`) || !strings.Contains(out, "validator=7") {
		t.Fatalf("the index's logger got %q, want its merges with validator=7", out)
	}
}
