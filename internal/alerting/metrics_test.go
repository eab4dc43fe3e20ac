package alerting

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aurigraph/aurigraph/internal/retry"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// stuckValidator holds alerts whose outcomes it never records.
type stuckValidator struct {
	mu sync.Mutex
	st *State
}

func (v *stuckValidator) Leader() (bool, uint64) { return true, 1 }
func (v *stuckValidator) ProposeAlert(context.Context, *aurigraphv1.AlertEntry) error {
	return errors.New("not recorded")
}
func (v *stuckValidator) LinearizableRead(context.Context) error { return nil }
func (v *stuckValidator) Alerts() *aurigraphv1.AlertState {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st.Proto()
}

// TestQueueGaugeClearedWhenNotifierStops checks that a validator that no
// longer leads stops reporting the deliveries it left to the next leader.
func TestQueueGaugeClearedWhenNotifierStops(t *testing.T) {
	st := NewState()
	rule := ruleFor(idA)
	rule.WebhookUrl = "http://127.0.0.1:1/hook"
	for _, e := range []*aurigraphv1.AlertEntry{{PutRule: rule, Create: true}, transition(idA, true, 0)} {
		if _, err := st.Apply(e, 100); err != nil {
			t.Fatal(err)
		}
	}
	m := NewMetrics(nil)
	n := NewNotifier(&stuckValidator{st: st}, NotifierConfig{Policy: URLPolicy{AllowPrivate: true}, Metrics: m,
		Backoff: retry.Backoff{Min: time.Millisecond, Max: time.Millisecond}, Interval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(m.queued) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the pending delivery was never counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if q := testutil.ToFloat64(m.queued); q != 0 {
		t.Fatalf("%v deliveries still reported waiting after the notifier stopped", q)
	}
}

// TestSeriesStartAtZero checks that every label value of the alerts'
// counters is exported before its first increment, so that a rule on their
// increase sees the first one.
func TestSeriesStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	for name, want := range map[string]int{"aurigraph_alerts_transitions_total": 2, "aurigraph_alerts_webhook_deliveries_total": 3} {
		if got := testutil.CollectAndCount(reg, name); got != want {
			t.Errorf("%s has %d series before any increment, want %d", name, got, want)
		}
	}
}
