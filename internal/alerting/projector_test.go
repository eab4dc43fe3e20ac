package alerting_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/alerting"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// projectorAt stands for the projector's committed position: it follows
// the chain while running, stands still once stopped, and is unknown while
// hidden (no projector reports).
type projectorAt struct {
	height  atomic.Uint64
	running atomic.Bool
	hidden  atomic.Bool
}

func (p *projectorAt) Projected() (uint64, bool) { return p.height.Load(), !p.hidden.Load() }

func (p *projectorAt) follow(ctx context.Context, chain alerting.Blocks) {
	for {
		if p.running.Load() {
			p.height.Store(chain.Height())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(testTick):
		}
	}
}

// TestProjectorLagRuleFiresWhenProjectorStops runs a validator under load
// and a projector position that follows it: a projector_lag_ms rule stays
// quiet, fires once the projector stops, and resolves when it catches up.
// With no position reported the rule keeps its state.
func TestProjectorLagRuleFiresWhenProjectorStops(t *testing.T) {
	leader, _ := startCluster(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proj := &projectorAt{}
	proj.running.Store(true)
	go proj.follow(ctx, leader.Blocks())
	const interval = 100 * time.Millisecond
	sampler := alerting.NewSampler(leader.AlertSample, interval,
		alerting.WithProjectorLag(alerting.NewProjectorLag(proj, leader.Blocks())))
	go sampler.Run(ctx)
	go alerting.NewEvaluator(leader, sampler, alerting.NewMetrics(nil), testLogger()).Run(ctx)
	svc := alerting.NewService(members(leader), alerting.URLPolicy{}, 0)

	startLoad(t, leader, 0, 400)
	const threshold, forMs = 1000, 500
	rule, err := svc.Create(ctx, &aurigraphv1.AlertRule{Name: "projection behind", Metric: alerting.MetricProjectorLag,
		Condition: ">", Threshold: threshold, WindowMs: 1000, ForMs: forMs})
	if err != nil {
		t.Fatal(err)
	}
	history := func(n int) []*aurigraphv1.AlertTransition {
		t.Helper()
		var h []*aurigraphv1.AlertTransition
		waitFor(t, "transitions", func() bool {
			h, err = svc.History(ctx, rule.GetId(), 0, 0)
			return err == nil && len(h) >= n
		})
		return h
	}
	quiet := func(n int) {
		t.Helper()
		time.Sleep(2 * threshold * time.Millisecond)
		if h, _ := svc.History(ctx, rule.GetId(), 0, 0); len(h) != n {
			t.Fatalf("want %d transitions, have %v", n, h)
		}
	}
	quiet(0)

	proj.running.Store(false)
	stopped := time.Now()
	h := history(1)
	took := time.Since(stopped)
	t.Logf("fired %v after the projector stopped (threshold %d ms, for %d ms)", took.Round(time.Millisecond), threshold, forMs)
	if limit := (threshold+forMs)*time.Millisecond + 4*interval + 3*time.Second; took > limit {
		t.Errorf("fired %v after the projector stopped, want within %v", took, limit)
	}
	if !h[0].GetFiring() || h[0].GetValue() <= threshold {
		t.Fatalf("first transition %v", h[0])
	}

	proj.running.Store(true)
	h = history(2)
	if h[1].GetFiring() || h[1].GetValue() > threshold {
		t.Fatalf("second transition %v", h[1])
	}

	// No position: the projection could be any distance behind, and the
	// rule neither fires nor resolves.
	proj.running.Store(false)
	proj.hidden.Store(true)
	quiet(2)
	proj.hidden.Store(false)
	if h = history(3); !h[2].GetFiring() {
		t.Fatalf("third transition %v", h[2])
	}
}

// chainOf is a chain of height blocks, block h proposed at base+h seconds,
// that holds only the blocks in have.
type chainOf struct {
	height uint64
	base   time.Time
	have   map[uint64]bool
	reads  int
}

func (c *chainOf) Height() uint64 { return c.height }

func (c *chainOf) Get(h uint64) (*aurigraphv1.Block, error) {
	c.reads++
	if !c.have[h] {
		return nil, errors.New("not held")
	}
	ts := c.base.Add(time.Duration(h) * time.Second).UnixMilli()
	return &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: h, TimestampMs: ts}}, nil
}

type fixedPosition struct {
	height uint64
	ok     bool
}

func (p fixedPosition) Projected() (uint64, bool) { return p.height, p.ok }

func TestProjectorLagMeasure(t *testing.T) {
	base := time.UnixMilli(1_700_000_000_000)
	now := base.Add(100 * time.Second)
	for _, tc := range []struct {
		name string
		pos  fixedPosition
		have []uint64
		want time.Duration
		ok   bool
	}{
		{"caught up", fixedPosition{10, true}, nil, 0, true},
		{"ahead of this validator", fixedPosition{12, true}, nil, 0, true},
		{"behind", fixedPosition{4, true}, []uint64{5}, 95 * time.Second, true},
		{"nothing projected", fixedPosition{0, true}, []uint64{1}, 99 * time.Second, true},
		{"no position", fixedPosition{4, false}, []uint64{5}, 0, false},
		{"first unprojected block not held", fixedPosition{4, true}, nil, 0, false},
		{"proposed after now", fixedPosition{9, true}, []uint64{10}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &chainOf{height: 10, base: base, have: map[uint64]bool{}}
			for _, h := range tc.have {
				c.have[h] = true
			}
			if tc.name == "proposed after now" {
				c.base = now
			}
			lag, ok := alerting.NewProjectorLag(tc.pos, c).Measure(now)
			if lag != tc.want || ok != tc.ok {
				t.Fatalf("Measure = %v, %v; want %v, %v", lag, ok, tc.want, tc.ok)
			}
		})
	}

	// A projector standing still costs one block read, not one a sample.
	c := &chainOf{height: 10, base: base, have: map[uint64]bool{5: true}}
	l := alerting.NewProjectorLag(fixedPosition{4, true}, c)
	for i := range 5 {
		if lag, ok := l.Measure(now.Add(time.Duration(i) * time.Second)); !ok || lag != 95*time.Second+time.Duration(i)*time.Second {
			t.Fatalf("sample %d: %v, %v", i, lag, ok)
		}
	}
	if c.reads != 1 {
		t.Fatalf("%d block reads for one unprojected block", c.reads)
	}
}
