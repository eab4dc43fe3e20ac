package writeback

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Supported says whether this system can start and wait for the writeback
// of part of a file (sync_file_range), which pacing needs.
const Supported = true

// Start asks the kernel to start writing n bytes of f from off to disk,
// without waiting for them. Failing only leaves them to the file's sync.
func Start(f *os.File, off, n int64) {
	syncRange(f, off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// Wait returns once n bytes of f from off, whose writeback was started,
// are on disk. Failing only leaves them to the file's sync.
func Wait(f *os.File, off, n int64) {
	syncRange(f, off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
}

func syncRange(f *os.File, off, n int64, flags int) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SyncFileRange(int(fd), off, n, flags)
	})
}

// links is how many names the file has.
func links(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Nlink
	}
	return 1
}

// Unlinked says whether the open file info describes has no name left: it
// was removed, and its pages go when it is closed.
func Unlinked(info os.FileInfo) bool { return links(info) == 0 }
