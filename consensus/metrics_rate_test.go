package consensus

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestTxRate(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name string
		// adds are (seconds after start, transactions) applied in order.
		adds [][2]int
		at   float64 // seconds after start the rate is read
		want float64
	}{
		{"nothing applied", nil, 30, 0},
		{"second in progress left out", [][2]int{{5, 100}}, 5.5, 0},
		{"one completed second", [][2]int{{5, 100}}, 6, 10},
		{"window sums and averages", [][2]int{{1, 10}, {2, 20}, {2, 5}, {9, 15}}, 10, 5},
		{"seconds older than the window drop out", [][2]int{{1, 10}, {12, 30}}, 13, 3},
		{"a slot reused after a full turn counts afresh", [][2]int{{0, 1000}, {11, 7}}, 12, 0.7},
		{"idle after load", [][2]int{{1, 500}}, 40, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var now time.Time
			r := newTxRate(nil)
			r.now = func() time.Time { return now }
			for _, a := range tt.adds {
				now = start.Add(time.Duration(a[0]) * time.Second)
				r.add(a[1])
			}
			now = start.Add(time.Duration(tt.at * float64(time.Second)))
			if got := r.rate(); got != tt.want {
				t.Fatalf("rate = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTxRateExported checks the gauge's name and validator label, and that a
// second registration for the same validator (a validator restarted in one
// process) keeps the first collector, so the rate goes on from its history.
func TestTxRateExported(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, 7)
	now := time.Now()
	m.txRate.now = func() time.Time { return now }
	m.txRate.add(40)
	now = now.Add(time.Second)
	again := newMetrics(reg, 7)
	if again.txRate != m.txRate {
		t.Fatal("a second registration for validator 7 got a collector of its own")
	}
	want := `
# HELP aurigraph_consensus_committed_txs_per_second Transactions (committed or failed) applied per second, averaged over the last 10 completed seconds.
# TYPE aurigraph_consensus_committed_txs_per_second gauge
aurigraph_consensus_committed_txs_per_second{validator="7"} 4
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "aurigraph_consensus_committed_txs_per_second"); err != nil {
		t.Fatal(err)
	}
}
