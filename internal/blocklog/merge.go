package blocklog

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// mergeFanIn is how many runs of one tier are merged into one of the next.
const mergeFanIn = 8

// A merged run's file holds its entries, sorted, 24 bytes each as in a
// tier-0 run; then a partition for every partBlocks blocks of
// blockEntries entries: its filter (partFilterBytes) and the first key of
// each of its blocks (partFenceBytes, zeros past the last block); then
// its spans (16 bytes each), the sequence numbers of the runs it replaced
// (8 each), and a footer: entry count (8), filter seed (8), span count
// (4), input count (4), tier (4), magic (4) and a CRC-32C of all that
// comes before it (4). The footer is at the end because a merge learns how
// many entries it keeps (keys repeated across its inputs are kept once)
// only when it has written them.
const (
	mergedSuffix = ".merged"
	mergedMagic  = 0x4d584941 // "AIXM"
	mergedFooter = 36

	// partBlocks is how many blocks of entries a partition covers: their
	// first keys fill a 4 KiB page.
	partBlocks      = 256
	partFilterBytes = partBlocks * unitFilterBlocks * filterBlockBytes
	partFenceBytes  = partBlocks * 16
	partBytes       = partFilterBytes + partFenceBytes
)

const (
	// mergeBuffer is the buffer of each input a merge reads and of each
	// file it writes: with eight inputs and the partition being built,
	// under 1 MiB in all.
	mergeBuffer = 64 << 10
	// mergeChunk is how many blocks (of 170 entries) a merge writes
	// between two pauses.
	mergeChunk = 64
	// mergeIdle is how much longer than it worked a merge sleeps after
	// each chunk: it takes a fifth of one core from the validators beside
	// it, and spreads its writes over five times as long, which writeback
	// turns into a steady trickle. Eight runs of 256K entries take 0.21 s
	// of CPU, in 1.05 s instead of a 0.19 s burst (BenchmarkIndexMerge).
	mergeIdle = 4
	// maxMergeBackoff bounds the wait before a failed merge is tried again.
	maxMergeBackoff = time.Minute
)

var errClosing = errors.New("blocklog index: closing")

// mergePacer makes the merges of all the indexes in a process pause one
// after the other, so that together they take about a quarter of a core
// instead of a fifth each. Validators that share a process (dev, tests)
// index the same blocks and so reach each merge at the same moment: three
// merges at once took 0.6 of a core while half the maximum rate left 0.45
// of the two idle, and commits queued behind them.
var mergePacer pacer

// maxMergePause bounds one pause: a chunk that a stalled disk or a busy
// machine made last a second would otherwise book four seconds of the
// process's pauses, which every other merge waits out.
const maxMergePause = time.Second

// pacer books pauses one after another on a timeline that the merges of a
// process share.
type pacer struct {
	mu sync.Mutex
	// free is when the pauses booked so far are over.
	free time.Time
}

// pause waits for idle, capped at maxMergePause, once the pauses booked
// before it are over; it returns false at once if stop closes first. The
// wait for the others is not part of idle: counting it as work would make
// every pause longer than the one before.
func (p *pacer) pause(idle time.Duration, stop <-chan struct{}) bool {
	idle = min(idle, maxMergePause)
	p.mu.Lock()
	now := time.Now()
	if p.free.Before(now) {
		p.free = now
	}
	p.free = p.free.Add(idle)
	until := p.free
	p.mu.Unlock()
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// startMerges starts merging in the background if some tier has fanIn
// runs and no merge is under way.
func (ix *Index) startMerges() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.startMergesLocked()
}

func (ix *Index) startMergesLocked() {
	if ix.merging || ix.readOnly || ix.closing() {
		return
	}
	inputs, tier := ix.pickMerge(math.MaxInt)
	if inputs == nil {
		return
	}
	ix.merging = true
	ix.mergeWG.Add(1)
	go func() {
		defer ix.mergeWG.Done()
		for {
			ix.runMerge(inputs, tier)
			ix.mu.Lock()
			inputs = nil
			if !ix.closing() {
				inputs, tier = ix.pickMerge(math.MaxInt)
			}
			if inputs == nil {
				ix.merging = false
				ix.mu.Unlock()
				return
			}
			ix.mu.Unlock()
		}
	}()
}

