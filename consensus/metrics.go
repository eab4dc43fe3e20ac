package consensus

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/blocklog"
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
	index      *indexCollector
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
		index:           newIndexCollector(labels),
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
	m.index = promreg.Register(reg, m.index)
	return m
}

// indexCollector reports the transaction index of the validator's chain,
// read when scraped: the runs whose filters are in memory, the merged ones,
// and the merges and failed writes since it opened. The chain opened last
// under the collector's validator id is the one read.
type indexCollector struct {
	stats                  atomic.Pointer[func() blocklog.IndexStats]
	runs, merges, failures *prometheus.Desc
}

func newIndexCollector(labels prometheus.Labels) *indexCollector {
	return &indexCollector{
		runs: prometheus.NewDesc("aurigraph_consensus_index_runs",
			"Runs of the transaction index, by kind: memory (written from memory, their filters in memory, bounded by merging) and merged (their filters in their files).",
			[]string{"kind"}, labels),
		merges: prometheus.NewDesc("aurigraph_consensus_index_merges_total",
			"Merges of index runs that completed since the index opened.", nil, labels),
		failures: prometheus.NewDesc("aurigraph_consensus_index_failures_total",
			"Failed writes of the transaction index since it opened, by operation: write (a run from memory; its entries stay in memory until a restart indexes them again) and merge (retried with backoff).",
			[]string{"op"}, labels),
	}
}

// follow makes the collector report stats.
func (c *indexCollector) follow(stats func() blocklog.IndexStats) { c.stats.Store(&stats) }

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.runs
	ch <- c.merges
	ch <- c.failures
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	var st blocklog.IndexStats
	if f := c.stats.Load(); f != nil {
		st = (*f)()
	}
	ch <- prometheus.MustNewConstMetric(c.runs, prometheus.GaugeValue, float64(st.Runs), "memory")
	ch <- prometheus.MustNewConstMetric(c.runs, prometheus.GaugeValue, float64(st.Merged), "merged")
	ch <- prometheus.MustNewConstMetric(c.merges, prometheus.CounterValue, float64(st.Merges))
	ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(st.WriteFailures), "write")
	ch <- prometheus.MustNewConstMetric(c.failures, prometheus.CounterValue, float64(st.MergeFailures), "merge")
}
