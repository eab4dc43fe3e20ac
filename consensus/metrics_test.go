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

// TestBackupSeriesStartAtZero checks that every result of
// aurigraph_consensus_backups_total is exported before the first backup,
// so that a rule on the increase of failed backups sees the first one.
func TestBackupSeriesStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(reg, 1)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_consensus_backups_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					results[l.GetValue()] = true
				}
			}
		}
	}
	for _, r := range []string{"ok", "not_ready", "busy", "failed"} {
		if !results[r] {
			t.Errorf("no aurigraph_consensus_backups_total{result=%q} before any backup", r)
		}
	}
}
