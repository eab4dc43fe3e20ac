package blocklog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/internal/hashtab"
	"github.com/aurigraph/aurigraph/internal/retry"
)

// Key names an index entry: the first 16 bytes of a sha256 digest.
type Key [16]byte

// Entry is one key with its location, a value the caller packs (see Loc).
type Entry struct {
	Key Key
	Loc uint64
}

// DefaultRunEntries is how many entries the index keeps in memory before it
// writes them to a run file.
const DefaultRunEntries = 256 << 10

const (
	runSuffix  = ".run"
	runMagic   = 0x41474958 // "AGIX"
	entryBytes = 24
	// runHeader is magic (4), span count (4), entry count (8).
	runHeader = 16
)

// Index maps keys to locations without writing anything per entry: entries
// are added in memory, and every RunEntries of them are sorted and written
// to a run file by a background goroutine, off the caller's path. Runs
// written from memory are tier 0; once mergeFanIn runs of one tier exist,
// the oldest of them are merged in the background into one run of the next
// tier, so a chain of N entries has about log8(N/RunEntries) tiers of at
// most mergeFanIn runs each, and a lookup checks that many runs, not one
// per RunEntries.
//
// A lookup checks memory, then each run. In a tier-0 run, a Bloom filter
// in memory (2 bytes a key) turns away nearly every key the run does not
// hold, and fence keys in memory (the first key of every block of 170
// entries) name the one block of the file that can hold the key, read
// with one pread. A merged run keeps its filter and its fences in its
// file, in partitions of 256 blocks (43,520 keys), and in memory only the
// first key of each partition (16 bytes per 43,520 keys: 0.4 MB per
// billion ids, the one part of the index's memory that grows with the
// chain): a lookup reads one 64-byte block of the partition's filter, and
// only where that holds the key, the partition's fences and the block.
//
// So the filters and fences in memory are those of tier-0 runs alone:
// fewer than mergeFanIn waiting for the next merge, plus those being
// merged, at most 2·mergeFanIn runs, 2·mergeFanIn·RunEntries·2.1 bytes
// (8.4 MiB per index at the default RunEntries) however long the chain,
// while merges keep up (one of 2M entries takes about a second, a
// validator writes a run every few seconds at most). A merge holds under
// 1 MiB of buffers. The runs' files stay in the operating system's page
// cache and out of this process's memory.
//
// Runs are not synced when written from memory: each names the heights it
// covers and carries a checksum, and Open drops a run that fails it, so
// the caller indexes those heights again from the blocks. Merged runs are
// synced before they replace their inputs, whose files are removed only
// then; a merged run lists its inputs, and Open removes those a crash left
// behind it.
//
// Entries added quietly are kept in a plain list until their run is
// written, not in a table: a caller that adds entries it can find elsewhere
// meanwhile (the state machine's dedup window knows where its recent ids
// are) saves a random memory access per entry. A run is cut once
// RunEntries are held, and its writing waits for the previous run's, so an
// entry is in a run file before another 2·RunEntries have been added.
//
// Where a key appears more than once, the highest location wins.
type Index struct {
	dir        string
	runEntries int
	readOnly   bool

	// seed keys the runs' filters.
	seed uint64

	mu      sync.RWMutex
	pending *hashtab.Table // searchable entries
	quiet   []Entry        // entries added quietly
	spans   []Span         // heights whose entries pending and quiet hold
	frozen  []*memRun
	runs    []*diskRun
	nextRun uint64
	// writeErr is the failure to write a run, which stays until a
	// restart indexes its heights again; mergeErr the last merge's, which
	// the next merge to succeed clears. stats counts both kinds.
	writeErr error
	mergeErr error
	stats    IndexStats

	wg sync.WaitGroup
	// scratch is the writing of runs' buffers, spareQuiet the list of
	// quiet entries of the run written last, both kept for the next, about
	// 24 MB at the default RunEntries: runs are written one at a time (Add
	// and AddQuiet have one caller at a time), and buffers made anew for
	// each run, 28 MB, were most of what an index allocated.
	scratch    runScratch
	spareQuiet []Entry

	// fanIn is how many runs of a tier are merged into one of the next.
	fanIn int
	// merging says a goroutine runs merges; mergeWG waits for it. After a
	// merge fails, none starts before retryAt, which backoff pushes out.
	merging bool
	mergeWG sync.WaitGroup
	retryAt time.Time
	backoff retry.Backoff
	// stop is closed by Close: no merge starts after it, and one under way
	// ends at its next pause.
	stop       chan struct{}
	stopOnce   sync.Once
	mergedInit bool // the merged runs' format is recorded

	logger *slog.Logger
}

