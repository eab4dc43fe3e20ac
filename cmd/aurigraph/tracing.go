package main

import (
	"context"

	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/attribute"

	"github.com/aurigraph/aurigraph/internal/tracing"
)

// traceFlags are the OpenTelemetry export flags every long-running
// subcommand takes.
type traceFlags struct {
	endpoint string
	insecure bool
	ratio    float64
}

func (f *traceFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.endpoint, "otlp-endpoint", "", "send traces of transaction batches to this OTLP/gRPC collector, host:port (empty: tracing off)")
	fl.BoolVar(&f.insecure, "otlp-insecure", false, "reach --otlp-endpoint without TLS")
	fl.Float64Var(&f.ratio, "trace-sample-ratio", tracing.DefaultSampleRatio, "share of transaction batches traced, in (0, 1]; a batch whose producer sent a traceparent follows the producer's decision")
}

// start installs the exporter for service and pushes its flush onto stack;
// pushed first, it unwinds last, after every stage has ended its spans.
func (f traceFlags) start(ctx context.Context, stack *shutdownStack, service string, attrs ...attribute.KeyValue) error {
	stop, err := tracing.Start(ctx, tracing.Config{
		Endpoint: f.endpoint, Insecure: f.insecure, SampleRatio: f.ratio,
		Service: service, Attributes: attrs,
	})
	if err != nil {
		return err
	}
	stack.push("tracing", stop)
	return nil
}