// pickMerge, called with ix.mu held, marks and returns the oldest fanIn
// runs of the lowest tier below below that has that many not being merged
// already, and their tier.
func (ix *Index) pickMerge(below int) ([]*diskRun, int) {
	if time.Now().Before(ix.retryAt) {
		return nil, 0
	}
	byTier := map[int][]*diskRun{}
	best := -1
	for _, r := range ix.runs {
		if r.merging || r.tier >= below {
			continue
		}
		byTier[r.tier] = append(byTier[r.tier], r)
		if len(byTier[r.tier]) >= ix.fanIn && (best < 0 || r.tier < best) {
			best = r.tier
		}
	}
	if best < 0 {
		return nil, 0
	}
	inputs := byTier[best]
	slices.SortFunc(inputs, func(a, b *diskRun) int { return cmp.Compare(a.seq, b.seq) })
	inputs = inputs[:ix.fanIn]
	for _, r := range inputs {
		r.merging = true
	}
	return inputs, best
}

// runMerge merges inputs, of tier tier, into one run of the next tier and
// puts it in their place; a failure leaves them as they were.
func (ix *Index) runMerge(inputs []*diskRun, tier int) {
	began := time.Now()
	out, size, err := ix.merge(inputs, tier+1)
	ix.mu.Lock()
	if err != nil {
		for _, r := range inputs {
			r.merging = false
		}
		if errors.Is(err, errClosing) {
			ix.mu.Unlock()
			return
		}
		wait := ix.backoff.Next()
		ix.retryAt = time.Now().Add(wait)
		ix.mergeErr = err
		ix.stats.MergeFailures++
		ix.mu.Unlock()
		ix.logger.Error("blocklog index: merge failed; its runs stay as they were", "runs", len(inputs), "tier", tier, "retry_in", wait, "err", err)
		return
	}
	ix.backoff.Reset()
	ix.mergeErr = nil
	ix.stats.Merges++
	ix.runs = slices.DeleteFunc(ix.runs, func(r *diskRun) bool { return slices.Contains(inputs, r) })
	ix.runs = append(ix.runs, out)
	ix.mu.Unlock()
	// Lookups read runs under ix.mu, so none reads the inputs any more.
	for _, r := range inputs {
		r.f.Close()
		if err := os.Remove(r.path); err != nil {
			ix.logger.Warn("blocklog index: remove a merged run; the next open removes it", "run", r.path, "err", err)
		}
	}
	ix.logger.Info("blocklog index: runs merged", "runs", len(inputs), "tier", tier+1, "entries", out.n, "bytes", size, "took", time.Since(began))
}

// mergeInput reads one input's entries in order.
type mergeInput struct {
	r    *bufio.Reader
	left int
	e    Entry
	raw  [entryBytes]byte
}

func (in *mergeInput) next() (bool, error) {
	if in.left == 0 {
		return false, nil
	}
	if _, err := io.ReadFull(in.r, in.raw[:]); err != nil {
		return false, err
	}
	in.left--
	in.e = Entry{Key(in.raw[:16]), binary.LittleEndian.Uint64(in.raw[16:])}
	return true, nil
}

// merge writes the entries of inputs, where a key is in more than one
// keeping its highest location, to a new run of tier tier, synced, and
// returns it open, with its size.
func (ix *Index) merge(inputs []*diskRun, tier int) (*diskRun, int64, error) {
	if !ix.mergedInit {
		if err := checkDirFormat(ix.dir, mergedFormatFile, mergedSuffix, MergedFormatRead, MergedFormatWrite, false); err != nil {
			return nil, 0, fmt.Errorf("blocklog index: %w", err)
		}
		ix.mergedInit = true
	}
	ix.mu.Lock()
	seq := ix.nextRun
	ix.nextRun++
	ix.mu.Unlock()
	path := filepath.Join(ix.dir, fmt.Sprintf("%020d%s", seq, mergedSuffix))
	tmp := path + tmpSuffix
	r, err := ix.writeMerged(tmp, inputs, tier)
	if err != nil {
		os.Remove(tmp)
		return nil, 0, err
	}
	r.path, r.seq = path, seq
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, 0, fmt.Errorf("blocklog index: merge into %s: %w", path, err)
	}
	// The inputs are removed once the rename is durable: until then they
	// are what a crash would leave.
	if err := syncDir(ix.dir); err != nil {
		os.Remove(path)
		return nil, 0, fmt.Errorf("blocklog index: merge into %s: %w", path, err)
	}
	if r.f, err = os.Open(path); err != nil {
		os.Remove(path)
		return nil, 0, fmt.Errorf("blocklog index: open merged run: %w", err)
	}
	size := int64(r.n)*entryBytes + int64(len(r.parts))*partBytes + int64(len(r.spans))*16 + int64(len(r.inputs))*8 + mergedFooter
	return r, size, nil
}

