// Package blocklog keeps a chain's blocks in append-only segment files,
// addressed by height.
//
// A segment holds consecutive heights from the one in its name. Blocks are
// appended in height order; a block above the next height (after a raft
// snapshot install skipped some) starts a new segment, and blocks fetched
// later to fill such a gap are written as segments of their own. Every
// record carries its height, a value the caller chooses (the chain's
// transaction count after the block) and a CRC-32C of both and of its
// payload, so a record torn by a crash is recognised and cut off when the
// log is opened.
//
// Appends are not synced: the caller's own write-ahead log is what makes a
// block durable, and the caller calls Sync before it gives that log up (a
// raft snapshot). Every writebackBytes appended are handed to the kernel's
// writeback as they come, so that Sync finds little left to write. Segments that are full, and fills, are synced when
// written, so only the tail of the newest segment can be lost in a crash.
package blocklog

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// ErrNotFound is returned for a height the log does not hold.
var ErrNotFound = errors.New("blocklog: height not stored")

// DefaultSegmentBytes is the size at which a segment is closed and the next
// append starts a new one.
const DefaultSegmentBytes = 256 << 20

// recordHeader is length (4), CRC-32C (4), height (8), aux (8).
const recordHeader = 24

// maxRecord bounds a record's payload when reading, so a corrupt length
// never makes the log allocate without bound.
const maxRecord = 1 << 30

const (
	segmentSuffix = ".seg"
	tmpSuffix     = ".tmp"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options configure Open. Zero values take the defaults shown.
type Options struct {
	// SegmentBytes closes a segment once it holds this much
	// (DefaultSegmentBytes).
	SegmentBytes int64
	// ReadOnly opens the log for reading only: nothing is cut or created.
	ReadOnly bool
}

// Log is safe for concurrent use: one writer (Append, Fill, Sync) and any
// number of readers.
type Log struct {
	dir  string
	opts Options

	mu   sync.RWMutex
	segs []*segment // by first height; their ranges never overlap
}

type segment struct {
	first   uint64
	f       *os.File
	offsets []int64 // offset of the record of height first+i
	aux     []uint64
	size    int64
	// synced is how much of the segment is known to be on disk; Sync
	// compares it with size, which Flush may move on while Sync runs.
	synced int64
	// written is how much of the segment was handed to the kernel's
	// writeback (see writebackBytes).
	written int64
}

func (s *segment) last() uint64 { return s.first + uint64(len(s.offsets)) - 1 }

// Open opens the log in dir, creating dir when it is missing (unless read
// only). Each segment's records are checked; the newest segment is cut
// after its last whole record, older ones must be whole.
func Open(dir string, opts Options) (*Log, error) {
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = DefaultSegmentBytes
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("blocklog: create %s: %w", dir, err)
		}
	}
	if err := checkDirFormat(dir, segmentsFormatFile, segmentSuffix, SegmentFormatRead, SegmentFormatWrite, opts.ReadOnly); err != nil {
		return nil, fmt.Errorf("blocklog: %w", err)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("blocklog: list %s: %w", dir, err)
	}
	l := &Log{dir: dir, opts: opts}
	var firsts []uint64
	for _, e := range names {
		name := e.Name()
		if strings.HasSuffix(name, tmpSuffix) && !opts.ReadOnly {
			// A fill or index run that a crash interrupted.
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("blocklog: remove %s: %w", name, err)
			}
			continue
		}
		if !strings.HasSuffix(name, segmentSuffix) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segmentSuffix), 10, 64)
		if err != nil || first == 0 {
			return nil, fmt.Errorf("blocklog: %s in %s is not named after a height", name, dir)
		}
		firsts = append(firsts, first)
	}
	slices.Sort(firsts)
	for i, first := range firsts {
		s, err := l.openSegment(first, i == len(firsts)-1)
		if err != nil {
			l.Close()
			return nil, err
		}
		if len(s.offsets) == 0 {
			s.f.Close()
			if !opts.ReadOnly {
				if err := os.Remove(l.path(first)); err != nil {
					l.Close()
					return nil, fmt.Errorf("blocklog: remove empty segment: %w", err)
				}
			}
			continue
		}
		if n := len(l.segs); n > 0 && l.segs[n-1].last() >= s.first {
			s.f.Close()
			l.Close()
			return nil, fmt.Errorf("blocklog: segment %d overlaps segment %d, which ends at %d", s.first, l.segs[n-1].first, l.segs[n-1].last())
		}
		l.segs = append(l.segs, s)
	}
	return l, nil
}

