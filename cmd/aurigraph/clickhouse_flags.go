package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// clickhouseReadFlags bound the reads of the embedded engine: analysts on
// the ClickHouse HTTP interface and the analytics API.
type clickhouseReadFlags struct {
	timeout      time.Duration
	memory       string
	resultSize   string
	rows         int64
	concurrency  int
	queueTimeout time.Duration
}

func (f *clickhouseReadFlags) register(fl *pflag.FlagSet) {
	d := engine.DefaultReadLimits()
	fl.DurationVar(&f.timeout, "clickhouse-read-timeout", d.Timeout, "longest a read of the embedded engine may run before it is cancelled (whole seconds)")
	fl.StringVar(&f.memory, "clickhouse-read-memory", "1GiB", "memory one read may use, e.g. 512MiB; a query may lower it, not raise it")
	fl.StringVar(&f.resultSize, "clickhouse-read-result-size", "1GiB", "largest result one read may return, e.g. 256MiB")
	fl.Int64Var(&f.rows, "clickhouse-read-rows", d.MaxRowsToRead, "rows one read may scan; a query may lower it, not raise it")
	fl.IntVar(&f.concurrency, "clickhouse-reads", d.Concurrency, "reads that run at once; more wait for --clickhouse-read-queue-timeout, then are refused")
	fl.DurationVar(&f.queueTimeout, "clickhouse-read-queue-timeout", d.QueueTimeout, "how long a read waits for one of the --clickhouse-reads slots")
}

// limits are the engine's read limits these flags ask for; a zero value
// (flags built in code rather than parsed) takes the engine's default.
func (f clickhouseReadFlags) limits() (engine.ReadLimits, error) {
	l := engine.ReadLimits{
		Timeout: f.timeout, MaxRowsToRead: f.rows, Concurrency: f.concurrency, QueueTimeout: f.queueTimeout,
	}
	var err error
	if f.memory != "" {
		if l.MaxMemory, err = parseSize(f.memory); err != nil {
			return l, fmt.Errorf("--clickhouse-read-memory %q: %w", f.memory, err)
		}
	}
	if f.resultSize != "" {
		if l.MaxResultBytes, err = parseSize(f.resultSize); err != nil {
			return l, fmt.Errorf("--clickhouse-read-result-size %q: %w", f.resultSize, err)
		}
	}
	switch {
	case f.timeout < 0 || f.timeout%time.Second != 0:
		return l, fmt.Errorf("--clickhouse-read-timeout %s: use whole seconds, at least 1s", f.timeout)
	case f.rows < 0:
		return l, fmt.Errorf("--clickhouse-read-rows %d: use at least 1", f.rows)
	case f.concurrency < 0:
		return l, fmt.Errorf("--clickhouse-reads %d: use at least 1", f.concurrency)
	case f.queueTimeout < 0:
		return l, fmt.Errorf("--clickhouse-read-queue-timeout %s: use a positive duration", f.queueTimeout)
	}
	return l, nil
}
