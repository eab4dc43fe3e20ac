package alerting_test

import (
	"context"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/alerting"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestRuleFiresWithinWindowAfterLoadDrops drives a real validator with
// blocks, stops them, and expects a throughput rule to fire within its
// window plus its for-duration, then resolve once blocks come back; a rule
// on the validator count fires at once.
func TestRuleFiresWithinWindowAfterLoadDrops(t *testing.T) {
	leader, _ := startCluster(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const interval = 100 * time.Millisecond
	sampler := alerting.NewSampler(leader.AlertSample, interval)
	go sampler.Run(ctx)
	go alerting.NewEvaluator(leader, sampler, alerting.NewMetrics(nil), testLogger()).Run(ctx)
	svc := alerting.NewService(members(leader), alerting.URLPolicy{}, 0)

	l := startLoad(t, leader, 0, 400)
	const window, forMs = 1000, 500
	tps, err := svc.Create(ctx, &aurigraphv1.AlertRule{Name: "tps", Metric: alerting.MetricTPS, Condition: "<", Threshold: 50, WindowMs: window, ForMs: forMs})
	if err != nil {
		t.Fatal(err)
	}
	voters, err := svc.Create(ctx, &aurigraphv1.AlertRule{Name: "voters", Metric: alerting.MetricValidatorCount, Condition: "<", Threshold: 3, WindowMs: 1000})
	if err != nil {
		t.Fatal(err)
	}
	history := func(rule string, n int) []*aurigraphv1.AlertTransition {
		t.Helper()
		var h []*aurigraphv1.AlertTransition
		waitFor(t, "transitions", func() bool {
			h, err = svc.History(ctx, rule, 0, 0)
			return err == nil && len(h) >= n
		})
		return h
	}
	if h := history(voters.GetId(), 1); !h[0].GetFiring() || h[0].GetValue() != 1 {
		t.Fatalf("validator count rule: %v", h)
	}
	time.Sleep(2 * window * time.Millisecond)
	if h, _ := svc.History(ctx, tps.GetId(), 0, 0); len(h) != 0 {
		t.Fatalf("tps rule changed state under load: %v", h)
	}

	next := l.stop()
	stopped := time.Now()
	h := history(tps.GetId(), 1)
	took := time.Since(stopped)
	t.Logf("fired %v after the load stopped (window %d ms, for %d ms)", took.Round(time.Millisecond), window, forMs)
	if limit := (window+forMs)*time.Millisecond + 4*interval + 3*time.Second; took > limit {
		t.Errorf("fired %v after the load stopped, want within %v", took, limit)
	}
	if !h[0].GetFiring() || h[0].GetValue() >= 50 {
		t.Fatalf("first transition %v", h[0])
	}

	startLoad(t, leader, next, 400)
	h = history(tps.GetId(), 2)
	if h[1].GetFiring() || h[1].GetValue() < 50 || h[1].GetId() <= h[0].GetId() {
		t.Fatalf("second transition %v", h[1])
	}
	time.Sleep(2 * window * time.Millisecond)
	if h, _ := svc.History(ctx, tps.GetId(), 0, 0); len(h) != 2 {
		t.Fatalf("more transitions than fire and resolve: %v", h)
	}
}

// TestOneTransitionWhileLeadershipMoves runs an evaluator on every
// validator, as the processes do, and moves the leadership while a rule
// fires and resolves: each change of state is recorded exactly once.
func TestOneTransitionWhileLeadershipMoves(t *testing.T) {
	leader, all := startCluster(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, n := range all {
		sampler := alerting.NewSampler(n.AlertSample, 50*time.Millisecond)
		go sampler.Run(ctx)
		go alerting.NewEvaluator(n, sampler, nil, testLogger()).Run(ctx)
	}
	svc := alerting.NewService(members(all...), alerting.URLPolicy{}, 0)
	r, err := svc.Create(ctx, &aurigraphv1.AlertRule{Metric: alerting.MetricValidatorCount, Condition: "<", Threshold: 5, WindowMs: 1000})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rule to fire", func() bool {
		h, err := svc.History(ctx, r.GetId(), 0, 0)
		return err == nil && len(h) == 1
	})
	next := all[0]
	if next == leader {
		next = all[1]
	}
	tctx, tcancel := context.WithTimeout(ctx, testTimeout)
	defer tcancel()
	if err := leader.TransferLeadership(tctx, next.ID()); err != nil {
		t.Fatal(err)
	}
	r.Threshold = 2
	waitFor(t, "the rule updated on the new leader", func() bool {
		_, err := svc.Update(ctx, r.GetId(), r)
		return err == nil
	})
	waitFor(t, "the rule to resolve", func() bool {
		h, err := svc.History(ctx, r.GetId(), 0, 0)
		return err == nil && len(h) == 2
	})
	time.Sleep(500 * time.Millisecond)
	h, err := svc.History(ctx, r.GetId(), 0, 0)
	if err != nil || len(h) != 2 || !h[0].GetFiring() || h[1].GetFiring() || h[1].GetId() != h[0].GetId()+1 {
		t.Fatalf("history %v (%v), want one firing then one resolved", h, err)
	}
}
