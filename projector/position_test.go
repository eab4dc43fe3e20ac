package projector

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/projectorpos"
)

// TestProjectorReportsItsPosition projects blocks and reads the height
// back as the validators do, from the aurigraph-projector group. A
// position committed by someone else does not move where the projector
// resumes: ClickHouse alone decides that.
func TestProjectorReportsItsPosition(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := projectorpos.NewWatcher(projectorpos.WatcherConfig{Kafka: projectorpos.Kafka{Brokers: e.brokers, Topic: DefaultTopic}, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	watched := make(chan struct{})
	go func() { defer close(watched); _ = w.Run(ctx) }()
	defer func() { cancel(); <-watched }()
	seen := func(h uint64) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, ok := w.Projected()
			if ok && got == h {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("watched position %d (known %v), want %d", got, ok, h)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	e.publish(1, 40)
	r := start(e.projector(Config{MaxBatchBlocks: 16}))
	r.waitHeight(t, 40)
	seen(40)
	e.publish(41, 55)
	r.waitHeight(t, 55)
	seen(55)
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	forged := kadm.Offsets{}
	forged.Add(kadm.Offset{Topic: DefaultTopic, At: 1000, LeaderEpoch: -1, Metadata: projectorpos.Metadata(1000)})
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, projectorpos.Group, forged); err != nil {
		t.Fatal(err)
	}
	seen(1000)

	e.publish(56, 70)
	r = start(e.projector(Config{}))
	r.waitHeight(t, 70)
	seen(70)
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.wantExactly(70)
}
