package stream

import (
	"errors"
	"fmt"
	"sync"

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
	subscribers   *prometheus.GaugeVec
	sent          *prometheus.CounterVec
	bytes         *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	queueDepth    prometheus.Gauge
	lagged        prometheus.Counter
	laggedReplays prometheus.Counter
	errors        *prometheus.CounterVec

	mu         sync.Mutex
	transports map[string]*transportMetrics
}

// transportMetrics are one transport's series, resolved once so the
// per-event accounting is a few atomic adds.
type transportMetrics struct {
	subscribers prometheus.Gauge
	bytes       prometheus.Counter
	latency     prometheus.Observer
	byType      map[MessageType]prometheus.Counter
}

func (t *transportMetrics) sent(typ MessageType) prometheus.Counter { return t.byType[typ] }

// Transports and reasons of aurigraph_stream_errors_total. Refusals by the
// access policy happen before a request reaches the hub and are counted by
// aurigraph_audit_events_total; a subscriber that closes its connection, or
// a server shutting down, is no error.
const (
	// reasonRequest: the subscription request was malformed (HTTP 400 or
	// 405, gRPC INVALID_ARGUMENT).
	reasonRequest = "request"
	// reasonLimit: the client already held the most subscriptions allowed
	// (HTTP 429, gRPC RESOURCE_EXHAUSTED).
	reasonLimit = "limit"
	// reasonHandshake: the WebSocket upgrade failed (not a WebSocket
	// request, a forbidden origin, a hijack failure).
	reasonHandshake = "handshake"
	// reasonProtocol: a subscribed WebSocket client broke the protocol: a
	// subscription message refused, too many of them, one over the size
	// limit, or a frame that is not WebSocket.
	reasonProtocol = "protocol"
	// reasonWrite: writing, flushing or pinging failed or timed out while
	// the subscriber was still expected to be there.
	reasonWrite = "write"
	// reasonLagged: disconnected for falling too far behind (the same
	// events as aurigraph_stream_lagged_disconnects_total, by transport).
	reasonLagged = "lagged"
)

var (
	streamTransports = []string{"websocket", "sse", "grpc"}
	streamReasons    = []string{reasonRequest, reasonLimit, reasonHandshake, reasonProtocol, reasonWrite, reasonLagged}
)

func newHubMetrics(reg prometheus.Registerer) *hubMetrics {
	m := &hubMetrics{
		subscribers: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurigraph_stream_subscribers",
			Help: "Open subscriptions to the event stream, including those replaying, by transport.",
		}, []string{"transport"})),
		sent: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_stream_messages_sent_total",
			Help: "Events written to subscribers, by transport and event type.",
		}, []string{"transport", "type"})),
		bytes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_stream_sent_bytes_total",
			Help: "Bytes of events written to subscribers, before transport compression, by transport.",
		}, []string{"transport"})),
		latency: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aurigraph_stream_delivery_latency_seconds",
			Help:    "From the hub seeing a block committed to its event being written to a live subscriber, by transport.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"transport"})),
		queueDepth: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_stream_queue_depth_max_messages",
			Help: "Deepest live subscriber queue after the latest block was fanned out.",
		})),
		lagged: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_stream_lagged_disconnects_total",
			Help: "Subscribers disconnected because they fell more than the allowed number of blocks behind.",
		})),
		laggedReplays: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_stream_lagged_replays_total",
			Help: "Times a subscriber's queue overflowed and it was moved from the live fan-out to replay from storage.",
		})),
		errors: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_stream_errors_total",
			Help: "Subscriptions refused or ended by an error, by transport and reason: request (malformed), limit (too many per client), handshake (WebSocket upgrade failed), protocol (a WebSocket client broke the protocol), write (a write, flush or ping failed or timed out), lagged (fell too far behind).",
		}, []string{"transport", "reason"})),
		transports: make(map[string]*transportMetrics),
	}
	// Every transport's series exist from the start, so a rate over them
	// is 0 rather than absent until the first subscriber or error.
	for _, t := range streamTransports {
		m.transport(t)
		for _, r := range streamReasons {
			m.errors.WithLabelValues(t, r)
		}
	}
	return m
}

// failed counts an error of a subscription over transport.
func (m *hubMetrics) failed(transport, reason string) {
	m.errors.WithLabelValues(transport, reason).Inc()
}

// refused counts a subscription the hub would not start (see Subscribe's
// errors); a hub shutting down is no error.
func (m *hubMetrics) refused(transport string, err error) {
	switch {
	case errors.Is(err, ErrHubClosed):
	case errors.Is(err, ErrTooManySubscriptions):
		m.failed(transport, reasonLimit)
	default:
		m.failed(transport, reasonRequest)
	}
}

func (m *hubMetrics) transport(name string) *transportMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.transports[name]; ok {
		return t
	}
	t := &transportMetrics{
		subscribers: m.subscribers.WithLabelValues(name),
		bytes:       m.bytes.WithLabelValues(name),
		latency:     m.latency.WithLabelValues(name),
		byType:      make(map[MessageType]prometheus.Counter),
	}
	for _, typ := range []MessageType{MessageWelcome, MessageSubscribed, MessageError, MessageBlock, MessageTx, MessageTPS, MessageValidator, MessageAlert} {
		t.byType[typ] = m.sent.WithLabelValues(name, string(typ))
	}
	m.transports[name] = t
	return t
}

type publisherMetrics struct {
	published prometheus.Counter
	height    prometheus.Gauge
	errors    *prometheus.CounterVec
	failing   prometheus.Gauge
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
		errors: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_stream_publish_errors_total",
			Help: "Publishing attempts that failed and are retried, by reason: too_large (a block larger than the topic accepts), topic (the topic cannot be extended), source (the local chain), broker (anything else).",
		}, []string{"reason"})),
		failing: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_stream_publish_failing",
			Help: "1 while publishing fails and is being retried (or is blocked by a block larger than the topic accepts), else 0.",
		})),
	}
}
