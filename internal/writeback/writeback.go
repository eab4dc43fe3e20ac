// Package writeback writes large files to disk a piece at a time as they
// are written, so that their final sync has little left to do, and frees
// them a piece at a time before they are removed: the small syncs of other
// files (the raft WAL's) then never queue behind tens of megabytes flushed
// or discarded at once.
package writeback

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// Pacer starts the writeback of a growing file a chunk at a time, and
// waits for the chunk before each to reach the disk: at most two chunks of
// the file are in flight at a time, however fast it grows, and the writer
// that advances it slows to the disk's pace.
type Pacer struct {
	chunk int64
	// started is where the writeback not yet started begins; waited,
	// where the one not yet waited for begins.
	started, waited int64
}

// NewPacer paces a file from offset 0 in chunks of chunk bytes, which
// must be positive.
func NewPacer(chunk int64) Pacer {
	if chunk <= 0 {
		panic(fmt.Sprintf("writeback: chunk of %d bytes", chunk))
	}
	return Pacer{chunk: chunk}
}

// Advance starts the writeback of every whole chunk of f below size that
// was not started yet. A size below what was started (the file was cut or
// written again from the start) paces it from there on.
func (p *Pacer) Advance(f *os.File, size int64) {
	if size < p.started {
		p.started, p.waited = size, size
	}
	for size-p.started >= p.chunk {
		Start(f, p.started, p.chunk)
		if p.started > p.waited {
			Wait(f, p.waited, p.started-p.waited)
			p.waited = p.started
		}
		p.started += p.chunk
	}
}

// Finish starts the writeback of f up to size, the part of a chunk
// included, for a file that grows no more.
func (p *Pacer) Finish(f *os.File, size int64) {
	if size > p.started {
		Start(f, p.started, size-p.started)
		p.started = size
	}
}

// Writer writes to a file and paces its writeback (see Pacer): writing
// slows to the disk's pace, which is what the writers of large files in the
// background (raft snapshots, index merges) can afford.
type Writer struct {
	f    *os.File
	off  int64
	pace Pacer
}

// NewWriter writes to f from its current end, which must be offset 0 or
// already synced, in chunks of chunk bytes.
func NewWriter(f *os.File, chunk int64) *Writer {
	return &Writer{f: f, pace: NewPacer(chunk)}
}

// Write writes p, a chunk's end at most at a time, so that no more than two
// chunks are ever dirty.
func (w *Writer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(int64(len(p)), w.pace.started+w.pace.chunk-w.off)
		m, err := w.f.Write(p[:n])
		written += m
		w.off += int64(m)
		if err != nil {
			return written, fmt.Errorf("write %s: %w", w.f.Name(), err)
		}
		p = p[n:]
		w.pace.Advance(w.f, w.off)
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
// shrinkPause, and the files a process shrinks take turns.
const (
	shrinkStep  = 4 << 20
	shrinkPause = 10 * time.Millisecond
)

var shrinkTurn sync.Mutex

// Shrink cuts f down to nothing from its end, a few megabytes at a time,
// so that removing it afterwards frees next to nothing at once. On a
// filesystem mounted with online discard, the blocks a file frees are
// discarded when the journal commits, and every sync waiting for that
// commit waits for the discards too (README, "A validator's storage", has
// the figures). A file with other links is left whole: cutting it would
// empty them too. It returns false, with f partly cut, once stop is closed;
// where Supported is false it does nothing and returns true.
func Shrink(f *os.File, stop <-chan struct{}) (bool, error) {
	if !Supported {
		return true, nil
	}
	info, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("shrink %s: %w", f.Name(), err)
	}
	if links(info) > 1 {
		return true, nil
	}
	for size := info.Size(); size > 0; {
		size = max(0, size-shrinkStep)
		stopped, err := shrinkStepTo(f, size, stop)
		if err != nil || stopped {
			return false, err
		}
	}
	return true, nil
}

// shrinkStepTo cuts f to size in the process's turn, and holds the turn
// for shrinkPause after, so that the steps of all the files it shrinks come
// that far apart. It reports whether stop was closed meanwhile.
func shrinkStepTo(f *os.File, size int64, stop <-chan struct{}) (bool, error) {
	shrinkTurn.Lock()
	defer shrinkTurn.Unlock()
	if err := f.Truncate(size); err != nil {
		return false, fmt.Errorf("shrink %s to %d bytes: %w", f.Name(), size, err)
	}
	select {
	case <-stop:
		return true, nil
	case <-time.After(shrinkPause):
		return false, nil
	}
}
