package engine

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/sys/unix"
)

// threadNices reads the nice value of every thread of the process, split
// into the engine's and the Go runtime's (named as the process).
func threadNices(t *testing.T) (engine, goThreads map[string]int) {
	t.Helper()
	tids, err := taskIDs()
	if err != nil {
		t.Fatal(err)
	}
	engine, goThreads = map[string]int{}, map[string]int{}
	for _, tid := range tids {
		name, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/comm")
		if err != nil {
			continue
		}
		prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
		if err != nil {
			continue
		}
		key := strings.TrimSpace(string(name)) + "/" + strconv.Itoa(tid)
		if bytes.Equal(name, processName) {
			goThreads[key] = 20 - prio
		} else {
			engine[key] = 20 - prio
		}
	}
	return engine, goThreads
}

func TestEngineThreadsRunLowered(t *testing.T) {
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := 20 - prio
	want := min(base+13, 19)
	reg := prometheus.NewRegistry()
	e := openTest(t, func(o *Options) { o.ThreadNice = 13; o.Registerer = reg })

	// A Go thread that calls into the engine, locked to it so that it can
	// be found again after the next scan.
	type caller struct {
		tid  int
		name string
		nice int
		err  error
	}
	called := make(chan caller, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c := caller{tid: unix.Gettid()}
		// Two threads of a query pipeline, besides the pools the engine starts.
		if _, c.err = e.Query(context.Background(), "SELECT sum(number) FROM numbers(5000000) SETTINGS max_threads = 2", "TabSeparated"); c.err == nil {
			time.Sleep(threadScan + threadScan/2)
			name, _ := os.ReadFile("/proc/self/task/" + strconv.Itoa(c.tid) + "/comm")
			c.name = string(name)
			p, err := unix.Getpriority(unix.PRIO_PROCESS, c.tid)
			c.nice, c.err = 20-p, err
		}
		called <- c
	}()
	c := <-called
	if c.err != nil {
		t.Fatal(c.err)
	}
	if c.name != string(processName) || c.nice != base {
		t.Errorf("the Go thread that called the engine is named %q at nice %d after a scan, want %q at %d", c.name, c.nice, processName, base)
	}

	var engine, goThreads map[string]int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		engine, goThreads = threadNices(t)
		low := len(engine) > 0
		for _, n := range engine {
			// Above the process's priority only where the engine raised a
			// thread itself.
			low = low && (n >= want || n < base)
		}
		if low {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine threads by nice value: %v, want all at %d or more, or raised by the engine", engine, want)
		}
	}
	for name, n := range goThreads {
		if n != base {
			t.Errorf("Go runtime thread %s runs at nice %d, want the process's %d", name, n, base)
		}
	}
	if got := testutil.ToFloat64(e.lowered); got < 1 {
		t.Errorf("aurigraph_clickhouse_engine_threads_lowered = %v, want the engine's threads counted", got)
	}
}

func TestThreadNiceBounds(t *testing.T) {
	if _, err := Open(context.Background(), Options{ThreadNice: 20, Logger: quiet}); err == nil || !strings.Contains(err.Error(), "up to 19") {
		t.Fatalf("Open with ThreadNice 20: %v, want it refused", err)
	}
}