type runScratch struct {
	entries, sorted []Entry
	counts, next    []int
	w               *bufio.Writer
}

type memRun struct {
	t     *hashtab.Table
	quiet []Entry
	spans []Span
}

type diskRun struct {
	path  string
	seq   uint64
	tier  int
	f     *os.File // open for the lookups' reads while the run is in use
	start int64    // offset of the first entry in the file
	n     int
	spans []Span
	// filter holds a tier-0 run's keys, and fences[i] is the first key of
	// its block i, which holds entries i·blockEntries up to the next
	// block's. A merged run keeps both in its file, a partition of each
	// per partBlocks blocks from filterOff, its filter keyed by
	// filterSeed, and in memory parts, the first key of each partition.
	filter     *filter
	fences     []Key
	filterOff  int64
	filterSeed uint64
	parts      []Key
	// inputs are the runs a merged run replaced.
	inputs []uint64
	// merging marks an input of the merge under way.
	merging bool
}

// blockEntries is how many entries one read of a run brings: what fits in
// a 4 KiB page.
const blockEntries = 4096 / entryBytes

var blockPool = sync.Pool{New: func() any { return new([blockEntries * entryBytes]byte) }}

// IndexOption configures OpenIndex.
type IndexOption func(*Index)

// IndexLogger sends the index's logs (merges and their failures) to l, so
// that they name the validator whose index they are; default
// slog.Default().
func IndexLogger(l *slog.Logger) IndexOption {
	return func(ix *Index) {
		if l != nil {
			ix.logger = l
		}
	}
}

// OpenIndex opens the runs in dir. runEntries 0 means DefaultRunEntries.
func OpenIndex(dir string, runEntries int, readOnly bool, opts ...IndexOption) (*Index, error) {
	return openIndex(dir, runEntries, readOnly, mergeFanIn, opts...)
}

// openIndex is OpenIndex merging fanIn runs at a time.
func openIndex(dir string, runEntries int, readOnly bool, fanIn int, opts ...IndexOption) (*Index, error) {
	if runEntries <= 0 {
		runEntries = DefaultRunEntries
	}
	if err := checkDirFormat(dir, runsFormatFile, runSuffix, IndexFormatRead, IndexFormatWrite, readOnly); err != nil {
		return nil, fmt.Errorf("blocklog index: %w", err)
	}
	// Recorded with the first merged run, so that a directory without
	// merges stays as the releases before merging wrote it.
	if err := checkDirFormat(dir, mergedFormatFile, mergedSuffix, MergedFormatRead, MergedFormatWrite, true); err != nil {
		return nil, fmt.Errorf("blocklog index: %w", err)
	}
	ix := &Index{dir: dir, runEntries: runEntries, readOnly: readOnly, pending: hashtab.New(0), seed: rand.Uint64(), fanIn: fanIn,
		backoff: retry.Backoff{Min: time.Second, Max: maxMergeBackoff}, logger: slog.Default(), stop: make(chan struct{})}
	for _, o := range opts {
		o(ix)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("blocklog index: list %s: %w", dir, err)
	}
	for _, e := range names {
		name := e.Name()
		if strings.HasSuffix(name, tmpSuffix) && !readOnly {
			// A run or merge a crash cut short; its inputs are still here.
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				ix.Close()
				return nil, fmt.Errorf("blocklog index: remove %s: %w", name, err)
			}
			continue
		}
		open := openRun
		suffix := runSuffix
		if strings.HasSuffix(name, mergedSuffix) {
			open, suffix = openMerged, mergedSuffix
		} else if !strings.HasSuffix(name, runSuffix) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, suffix), 10, 64)
		if err != nil {
			continue
		}
		ix.nextRun = max(ix.nextRun, seq+1)
		path := filepath.Join(dir, name)
		r, err := open(path, seq, ix.seed)
		if err != nil {
			if readOnly {
				continue
			}
			if !isDamaged(err) {
				// Out of descriptors, say: a merged run may cover most of
				// the chain, and removing it for that would leave its
				// heights to be indexed again from the blocks.
				ix.Close()
				return nil, fmt.Errorf("blocklog index: open run %s: %w", path, err)
			}
			// Rebuilt from the blocks: the caller indexes what no run covers.
			if rmErr := os.Remove(path); rmErr != nil {
				ix.Close()
				return nil, fmt.Errorf("blocklog index: remove damaged run %s: %w (it was damaged: %w)", path, rmErr, err)
			}
			continue
		}
		ix.runs = append(ix.runs, r)
	}
	if err := ix.dropMerged(); err != nil {
		ix.Close()
		return nil, err
	}
	ix.startMerges()
	return ix, nil
}

