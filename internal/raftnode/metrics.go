package raftnode

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/promreg"
)

// metrics are the raft loop's, under the consensus subsystem beside the
// chain's: to an operator they are all one validator's consensus.
type metrics struct {
	term              prometheus.Gauge
	isLeader          prometheus.Gauge
	leaderChanges     prometheus.Counter
	proposals         *prometheus.CounterVec
	snapshots         prometheus.Counter
	snapshotFailures  prometheus.Counter
	snapshotDuration  prometheus.Histogram
	snapshotsRestored prometheus.Counter
	commitLatency     prometheus.Histogram
	walSaveDuration   prometheus.Histogram
	applyLag          prometheus.Gauge
	readIndexDuration prometheus.Histogram
}

// Proposal results counted by aurigraph_consensus_proposals_total.
const (
	resultApplied      = "applied"
	resultLeaderLost   = "leadership_lost"
	resultNotLeader    = "not_leader"
	resultDropped      = "dropped"
	resultCanceled     = "canceled"
	resultNodeStopping = "stopped"
)

// newMetrics registers the node's collectors on reg, labelled with the
// validator id so several nodes can share one registry (as `aurigraph dev`
// does). A collector already registered by an earlier node with the same id
// is reused.
func newMetrics(reg prometheus.Registerer, id uint64) *metrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels}
	}
	hist := func(name, help string, buckets []float64) prometheus.HistogramOpts {
		return prometheus.HistogramOpts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels, Buckets: buckets}
	}
	m := &metrics{
		term:          prometheus.NewGauge(prometheus.GaugeOpts(opts("term", "Current raft term."))),
		isLeader:      prometheus.NewGauge(prometheus.GaugeOpts(opts("is_leader", "1 while this validator is the raft leader."))),
		leaderChanges: prometheus.NewCounter(prometheus.CounterOpts(opts("leader_changes_total", "Times the known raft leader changed."))),
		proposals:     prometheus.NewCounterVec(prometheus.CounterOpts(opts("proposals_total", "Batches proposed by this validator, by outcome.")), []string{"result"}),
		snapshots:     prometheus.NewCounter(prometheus.CounterOpts(opts("snapshots_total", "Raft snapshots taken by this validator."))),
		snapshotFailures: prometheus.NewCounter(prometheus.CounterOpts(opts("snapshot_failures_total",
			"Raft snapshots this validator failed to encode or write; it retries after a backoff, its WAL growing meanwhile."))),
		snapshotsRestored: prometheus.NewCounter(prometheus.CounterOpts(opts("snapshots_restored_total",
			"Raft snapshots received from the leader and restored into the state machine."))),
		snapshotDuration: prometheus.NewHistogram(hist("snapshot_duration_seconds",
			"Time to build and persist one raft snapshot.",
			prometheus.ExponentialBuckets(0.001, 2, 14))),
		commitLatency: prometheus.NewHistogram(hist("commit_latency_seconds",
			"Time from proposing a batch on the leader to its apply on the leader.",
			prometheus.ExponentialBuckets(0.0005, 2, 16))),
		walSaveDuration: prometheus.NewHistogram(hist("wal_save_duration_seconds",
			"Time for the WAL to make one Ready's new entries durable; the raft loop, and every commit, waits for it.",
			prometheus.ExponentialBuckets(0.0001, 2, 16))),
		applyLag: prometheus.NewGauge(prometheus.GaugeOpts(opts("apply_lag_entries",
			"Raft entries committed but not yet applied by this validator, sampled every second."))),
		readIndexDuration: prometheus.NewHistogram(hist("read_index_duration_seconds",
			"Time for a linearizable read barrier: raft ReadIndex plus waiting for apply.",
			prometheus.ExponentialBuckets(0.0001, 2, 16))),
	}
	if reg == nil {
		return m
	}
	m.term = promreg.Register(reg, m.term)
	m.isLeader = promreg.Register(reg, m.isLeader)
	m.leaderChanges = promreg.Register(reg, m.leaderChanges)
	m.proposals = promreg.Register(reg, m.proposals)
	m.snapshots = promreg.Register(reg, m.snapshots)
	m.snapshotFailures = promreg.Register(reg, m.snapshotFailures)
	m.snapshotDuration = promreg.Register(reg, m.snapshotDuration)
	m.snapshotsRestored = promreg.Register(reg, m.snapshotsRestored)
	m.commitLatency = promreg.Register(reg, m.commitLatency)
	m.walSaveDuration = promreg.Register(reg, m.walSaveDuration)
	m.applyLag = promreg.Register(reg, m.applyLag)
	m.readIndexDuration = promreg.Register(reg, m.readIndexDuration)
	return m
}
