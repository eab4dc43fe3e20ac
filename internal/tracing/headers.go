package tracing

import (
	"context"
	"net/http"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"
)

// The W3C header names; Kafka record headers carry them verbatim.
const (
	HeaderTraceparent = "traceparent"
	HeaderTracestate  = "tracestate"
)

// Bounds on what a record header may hold before it is read at all: a
// traceparent is 55 characters and W3C caps tracestate at 32 members of
// 256 characters; anything longer came from a hostile or broken producer.
const (
	maxTraceparent = 55
	maxTracestate  = 512
)

// headerCarrier adapts Kafka record headers to the propagator. Get returns
// the first header of a name and nothing for one over its bound; Set
// replaces a header of that name.
type headerCarrier struct{ h *[]kgo.RecordHeader }

func (c headerCarrier) Get(key string) string {
	limit := 0
	switch key {
	case HeaderTraceparent:
		limit = maxTraceparent
	case HeaderTracestate:
		limit = maxTracestate
	default:
		return ""
	}
	for _, h := range *c.h {
		if h.Key == key {
			if len(h.Value) > limit {
				return ""
			}
			return string(h.Value)
		}
	}
	return ""
}

func (c headerCarrier) Set(key, value string) {
	for i, h := range *c.h {
		if h.Key == key {
			(*c.h)[i].Value = []byte(value)
			return
		}
	}
	*c.h = append(*c.h, kgo.RecordHeader{Key: key, Value: []byte(value)})
}

func (c headerCarrier) Keys() []string { return []string{HeaderTraceparent, HeaderTracestate} }

// Inject writes the trace context of ctx's span into headers, replacing any
// traceparent already there. A context without a sampled span writes
// nothing, so a record carries a header only when its trace is recorded.
func Inject(ctx context.Context, headers *[]kgo.RecordHeader) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	prop.Inject(ctx, headerCarrier{headers})
}

// Extract returns the remote span context a record's headers name, or an
// invalid one when they name none or a malformed or oversized one.
func Extract(headers []kgo.RecordHeader) trace.SpanContext {
	ctx := prop.Extract(context.Background(), headerCarrier{&headers})
	return trace.SpanContextFromContext(ctx)
}

// ContextFrom returns ctx carrying the remote span context of headers as
// the parent of the next span, or ctx itself when they name none.
func ContextFrom(ctx context.Context, headers []kgo.RecordHeader) context.Context {
	sc := Extract(headers)
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// httpCarrier reads an HTTP request's trace context with the bounds of
// headerCarrier.
type httpCarrier http.Header

func (c httpCarrier) Get(key string) string {
	v := http.Header(c).Get(key)
	if (key == HeaderTraceparent && len(v) > maxTraceparent) || (key == HeaderTracestate && len(v) > maxTracestate) {
		return ""
	}
	return v
}

func (httpCarrier) Set(string, string) {}

func (httpCarrier) Keys() []string { return []string{HeaderTraceparent, HeaderTracestate} }

// ContextFromHTTP returns ctx carrying the remote span context a request's
// traceparent header names, so a client's trace continues through the
// submission; ctx itself when it names none or an invalid one.
func ContextFromHTTP(ctx context.Context, h http.Header) context.Context {
	sc := trace.SpanContextFromContext(prop.Extract(context.Background(), httpCarrier(h)))
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}
