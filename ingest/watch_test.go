package ingest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/health"
)

func TestBacklogSampler(t *testing.T) {
	addr := newCluster(t, 1)
	var applied atomic.Int64
	s, err := NewBacklogSampler(BacklogConfig{Brokers: []string{addr}, Topic: testTopic, Applied: func(string) map[int32]int64 {
		return map[int32]int64{0: applied.Load()}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	sample := func() health.Position {
		t.Helper()
		got, err := s.Sample(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return got["partition 0"]
	}

	// Ten records in a committed producer transaction: offsets 0-9, then
	// the commit marker at 10, which no consumer ever sees.
	producer := newClient(t, addr, kgo.TransactionalID("watch-test"))
	if err := producer.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	recs, _ := txRecords(t, 0, 10)
	produce(t, producer, recs...)
	if err := producer.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if got := sample(); got != (health.Position{Done: 0, Target: 11}) {
		t.Fatalf("before any apply: %+v, want 0 of 11", got)
	}
	// Ingest applied every record; only the marker is past the offset.
	applied.Store(10)
	if got := sample(); got != (health.Position{Done: 10, Target: 11}) {
		t.Fatalf("right after the apply: %+v, want 10 of 11 until it stands still", got)
	}
	if got := sample(); got != (health.Position{Done: 10, Target: 10}) {
		t.Fatalf("standing still behind a commit marker: %+v, want no backlog", got)
	}

	// An aborted transaction: records 11-15 no consumer gets, and the
	// abort marker at 16.
	if err := producer.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	aborted, _ := txRecords(t, 10, 5)
	produce(t, producer, aborted...)
	if err := producer.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}
	if got := sample(); got != (health.Position{Done: 10, Target: 17}) {
		t.Fatalf("right after the aborted transaction: %+v, want 10 of 17 until it stands still", got)
	}
	if got := sample(); got != (health.Position{Done: 10, Target: 10}) {
		t.Fatalf("standing still behind aborted records: %+v, want no backlog", got)
	}

	// A record past them is a backlog, standing still or not.
	plain := newClient(t, addr)
	more, _ := txRecords(t, 20, 1)
	produce(t, plain, more...)
	for range 2 {
		if got := sample(); got != (health.Position{Done: 10, Target: 18}) {
			t.Fatalf("a record waiting past the markers: %+v, want 10 of 18", got)
		}
	}
}

func TestBrokerProbe(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewBrokerProbe(c.ListenAddrs())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("probe of a running broker: %v", err)
	}
	c.Close()
	if err := p.Probe(ctx); err == nil || !strings.Contains(err.Error(), "no broker") {
		t.Fatalf("probe of a closed broker = %v, want it to say no broker takes connections", err)
	}
}
