package health

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Position is how far a stage got on one of its inputs (a partition, the
// chain) and how far it has to go.
type Position struct {
	Done, Target int64
}

// Backlog judges a stage that works through a backlog: ingest (records in
// the topic past the replicated offsets), the publisher (blocks committed
// but not in the topic), the projector (blocks in the topic but not in
// ClickHouse). Its watcher samples the positions; the stage reports the
// failures it is retrying through. The stage is failing when some input
// has a backlog and
//   - the stage reported a failure after its last progress, or
//   - that input has not moved for StallAfter since its backlog began.
//
// With no backlog the stage is fine whatever it reported: there is nothing
// for it to fail at. Progress on any input clears a reported failure.
type Backlog struct {
	c          *Component
	stallAfter time.Duration
	unit       string

	mu         sync.Mutex
	inputs     map[string]*input
	failure    error
	failedAt   time.Time
	progressed time.Time // when any input's Done last changed
}

type input struct {
	pos      Position
	moved    time.Time // when Done last changed
	backlogd time.Time // when the current backlog began; zero without one
}

// NewBacklog judges into c; stallAfter is how long an input with a backlog
// may stand still, unit names what the positions count ("records").
func NewBacklog(c *Component, stallAfter time.Duration, unit string) *Backlog {
	return &Backlog{c: c, stallAfter: stallAfter, unit: unit, inputs: map[string]*input{}}
}

// Report records a failure the stage is retrying through (see Reporter);
// nil is ignored, since only progress proves the stage works again.
func (b *Backlog) Report(err error) {
	if err == nil {
		return
	}
	b.mu.Lock()
	b.failure, b.failedAt = err, b.c.now()
	b.mu.Unlock()
}

// Observe takes a sample of the positions, or the error that kept the
// watcher from taking one, and sets the component's state.
func (b *Backlog) Observe(positions map[string]Position, sampleErr error) {
	now := b.c.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if sampleErr != nil {
		b.c.Set(fmt.Errorf("cannot tell whether it progresses: %w", sampleErr), nil)
		return
	}
	for name := range b.inputs {
		if _, ok := positions[name]; !ok {
			delete(b.inputs, name)
		}
	}
	var stalled []string
	var behind int64
	for name, p := range positions {
		in, seen := b.inputs[name]
		if !seen {
			in = &input{pos: p, moved: now}
			b.inputs[name] = in
		}
		if seen && p.Done != in.pos.Done {
			in.moved, b.progressed = now, now
		}
		in.pos = p
		if p.Target <= p.Done {
			in.backlogd = time.Time{}
			continue
		}
		behind += p.Target - p.Done
		if in.backlogd.IsZero() {
			in.backlogd = now
		}
		if idle := now.Sub(later(in.moved, in.backlogd)); idle >= b.stallAfter {
			stalled = append(stalled, fmt.Sprintf("%s: %d %s past %d, none processed for %s",
				name, p.Target-p.Done, b.unit, p.Done, idle.Round(time.Second)))
		}
	}
	if b.failure != nil && b.progressed.After(b.failedAt) {
		b.failure = nil
	}
	data := map[string]any{"behind_" + b.unit: behind}
	if len(positions) == 1 {
		for _, p := range positions {
			data["done"], data["target"] = p.Done, p.Target
		}
	}
	var problems []string
	if behind > 0 && b.failure != nil {
		problems = append(problems, "failing: "+b.failure.Error())
	}
	slices.SortFunc(stalled, cmp.Compare)
	problems = append(problems, stalled...)
	if len(problems) > 0 {
		b.c.Set(errors.New(strings.Join(problems, "; ")), data)
		return
	}
	b.c.Set(nil, data)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Every runs probe at once and then every interval until ctx ends. A probe
// bounds its own calls; one that hangs leaves its component stale.
func Every(ctx context.Context, interval time.Duration, probe func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
