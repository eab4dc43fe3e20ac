package rpc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

type metrics struct {
	handled  *prometheus.CounterVec
	handling *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

// newMetrics counts even without a Registerer so the interceptors need not
// care whether anyone scrapes.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_grpc_handled_total",
			Help: "gRPC calls finished on the public API, by status code.",
		}, []string{"service", "method", "code"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aurigraph_grpc_handling_seconds",
			Help: "Time from receiving a gRPC call to its handler returning; for streams, the stream's lifetime.",
			// 100µs (a cache hit) to 10s (past any sane unary call), 11 buckets.
			Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 11),
		}, []string{"service", "method"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aurigraph_grpc_in_flight_requests",
			Help: "gRPC calls and streams being handled on the public API.",
		}, []string{"service"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.handled, err = register(reg, m.handled); err != nil {
		return nil, err
	}
	if m.handling, err = register(reg, m.handling); err != nil {
		return nil, err
	}
	if m.inFlight, err = register(reg, m.inFlight); err != nil {
		return nil, err
	}
	return m, nil
}

// register reuses a collector an earlier server put into reg, so several
// servers in one process (or test) share the series instead of failing.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("rpc: register gRPC metrics: %w", err)
}

// splitMethod turns "/aurigraph.v1.BlockService/Get" into its service and
// method names.
func splitMethod(fullMethod string) (service, method string) {
	service, method, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	if !ok {
		return "unknown", fullMethod
	}
	return service, method
}

func (m *metrics) track(fullMethod string, call func() error) error {
	service, method := splitMethod(fullMethod)
	inFlight := m.inFlight.WithLabelValues(service)
	inFlight.Inc()
	start := time.Now()
	return observe(call, func(err error) {
		inFlight.Dec()
		m.handled.WithLabelValues(service, method, status.Code(err).String()).Inc()
		m.handling.WithLabelValues(service, method).Observe(time.Since(start).Seconds())
	})
}

func (ic *interceptors) unaryMetrics(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	err = ic.metrics.track(info.FullMethod, func() error {
		resp, err = handler(ctx, req)
		return err
	})
	return resp, err
}

func (ic *interceptors) streamMetrics(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return ic.metrics.track(info.FullMethod, func() error { return handler(srv, ss) })
}
