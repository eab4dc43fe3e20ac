package stream

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/schemas"
)

// trustOf is a trust anchor for chain's blocks, read from a validator keys
// file as aurigraph gateway reads it.
func trustOf(t *testing.T, chain *memChain) blockfeed.Trust {
	t.Helper()
	path, err := chain.c.WriteKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{File: path, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func startTopicSource(t *testing.T, brokers []string, chain *memChain, cache int) *TopicSource {
	t.Helper()
	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: cache, Logger: testLogger(t), Trust: trustOf(t, chain)})
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
	src := startTopicSource(t, brokers, chain, 50)
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

// The blocks topic deleted and created again: the publisher notices without
// waiting for a new block and publishes the chain again from height 1, and
// a gateway's source follows the new topic to the new blocks.
func TestPublisherAndSourceFollowARecreatedTopic(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(5, 1, time.Now())
	pub, err := NewPublisher(PublisherConfig{Brokers: brokers, Logger: testLogger(t), RetryMax: 200 * time.Millisecond, TopicCheck: 20 * time.Millisecond, Keys: chain}, chain)
	if err != nil {
		t.Fatal(err)
	}
	rp := &runningPublisher{p: pub, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	rp.stop = cancel
	go func() { rp.done <- pub.Run(ctx) }()
	t.Cleanup(cancel)
	rp.waitPublished(t, 5)

	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: 100, Logger: testLogger(t), RetryMax: 200 * time.Millisecond, TopicCheck: 20 * time.Millisecond, Trust: trustOf(t, chain)})
	if err != nil {
		t.Fatal(err)
	}
	srcDone := make(chan error, 1)
	go func() { srcDone <- src.Run(ctx) }()
	waitCtx, waitCancel := context.WithTimeout(ctx, 10*time.Second)
	defer waitCancel()
	if err := src.Wait(waitCtx, 5); err != nil {
		t.Fatal(err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.DeleteTopics(ctx, schemas.TopicBlocks); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, schemas.TopicBlocks); err != nil {
		t.Fatal(err)
	}
	// Republished without a new block to publish.
	waitFor(t, "the chain published again", func() bool { return len(readTopic(t, brokers)) == 5 })
	chain.append(3, 1, time.Now())
	if err := src.Wait(waitCtx, 8); err != nil {
		t.Fatalf("source after the topic was recreated: %v (status %+v)", err, src.Status())
	}
	b, err := src.Get(8)
	if err != nil || b.GetHeader().GetHeight() != 8 {
		t.Fatalf("Get(8) = %v, %v", b, err)
	}
	rp.waitPublished(t, 8)
	checkTopic(t, brokers, chain, 8)
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}
	if err := <-srcDone; err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deleteBlocksBelow deletes the blocks topic's records below offset, as
// its retention does.
func deleteBlocksBelow(t *testing.T, brokers []string, offset int64) []byte {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	set := kadm.Offsets{}
	set.Add(kadm.Offset{Topic: schemas.TopicBlocks, Partition: 0, At: offset})
	resp, err := adm.DeleteRecords(ctx, set)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	topics, err := adm.ListTopics(ctx, schemas.TopicBlocks)
	if err != nil {
		t.Fatal(err)
	}
	id := topics[schemas.TopicBlocks].ID
	return id[:]
}

// A gateway started on a topic whose retention deleted part of what its
// cache would hold starts at the oldest block left, serves from there,
// and follows new blocks.
func TestTopicSourceStartsAfterRetention(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(300, 2, time.Now())
	pub := startPublisher(t, brokers, chain)
	pub.waitPublished(t, 300)
	deleteBlocksBelow(t, brokers, 280)

	reg := prometheus.NewRegistry()
	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: 50, Logger: testLogger(t), Trust: trustOf(t, chain), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- src.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	select {
	case <-src.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("topic source not ready within 10s")
	}
	if got := src.Height(); got != 300 {
		t.Fatalf("height after start = %d, want 300", got)
	}
	if _, err := src.Get(285); err != nil {
		t.Fatalf("Get(285): %v", err)
	}
	if _, err := src.Get(100); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("Get(100) of a deleted block = %v, want ErrNotPublished", err)
	}
	chain.append(20, 1, time.Now())
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := src.Wait(ctx, 320); err != nil {
		t.Fatalf("source after retention: %v (status %+v)", err, src.Status())
	}
	// Read in order from the first block left, not found again and again.
	if n := rejected(t, reg, "ahead"); n != 0 {
		t.Fatalf("%v records rejected as ahead of the next height", n)
	}
}

// rejected is the source's count of records rejected for reason.
func rejected(t *testing.T, reg *prometheus.Registry, reason string) float64 {
	t.Helper()
	var n float64
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_stream_blocks_rejected_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// A gateway whose next blocks were deleted before it read them (it was
// slower than the topic's retention) starts again from the newest blocks
// instead of waiting for a height that can no longer come.
func TestTopicSourceFollowsAfterFallingBehind(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(300, 2, time.Now())
	pub := startPublisher(t, brokers, chain)
	pub.waitPublished(t, 300)
	id := deleteBlocksBelow(t, brokers, 280)

	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: 50, Logger: testLogger(t), RetryMax: 200 * time.Millisecond, Trust: trustOf(t, chain)})
	if err != nil {
		t.Fatal(err)
	}
	// Where a source that read up to height 100 long ago stands.
	src.located, src.pos, src.start = true, blockfeed.Position{Height: 100, Offset: 100, TopicID: id}, 1
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	// The gateway's live stream goes on past the heights it lost.
	h, _, _ := startHub(t, src, HubOptions{})
	live := connectWS(t, h, nil)
	defer live.close()
	chain.append(20, 1, time.Now())
	if got := collect(t, live, "320"); len(got) == 0 {
		t.Fatal("live stream delivered nothing")
	}
	waitCtx, waitCancel := context.WithTimeout(ctx, 15*time.Second)
	defer waitCancel()
	if err := src.Wait(waitCtx, 320); err != nil {
		t.Fatalf("source behind the retention: %v (status %+v)", err, src.Status())
	}
	if _, err := src.Get(150); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("Get(150) of a deleted block = %v, want ErrNotPublished", err)
	}
}