// writeMerged writes the merged run to path and syncs it; its partitions
// are written to a file beside it as the entries stream past, then
// appended.
func (ix *Index) writeMerged(path string, inputs []*diskRun, tier int) (_ *diskRun, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("blocklog index: merge: %w", err)
	}
	defer f.Close()
	sidePath := path + ".parts" + tmpSuffix
	side, err := os.OpenFile(sidePath, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("blocklog index: merge: %w", err)
	}
	defer func() {
		side.Close()
		os.Remove(sidePath)
	}()
	sum := crc32.New(castagnoli)
	w := bufio.NewWriterSize(writeback.NewWriter(f, writebackBytes), mergeBuffer)
	out := io.MultiWriter(w, sum)
	sideW := bufio.NewWriterSize(side, mergeBuffer)

	r := &diskRun{tier: tier, filterSeed: rand.Uint64()}
	var spans []Span
	heads := make([]*mergeInput, 0, len(inputs))
	for _, in := range inputs {
		spans = append(spans, in.spans...)
		r.inputs = append(r.inputs, in.seq)
		h := &mergeInput{r: bufio.NewReaderSize(io.NewSectionReader(in.f, in.start, int64(in.n)*entryBytes), mergeBuffer), left: in.n}
		ok, err := h.next()
		if err != nil {
			return nil, fmt.Errorf("blocklog index: merge: read run %s: %w", in.path, err)
		}
		if ok {
			heads = append(heads, h)
		}
	}
	r.spans = mergeSpans(spans)

	var block [blockEntries * entryBytes]byte
	partFilter := make([]byte, partFilterBytes)
	fencePage := make([]byte, partFenceBytes)
	inBlock, blocks := 0, 0 // entries in the block, blocks in the partition
	flushPart := func() error {
		if _, err := sideW.Write(partFilter); err != nil {
			return fmt.Errorf("blocklog index: merge: write filter: %w", err)
		}
		if _, err := sideW.Write(fencePage); err != nil {
			return fmt.Errorf("blocklog index: merge: write fences: %w", err)
		}
		clear(partFilter)
		clear(fencePage)
		blocks = 0
		return nil
	}
	flushBlock := func() error {
		if _, err := out.Write(block[:inBlock*entryBytes]); err != nil {
			return fmt.Errorf("blocklog index: merge: %w", err)
		}
		inBlock = 0
		if blocks++; blocks == partBlocks {
			return flushPart()
		}
		return nil
	}
	worked := time.Now()
	for len(heads) > 0 {
		m := 0
		for i := 1; i < len(heads); i++ {
			if bytes.Compare(heads[i].e.Key[:], heads[m].e.Key[:]) < 0 {
				m = i
			}
		}
		e := heads[m].e
		for i := 0; i < len(heads); {
			if heads[i].e.Key != e.Key {
				i++
				continue
			}
			e.Loc = max(e.Loc, heads[i].e.Loc)
			ok, err := heads[i].next()
			if err != nil {
				return nil, fmt.Errorf("blocklog index: merge: read a run: %w", err)
			}
			if !ok {
				heads = slices.Delete(heads, i, i+1)
			}
		}
		if inBlock == 0 {
			if blocks == 0 {
				r.parts = append(r.parts, e.Key)
			}
			copy(fencePage[blocks*16:], e.Key[:])
		}
		at := inBlock * entryBytes
		copy(block[at:], e.Key[:])
		binary.LittleEndian.PutUint64(block[at+16:], e.Loc)
		blockFilterAdd(partFilter, &e.Key, r.filterSeed)
		inBlock++
		r.n++
		if inBlock < blockEntries {
			continue
		}
		if err := flushBlock(); err != nil {
			return nil, err
		}
		if r.n%(mergeChunk*blockEntries) == 0 {
			if err := ix.pauseMerge(tier-1, &worked); err != nil {
				return nil, err
			}
		}
	}
	if inBlock > 0 {
		if err := flushBlock(); err != nil {
			return nil, err
		}
	}
	if blocks > 0 {
		if err := flushPart(); err != nil {
			return nil, err
		}
	}
	r.filterOff = int64(r.n) * entryBytes
	if err := sideW.Flush(); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: write partitions: %w", err)
	}
	if _, err := side.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: read partitions back: %w", err)
	}
	if _, err := io.Copy(out, bufio.NewReaderSize(side, mergeBuffer)); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: copy partitions: %w", err)
	}
	tail := make([]byte, 0, len(r.spans)*16+len(r.inputs)*8+mergedFooter)
	for _, s := range r.spans {
		tail = binary.LittleEndian.AppendUint64(tail, s.First)
		tail = binary.LittleEndian.AppendUint64(tail, s.Last)
	}
	for _, seq := range r.inputs {
		tail = binary.LittleEndian.AppendUint64(tail, seq)
	}
	tail = binary.LittleEndian.AppendUint64(tail, uint64(r.n))
	tail = binary.LittleEndian.AppendUint64(tail, r.filterSeed)
	tail = binary.LittleEndian.AppendUint32(tail, uint32(len(r.spans)))
	tail = binary.LittleEndian.AppendUint32(tail, uint32(len(r.inputs)))
	tail = binary.LittleEndian.AppendUint32(tail, uint32(tier))
	tail = binary.LittleEndian.AppendUint32(tail, mergedMagic)
	if _, err := out.Write(tail); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: %w", err)
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, sum.Sum32())); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: %w", err)
	}
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("blocklog index: merge: sync %s: %w", path, err)
	}
	return r, nil
}

