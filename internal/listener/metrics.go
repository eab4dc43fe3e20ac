package listener

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the aurigraph_listener_* series of one process, shared by all
// its listeners and told apart by the listener label.
type Metrics struct {
	open     *prometheus.GaugeVec
	accepted *prometheus.CounterVec
	refused  *prometheus.CounterVec
	errors   *prometheus.CounterVec
	limited  *prometheus.CounterVec
}

// NewMetrics registers the listener metrics with reg (nil: kept but not
// exported).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurigraph_listener_connections",
			Help: "Connections open now, per listener.",
		}, []string{"listener"}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_listener_connections_accepted_total",
			Help: "Connections accepted within the listener's cap.",
		}, []string{"listener"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_listener_connections_refused_total",
			Help: "Connections closed on arrival because the listener already held its maximum (--*-max-conns).",
		}, []string{"listener"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_listener_accept_errors_total",
			Help: "Failed accepts, retried with backoff, by errno (EMFILE and ENFILE: out of file descriptors).",
		}, []string{"listener", "errno"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_listener_limited_total",
			Help: "Requests or connections cut short by a limit: read_timeout (request body), write_timeout, idle_timeout, request_timeout, request_size.",
		}, []string{"listener", "limit"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.open, m.accepted, m.refused, m.errors, m.limited} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("listener: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

// listenerMetrics are one listener's series; all no-ops without Metrics.
type listenerMetrics struct {
	open         prometheus.Gauge
	accepted     prometheus.Counter
	refused      prometheus.Counter
	acceptErrors func(errno string) prometheus.Counter
	limited      func(limit string) prometheus.Counter
}

func (m *Metrics) forListener(name string) listenerMetrics {
	if m == nil {
		discard := func(string) prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"}) }
		return listenerMetrics{
			open:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "unused"}),
			accepted:     discard(""),
			refused:      discard(""),
			acceptErrors: discard,
			limited:      discard,
		}
	}
	return listenerMetrics{
		open:         m.open.WithLabelValues(name),
		accepted:     m.accepted.WithLabelValues(name),
		refused:      m.refused.WithLabelValues(name),
		acceptErrors: func(errno string) prometheus.Counter { return m.errors.WithLabelValues(name, errno) },
		limited:      func(limit string) prometheus.Counter { return m.limited.WithLabelValues(name, limit) },
	}
}

// Limited counts one request or connection that listener name cut short by
// limit, for wrappers that enforce limits outside this package (the
// broker's request framing).
func (m *Metrics) Limited(name, limit string) {
	if m != nil {
		m.limited.WithLabelValues(name, limit).Inc()
	}
}
