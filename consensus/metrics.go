package consensus

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	term              prometheus.Gauge
	isLeader          prometheus.Gauge
	leaderChanges     prometheus.Counter
	proposals         *prometheus.CounterVec
	applyDuration     prometheus.Histogram
	committedBlocks   prometheus.Counter
	committedTxs      prometheus.Counter
	txRate            *txRate
	height            prometheus.Gauge
	snapshots         prometheus.Counter
	snapshotDuration  prometheus.Histogram
	peerSendErrors    *prometheus.CounterVec
	snapshotsRestored prometheus.Counter
}

// Proposal results counted by aurigraph_consensus_proposals_total.
const (
	resultApplied      = "applied"
	resultStale        = "stale_offsets"
	resultLeaderLost   = "leadership_lost"
	resultNotLeader    = "not_leader"
	resultDropped      = "dropped"
	resultCanceled     = "canceled"
	resultNodeStopping = "stopped"
)

// newMetrics registers the node's collectors on reg, labelled with the
// validator id so several validators can share one registry (as `aurigraph
// dev` does). A collector already registered by an earlier node with the same
// id is reused.
func newMetrics(reg prometheus.Registerer, id uint64) *metrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels}
	}
	m := &metrics{
		term:            prometheus.NewGauge(prometheus.GaugeOpts(opts("term", "Current raft term."))),
		isLeader:        prometheus.NewGauge(prometheus.GaugeOpts(opts("is_leader", "1 while this validator is the raft leader."))),
		leaderChanges:   prometheus.NewCounter(prometheus.CounterOpts(opts("leader_changes_total", "Times the known raft leader changed."))),
		proposals:       prometheus.NewCounterVec(prometheus.CounterOpts(opts("proposals_total", "Batches proposed by this validator, by outcome.")), []string{"result"}),
		committedBlocks: prometheus.NewCounter(prometheus.CounterOpts(opts("committed_blocks_total", "Blocks applied to this validator's chain."))),
		committedTxs:    prometheus.NewCounter(prometheus.CounterOpts(opts("committed_txs_total", "Transactions (committed or failed) included in applied blocks."))),
		txRate:          newTxRate(labels),
		height:          prometheus.NewGauge(prometheus.GaugeOpts(opts("height", "Height of the newest applied block."))),
		snapshots:       prometheus.NewCounter(prometheus.CounterOpts(opts("snapshots_total", "Raft snapshots taken by this validator."))),
		snapshotsRestored: prometheus.NewCounter(prometheus.CounterOpts(opts("snapshots_restored_total",
			"Raft snapshots received from the leader and restored into the state machine."))),
		peerSendErrors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("peer_send_errors_total",
			"Raft messages that could not be sent to a peer (queue full or stream broken).")), []string{"peer"}),
		applyDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "aurigraph", Subsystem: "consensus", Name: "apply_duration_seconds", ConstLabels: labels,
			Help:    "Time to execute and persist the committed entries of one raft Ready.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		snapshotDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "aurigraph", Subsystem: "consensus", Name: "snapshot_duration_seconds", ConstLabels: labels,
			Help:    "Time to build and persist one raft snapshot.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
	}
	if reg == nil {
		return m
	}
	m.term = register(reg, m.term)
	m.isLeader = register(reg, m.isLeader)
	m.leaderChanges = register(reg, m.leaderChanges)
	m.proposals = register(reg, m.proposals)
	m.applyDuration = register(reg, m.applyDuration)
	m.committedBlocks = register(reg, m.committedBlocks)
	m.committedTxs = register(reg, m.committedTxs)
	m.txRate = register(reg, m.txRate)
	m.height = register(reg, m.height)
	m.snapshots = register(reg, m.snapshots)
	m.snapshotDuration = register(reg, m.snapshotDuration)
	m.peerSendErrors = register(reg, m.peerSendErrors)
	m.snapshotsRestored = register(reg, m.snapshotsRestored)
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// Only a programming error (conflicting help or labels under one name)
		// gets here; running without the metric beats refusing to start.
		return c
	}
	return c
}
