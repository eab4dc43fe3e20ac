package blocklog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aurigraph/aurigraph/internal/atomicfile"
	"github.com/aurigraph/aurigraph/internal/dataformat"
)

// The formats of the log's files, by the rule of internal/dataformat:
// Write is what this release writes, Read the newest it reads. Each
// directory says its version in a small text file, as every file in it is
// written in the same one; directories written before versions were
// recorded have none and are version 1.
const (
	// SegmentFormatWrite and SegmentFormatRead are the segments' record
	// layout (segmentsFormatFile).
	SegmentFormatWrite = 1
	SegmentFormatRead  = 1
	// IndexFormatWrite and IndexFormatRead are the index runs' layout
	// (runsFormatFile).
	IndexFormatWrite = 1
	IndexFormatRead  = 1
	// MergedFormatWrite and MergedFormatRead are the merged index runs'
	// layout (mergedFormatFile). Merged runs are files of their own kind
	// beside the tier-0 runs, whose format 1 is unchanged: a release
	// before merging ignores them and indexes their heights again from
	// the blocks, so a validator rolled back still starts.
	MergedFormatWrite = 1
	MergedFormatRead  = 1
)

const (
	segmentsFormatFile = "segments.format"
	runsFormatFile     = "runs.format"
	mergedFormatFile   = "merged.format"
	// maxFormatFile bounds what is read of a format file: a number.
	maxFormatFile = 64
)

// checkDirFormat reads the version dir's format file records, refuses one
// newer than read, and records one when there is none and the caller may
// write. The version is recorded before any file of that format (named
// *suffix) is written in dir, so a directory with such files and no format
// file was written before versions were recorded: it is recorded as
// version 1, whatever this release writes, and only an empty one as write.
func checkDirFormat(dir, name, suffix string, read, write uint32, readOnly bool) error {
	path := filepath.Join(dir, name)
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if readOnly {
			return nil
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("record the format of %s: %w", dir, err)
		}
		if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), suffix) }) {
			write = 1
		}
		if err := atomicfile.WriteFile(path, []byte(strconv.FormatUint(uint64(write), 10)+"\n")); err != nil {
			return fmt.Errorf("record the format of %s: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read the format of %s: %w", dir, err)
	}
	text := strings.TrimSpace(string(raw[:min(len(raw), maxFormatFile)]))
	v, err := strconv.ParseUint(text, 10, 32)
	if err != nil || len(raw) > maxFormatFile {
		return fmt.Errorf("%s holds %q, not a format version: restore it from a copy of this data dir, or write the version of the files beside it (1 for those of releases before versions were recorded)", path, text)
	}
	return dataformat.Check(dir, uint32(v), read)
}
