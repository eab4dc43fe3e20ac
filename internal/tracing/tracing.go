// Package tracing exports OpenTelemetry traces over OTLP/gRPC when an
// endpoint is configured, and costs nothing when it is not: callers ask
// Enabled before they build a span or touch a context, so the disabled hot
// path neither allocates nor takes a lock.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// DefaultSampleRatio is the share of new traces kept when Config.SampleRatio
// is zero: enough to see every stage under load without exporting one span
// set per batch of a busy cluster.
const DefaultSampleRatio = 0.01

// instrumentation names the tracer of every span this module makes.
const instrumentation = "github.com/aurigraph/aurigraph"

// Config says where spans go. The zero value exports nothing.
type Config struct {
	// Endpoint is the OTLP/gRPC collector as host:port; empty turns
	// tracing off.
	Endpoint string
	// Insecure sends spans without TLS (a collector on the same host or
	// network); otherwise the system roots verify the collector.
	Insecure bool
	// SampleRatio is the share of new traces kept, in (0, 1]; zero takes
	// DefaultSampleRatio. A trace continued from a traceparent follows its
	// parent's decision.
	SampleRatio float64
	// Service is the service.name resource attribute, such as
	// aurigraph-node.
	Service string
	// Attributes are further resource attributes, such as the validator id.
	Attributes []attribute.KeyValue
}

var (
	enabled atomic.Bool
	tracer  atomic.Pointer[trace.Tracer]
	// prop is W3C trace context alone: baggage crosses trust boundaries
	// unchecked and nothing here reads it.
	prop propagation.TextMapPropagator = propagation.TraceContext{}
)

// Enabled reports whether spans are exported; the hot path checks it first.
func Enabled() bool { return enabled.Load() }

// Tracer returns the process's tracer, a no-op one while tracing is off.
func Tracer() trace.Tracer {
	if t := tracer.Load(); t != nil {
		return *t
	}
	return noop.NewTracerProvider().Tracer(instrumentation)
}

// Validate checks the configuration without connecting.
func (c Config) Validate() error {
	if c.Endpoint == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.Endpoint)
	if err != nil || host == "" {
		return fmt.Errorf("--otlp-endpoint %q: want host:port of an OTLP/gRPC collector, such as 127.0.0.1:4317", c.Endpoint)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("--otlp-endpoint %q: port %q is not 1-65535", c.Endpoint, port)
	}
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return fmt.Errorf("--trace-sample-ratio %v: want a share in (0, 1]", c.SampleRatio)
	}
	return nil
}

// Start installs the exporter and returns the function that flushes the
// spans still buffered and stops it; call it on shutdown. With no endpoint
// it does nothing and the returned function is a no-op. Start is meant to be
// called once per process.
func Start(ctx context.Context, c Config) (shutdown func(context.Context) error, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(c.Endpoint), otlptracegrpc.WithTimeout(10 * time.Second)}
	if c.Insecure {
		opts = append(opts, otlptracegrpc.WithInsecure())
	}
	// The gRPC client connects lazily, so a collector that is down at start
	// costs dropped spans, never a failed start.
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp exporter for %s: %w", c.Endpoint, err)
	}
	res, err := sdkresource.Merge(sdkresource.Default(), sdkresource.NewWithAttributes(semconv.SchemaURL,
		append([]attribute.KeyValue{semconv.ServiceName(c.Service)}, c.Attributes...)...))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	ratio := c.SampleRatio
	if ratio == 0 {
		ratio = DefaultSampleRatio
	}
	tp := sdktrace.NewTracerProvider(
		// The batcher's queue is bounded (2048 spans by default) and drops
		// when full, so a slow collector never holds up a batch.
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(prop)
	t := tp.Tracer(instrumentation)
	tracer.Store(&t)
	enabled.Store(true)
	return func(ctx context.Context) error {
		enabled.Store(false)
		tracer.Store(nil)
		return errors.Join(tp.ForceFlush(ctx), tp.Shutdown(ctx))
	}, nil
}