func (l *Log) path(first uint64) string {
	return filepath.Join(l.dir, fmt.Sprintf("%020d%s", first, segmentSuffix))
}

// openSegment reads a segment's record headers. In the newest segment (tail)
// each payload is checked as well and a torn last record is cut off.
func (l *Log) openSegment(first uint64, tail bool) (*segment, error) {
	flag := os.O_RDWR
	if l.opts.ReadOnly {
		flag = os.O_RDONLY
	}
	path := l.path(first)
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("blocklog: open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blocklog: stat %s: %w", path, err)
	}
	s := &segment{first: first, f: f}
	size := st.Size()
	var hdr [recordHeader]byte
	var buf []byte
	var off int64
	for off < size {
		bad := func(why string) error {
			return fmt.Errorf("blocklog: %s: record at offset %d: %s", path, off, why)
		}
		if size-off < recordHeader {
			if !tail {
				f.Close()
				return nil, bad("header cut short")
			}
			break
		}
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			f.Close()
			return nil, bad(err.Error())
		}
		n := int64(binary.LittleEndian.Uint32(hdr[0:]))
		height := binary.LittleEndian.Uint64(hdr[8:])
		if n > maxRecord || off+recordHeader+n > size || height != first+uint64(len(s.offsets)) {
			if !tail {
				f.Close()
				return nil, bad(fmt.Sprintf("length %d or height %d does not fit", n, height))
			}
			break
		}
		if tail {
			buf = slices.Grow(buf[:0], int(n))[:n]
			if _, err := f.ReadAt(buf, off+recordHeader); err != nil {
				f.Close()
				return nil, bad(err.Error())
			}
			if crc(hdr[8:], buf) != binary.LittleEndian.Uint32(hdr[4:]) {
				break
			}
		}
		s.offsets = append(s.offsets, off)
		s.aux = append(s.aux, binary.LittleEndian.Uint64(hdr[16:]))
		off += recordHeader + n
	}
	if off < size && !l.opts.ReadOnly {
		if err := f.Truncate(off); err != nil {
			f.Close()
			return nil, fmt.Errorf("blocklog: cut torn tail of %s at %d: %w", path, off, err)
		}
	}
	s.size, s.written = off, off
	if !tail {
		s.synced = off
	}
	return s, nil
}

func crc(meta, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(meta, castagnoli), castagnoli, payload)
}

// Close closes every segment file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, s := range l.segs {
		if err := s.f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	l.segs = nil
	return errors.Join(errs...)
}

// Span is a run of consecutive stored heights.
type Span struct{ First, Last uint64 }

// Spans lists the stored heights as runs, lowest first.
func (l *Log) Spans() []Span {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Span
	for _, s := range l.segs {
		if n := len(out); n > 0 && out[n-1].Last+1 == s.first {
			out[n-1].Last = s.last()
			continue
		}
		out = append(out, Span{s.first, s.last()})
	}
	return out
}

// Contiguous returns the highest h such that every height 1..h is stored.
func (l *Log) Contiguous() uint64 {
	spans := l.Spans()
	if len(spans) == 0 || spans[0].First != 1 {
		return 0
	}
	return spans[0].Last
}

// Tip returns the highest stored height and its aux value, 0 when empty.
func (l *Log) Tip() (height, aux uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.segs) == 0 {
		return 0, 0
	}
	s := l.segs[len(l.segs)-1]
	return s.last(), s.aux[len(s.aux)-1]
}

