package engine

import (
	"bytes"
	"context"
	"os"
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
	goName, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
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
		if bytes.Equal(name, goName) {
			goThreads[key] = 20 - prio
		} else {
			engine[key] = 20 - prio
		}
	}
	return engine, goThreads
}

func TestEngineThreadsRunLowered(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := openTest(t, func(o *Options) { o.ThreadNice = 13; o.Registerer = reg })
	// Two threads of a query pipeline, besides the pools the engine starts.
	if _, err := e.Query(context.Background(), "SELECT sum(number) FROM numbers(5000000) SETTINGS max_threads = 2", "TabSeparated"); err != nil {
		t.Fatal(err)
	}
	var engine, goThreads map[string]int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		engine, goThreads = threadNices(t)
		low := len(engine) > 0
		for _, n := range engine {
			// Below 0 only where the engine raised a thread itself.
			low = low && (n >= 13 || n < 0)
		}
		if low {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine threads by nice value: %v, want all at 13 or more, or raised by the engine", engine)
		}
	}
	for name, n := range goThreads {
		if n != 0 {
			t.Errorf("Go runtime thread %s runs at nice %d, want 0", name, n)
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
