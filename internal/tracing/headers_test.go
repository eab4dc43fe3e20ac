package tracing

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"
)

func remote(t *testing.T) trace.SpanContext {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
}

func TestInjectExtractRoundTrip(t *testing.T) {
	sc := remote(t)
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	headers := []kgo.RecordHeader{{Key: "other", Value: []byte("x")}, {Key: HeaderTraceparent, Value: []byte("stale")}}
	Inject(ctx, &headers)
	if len(headers) != 2 {
		t.Fatalf("headers %v: want the stale traceparent replaced, not a second one", headers)
	}
	got := Extract(headers)
	if got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() || !got.IsSampled() {
		t.Fatalf("extracted %v, want %v", got, sc)
	}
	if p := ContextFrom(context.Background(), headers); trace.SpanContextFromContext(p).TraceID() != sc.TraceID() {
		t.Fatalf("ContextFrom lost the trace id")
	}
}

func TestInjectWithoutSpanWritesNothing(t *testing.T) {
	var headers []kgo.RecordHeader
	Inject(context.Background(), &headers)
	if len(headers) != 0 {
		t.Fatalf("headers %v: want none for a context without a span", headers)
	}
}

func TestExtractIgnoresHostileHeaders(t *testing.T) {
	valid := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, tc := range []struct {
		name    string
		headers []kgo.RecordHeader
	}{
		{"none", nil},
		{"empty", []kgo.RecordHeader{{Key: HeaderTraceparent}}},
		{"oversized", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte(valid + strings.Repeat("0", 1<<20))}}},
		{"padded", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte(valid + "-")}}},
		{"zero trace id", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte("00-00000000000000000000000000000000-00f067aa0ba902b7-01")}}},
		{"zero span id", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")}}},
		{"version ff", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}}},
		{"not hex", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01")}}},
		{"upper case", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte(strings.ToUpper(valid))}}},
		{"binary", []kgo.RecordHeader{{Key: HeaderTraceparent, Value: []byte{0, 0xff, '\n', 0x80}}}},
		{"other key", []kgo.RecordHeader{{Key: "Traceparent", Value: []byte(valid)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if sc := Extract(tc.headers); sc.IsValid() {
				t.Fatalf("extracted %v from hostile headers", sc)
			}
		})
	}
}

func TestExtractDropsOversizedTracestate(t *testing.T) {
	headers := []kgo.RecordHeader{
		{Key: HeaderTraceparent, Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")},
		{Key: HeaderTracestate, Value: []byte("a=" + strings.Repeat("b", maxTracestate))},
	}
	sc := Extract(headers)
	if !sc.IsValid() {
		t.Fatal("a valid traceparent was dropped for its tracestate")
	}
	if sc.TraceState().Len() != 0 {
		t.Fatalf("tracestate %q: want the oversized one dropped", sc.TraceState())
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), []byte("congo=t61rcWkgMzE"))
	f.Add([]byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), []byte(""))
	f.Add([]byte("zz"), []byte{0xff})
	f.Fuzz(func(t *testing.T, parent, state []byte) {
		headers := []kgo.RecordHeader{{Key: HeaderTraceparent, Value: parent}, {Key: HeaderTracestate, Value: state}}
		sc := Extract(headers)
		if !sc.IsValid() {
			return
		}
		if len(parent) > maxTraceparent {
			t.Fatalf("accepted a %d-byte traceparent", len(parent))
		}
		// What was accepted must survive a round trip unchanged.
		var out []kgo.RecordHeader
		Inject(trace.ContextWithSpanContext(context.Background(), sc), &out)
		if back := Extract(out); !back.Equal(sc) {
			t.Fatalf("round trip changed %v into %v", sc, back)
		}
	})
}

func TestContextFromHTTP(t *testing.T) {
	valid := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"valid", valid, true},
		{"oversized", valid + "-" + strings.Repeat("0", 4096), false},
		{"longer than 55", valid + "-", false},
		{"malformed", "00-xyz", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(HeaderTraceparent, tc.value)
			got := trace.SpanContextFromContext(ContextFromHTTP(context.Background(), h))
			if got.IsValid() != tc.ok {
				t.Fatalf("extracted %v, want valid %v", got, tc.ok)
			}
		})
	}
}