func (l *Log) find(h uint64) *segment {
	i, ok := slices.BinarySearchFunc(l.segs, h, func(s *segment, h uint64) int {
		switch {
		case s.last() < h:
			return -1
		case s.first > h:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return l.segs[i]
}

// Has reports whether height h is stored.
func (l *Log) Has(h uint64) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.find(h) != nil
}

// Aux returns the aux value stored with height h.
func (l *Log) Aux(h uint64) (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	s := l.find(h)
	if s == nil {
		return 0, fmt.Errorf("height %d: %w", h, ErrNotFound)
	}
	return s.aux[h-s.first], nil
}

// Next returns the lowest stored height above h, and false when none is.
func (l *Log) Next(h uint64) (uint64, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, s := range l.segs {
		switch {
		case s.last() <= h:
		case s.first > h:
			return s.first, true
		default:
			return h + 1, true
		}
	}
	return 0, false
}

// Read returns the payload stored at height h and its aux value, checking
// its CRC.
func (l *Log) Read(h uint64) (payload []byte, aux uint64, err error) {
	l.mu.RLock()
	s := l.find(h)
	var off, end int64
	if s != nil {
		i := h - s.first
		off, end = s.offsets[i], s.size
		if i+1 < uint64(len(s.offsets)) {
			end = s.offsets[i+1]
		}
	}
	l.mu.RUnlock()
	if s == nil {
		return nil, 0, fmt.Errorf("height %d: %w", h, ErrNotFound)
	}
	buf := make([]byte, end-off)
	if _, err := s.f.ReadAt(buf, off); err != nil && !(errors.Is(err, io.EOF) && len(buf) > 0) {
		return nil, 0, fmt.Errorf("blocklog: read height %d: %w", h, err)
	}
	n := binary.LittleEndian.Uint32(buf)
	if int(n) != len(buf)-recordHeader || binary.LittleEndian.Uint64(buf[8:]) != h {
		return nil, 0, fmt.Errorf("blocklog: record of height %d is malformed", h)
	}
	if crc(buf[8:recordHeader], buf[recordHeader:]) != binary.LittleEndian.Uint32(buf[4:]) {
		return nil, 0, fmt.Errorf("blocklog: record of height %d fails its checksum", h)
	}
	return buf[recordHeader:], binary.LittleEndian.Uint64(buf[16:]), nil
}

// appendRecord adds one record to buf.
func appendRecord(buf []byte, height, aux uint64, parts ...[]byte) []byte {
	start := len(buf)
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	buf = binary.LittleEndian.AppendUint32(buf, 0)
	buf = binary.LittleEndian.AppendUint64(buf, height)
	buf = binary.LittleEndian.AppendUint64(buf, aux)
	c := crc32.Checksum(buf[start+8:], castagnoli)
	for _, p := range parts {
		buf = append(buf, p...)
		c = crc32.Update(c, castagnoli, p)
	}
	binary.LittleEndian.PutUint32(buf[start+4:], c)
	return buf
}

// Writer batches appends: records added with Add reach the file in one
// write at Flush.
type Writer struct {
	l       *Log
	buf     []byte
	pending []pendingRecord
}

type pendingRecord struct {
	height, aux uint64
	size        int64
}

// NewWriter returns the log's writer. Only one may be in use at a time.
func (l *Log) NewWriter() *Writer { return &Writer{l: l} }

// Add queues the record of height, which must be the one after the last
// stored or queued height, or any height above the stored ones when the
// log is empty or after a gap (it then starts a new segment). The payload
// is the concatenation of parts.
func (w *Writer) Add(height, aux uint64, parts ...[]byte) error {
	next := uint64(0)
	if n := len(w.pending); n > 0 {
		next = w.pending[n-1].height + 1
	} else if tip, _ := w.l.Tip(); tip > 0 {
		next = tip + 1
	}
	if next != 0 && height < next {
		return fmt.Errorf("blocklog: append height %d: the log already holds up to %d", height, next-1)
	}
	start := len(w.buf)
	w.buf = appendRecord(w.buf, height, aux, parts...)
	w.pending = append(w.pending, pendingRecord{height: height, aux: aux, size: int64(len(w.buf) - start)})
	return nil
}

// Flush writes the queued records. A record that does not continue the
// newest segment, or would take it past Options.SegmentBytes, starts a new
// one; the segment it leaves is synced first.
func (w *Writer) Flush() error {
	defer func() {
		w.buf = w.buf[:0]
		w.pending = w.pending[:0]
	}()
	l := w.l
	var off int64
	for i := 0; i < len(w.pending); {
		l.mu.RLock()
		var cur *segment
		if n := len(l.segs); n > 0 {
			cur = l.segs[n-1]
		}
		l.mu.RUnlock()
		first := w.pending[i]
		if cur == nil || cur.last()+1 != first.height || cur.size >= l.opts.SegmentBytes {
			var err error
			if cur, err = l.newSegment(cur, first.height); err != nil {
				return err
			}
		}
		// As many records as continue this segment within its size.
		j, size := i, int64(0)
		for j < len(w.pending) && (j == i || w.pending[j].height == w.pending[j-1].height+1) && cur.size+size < l.opts.SegmentBytes {
			size += w.pending[j].size
			j++
		}
		if _, err := cur.f.WriteAt(w.buf[off:off+size], cur.size); err != nil {
			return fmt.Errorf("blocklog: write heights %d..%d: %w", first.height, w.pending[j-1].height, err)
		}
		l.mu.Lock()
		at := cur.size
		for _, r := range w.pending[i:j] {
			cur.offsets = append(cur.offsets, at)
			cur.aux = append(cur.aux, r.aux)
			at += r.size
		}
		cur.size = at
		l.mu.Unlock()
		if at-cur.written >= writebackBytes {
			writeback.Start(cur.f, cur.written, at-cur.written)
			cur.written = at
		}
		off += size
		i = j
	}
	return nil
}

// newSegment syncs prev, if any, and creates the segment starting at first.
func (l *Log) newSegment(prev *segment, first uint64) (*segment, error) {
	if prev != nil {
		l.mu.RLock()
		size, dirty := prev.size, prev.synced < prev.size
		l.mu.RUnlock()
		if dirty {
			if err := prev.f.Sync(); err != nil {
				return nil, fmt.Errorf("blocklog: sync segment %d: %w", prev.first, err)
			}
			l.mu.Lock()
			prev.synced = size
			l.mu.Unlock()
		}
	}
	f, err := os.OpenFile(l.path(first), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("blocklog: create segment %d: %w", first, err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return nil, err
	}
	s := &segment{first: first, f: f}
	l.mu.Lock()
	l.segs = append(l.segs, s)
	slices.SortFunc(l.segs, func(a, b *segment) int { return cmp.Compare(a.first, b.first) })
	l.mu.Unlock()
	return s, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blocklog: open %s to sync it: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blocklog: sync %s: %w", dir, err)
	}
	return nil
}

// Sync makes every record written so far durable.
func (l *Log) Sync() error {
	type dirtySegment struct {
		s    *segment
		size int64
	}
	l.mu.RLock()
	var dirty []dirtySegment
	for _, s := range l.segs {
		if s.synced < s.size {
			dirty = append(dirty, dirtySegment{s, s.size})
		}
	}
	l.mu.RUnlock()
	// Only what was written before the sync began is known durable after
	// it: a Flush meanwhile leaves the segment dirty for the next Sync.
	for _, d := range dirty {
		if err := d.s.f.Sync(); err != nil {
			return fmt.Errorf("blocklog: sync segment %d: %w", d.s.first, err)
		}
		l.mu.Lock()
		d.s.synced = max(d.s.synced, d.size)
		l.mu.Unlock()
	}
	return nil
}

// Record is one record for Fill.
type Record struct {
	Height, Aux uint64
	Payload     []byte
}

// Fill stores records of consecutive heights that are not stored (a gap a
// raft snapshot install left), as a segment of their own, synced before it
// returns.
func (l *Log) Fill(recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	lo, hi := recs[0].Height, recs[len(recs)-1].Height
	l.mu.RLock()
	for i, r := range recs {
		if r.Height != lo+uint64(i) {
			l.mu.RUnlock()
			return fmt.Errorf("blocklog: fill: heights %d..%d are not consecutive", lo, hi)
		}
	}
	overlap := false
	for _, s := range l.segs {
		if s.first <= hi && s.last() >= lo {
			overlap = true
		}
	}
	l.mu.RUnlock()
	if overlap {
		return fmt.Errorf("blocklog: fill %d..%d: some of these heights are stored", lo, hi)
	}
	var buf []byte
	s := &segment{first: lo}
	for _, r := range recs {
		s.offsets = append(s.offsets, int64(len(buf)))
		s.aux = append(s.aux, r.Aux)
		buf = appendRecord(buf, r.Height, r.Aux, r.Payload)
	}
	s.size = int64(len(buf))
	// Written under another name first, so that a crash never leaves a
	// segment that is partly written but named like a whole one.
	tmp := l.path(lo) + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("blocklog: fill %d..%d: %w", lo, hi, err)
	}
	if _, err = f.Write(buf); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, l.path(lo))
	}
	if err == nil {
		err = syncDir(l.dir)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("blocklog: fill %d..%d: %w", lo, hi, err)
	}
	s.f, s.synced, s.written = f, s.size, s.size
	l.mu.Lock()
	l.segs = append(l.segs, s)
	slices.SortFunc(l.segs, func(a, b *segment) int { return cmp.Compare(a.first, b.first) })
	l.mu.Unlock()
	return nil
}