// dropMerged removes the runs that a merged run lists as its inputs: a
// crash came between the merged run's rename and their removal. Their
// entries are all in it.
func (ix *Index) dropMerged() error {
	replaced := map[uint64]bool{}
	for _, r := range ix.runs {
		for _, in := range r.inputs {
			replaced[in] = true
		}
	}
	keep := ix.runs[:0]
	for _, r := range ix.runs {
		if !replaced[r.seq] {
			keep = append(keep, r)
			continue
		}
		r.f.Close()
		if ix.readOnly {
			continue
		}
		if err := os.Remove(r.path); err != nil {
			return fmt.Errorf("blocklog index: remove merged run %s: %w", r.path, err)
		}
	}
	clear(ix.runs[len(keep):])
	ix.runs = keep
	return nil
}

// errDamaged marks a run whose file is not what was written: cut short,
// or its bytes changed. OpenIndex removes such a run, and only such a run.
var errDamaged = errors.New("the file is damaged")

// isDamaged says whether err, from opening a run, is the file's fault; a
// file shorter than its own counts say reads to an unexpected end.
func isDamaged(err error) bool {
	return errors.Is(err, errDamaged) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// openRun reads the tier-0 run at path whole, checks it and keeps what
// finds its entries in memory; its file stays open for the reads of
// lookups.
func openRun(path string, seq, seed uint64) (*diskRun, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(body) < runHeader+4 || len(body) > 1<<40 {
		return nil, fmt.Errorf("run %s is %d bytes: %w", path, len(body), errDamaged)
	}
	sum := binary.LittleEndian.Uint32(body[len(body)-4:])
	body = body[:len(body)-4]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("run %s: checksum does not match: %w", path, errDamaged)
	}
	if binary.LittleEndian.Uint32(body) != runMagic {
		return nil, fmt.Errorf("run %s: not an index run: %w", path, errDamaged)
	}
	nspans := int(binary.LittleEndian.Uint32(body[4:]))
	n := binary.LittleEndian.Uint64(body[8:])
	if uint64(len(body)) != runHeader+uint64(nspans)*16+n*entryBytes {
		return nil, fmt.Errorf("run %s: size does not match its counts: %w", path, errDamaged)
	}
	spans := make([]Span, nspans)
	for i := range spans {
		at := runHeader + i*16
		spans[i] = Span{binary.LittleEndian.Uint64(body[at:]), binary.LittleEndian.Uint64(body[at+8:])}
	}
	data := body[runHeader+nspans*16:]
	return newDiskRun(path, seq, int64(runHeader+nspans*16), spans, int(n), func(i int) *Key {
		return (*Key)(data[i*entryBytes : i*entryBytes+16])
	}, seed)
}

// newDiskRun keeps what finds the entries of the tier-0 run file at path,
// whose n sorted keys key gives, and opens it.
func newDiskRun(path string, seq uint64, start int64, spans []Span, n int, key func(i int) *Key, seed uint64) (*diskRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("blocklog index: open run: %w", err)
	}
	r := &diskRun{path: path, seq: seq, f: f, start: start, n: n, spans: spans, filter: newFilter(n, seed)}
	for i := range n {
		k := key(i)
		r.filter.add(k)
		if i%blockEntries == 0 {
			r.fences = append(r.fences, *k)
		}
	}
	return r, nil
}

func (r *diskRun) lookup(k Key) (uint64, bool, error) {
	if r.filter == nil {
		return r.lookupMerged(k)
	}
	if !r.filter.mayContain(&k) {
		return 0, false, nil
	}
	// The last block whose first key is at most k.
	b := sort.Search(len(r.fences), func(i int) bool { return bytes.Compare(r.fences[i][:], k[:]) > 0 }) - 1
	if b < 0 {
		return 0, false, nil
	}
	return r.readBlock(b, k)
}

