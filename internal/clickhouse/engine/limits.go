package engine

import (
	"fmt"
	"runtime"
	"time"
)

// ReadLimits bound every read: a call made with AsReader, which is how the
// HTTP interface serves analysts and the analytics API. Zero fields take the
// defaults of DefaultReadLimits.
type ReadLimits struct {
	// Timeout is how long one read may run (max_execution_time, enforced by
	// the engine and, should a query raise that setting, by killing the
	// query). Default 60s.
	Timeout time.Duration
	// MaxMemory is the memory one read may use (max_memory_usage), and as
	// much again in spilled temporary data. A query may lower it, not raise
	// it. Default 1 GiB.
	MaxMemory int64
	// MaxResultBytes bounds the bytes one read returns, counted on its
	// formatted output. Default 1 GiB.
	MaxResultBytes int64
	// MaxRowsToRead bounds the rows one read may scan (max_rows_to_read).
	// A query may lower it, not raise it. Default one billion.
	MaxRowsToRead int64
	// MaxThreads is the most threads a read may ask for with the
	// max_threads setting; it starts with Options.MaxThreads. Default: one
	// per core.
	MaxThreads int
	// Concurrency is how many reads run at once. Default 2.
	Concurrency int
	// QueueTimeout is how long a read waits for one of those slots before
	// it is refused with TOO_MANY_SIMULTANEOUS_QUERIES. Default 10s.
	QueueTimeout time.Duration
	// MaxQueued is how many reads may wait for a slot; more are refused at
	// once. Default 64.
	MaxQueued int
}

// DefaultReadLimits are the limits a zero ReadLimits field takes.
func DefaultReadLimits() ReadLimits {
	return ReadLimits{
		Timeout:        60 * time.Second,
		MaxMemory:      1 << 30,
		MaxResultBytes: 1 << 30,
		MaxRowsToRead:  1_000_000_000,
		MaxThreads:     runtime.NumCPU(),
		Concurrency:    2,
		QueueTimeout:   10 * time.Second,
		MaxQueued:      64,
	}
}

// resolve fills zero fields with defaults and refuses negative ones.
func (l ReadLimits) resolve() (ReadLimits, error) {
	d := DefaultReadLimits()
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"Timeout", int64(l.Timeout)}, {"MaxMemory", l.MaxMemory}, {"MaxResultBytes", l.MaxResultBytes},
		{"MaxRowsToRead", l.MaxRowsToRead}, {"MaxThreads", int64(l.MaxThreads)}, {"Concurrency", int64(l.Concurrency)},
		{"QueueTimeout", int64(l.QueueTimeout)}, {"MaxQueued", int64(l.MaxQueued)},
	} {
		if f.v < 0 {
			return l, fmt.Errorf("clickhouse engine: read limit %s is negative; use 0 for the default", f.name)
		}
	}
	if l.Timeout > 0 && l.Timeout < time.Second {
		return l, fmt.Errorf("clickhouse engine: read timeout %s is under the engine's resolution of one second", l.Timeout)
	}
	l.Timeout = orDefault(l.Timeout, d.Timeout)
	l.MaxMemory = orDefault(l.MaxMemory, d.MaxMemory)
	l.MaxResultBytes = orDefault(l.MaxResultBytes, d.MaxResultBytes)
	l.MaxRowsToRead = orDefault(l.MaxRowsToRead, d.MaxRowsToRead)
	l.MaxThreads = orDefault(l.MaxThreads, d.MaxThreads)
	l.Concurrency = orDefault(l.Concurrency, d.Concurrency)
	l.QueueTimeout = orDefault(l.QueueTimeout, d.QueueTimeout)
	l.MaxQueued = orDefault(l.MaxQueued, d.MaxQueued)
	return l, nil
}
