package broker

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// The embedded broker appends to a partition's segment through the page
// cache and never syncs it (kfake syncs only with SyncWrites, which would
// sync every batch). Left to the kernel, a busy partition's pages stay
// dirty until its flusher takes them, 30 s after they were first dirtied,
// tens of megabytes at once, and the raft WAL's syncs on the same disk wait
// behind that burst, every commit with them (README, "What the embedded
// broker keeps"). So the broker paces the writeback of its newest segment
// files itself, as the block log does for its own segments.
const (
	// writebackEvery bounds what a file gains between two looks, and so
	// what the kernel finds dirty in it, to a tenth of a second's worth.
	writebackEvery = 100 * time.Millisecond
	// writebackScanEvery bounds how long a new partition or segment goes
	// unpaced; listing every partition's files costs more than a look.
	writebackScanEvery = time.Second
	// writebackChunk is the block log's pace too: a megabyte at a time
	// keeps a WAL sync's wait behind it to a few milliseconds.
	writebackChunk = 1 << 20
)

// segmentWriteback paces the writeback of the newest segment and index
// file of every partition under dir. It holds a read-only descriptor of
// each, which is all sync_file_range needs: two a partition.
type segmentWriteback struct {
	dir string
	// segmentBytes is the size at which a partition rolls to its next
	// segment: a newest file reaching it makes the next look scan, so a
	// busy partition's next segment is paced from its first chunk.
	segmentBytes int64
	files        map[string]*pacedFile
	rescan       bool
	// seen is the newest segment's base offset in each partition
	// directory at the last scan, nil before the first.
	seen map[string]int64
}

type pacedFile struct {
	f    *os.File
	pace writeback.Pacer
	// newest is whether the last scan found the file its partition's
	// newest; full, whether it reached the segment size, after which the
	// partition's next write rolls to a new segment.
	newest, full bool
}

func newSegmentWriteback(dataDir string, segmentBytes int) *segmentWriteback {
	return &segmentWriteback{
		dir:          filepath.Join(dataDir, "partitions"),
		segmentBytes: int64(segmentBytes),
		files:        map[string]*pacedFile{},
	}
}

// run paces the writeback until closed is closed.
func (w *segmentWriteback) run(closed <-chan struct{}) {
	tick := time.NewTicker(writebackEvery)
	defer tick.Stop()
	defer w.close()
	w.scan()
	scanned := time.Now()
	for {
		select {
		case <-closed:
			return
		case now := <-tick.C:
			if w.rescan || now.Sub(scanned) >= writebackScanEvery {
				w.scan()
				scanned = now
			}
			w.advance()
		}
	}
}

// scan finds each partition's newest segment, by the base offset that
// names its files, and lets the segments a busy partition filled since the
// last scan go (see let). A partition or file that cannot be read is passed
// over until the next scan: its pages are then left to the kernel, as
// without the pacing.
func (w *segmentWriteback) scan() {
	w.rescan = false
	for _, p := range w.files {
		p.newest = false
	}
	// Partitions listed after a first attempt, even one that found none
	// (kfake makes a partition's directory at its first write), are new.
	first := w.seen == nil
	if first {
		w.seen = map[string]int64{}
	}
	parts, err := os.ReadDir(w.dir)
	if err != nil {
		return
	}
	seen := make(map[string]int64, len(parts))
	for _, part := range parts {
		if !part.IsDir() {
			continue
		}
		dir := filepath.Join(w.dir, part.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			if last, ok := w.seen[dir]; ok {
				seen[dir] = last
			}
			continue
		}
		var bases []int64
		for _, e := range entries {
			if base, ok := strings.CutSuffix(e.Name(), ".dat"); ok {
				if n, err := strconv.ParseInt(base, 10, 64); err == nil {
					bases = append(bases, n)
				}
			}
		}
		if len(bases) == 0 {
			continue
		}
		newest := slices.Max(bases)
		// The segments of the partitions there at the first scan are
		// older than the broker's start; those of a partition created
		// since are all new.
		last, known := w.seen[dir]
		switch {
		case !known && first:
			last = newest
		case !known:
			last = -1
		}
		seen[dir] = newest
		for _, base := range bases {
			if base <= last && base != newest {
				continue
			}
			for _, ext := range [...]string{".dat", ".idx"} {
				path := filepath.Join(dir, strconv.FormatInt(base, 10)+ext)
				if base == newest {
					w.track(path)
				} else if w.files[path] == nil {
					if p, err := openPaced(path); err == nil {
						p.let()
					}
				}
			}
		}
	}
	w.seen = seen
}

func openPaced(path string) (*pacedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &pacedFile{f: f, pace: writeback.NewPacer(writebackChunk)}, nil
}

// track marks the file at path newest, opening it unless it is open
// already. A topic deleted and created again between two scans has a new
// file under the old name: the old one is let go as rolled.
func (w *segmentWriteback) track(path string) {
	info, err := os.Stat(path)
	if err != nil {
		return
	}
	if p := w.files[path]; p != nil {
		if held, err := p.f.Stat(); err == nil && os.SameFile(held, info) {
			p.newest = true
			return
		}
		delete(w.files, path)
		p.let()
	}
	p, err := openPaced(path)
	if err != nil {
		return
	}
	p.newest = true
	w.files[path] = p
}

// advance paces what every file gained. A file that is no longer its
// partition's newest (it rolled, or was deleted) is let go.
func (w *segmentWriteback) advance() {
	for path, p := range w.files {
		info, err := p.f.Stat()
		if !p.newest || err != nil || writeback.Unlinked(info) {
			delete(w.files, path)
			p.let()
			continue
		}
		size := info.Size()
		if !p.full && size >= w.segmentBytes {
			p.full = true
			w.rescan = true
		}
		p.pace.Advance(p.f, size)
	}
}

// let starts the writeback of the rest of a file that grows no more, and
// closes it. A file already removed (its topic deleted, or rewritten by a
// compaction) is only closed: its pages need never reach the disk.
func (p *pacedFile) let() {
	if info, err := p.f.Stat(); err == nil && !writeback.Unlinked(info) {
		p.pace.Finish(p.f, info.Size())
	}
	_ = p.f.Close()
}

func (w *segmentWriteback) close() {
	for path, p := range w.files {
		_ = p.f.Close()
		delete(w.files, path)
	}
}
