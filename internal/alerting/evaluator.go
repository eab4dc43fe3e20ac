package alerting

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Validator is the validator the alerts live in (a *consensus.Node).
type Validator interface {
	// Leader reports whether this validator leads, and in which term.
	Leader() (isLeader bool, term uint64)
	// ProposeAlert proposes an entry and waits until it applied here.
	ProposeAlert(ctx context.Context, e *aurigraphv1.AlertEntry) error
	// Alerts copies the applied alert state (nil: empty).
	Alerts() *aurigraphv1.AlertState
	// LinearizableRead waits until this validator applied everything
	// committed before the call.
	LinearizableRead(ctx context.Context) error
}

// Sample is what a validator applied since its process started, read at
// one moment; rates over a window are differences of two samples.
type Sample struct {
	At time.Time
	// Blocks, Txs and FailedTxs count the blocks written and the
	// transactions in them (failed ones too).
	Blocks, Txs, FailedTxs uint64
	// LatencyMs sums, over those blocks, the time from the leader's
	// proposal (the batch timestamp) to the block's apply here.
	LatencyMs uint64
	// Voters is the number of voters in the configuration now.
	Voters int
	// ProjectorLag is the sampler's own measure (see WithProjectorLag),
	// valid when ProjectorKnown.
	ProjectorLag   time.Duration
	ProjectorKnown bool
}

// Sampler keeps the samples of the last MaxWindow, one an interval. It runs
// on every validator, leading or not, so that a new leader can evaluate
// rules at once rather than a window after its election.
type Sampler struct {
	read     func() Sample
	interval time.Duration
	lag      *ProjectorLag

	mu   sync.Mutex
	ring []Sample // oldest first
}

// SamplerOption configures a Sampler.
type SamplerOption func(*Sampler)

// WithProjectorLag measures projector_lag_ms with l at each sample. By
// default the sampler has no projector position, and rules on that metric
// see no data.
func WithProjectorLag(l *ProjectorLag) SamplerOption {
	return func(s *Sampler) { s.lag = l }
}

// NewSampler samples read every interval (default 1s).
func NewSampler(read func() Sample, interval time.Duration, opts ...SamplerOption) *Sampler {
	if interval <= 0 {
		interval = time.Second
	}
	s := &Sampler{read: read, interval: interval}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Run samples until ctx ends.
func (s *Sampler) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Sampler) sample() {
	smp := s.read()
	if smp.At.IsZero() {
		smp.At = time.Now()
	}
	if s.lag != nil {
		smp.ProjectorLag, smp.ProjectorKnown = s.lag.Measure(smp.At)
	}
	keep := int(MaxWindow/s.interval) + 2
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ring) >= keep {
		s.ring = append(s.ring[:0], s.ring[len(s.ring)-keep+1:]...)
	}
	s.ring = append(s.ring, smp)
}

// value computes metric over the last window: from the newest sample back
// to the newest one at least window older. ok is false while the samples
// span less than the window, or when the metric has no value in it (commit
// latency without blocks, projector lag without the projector's position).
// The validator count and the projector lag are the newest sample's.
func (s *Sampler) value(metric string, window time.Duration) (v float64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ring) == 0 {
		return 0, false
	}
	last := s.ring[len(s.ring)-1]
	switch metric {
	case MetricValidatorCount:
		return float64(last.Voters), true
	case MetricProjectorLag:
		return float64(last.ProjectorLag.Milliseconds()), last.ProjectorKnown
	}
	var first *Sample
	// A sample taken a little late still counts as a window old.
	slack := s.interval / 4
	for i := len(s.ring) - 2; i >= 0; i-- {
		if last.At.Sub(s.ring[i].At) >= window-slack {
			first = &s.ring[i]
			break
		}
	}
	if first == nil {
		return 0, false
	}
	span := last.At.Sub(first.At)
	blocks, txs := float64(last.Blocks-first.Blocks), float64(last.Txs-first.Txs)
	switch metric {
	case MetricTPS:
		return txs / span.Seconds(), true
	case MetricBlockTime:
		if blocks == 0 {
			return float64(span.Milliseconds()), true
		}
		return float64(span.Milliseconds()) / blocks, true
	case MetricFailedRatio:
		if txs == 0 {
			return 0, true
		}
		return float64(last.FailedTxs-first.FailedTxs) / txs, true
	case MetricCommitLatency:
		if blocks == 0 {
			return 0, false
		}
		return float64(last.LatencyMs-first.LatencyMs) / blocks, true
	}
	return 0, false
}

