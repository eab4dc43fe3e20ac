package consensus

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
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

// TestIndexSeriesFollowTheChain checks the transaction index's series
// against a chain whose index writes a run per entry and merges them, and
// that a chain opened again under the same validator id is the one they
// report.
func TestIndexSeriesFollowTheChain(t *testing.T) {
	reg := prometheus.NewRegistry()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	// A dedup window of 2 makes runs of one entry.
	c, err := openChain(ChainConfig{DataDir: t.TempDir(), ID: 1, Key: key, DedupWindow: 2}, newMetrics(reg, 1))
	if err != nil {
		t.Fatal(err)
	}
	gen, setup := txgen.NewTransfers(4)
	batches := []*aurigraphv1.Batch{{Genesis: chain.DefaultGenesis()}, setup}
	for range 40 {
		batches = append(batches, gen.Batch(4))
	}
	if _, err := c.Apply(entriesOf(t, 1, batches...), nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for counterValue(t, reg, "aurigraph_consensus_index_merges_total", "") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("aurigraph_consensus_index_merges_total stayed 0 while the index merged its runs")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := counterValue(t, reg, "aurigraph_consensus_index_runs", ""); n == 0 {
		t.Error("aurigraph_consensus_index_runs sums to 0 on an index that wrote runs")
	}
	if n := counterValue(t, reg, "aurigraph_consensus_index_failures_total", ""); n != 0 {
		t.Errorf("aurigraph_consensus_index_failures_total = %v, want 0", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	again, err := openChain(ChainConfig{DataDir: t.TempDir(), ID: 1, Key: key, DedupWindow: 2}, newMetrics(reg, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if n := counterValue(t, reg, "aurigraph_consensus_index_runs", ""); n != 0 {
		t.Errorf("a new chain's index reports %v runs, want 0: the series still follow the closed one", n)
	}
}
