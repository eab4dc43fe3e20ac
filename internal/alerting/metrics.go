package alerting

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/promreg"
)

// Metrics are the alerts' Prometheus series, aurigraph_alerts_*.
type Metrics struct {
	evaluations    prometheus.Counter
	transitions    *prometheus.CounterVec
	proposalErrors prometheus.Counter
	deliveries     *prometheus.CounterVec
	queued         prometheus.Gauge
}

// NewMetrics registers the series with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "aurigraph", Subsystem: "alerts", Name: name, Help: help}
	}
	m := &Metrics{
		evaluations: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts(opts("evaluations_total",
			"Rule evaluations by this validator while it led.")))),
		transitions: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts(opts("transitions_total",
			"Alert transitions this validator recorded, by state (firing, resolved).")), []string{"state"})),
		proposalErrors: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts(opts("proposal_errors_total",
			"Alert transitions or delivery outcomes this validator failed to get committed (retried).")))),
		deliveries: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts(opts("webhook_deliveries_total",
			"Webhook delivery attempts, by outcome (delivered, retry, failed).")), []string{"outcome"})),
		queued: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts(opts("webhook_queue_transitions",
			"Transitions waiting for webhook delivery on this validator.")))),
	}
	// Every series from zero, so that the first increment is an increase.
	for _, state := range []string{"firing", "resolved"} {
		m.transitions.WithLabelValues(state)
	}
	for _, outcome := range []string{"delivered", "retry", "failed"} {
		m.deliveries.WithLabelValues(outcome)
	}
	return m
}
