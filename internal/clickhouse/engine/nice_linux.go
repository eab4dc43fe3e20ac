//go:build linux

package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// threadLowerer returns a function that sets every thread of the process
// that the engine started to nice at least, and reports how many run that
// low.
//
// The engine names its threads (ThreadPool, MergeMutate, BgSchPool, ...),
// and a thread the Go runtime starts keeps the name of the process, which
// is its main thread's: every thread named otherwise is the engine's. A
// call into the engine runs on a Go thread and does not rename it, so the
// Go scheduler's threads are never lowered. On Linux, nice is a property of
// each thread, set through its id.
func threadLowerer(nice int) (func() (int, error), error) {
	goName, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		return nil, fmt.Errorf("read the process's thread name: %w", err)
	}
	return func() (int, error) {
		tids, err := taskIDs()
		if err != nil {
			return 0, err
		}
		lowered := 0
		for _, tid := range tids {
			name, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/comm")
			if err != nil || bytes.Equal(name, goName) {
				// Gone since the listing, or the Go runtime's.
				continue
			}
			// The system call gives 20 - nice. A thread at nice or lower
			// already (a query's os_thread_priority) stays as it is, and
			// so does one the engine raised: MemoryWorker, when it may,
			// keeps the engine's memory accounting current at little cost.
			prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
			cur := 20 - prio
			if err == nil && cur >= 0 && cur < nice {
				if err = unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err == nil {
					cur = nice
				}
			}
			switch {
			case errors.Is(err, unix.ESRCH):
			case err != nil:
				return lowered, fmt.Errorf("set thread %d (%s) to nice %d: %w", tid, bytes.TrimSpace(name), nice, err)
			case cur >= nice:
				lowered++
			}
		}
		return lowered, nil
	}, nil
}

func taskIDs() ([]int, error) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return nil, fmt.Errorf("list the process's threads: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list the process's threads: %w", err)
	}
	tids := make([]int, 0, len(names))
	for _, n := range names {
		if tid, err := strconv.Atoi(n); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}
