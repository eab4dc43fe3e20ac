package tracing

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

// MaxJoined bounds the traces one span of a batching stage links to; a
// batch gathered from more traces than this links the first ones.
const MaxJoined = 64

// Join adds sc to the distinct traces a batching stage gathers, up to
// MaxJoined; an invalid sc or one of a trace already there is left out.
func Join(traces []trace.SpanContext, sc trace.SpanContext) []trace.SpanContext {
	if !sc.IsValid() || len(traces) >= MaxJoined {
		return traces
	}
	for _, seen := range traces {
		if seen.TraceID() == sc.TraceID() {
			return traces
		}
	}
	return append(traces, sc)
}

// StartJoined starts the span of a stage that handles the work of the
// given traces at once: the child of the one when there is one, a new
// trace linked to each when there are several, since no one of them is
// its parent, and a new trace when there are none.
func StartJoined(ctx context.Context, name string, traces []trace.SpanContext, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	switch len(traces) {
	case 0:
		opts = append(opts, trace.WithNewRoot())
	case 1:
		ctx = trace.ContextWithRemoteSpanContext(ctx, traces[0])
	default:
		opts = append(opts, trace.WithNewRoot())
		for _, sc := range traces {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	return Tracer().Start(ctx, name, opts...)
}
