package raftgrpc

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/aurigraph/aurigraph/internal/promreg"
)

type metrics struct {
	peerSendErrors *prometheus.CounterVec
	peerRTT        *prometheus.HistogramVec
}

// newMetrics registers the transport's collectors under the consensus
// subsystem, labelled with the validator id like the raft loop's.
func newMetrics(reg prometheus.Registerer, id uint64) *metrics {
	labels := prometheus.Labels{"validator": strconv.FormatUint(id, 10)}
	m := &metrics{
		peerSendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "aurigraph", Subsystem: "consensus", Name: "peer_send_errors_total", ConstLabels: labels,
			Help: "Raft messages that could not be sent to a peer (queue full or stream broken).",
		}, []string{"peer"}),
		peerRTT: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "aurigraph", Subsystem: "consensus", Name: "peer_rtt_seconds", ConstLabels: labels,
			Help:    "Round trip of a health check over the gRPC connection to each peer.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"peer"}),
	}
	if reg == nil {
		return m
	}
	m.peerSendErrors = promreg.Register(reg, m.peerSendErrors)
	m.peerRTT = promreg.Register(reg, m.peerRTT)
	return m
}

const (
	// pingInterval paces the health checks that measure peer round trips.
	pingInterval = time.Second
	pingTimeout  = time.Second
)

// ping checks every peer's health once per interval until the transport
// stops. A check travels the connection the raft stream and the other
// services use, so its round trip is what they see: network plus gRPC.
func (t *Transport) ping() {
	tick := time.NewTicker(pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-t.ctx.Done():
			return
		}
		for _, id := range t.Peers() {
			conn := t.PeerConn(id)
			if conn == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(t.ctx, pingTimeout)
			start := time.Now()
			_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			cancel()
			if err == nil {
				t.m.peerRTT.WithLabelValues(strconv.FormatUint(id, 10)).Observe(time.Since(start).Seconds())
			}
		}
	}
}
