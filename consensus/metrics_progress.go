package consensus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// progressMetrics measure how fast work moves through a validator: proposal
// to apply, commit to apply, peer round trips, and block catch-up.
type progressMetrics struct {
	commitLatency     prometheus.Histogram
	applyLag          prometheus.Gauge
	peerRTT           *prometheus.HistogramVec
	readIndexDuration prometheus.Histogram
	catchUpFetched    prometheus.Counter
	catchUpErrors     *prometheus.CounterVec
	catchUpBehind     prometheus.Gauge
}

func newProgressMetrics(reg prometheus.Registerer, id uint64) *progressMetrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels}
	}
	hist := func(name, help string, buckets []float64) prometheus.HistogramOpts {
		return prometheus.HistogramOpts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels, Buckets: buckets}
	}
	m := &progressMetrics{
		commitLatency: prometheus.NewHistogram(hist("commit_latency_seconds",
			"Time from proposing a batch on the leader to its apply on the leader.",
			prometheus.ExponentialBuckets(0.0005, 2, 16))),
		applyLag: prometheus.NewGauge(prometheus.GaugeOpts(opts("apply_lag_entries",
			"Raft entries committed but not yet applied by this validator, sampled every second."))),
		peerRTT: prometheus.NewHistogramVec(hist("peer_rtt_seconds",
			"Round trip of a health check over the gRPC connection to each peer.",
			prometheus.ExponentialBuckets(0.0001, 2, 16)), []string{"peer"}),
		readIndexDuration: prometheus.NewHistogram(hist("read_index_duration_seconds",
			"Time for a linearizable read barrier: raft ReadIndex plus waiting for apply.",
			prometheus.ExponentialBuckets(0.0001, 2, 16))),
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
	m.commitLatency = register(reg, m.commitLatency)
	m.applyLag = register(reg, m.applyLag)
	m.peerRTT = register(reg, m.peerRTT)
	m.readIndexDuration = register(reg, m.readIndexDuration)
	m.catchUpFetched = register(reg, m.catchUpFetched)
	m.catchUpErrors = register(reg, m.catchUpErrors)
	m.catchUpBehind = register(reg, m.catchUpBehind)
	return m
}
