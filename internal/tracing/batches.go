package tracing

import (
	"context"

	"sync"

	"go.opentelemetry.io/otel/trace"
)

// BatchKey names a batch by the first record it took from the transaction
// topic: the block it becomes carries the same source range, so the
// publisher of that block finds the batch's trace under it.
type BatchKey struct {
	Partition int32
	Start     int64
}

// maxBatches bounds the batches remembered between proposal and publish;
// far more than a leader holds in flight, and a batch forgotten costs only
// its later spans.
const maxBatches = 4096

var batches = struct {
	sync.Mutex
	m     map[BatchKey]trace.SpanContext
	order []BatchKey
}{m: make(map[BatchKey]trace.SpanContext)}

// RememberBatch keeps the span context of a proposed batch for the stages
// that see it later in this process as a block. It evicts the oldest
// beyond maxBatches.
func RememberBatch(k BatchKey, sc trace.SpanContext) {
	if !sc.IsValid() {
		return
	}
	batches.Lock()
	defer batches.Unlock()
	if _, ok := batches.m[k]; !ok {
		if len(batches.order) >= maxBatches {
			delete(batches.m, batches.order[0])
			batches.order = batches.order[1:]
		}
		batches.order = append(batches.order, k)
	}
	batches.m[k] = sc
}

// BatchContext returns the span context RememberBatch kept under k.
func BatchContext(k BatchKey) (trace.SpanContext, bool) {
	batches.Lock()
	defer batches.Unlock()
	sc, ok := batches.m[k]
	return sc, ok
}

// StartBatchSpan starts a span named name under the trace of the batch k,
// when this process remembered one; ok is false, and nothing started,
// otherwise, so a block whose batch was proposed elsewhere or not sampled
// costs no span.
func StartBatchSpan(ctx context.Context, name string, k BatchKey, opts ...trace.SpanStartOption) (_ context.Context, _ trace.Span, ok bool) {
	sc, ok := BatchContext(k)
	if !ok {
		return ctx, nil, false
	}
	ctx, span := Tracer().Start(trace.ContextWithSpanContext(ctx, sc), name, opts...)
	return ctx, span, true
}
