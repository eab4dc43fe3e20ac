//go:build !linux

package writeback

import "os"

// Supported is false where sync_file_range is missing: the file's sync
// writes everything, and nothing is paced.
const Supported = false

// Start does nothing where sync_file_range is missing.
func Start(*os.File, int64, int64) {}

// Wait does nothing where sync_file_range is missing.
func Wait(*os.File, int64, int64) {}

func links(os.FileInfo) uint64 { return 1 }

// Unlinked cannot tell here.
func Unlinked(os.FileInfo) bool { return false }
