package broker

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// The embedded broker appends to a partition's segment through the page
// cache and syncs it only when the segment rolls, as Kafka does by default.
// Left to the kernel, a busy partition's pages stay dirty until its flusher
// takes them, 30 s after they were first dirtied, tens of megabytes at once:
// the raft WAL's syncs on the same disk then wait behind that burst, and
// every commit with them (measured: WAL syncs of 20 to 57 ms on all three
// validators for 300 ms, against under 2 ms otherwise). So the broker starts
// the writeback of its newest segment files itself, a chunk at a time as
// they grow, as the block log does for its own segments.
const (
	// writebackEvery is how often the newest segments' sizes are read.
	writebackEvery = 100 * time.Millisecond
	// writebackScanEvery is how often the partitions are listed, to find
	// new partitions and the segments they rolled to.
	writebackScanEvery = time.Second
	// writebackChunk is how much a segment grows between two starts of its
	// writeback; each start waits for the chunk before to be on disk, so at
	// most two chunks a file are dirty or in flight at a time.
	writebackChunk = 1 << 20
)

// segmentWriteback starts the writeback of the newest segment and index
// file of every partition under dir as they grow. It holds a read-only
// descriptor of each, which is all sync_file_range needs.
type segmentWriteback struct {
	dir string
	// segmentBytes is the size at which a partition rolls to its next
	// segment: a newest file reaching it makes the next tick scan, so a
	// busy partition's next segment is paced from its first chunk.
	segmentBytes int64
	files        map[string]*pacedFile
	rescan       bool
	// start and wait are internal/writeback's, replaced in tests.
	start, wait func(f *os.File, off, n int64)
}

type pacedFile struct {
	f *os.File
	// started is where the writeback not yet started begins; waited,
	// where the one not yet waited for begins.
	started, waited int64
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
		start:        writeback.Start,
		wait:         writeback.Wait,
	}
}

// run paces the writeback until closed is closed.
func (w *segmentWriteback) run(closed <-chan struct{}) {
	tick := time.NewTicker(writebackEvery)
	defer tick.Stop()
	defer w.close()
	var scanned time.Time
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
// names its files. A partition or file that cannot be read is passed over
// until the next scan: its pages are then left to the kernel, as without
// the pacing.
func (w *segmentWriteback) scan() {
	w.rescan = false
	for _, p := range w.files {
		p.newest = false
	}
	parts, err := os.ReadDir(w.dir)
	if err != nil {
		return
	}
	for _, part := range parts {
		if !part.IsDir() {
			continue
		}
		dir := filepath.Join(w.dir, part.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		newest := int64(-1)
		for _, e := range entries {
			if base, ok := strings.CutSuffix(e.Name(), ".dat"); ok {
				if n, err := strconv.ParseInt(base, 10, 64); err == nil && n > newest {
					newest = n
				}
			}
		}
		if newest < 0 {
			continue
		}
		for _, ext := range [...]string{".dat", ".idx"} {
			path := filepath.Join(dir, strconv.FormatInt(newest, 10)+ext)
			p := w.files[path]
			if p == nil {
				f, err := os.Open(path)
				if err != nil {
					continue
				}
				p = &pacedFile{f: f}
				w.files[path] = p
			}
			p.newest = true
		}
	}
}

// advance starts the writeback of every chunk the files gained. A file
// that is no longer its partition's newest (it rolled, or was deleted) has
// the rest of it started and is let go.
func (w *segmentWriteback) advance() {
	for path, p := range w.files {
		var size int64
		info, err := p.f.Stat()
		if err == nil {
			size = info.Size()
		}
		if !p.newest || err != nil {
			if size > p.started {
				w.start(p.f, p.started, size-p.started)
			}
			_ = p.f.Close()
			delete(w.files, path)
			continue
		}
		if !p.full && size >= w.segmentBytes {
			p.full = true
			w.rescan = true
		}
		if size-p.started < writebackChunk {
			continue
		}
		w.start(p.f, p.started, size-p.started)
		if p.started > p.waited {
			w.wait(p.f, p.waited, p.started-p.waited)
			p.waited = p.started
		}
		p.started = size
	}
}

func (w *segmentWriteback) close() {
	for path, p := range w.files {
		_ = p.f.Close()
		delete(w.files, path)
	}
}
