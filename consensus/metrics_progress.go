package consensus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/promreg"
)

// progressMetrics measure block catch-up: the blocks a raft snapshot
// install skipped, fetched from peers.
type progressMetrics struct {
	catchUpFetched prometheus.Counter
	catchUpErrors  *prometheus.CounterVec
	catchUpBehind  prometheus.Gauge
}

func newProgressMetrics(reg prometheus.Registerer, id uint64) *progressMetrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels}
	}
	m := &progressMetrics{
		catchUpFetched: prometheus.NewCounter(prometheus.CounterOpts(opts("catchup_blocks_fetched_total",
			"Blocks fetched from peers, verified and stored to fill the gap a raft snapshot install left."))),
		catchUpErrors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("catchup_fetch_errors_total",
			"Block catch-up requests to a peer that failed or returned blocks that did not verify.")), []string{"peer"}),
		catchUpBehind: prometheus.NewGauge(prometheus.GaugeOpts(opts("catchup_behind_blocks",
			"Applied height minus contiguous height: blocks below the applied height not yet all stored."))),
	}
	if reg == nil {
		return m
	}
	m.catchUpFetched = promreg.Register(reg, m.catchUpFetched)
	m.catchUpErrors = promreg.Register(reg, m.catchUpErrors)
	m.catchUpBehind = promreg.Register(reg, m.catchUpBehind)
	return m
}
