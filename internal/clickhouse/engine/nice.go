package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DefaultThreadNice is how much lower than the process's own the nice
// value of the engine's threads is, unless Options.ThreadNice says
// otherwise.
//
// The engine shares the process's cores with the rest of it: in dev, three
// validators whose commit latency is the figure users see. Its merges and
// inserts are background work that can wait; at nice 10 a thread of the
// engine weighs about a tenth of a Go thread when both want a core, so the
// validators preempt it, and it still runs on every core they leave idle.
// Measured on 2 cores at half the maximum rate (aurigraph bench --profile
// quick --rate 88000), the p99 from submit to commit fell from a median of
// 100.5 ms to 90.9 over eight alternating pairs, with no later projection.
const DefaultThreadNice = 10

// threadScan is how often new engine threads are looked for: its pools
// start most of them at once and keep them.
const threadScan = time.Second

// permanentError is a failure that another scan would meet again.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// lowerThreads keeps every thread the engine starts at nice until Close
// closes niceStop, and then closes niceDone. With nice below 1 it only
// closes niceDone.
func (e *Engine) lowerThreads(nice int) {
	defer close(e.niceDone)
	defer e.lowered.Set(0)
	if nice < 1 {
		return
	}
	lower, err := threadLowerer(nice)
	if err != nil {
		e.log.Warn("clickhouse engine: its threads keep their priority", slog.Any("err", err))
		return
	}
	t := time.NewTicker(threadScan)
	defer t.Stop()
	// A failure is logged when it differs from the one before, not at every
	// scan; one that would come again at every scan ends the lowering.
	var failing string
	for {
		n, err := lower()
		e.lowered.Set(float64(n))
		var permanent *permanentError
		switch {
		case errors.As(err, &permanent):
			e.log.Warn("clickhouse engine: its threads keep their priority", slog.Any("err", err))
			return
		case err != nil && err.Error() != failing:
			e.log.Warn("clickhouse engine: lowering its threads' priority failed; trying again", slog.Any("err", err))
			failing = err.Error()
		case err == nil:
			failing = ""
		}
		select {
		case <-e.niceStop:
			return
		case <-t.C:
		}
	}
}

func checkNice(n int) error {
	if n > 19 {
		return fmt.Errorf("clickhouse engine: ThreadNice %d: nice values go up to 19", n)
	}
	return nil
}
