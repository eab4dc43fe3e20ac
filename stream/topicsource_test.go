package stream

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"
)

func startTopicSource(t *testing.T, brokers []string, cache int) *TopicSource {
	t.Helper()
	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: cache, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("topic source: %v", err)
		}
	})
	select {
	case <-src.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("topic source not ready within 10s")
	}
	return src
}

func TestTopicSourceServesEveryHeightFromTheTopic(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(300, 2, time.Now())
	pub := startPublisher(t, brokers, chain)
	pub.waitPublished(t, 300)

	// A cache smaller than the chain: old heights come from fetches.
	src := startTopicSource(t, brokers, 50)
	if got := src.Height(); got != 300 {
		t.Fatalf("height after start = %d, want 300", got)
	}
	for _, h := range []uint64{1, 2, 250, 299, 300, 7} {
		b, err := src.Get(h)
		if err != nil {
			t.Fatalf("Get(%d): %v", h, err)
		}
		want, _ := chain.Get(h)
		if !slices.Equal(b.GetHeader().GetHash(), want.GetHeader().GetHash()) {
			t.Fatalf("Get(%d) returned another block", h)
		}
	}
	if _, err := src.Get(301); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("Get(301) = %v, want ErrNotPublished", err)
	}

	// New blocks arrive live, and a hub on the source resumes across them.
	h, _, _ := startHub(t, src, HubOptions{})
	c := connectWS(t, h, url.Values{"from_height": {"290"}})
	defer c.close()
	go chain.append(20, 1, time.Now())
	got := collect(t, c, "320")
	if want := wantIDs(290, 320, 0, false); !slices.Equal(ids(got), want) {
		t.Fatalf("gateway stream = %v, want %v", ids(got), want)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := src.Wait(ctx, 320); err != nil {
		t.Fatal(err)
	}
}
