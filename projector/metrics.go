package projector

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
)

type metrics struct {
	height         prometheus.Gauge
	lag            prometheus.Gauge
	blocks         prometheus.Counter
	rows           *prometheus.CounterVec
	insertDuration *prometheus.HistogramVec
	errors         *prometheus.CounterVec
	lagSeconds     prometheus.Gauge
	rejected       *blockfeed.Rejections
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		height: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_projector_height",
			Help: "Highest block height whose block and transaction rows are in ClickHouse.",
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_projector_lag_blocks",
			Help: "Records on the blocks topic past the last projected one, as of the last fetch.",
		}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_projector_lag_seconds",
			Help: "How long ago the last projected block was committed while more blocks wait on the topic; 0 when caught up.",
		}),
		blocks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_projector_blocks_total",
			Help: "Blocks projected into ClickHouse by this process.",
		}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_projector_rows_total",
			Help: "Rows inserted into ClickHouse by this process, by table.",
		}, []string{"table"}),
		insertDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aurigraph_projector_insert_duration_seconds",
			Help:    "Duration of one successful batch insert, by table.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}, []string{"table"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_projector_errors_total",
			Help: "Errors by stage: fetch (broker), decode (a verified block the projection cannot hold), stage (building an insert as its blocks arrive; the insert is then built whole when sent), insert (ClickHouse, including retried attempts).",
		}, []string{"stage"}),
	}
	var err error
	if m.rejected, err = blockfeed.NewRejections(reg, "projector"); err != nil {
		return nil, err
	}
	// Every stage is exported from the start, so a rate over them is 0, not
	// absent, until the first error.
	for _, stage := range []string{"fetch", "decode", "stage", "insert"} {
		m.errors.WithLabelValues(stage)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.height, m.lag, m.lagSeconds, m.blocks, m.rows, m.insertDuration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register projector metrics: %w", err)
		}
	}
	return m, nil
}
