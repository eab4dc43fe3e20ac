// Package writeback writes large files to disk a piece at a time as they
// are written, so that their final sync has little left to do, and frees
// them a piece at a time before they are removed: the small syncs of other
// files (the raft WAL's) then never queue behind tens of megabytes flushed
// or discarded at once.
package writeback

import (
	"fmt"
	"os"
	"time"
)

// Writer writes to a file and, every chunk bytes, starts the writeback of
// that chunk and waits for the one before it to reach the disk: at most two
// chunks are dirty or in flight at a time, so a commit's WAL sync waits
// behind those at most, however large the file. Writing slows to the disk's
// pace, which is what the writers of large files in the background (raft
// snapshots) can afford.
type Writer struct {
	f     *os.File
	chunk int64
	// off is how much was written; started, where the writeback not yet
	// started begins; waited, where the one not yet waited for begins.
	off, started, waited int64
}

// NewWriter writes to f from its current end, which must be offset 0 or
// already synced, in chunks of chunk bytes.
func NewWriter(f *os.File, chunk int64) *Writer {
	return &Writer{f: f, chunk: chunk}
}

// Write writes p, starting and waiting for writeback as chunks fill.
func (w *Writer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(int64(len(p)), w.started+w.chunk-w.off)
		m, err := w.f.Write(p[:n])
		written += m
		w.off += int64(m)
		if err != nil {
			return written, fmt.Errorf("write %s: %w", w.f.Name(), err)
		}
		p = p[n:]
		if w.off-w.started < w.chunk {
			continue
		}
		Start(w.f, w.started, w.off-w.started)
		if w.started > w.waited {
			Wait(w.f, w.waited, w.started-w.waited)
			w.waited = w.started
		}
		w.started = w.off
	}
	return written, nil
}

// Sync makes everything written durable.
func (w *Writer) Sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", w.f.Name(), err)
	}
	return nil
}

// Shrink's pace: a file loses shrinkStep bytes from its end every
// shrinkPause.
const (
	shrinkStep  = 4 << 20
	shrinkPause = 10 * time.Millisecond
)

// Shrink cuts f down to nothing from its end, a few megabytes at a time,
// so that removing it afterwards frees next to nothing at once. On a
// filesystem mounted with online discard, the blocks a file frees are
// discarded as the journal commits, and every sync waiting for that commit
// waits for the discards too: removing a 64 MiB file at once held a
// concurrent 64 KiB fdatasync for about 12 ms on the development machine
// (against under 3 ms shrunk this way), and the raft WAL segments and
// snapshots three validators purged together held their WAL syncs for 20
// to 100 ms. Once stop is closed Shrink returns at once, leaving the rest
// to be freed in one piece.
func Shrink(f *os.File, stop <-chan struct{}) error {
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("shrink %s: %w", f.Name(), err)
	}
	for size := info.Size(); size > 0; {
		size = max(0, size-shrinkStep)
		if err := f.Truncate(size); err != nil {
			return fmt.Errorf("shrink %s to %d bytes: %w", f.Name(), size, err)
		}
		if size == 0 {
			break
		}
		select {
		case <-stop:
			return nil
		case <-time.After(shrinkPause):
		}
	}
	return nil
}