// lookupMerged finds k in a merged run: its partition by the first keys in
// memory, then the one block of the partition's filter that holds k's
// probes, and, if they are all set, the partition's fence keys and the one
// block of entries they name, each with one pread.
func (r *diskRun) lookupMerged(k Key) (uint64, bool, error) {
	p := sort.Search(len(r.parts), func(i int) bool { return bytes.Compare(r.parts[i][:], k[:]) > 0 }) - 1
	if p < 0 {
		return 0, false, nil
	}
	base := r.filterOff + int64(p)*partBytes
	var fb [filterBlockBytes]byte
	at, probes := blockFilterProbe(&k, r.filterSeed, partFilterBytes/filterBlockBytes)
	if _, err := r.f.ReadAt(fb[:], base+int64(at)*filterBlockBytes); err != nil {
		return 0, false, fmt.Errorf("blocklog index: read the filter of run %s: %w", r.path, err)
	}
	if !blockFilterHas(fb[:], &probes) {
		return 0, false, nil
	}
	first := p * partBlocks
	blocks := min(partBlocks, (r.n+blockEntries-1)/blockEntries-first)
	var page [partFenceBytes]byte
	fences := page[:blocks*16]
	if _, err := r.f.ReadAt(fences, base+partFilterBytes); err != nil {
		return 0, false, fmt.Errorf("blocklog index: read the fences of run %s: %w", r.path, err)
	}
	// The partition's first fence is r.parts[p], at most k: b is not -1.
	b := sort.Search(blocks, func(i int) bool { return bytes.Compare(fences[i*16:i*16+16], k[:]) > 0 }) - 1
	return r.readBlock(first+b, k)
}

