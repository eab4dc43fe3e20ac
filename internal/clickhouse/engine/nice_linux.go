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

// processName is the name the Go runtime's threads carry, the main
// thread's, read before the engine is loaded and could rename anything.
var processName, processNameErr = os.ReadFile("/proc/self/comm")

// threadLowerer returns a function that lowers every thread of the process
// that the engine started to nice values above the process's own, and
// reports how many run that low.
//
// The engine names the threads it starts for its pools (ThreadPool,
// MergeMutate, BgSchPool, ...), and a thread the Go runtime starts keeps
// the name of the process: every thread named otherwise is the engine's. A
// call into the engine runs on a Go thread and does not rename it, so the
// Go scheduler's threads are never lowered. A few unnamed threads of the
// engine (one per connection, nearly always waiting) keep the process's
// name and their priority. On Linux, nice is a property of each thread,
// set through its id.
func threadLowerer(nice int) (func() (int, error), error) {
	if processNameErr != nil {
		return nil, fmt.Errorf("read the process's thread name: %w", processNameErr)
	}
	// Threads start at the process's nice value; the target is relative to
	// it, so that a process run at nice 5 still keeps its engine below it.
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("read the process's nice value: %w", err)
	}
	// The system call gives 20 - nice.
	base := 20 - prio
	target := min(base+nice, 19)
	if target <= base {
		return nil, fmt.Errorf("the process already runs at nice %d, the lowest priority there is", base)
	}
	return func() (int, error) {
		tids, err := taskIDs()
		if err != nil {
			return 0, err
		}
		lowered := 0
		for _, tid := range tids {
			name, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/comm")
			if err != nil || bytes.Equal(name, processName) {
				// Gone since the listing, or the Go runtime's.
				continue
			}
			// A thread at the target or lower already (a query's
			// os_thread_priority) stays as it is, and so does one the
			// engine raised above the process: MemoryWorker, when it may,
			// keeps the engine's memory accounting current at little cost.
			prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
			cur := 20 - prio
			if err == nil && cur >= base && cur < target {
				if err = unix.Setpriority(unix.PRIO_PROCESS, tid, target); err == nil {
					cur = target
				}
			}
			switch {
			case errors.Is(err, unix.ESRCH):
			case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
				return lowered, &permanentError{fmt.Errorf("set thread %d (%s) to nice %d: %w", tid, bytes.TrimSpace(name), target, err)}
			case err != nil:
				return lowered, fmt.Errorf("set thread %d (%s) to nice %d: %w", tid, bytes.TrimSpace(name), target, err)
			case cur >= target:
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
