package consensus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/promreg"
)

// metrics are the chain's; the raft node's (term, leadership, proposals,
// snapshots) are internal/raftnode's, under the same subsystem.
type metrics struct {
	applyDuration   prometheus.Histogram
	committedBlocks prometheus.Counter
	committedTxs    prometheus.Counter
	txRate          *txRate
	height          prometheus.Gauge
	// backups counts WriteBackup calls by result: ok, not_ready, busy, failed.
	backups    *prometheus.CounterVec
	lastBackup prometheus.Gauge
}

// newMetrics registers the chain's collectors on reg, labelled with the
// validator id so several validators can share one registry (as `aurigraph
// dev` does). A collector already registered by an earlier node with the same
// id is reused.
func newMetrics(reg prometheus.Registerer, id uint64) *metrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "consensus", Name: name, Help: help, ConstLabels: labels}
	}
	m := &metrics{
		committedBlocks: prometheus.NewCounter(prometheus.CounterOpts(opts("committed_blocks_total", "Blocks applied to this validator's chain."))),
		committedTxs:    prometheus.NewCounter(prometheus.CounterOpts(opts("committed_txs_total", "Transactions (committed or failed) included in applied blocks."))),
		txRate:          newTxRate(labels),
		height:          prometheus.NewGauge(prometheus.GaugeOpts(opts("height", "Height of the newest applied block."))),
		backups:         prometheus.NewCounterVec(prometheus.CounterOpts(opts("backups_total", "Backups streamed from this validator, by result: ok, not_ready (no snapshot yet, or catching up), busy (another backup was streaming), failed.")), []string{"result"}),
		lastBackup:      prometheus.NewGauge(prometheus.GaugeOpts(opts("backup_last_success_timestamp_seconds", "Unix time the last complete backup of this validator was streamed; 0 before the first."))),
		applyDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "aurigraph", Subsystem: "consensus", Name: "apply_duration_seconds", ConstLabels: labels,
			Help:    "Time to execute and persist the committed entries of one raft Ready.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
	}
	if reg == nil {
		return m
	}
	m.applyDuration = promreg.Register(reg, m.applyDuration)
	m.committedBlocks = promreg.Register(reg, m.committedBlocks)
	m.committedTxs = promreg.Register(reg, m.committedTxs)
	m.txRate = promreg.Register(reg, m.txRate)
	m.height = promreg.Register(reg, m.height)
	m.backups = promreg.Register(reg, m.backups)
	for _, r := range []string{"ok", "not_ready", "busy", "failed"} {
		m.backups.WithLabelValues(r)
	}
	m.lastBackup = promreg.Register(reg, m.lastBackup)
	return m
}