// readBlock finds k in block b of the run's entries.
func (r *diskRun) readBlock(b int, k Key) (uint64, bool, error) {
	first := b * blockEntries
	count := min(blockEntries, r.n-first)
	buf := blockPool.Get().(*[blockEntries * entryBytes]byte)
	defer blockPool.Put(buf)
	block := buf[:count*entryBytes]
	if _, err := r.f.ReadAt(block, r.start+int64(first)*entryBytes); err != nil {
		return 0, false, fmt.Errorf("blocklog index: read run %s: %w", r.path, err)
	}
	lo, hi := 0, count
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		at := mid * entryBytes
		switch c := bytes.Compare(block[at:at+16], k[:]); {
		case c == 0:
			return binary.LittleEndian.Uint64(block[at+16:]), true, nil
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false, nil
}

// Covered returns the heights whose entries the runs on disk hold.
func (ix *Index) Covered() []Span {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []Span
	for _, r := range ix.runs {
		out = append(out, r.spans...)
	}
	return mergeSpans(out)
}

func mergeSpans(spans []Span) []Span {
	slices.SortFunc(spans, func(a, b Span) int {
		switch {
		case a.First < b.First:
			return -1
		case a.First > b.First:
			return 1
		}
		return 0
	})
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && s.First <= out[n-1].Last+1 {
			out[n-1].Last = max(out[n-1].Last, s.Last)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Add records the entries of the block at height, searchable at once;
// AddQuiet records them for the run files alone. Once RunEntries are held
// in memory, they are written to a run in the background. Neither may be
// called while another call of either is under way.
func (ix *Index) Add(height uint64, entries []Entry) { ix.add(height, entries, true) }

// AddQuiet is Add for entries the caller finds elsewhere until they are in
// a run: Lookup does not see them before.
func (ix *Index) AddQuiet(height uint64, entries []Entry) { ix.add(height, entries, false) }

func (ix *Index) add(height uint64, entries []Entry, searchable bool) {
	ix.mu.Lock()
	if searchable {
		keys := make([]hashtab.Key, len(entries))
		for i, e := range entries {
			keys[i] = hashtab.Key(e.Key)
		}
		ix.pending.Prefetch(keys)
		for _, e := range entries {
			k := hashtab.Key(e.Key)
			if !ix.pending.Insert(k, e.Loc) {
				if old, _ := ix.pending.Get(k); e.Loc > old {
					ix.pending.Put(k, e.Loc)
				}
			}
		}
	} else {
		if ix.quiet == nil {
			ix.quiet, ix.spareQuiet = ix.spareQuiet, nil
		}
		if ix.quiet == nil {
			ix.quiet = make([]Entry, 0, ix.runEntries)
		}
		ix.quiet = append(ix.quiet, entries...)
	}
	if n := len(ix.spans); n > 0 && ix.spans[n-1].Last+1 == height {
		ix.spans[n-1].Last = height
	} else {
		ix.spans = append(ix.spans, Span{height, height})
	}
	if ix.pending.Len()+len(ix.quiet) < ix.runEntries || ix.readOnly {
		ix.mu.Unlock()
		return
	}
	run := &memRun{t: ix.pending, quiet: ix.quiet, spans: mergeSpans(ix.spans)}
	ix.pending = hashtab.New(0)
	ix.quiet = nil
	ix.spans = nil
	ix.frozen = append(ix.frozen, run)
	seq := ix.nextRun
	ix.nextRun++
	ix.mu.Unlock()
	// One run at a time: the previous one must be on disk before more
	// entries pile up behind it.
	ix.wg.Wait()
	ix.wg.Add(1)
	go func() {
		defer ix.wg.Done()
		written, err := ix.writeRun(seq, run)
		ix.mu.Lock()
		defer ix.mu.Unlock()
		if err != nil {
			// The searchable entries stay in memory, where lookups find
			// them; the quiet ones are lost to Lookup until a restart
			// indexes their blocks again.
			ix.writeErr = err
			ix.stats.WriteFailures++
			return
		}
		ix.frozen = slices.DeleteFunc(ix.frozen, func(r *memRun) bool { return r == run })
		// The list grows past RunEntries by the part of the batch that
		// filled it.
		if run.quiet != nil && cap(run.quiet) <= 2*ix.runEntries {
			ix.spareQuiet = run.quiet[:0]
		}
		ix.runs = append(ix.runs, written)
		ix.startMergesLocked()
	}()
}

func (ix *Index) writeRun(seq uint64, run *memRun) (*diskRun, error) {
	sc := &ix.scratch
	entries := append(sc.entries[:0], run.quiet...)
	run.t.Range(func(k hashtab.Key, v uint64) bool {
		entries = append(entries, Entry{Key(k), v})
		return true
	})
	sorted := dropShadowed(sc.sort(entries))
	// A run of one huge block leaves its room to the collector.
	if sc.entries = entries; cap(entries) > 2*ix.runEntries {
		sc.entries, sc.sorted = nil, nil
	}

	path := filepath.Join(ix.dir, fmt.Sprintf("%020d%s", seq, runSuffix))
	tmp := path + tmpSuffix
	if err := writeRunFile(tmp, sc, run.spans, sorted); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("blocklog index: write run: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("blocklog index: write run: %w", err)
	}
	// Just written from memory: its checksum needs no second reading.
	return newDiskRun(path, seq, int64(runHeader+16*len(run.spans)), run.spans, len(sorted), func(i int) *Key { return &sorted[i].Key }, ix.seed)
}

// writeRunFile writes a run of the sorted entries, which cover spans, to a
// new file at path, through sc's buffer.
func writeRunFile(path string, sc *runScratch, spans []Span, sorted []Entry) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if sc.w == nil {
		sc.w = bufio.NewWriterSize(f, 256<<10)
	} else {
		sc.w.Reset(f)
	}
	var sum uint32
	var rec [entryBytes]byte
	put := func(b []byte) {
		sum = crc32.Update(sum, castagnoli, b)
		sc.w.Write(b) // a failure is kept by the writer and returned by Flush
	}
	binary.LittleEndian.PutUint32(rec[:], runMagic)
	binary.LittleEndian.PutUint32(rec[4:], uint32(len(spans)))
	binary.LittleEndian.PutUint64(rec[8:], uint64(len(sorted)))
	put(rec[:runHeader])
	for _, s := range spans {
		binary.LittleEndian.PutUint64(rec[:], s.First)
		binary.LittleEndian.PutUint64(rec[8:], s.Last)
		put(rec[:16])
	}
	for i := range sorted {
		copy(rec[:], sorted[i].Key[:])
		binary.LittleEndian.PutUint64(rec[16:], sorted[i].Loc)
		put(rec[:])
	}
	binary.LittleEndian.PutUint32(rec[:], sum)
	sc.w.Write(rec[:4])
	err = sc.w.Flush()
	sc.w.Reset(nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lookup returns the highest location recorded for k. It fails only when
// a run's file cannot be read.
func (ix *Index) Lookup(k Key) (uint64, bool, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	best, found := ix.pending.Get(hashtab.Key(k))
	for _, r := range ix.frozen {
		if v, ok := r.t.Get(hashtab.Key(k)); ok && (!found || v > best) {
			best, found = v, true
		}
	}
	for _, r := range ix.runs {
		v, ok, err := r.lookup(k)
		if err != nil {
			return 0, false, err
		}
		if ok && (!found || v > best) {
			best, found = v, true
		}
	}
	return best, found, nil
}

// Err returns the failure to write a run, whose entries stay in memory
// until a restart, or else that of the last merge when no merge succeeded
// since (its runs stay as they were, and it is tried again).
func (ix *Index) Err() error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.writeErr != nil {
		return ix.writeErr
	}
	return ix.mergeErr
}

// IndexStats are an index's runs and what became of its writes and merges.
type IndexStats struct {
	// Runs hold the runs written from memory, whose filters are in memory;
	// Merged the merged ones, whose filters are in their files.
	Runs, Merged int
	// Merges, MergeFailures and WriteFailures count since the index
	// opened.
	Merges, MergeFailures, WriteFailures uint64
}

// Stats returns the index's runs and counts.
func (ix *Index) Stats() IndexStats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	st := ix.stats
	for _, r := range ix.runs {
		if r.filter != nil {
			st.Runs++
		} else {
			st.Merged++
		}
	}
	return st
}

// closing reports whether Close has begun.
func (ix *Index) closing() bool {
	select {
	case <-ix.stop:
		return true
	default:
		return false
	}
}

// Flush waits for the runs being written.
func (ix *Index) Flush() { ix.wg.Wait() }

// Close waits for the runs being written and stops a merge under way.
func (ix *Index) Close() error {
	ix.wg.Wait()
	ix.stopOnce.Do(func() { close(ix.stop) })
	ix.mergeWG.Wait()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, r := range ix.runs {
		r.f.Close()
	}
	ix.runs = nil
	return nil
}

// sort returns entries sorted by key, in entries or in sc.sorted, which it
// grows as needed. Keys are uniformly random, so one counting pass on their
// first two bytes leaves buckets of a few entries each, which insertion
// sort finishes: linear time, where a comparison sort of a run costs a third
// of a microsecond an entry.
func (sc *runScratch) sort(entries []Entry) []Entry {
	if len(entries) < 1024 {
		slices.SortFunc(entries, func(a, b Entry) int { return bytes.Compare(a.Key[:], b.Key[:]) })
		return entries
	}
	if sc.counts == nil {
		sc.counts, sc.next = make([]int, 1<<16+1), make([]int, 1<<16+1)
	}
	counts := sc.counts
	clear(counts)
	for i := range entries {
		counts[int(entries[i].Key[0])<<8|int(entries[i].Key[1])+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	out := slices.Grow(sc.sorted[:0], len(entries))[:len(entries)]
	sc.sorted = out
	next := sc.next
	copy(next, counts)
	for _, e := range entries {
		b := int(e.Key[0])<<8 | int(e.Key[1])
		out[next[b]] = e
		next[b]++
	}
	for b := 0; b < 1<<16; b++ {
		bucket := out[counts[b]:counts[b+1]]
		if len(bucket) > 16 {
			// Ids ground to share leading digest bytes must not make this
			// quadratic.
			slices.SortFunc(bucket, func(a, b Entry) int { return bytes.Compare(a.Key[:], b.Key[:]) })
			continue
		}
		for i := 1; i < len(bucket); i++ {
			for j := i; j > 0 && bytes.Compare(bucket[j].Key[:], bucket[j-1].Key[:]) < 0; j-- {
				bucket[j], bucket[j-1] = bucket[j-1], bucket[j]
			}
		}
	}
	return out
}

// dropShadowed keeps, of sorted entries sharing a key, the one with the
// highest location.
func dropShadowed(entries []Entry) []Entry {
	out := entries[:0]
	for _, e := range entries {
		if n := len(out); n > 0 && out[n-1].Key == e.Key {
			out[n-1].Loc = max(out[n-1].Loc, e.Loc)
			continue
		}
		out = append(out, e)
	}
	return out
}
