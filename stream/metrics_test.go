package stream

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue reads a counter's or gauge's current value.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatalf("read metric: %v", err)
	}
	if c := out.GetCounter(); c != nil {
		return c.GetValue()
	}
	return out.GetGauge().GetValue()
}

func TestMetricsReuseRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := newHubMetrics(reg), newHubMetrics(reg)
	a.lagged.Inc()
	a.transport("websocket").subscribers.Inc()
	if got := metricValue(t, b.lagged); got != 1 {
		t.Fatalf("second hub on the same registry sees %v lagged disconnects, want the shared 1", got)
	}
	newPublisherMetrics(reg).published.Inc()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{
		"aurigraph_stream_subscribers",
		"aurigraph_stream_lagged_disconnects_total",
		"aurigraph_stream_published_blocks_total",
		"aurigraph_stream_publish_height",
	} {
		if !names[want] {
			t.Errorf("metric %s not registered (have %v)", want, names)
		}
	}
}
