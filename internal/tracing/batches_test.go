package tracing

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestRememberBatchEvictsOldest(t *testing.T) {
	sc := remote(t)
	for i := range maxBatches + 1 {
		RememberBatch(BatchKey{Partition: 1, Start: int64(i)}, sc)
	}
	if _, ok := BatchContext(BatchKey{Partition: 1, Start: 0}); ok {
		t.Fatal("the oldest batch outlived the bound")
	}
	if got, ok := BatchContext(BatchKey{Partition: 1, Start: maxBatches}); !ok || !got.Equal(sc) {
		t.Fatal("the newest batch was lost")
	}
	RememberBatch(BatchKey{Partition: 2}, trace.SpanContext{})
	if _, ok := BatchContext(BatchKey{Partition: 2}); ok {
		t.Fatal("an invalid span context was kept")
	}
}