// pauseMerge, between two chunks of a merge whose inputs are of tier
// tier, sleeps mergeIdle times as long as the chunk took (after the other
// merges' pauses in the process), and first runs
// any merge of a lower tier that is due: a merge of a high tier can take
// minutes, and the tier-0 runs written meanwhile, whose filters are in
// memory, must not pile up behind it.
func (ix *Index) pauseMerge(tier int, worked *time.Time) error {
	if ix.closing() {
		return errClosing
	}
	if !mergePacer.pause(time.Since(*worked)*mergeIdle, ix.stop) {
		return errClosing
	}
	for {
		ix.mu.Lock()
		inputs, t := ix.pickMerge(tier)
		ix.mu.Unlock()
		if inputs == nil {
			break
		}
		ix.runMerge(inputs, t)
		if ix.closing() {
			return errClosing
		}
	}
	*worked = time.Now()
	return nil
}

// openMerged opens the merged run at path and checks it whole, reading it
// once with bounded buffers for its checksum and its partitions' first
// keys.
func openMerged(path string, seq, _ uint64) (*diskRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := readMerged(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.path, r.seq, r.f = path, seq, f
	return r, nil
}

func readMerged(f *os.File, path string) (*diskRun, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < mergedFooter || size > 1<<44 {
		return nil, fmt.Errorf("merged run %s is %d bytes: %w", path, size, errDamaged)
	}
	var foot [mergedFooter]byte
	if _, err := f.ReadAt(foot[:], size-mergedFooter); err != nil {
		return nil, fmt.Errorf("read merged run %s: %w", path, err)
	}
	le := binary.LittleEndian
	n, seed := le.Uint64(foot[0:]), le.Uint64(foot[8:])
	nspans, ninputs := uint64(le.Uint32(foot[16:])), uint64(le.Uint32(foot[20:]))
	tier := le.Uint32(foot[24:])
	if le.Uint32(foot[28:]) != mergedMagic {
		return nil, fmt.Errorf("merged run %s: not a merged index run: %w", path, errDamaged)
	}
	if n > 1<<40 {
		return nil, fmt.Errorf("merged run %s: %d entries: %w", path, n, errDamaged)
	}
	blocks := (n + blockEntries - 1) / blockEntries
	parts := (blocks + partBlocks - 1) / partBlocks
	if uint64(size) != n*entryBytes+parts*partBytes+nspans*16+ninputs*8+mergedFooter {
		return nil, fmt.Errorf("merged run %s: size does not match its counts: %w", path, errDamaged)
	}
	sum := crc32.New(castagnoli)
	rd := bufio.NewReaderSize(io.NewSectionReader(f, 0, size-4), mergeBuffer)
	r := &diskRun{tier: int(tier), n: int(n), filterOff: int64(n) * entryBytes, filterSeed: seed, parts: make([]Key, 0, parts)}
	var block [blockEntries * entryBytes]byte
	for b, left := 0, n; left > 0; b++ {
		raw := block[:min(left, blockEntries)*entryBytes]
		if _, err := io.ReadFull(rd, raw); err != nil {
			return nil, fmt.Errorf("read merged run %s: %w", path, err)
		}
		sum.Write(raw)
		if b%partBlocks == 0 {
			r.parts = append(r.parts, Key(raw[:16]))
		}
		left -= uint64(len(raw) / entryBytes)
	}
	if _, err := io.CopyN(sum, rd, int64(parts)*partBytes); err != nil {
		return nil, fmt.Errorf("read merged run %s: %w", path, err)
	}
	tail := make([]byte, nspans*16+ninputs*8+mergedFooter-4)
	if _, err := io.ReadFull(rd, tail); err != nil {
		return nil, fmt.Errorf("read merged run %s: %w", path, err)
	}
	sum.Write(tail)
	if sum.Sum32() != le.Uint32(foot[mergedFooter-4:]) {
		return nil, fmt.Errorf("merged run %s: checksum does not match: %w", path, errDamaged)
	}
	r.spans = make([]Span, nspans)
	for i := range r.spans {
		r.spans[i] = Span{le.Uint64(tail[i*16:]), le.Uint64(tail[i*16+8:])}
	}
	r.inputs = make([]uint64, ninputs)
	for i := range r.inputs {
		r.inputs[i] = le.Uint64(tail[int(nspans)*16+i*8:])
	}
	return r, nil
}