// Evaluator checks the rules against the sampler's series while its
// validator leads (the caller starts and stops Run with the leadership), and
// proposes each change of a rule's state as a transition fenced by the
// rule's newest transition: a deposed leader's proposals are refused, and a
// new leader continues from the replicated state.
type Evaluator struct {
	v       Validator
	samples *Sampler
	log     *slog.Logger
	m       *Metrics

	// pending holds, per rule, since when its condition has held without
	// the rule firing yet, and the rule version that was measured.
	pending map[string]pendingRule
}

type pendingRule struct {
	since   time.Time
	updated int64
}

// NewEvaluator evaluates v's rules against samples at the sampler's
// interval; nil m counts into unregistered metrics, nil log is
// slog.Default().
func NewEvaluator(v Validator, samples *Sampler, m *Metrics, log *slog.Logger) *Evaluator {
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Evaluator{v: v, samples: samples, log: log, m: m, pending: map[string]pendingRule{}}
}

// Run evaluates until ctx ends; call it while the validator leads.
func (e *Evaluator) Run(ctx context.Context) error {
	clear(e.pending)
	t := time.NewTicker(e.samples.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if lead, _ := e.v.Leader(); lead {
			e.evaluate(ctx)
		}
	}
}

func (e *Evaluator) evaluate(ctx context.Context) {
	st := e.v.Alerts()
	now := time.Now()
	seen := make(map[string]bool, len(st.GetRules()))
	for _, r := range st.GetRules() {
		seen[r.GetId()] = true
		value, ok := e.samples.value(r.GetMetric(), time.Duration(r.GetWindowMs())*time.Millisecond)
		if !ok {
			continue
		}
		e.m.evaluations.Inc()
		want := r.GetFiring()
		switch cond := holds(r, value); {
		case cond && !r.GetFiring():
			p, had := e.pending[r.GetId()]
			if !had || p.updated != r.GetUpdatedMs() {
				p = pendingRule{since: now, updated: r.GetUpdatedMs()}
				e.pending[r.GetId()] = p
			}
			want = now.Sub(p.since) >= time.Duration(r.GetForMs())*time.Millisecond
		case !cond:
			delete(e.pending, r.GetId())
			want = false
		}
		if want == r.GetFiring() {
			continue
		}
		e.propose(ctx, r, want, value)
	}
	for id := range e.pending {
		if !seen[id] {
			delete(e.pending, id)
		}
	}
}

func (e *Evaluator) propose(ctx context.Context, r *aurigraphv1.AlertRule, firing bool, value float64) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := e.v.ProposeAlert(ctx, &aurigraphv1.AlertEntry{
		Transition: &aurigraphv1.AlertTransition{RuleId: r.GetId(), Firing: firing, Value: value},
		ExpectLast: r.GetLastTransition(),
	})
	switch {
	case err == nil:
		delete(e.pending, r.GetId())
		e.m.transitions.WithLabelValues(stateName(firing)).Inc()
		e.log.Info("alert transition", "rule", r.GetId(), "name", r.GetName(), "metric", r.GetMetric(), "firing", firing, "value", value)
	case errors.Is(err, ErrStale):
		e.log.Debug("alert transition superseded", "rule", r.GetId(), "err", err)
	default:
		e.m.proposalErrors.Inc()
		e.log.Warn("alert transition not recorded; retrying at the next evaluation", "rule", r.GetId(), "err", err)
	}
}

func stateName(firing bool) string {
	if firing {
		return "firing"
	}
	return "resolved"
}
