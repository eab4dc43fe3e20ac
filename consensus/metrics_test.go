package consensus

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// counterValue sums the samples of a metric, restricted to label result when
// result is set.
func counterValue(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if result != "" {
				for _, l := range m.GetLabel() {
					if l.GetName() == "result" && l.GetValue() != result {
						continue metrics
					}
				}
			}
			if c := m.GetCounter(); c != nil {
				sum += c.GetValue()
			} else if g := m.GetGauge(); g != nil {
				sum += g.GetValue()
			}
		}
	}
	return sum
}
