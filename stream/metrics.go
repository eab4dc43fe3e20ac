package stream

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// register adds c to reg, or returns the equal collector already there, so
// that a Hub or Publisher rebuilt on the same registry (after a restart of the
// component within one process) keeps counting on the same series.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("stream: register metric: %v", err))
	}
	return c
}

type hubMetrics struct {
	subscribers prometheus.Gauge
	sent        *prometheus.CounterVec
	lagged      prometheus.Counter
}

func newHubMetrics(reg prometheus.Registerer) hubMetrics {
	return hubMetrics{
		subscribers: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_stream_subscribers",
			Help: "Live subscriptions to the block stream, including those still replaying.",
		})),
		sent: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_stream_messages_sent_total",
			Help: "Messages written to WebSocket subscribers, by message type.",
		}, []string{"type"})),
		lagged: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_stream_lagged_disconnects_total",
			Help: "Subscribers disconnected because their queue overflowed.",
		})),
	}
}

type publisherMetrics struct {
	published prometheus.Counter
	height    prometheus.Gauge
}

func newPublisherMetrics(reg prometheus.Registerer) publisherMetrics {
	return publisherMetrics{
		published: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_stream_published_blocks_total",
			Help: "Block events acknowledged by the broker.",
		})),
		height: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_stream_publish_height",
			Help: "Highest block height known to be in the blocks topic.",
		})),
	}
}
