package tracing

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// recordSpans makes the process's tracer record into memory for one test.
func recordSpans(t *testing.T) *tracetest.InMemoryExporter {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := tp.Tracer(instrumentation)
	tracer.Store(&tr)
	enabled.Store(true)
	t.Cleanup(func() {
		enabled.Store(false)
		tracer.Store(nil)
		_ = tp.Shutdown(context.Background())
	})
	return exp
}

func spanContext(t *testing.T, traceHex string) trace.SpanContext {
	t.Helper()
	tid, err := trace.TraceIDFromHex(traceHex)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
}

func TestStartJoined(t *testing.T) {
	a := spanContext(t, "4bf92f3577b34da6a3ce929d0e0e4736")
	b := spanContext(t, "5bf92f3577b34da6a3ce929d0e0e4736")
	for _, tc := range []struct {
		name      string
		traces    []trace.SpanContext
		wantTrace trace.TraceID // zero: a new trace
		wantLinks int
	}{
		{"none starts a trace", nil, trace.TraceID{}, 0},
		{"one is the parent", []trace.SpanContext{a}, a.TraceID(), 0},
		{"several are linked", []trace.SpanContext{a, b}, trace.TraceID{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := recordSpans(t)
			_, span := StartJoined(context.Background(), "stage", tc.traces)
			span.End()
			got := exp.GetSpans()
			if len(got) != 1 {
				t.Fatalf("%d spans, want 1", len(got))
			}
			s := got[0]
			if tc.wantTrace.IsValid() {
				if s.SpanContext.TraceID() != tc.wantTrace || s.Parent.SpanID() != a.SpanID() {
					t.Fatalf("trace %s parent %s, want the child of %s", s.SpanContext.TraceID(), s.Parent.SpanID(), a.SpanID())
				}
			} else if s.Parent.IsValid() || s.SpanContext.TraceID() == a.TraceID() || s.SpanContext.TraceID() == b.TraceID() {
				t.Fatalf("trace %s parent %v, want a new root", s.SpanContext.TraceID(), s.Parent)
			}
			if len(s.Links) != tc.wantLinks {
				t.Fatalf("%d links, want %d", len(s.Links), tc.wantLinks)
			}
		})
	}
}

func TestJoinBoundsAndDeduplicates(t *testing.T) {
	a := spanContext(t, "4bf92f3577b34da6a3ce929d0e0e4736")
	var traces []trace.SpanContext
	traces = Join(traces, a)
	traces = Join(traces, a)
	traces = Join(traces, trace.SpanContext{})
	if len(traces) != 1 {
		t.Fatalf("%d traces, want 1 (a twice, one invalid)", len(traces))
	}
	for i := range 2 * MaxJoined {
		var tid trace.TraceID
		tid[0], tid[1] = byte(i), 1
		traces = Join(traces, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: a.SpanID()}))
	}
	if len(traces) != MaxJoined {
		t.Fatalf("%d traces, want the bound %d", len(traces), MaxJoined)
	}
}

func TestStartBatchSpanFollowsTheRememberedBatch(t *testing.T) {
	exp := recordSpans(t)
	a := spanContext(t, "6bf92f3577b34da6a3ce929d0e0e4736")
	RememberBatch(BatchKey{Partition: 7, Start: 42}, a)
	if _, _, ok := StartBatchSpan(context.Background(), "x", BatchKey{Partition: 7, Start: 43}); ok {
		t.Fatal("a span started for a batch never remembered")
	}
	_, span, ok := StartBatchSpan(context.Background(), "publish", BatchKey{Partition: 7, Start: 42})
	if !ok {
		t.Fatal("no span for a remembered batch")
	}
	span.End()
	if got := exp.GetSpans(); len(got) != 1 || got[0].SpanContext.TraceID() != a.TraceID() {
		t.Fatalf("spans %v, want one in trace %s", got, a.TraceID())
	}
}
