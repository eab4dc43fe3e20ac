package stream

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	internalchain "github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// writeForeign writes records to the blocks topic as anyone with write
// access can.
func writeForeign(t *testing.T, brokers []string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, r := range recs {
		if err := cl.ProduceSync(t.Context(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func eventRecord(t *testing.T, ev *aurigraphv1.BlockEvent) *kgo.Record {
	t.Helper()
	raw, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Key: []byte(strconv.FormatUint(ev.GetBlock().GetHeader().GetHeight(), 10)), Value: raw}
}

// forgeries of the block after the chain's head, each of a kind a reader
// must refuse: unsigned, signed by a stranger claiming to be a validator,
// signed by a key no validator has, linked to another block but signed by a
// validator's key, and an older real block keyed as the next height. Each
// mints 999,999,999,999.
func forgeries(t *testing.T, chain *memChain) []*kgo.Record {
	t.Helper()
	head := chain.c.Block(chain.Height())
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged", "mallory", 999_999_999_999)}
	relinked := chaintest.Next(head, mint, 1, nil)
	relinked.Block.Header.PrevHash = chaintest.Hash("elsewhere")
	chaintest.Seal(relinked.Block)
	relinked.Signature = internalchain.SignBlock(chain.c.PrivateKey(1), relinked.Block.GetHeader().GetHash())
	replay := eventRecord(t, chain.c.Event(chain.Height()-1, 1))
	replay.Key = []byte(strconv.FormatUint(chain.Height()+1, 10))
	return []*kgo.Record{
		eventRecord(t, chaintest.Next(head, mint, 1, nil)),
		eventRecord(t, chaintest.Next(head, mint, 1, chaintest.Key("stranger"))),
		eventRecord(t, chaintest.Next(head, mint, 9, chaintest.Key("stranger"))),
		eventRecord(t, relinked),
		replay,
		{Key: []byte(strconv.FormatUint(chain.Height()+1, 10)), Value: []byte("not a block")},
	}
}

// Forged and replayed records at the tail of the topic: a publisher
// starting after them neither trusts them (skipping the heights they claim)
// nor stops at them, nor starts the chain over because of a replay of an
// old block at the tail.
func TestPublisherResumesPastForeignRecords(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(5, 1, time.Time{})
	first := startPublisher(t, brokers, chain)
	first.waitPublished(t, 5)
	if err := first.result(t); err != nil {
		t.Fatal(err)
	}
	writeForeign(t, brokers, forgeries(t, chain)...)
	writeForeign(t, brokers, eventRecord(t, chain.c.Event(1, 1)))

	chain.append(3, 1, time.Time{})
	rp := startPublisher(t, brokers, chain)
	rp.waitPublished(t, 8)
	if st := rp.p.Status(); !st.Healthy() || st.Failures != 0 {
		t.Fatalf("status %+v after resuming past foreign records", st)
	}
	if n := metricValue(t, rp.p.metrics.published); n != 3 {
		t.Fatalf("published %v blocks, want the 3 new ones", n)
	}
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}
	checkPublished(t, readTopic(t, brokers), chain, 8)
}

// A gateway's source serves the real block of a height that forgeries
// reached the topic first with, counts them, and a source started afresh
// afterwards (a restarted gateway) does the same, also for heights it
// fetches from the topic rather than its cache.
func TestTopicSourceServesTheRealBlockBehindForgeries(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(300, 1, time.Time{})
	pub := startPublisher(t, brokers, chain)
	pub.waitPublished(t, 300)

	reg := prometheus.NewRegistry()
	src, err := NewTopicSource(TopicSourceConfig{Brokers: brokers, Cache: 50, Logger: testLogger(t), Trust: trustOf(t, chain), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	runSource(t, src)

	writeForeign(t, brokers, forgeries(t, chain)...)
	chain.append(1, 1, time.Time{})
	pub.waitPublished(t, 301)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := src.Wait(ctx, 301); err != nil {
		t.Fatal(err)
	}
	checkServes(t, src, chain, 301, 1, 299)
	if got := src.rejected.Count(blockfeed.ReasonUnsigned) + src.rejected.Count(blockfeed.ReasonBadSignature) +
		src.rejected.Count(blockfeed.ReasonUnknownSigner) + src.rejected.Count(blockfeed.ReasonBadLink) +
		src.rejected.Count(blockfeed.ReasonUndecodable); got != 6 {
		t.Fatalf("rejections counted: %v, want the 6 forgeries", got)
	}

	// Forgeries in the middle of the topic, then more blocks.
	writeForeign(t, brokers, forgeries(t, chain)...)
	chain.append(20, 1, time.Time{})
	pub.waitPublished(t, 321)
	restarted := startTopicSource(t, brokers, chain, 10)
	if h := restarted.Height(); h != 321 {
		t.Fatalf("restarted source's head %d, want 321", h)
	}
	checkServes(t, restarted, chain, 1, 250, 299, 300, 301, 302, 310, 321)
}

func runSource(t *testing.T, src *TopicSource) {
	t.Helper()
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
}

// checkServes asserts src serves the chain's own blocks at heights.
func checkServes(t *testing.T, src *TopicSource, chain *memChain, heights ...uint64) {
	t.Helper()
	for _, h := range heights {
		b, err := src.Get(h)
		if err != nil {
			t.Fatalf("Get(%d): %v", h, err)
		}
		if want := chain.c.Block(h); !slices.Equal(b.GetHeader().GetHash(), want.GetHeader().GetHash()) {
			t.Fatalf("Get(%d) serves block %x, not the chain's %x", h, b.GetHeader().GetHash(), want.GetHeader().GetHash())
		}
	}
}
