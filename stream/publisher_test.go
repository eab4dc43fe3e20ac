package stream

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/test/testlog"
)

func newCluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func testLogger(t testing.TB) *slog.Logger {
	return testlog.New(t, slog.LevelDebug)
}

type runningPublisher struct {
	p    *Publisher
	stop context.CancelFunc
	done chan error
}

func startPublisher(t *testing.T, brokers []string, chain *memChain, opts ...kgo.Opt) *runningPublisher {
	t.Helper()
	return startPublisherLogging(t, brokers, chain, testLogger(t), opts...)
}

func startPublisherLogging(t *testing.T, brokers []string, chain *memChain, log *slog.Logger, opts ...kgo.Opt) *runningPublisher {
	t.Helper()
	p, err := NewPublisher(PublisherConfig{
		Brokers:    brokers,
		Logger:     log,
		Registerer: prometheus.NewRegistry(),
		ClientOpts: opts,
		RetryMax:   time.Second,
		Keys:       chain,
	}, chain)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rp := &runningPublisher{p: p, stop: cancel, done: make(chan error, 1)}
	go func() { rp.done <- p.Run(ctx) }()
	t.Cleanup(cancel)
	return rp
}

// waitPublished waits until the broker has acknowledged height.
func (rp *runningPublisher) waitPublished(t *testing.T, height uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for rp.p.Height() < height {
		select {
		case err := <-rp.done:
			t.Fatalf("publisher stopped before height %d: %v", height, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("publish height %v, want %d within 10s", rp.p.Height(), height)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// result stops the publisher and returns what Run returned.
func (rp *runningPublisher) result(t *testing.T) error {
	t.Helper()
	rp.stop()
	select {
	case err := <-rp.done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("publisher did not stop within 15s")
		return nil
	}
}

// readTopic returns every record of the blocks topic.
func readTopic(t *testing.T, brokers []string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(schemas.TopicBlocks),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, schemas.TopicBlocks)
	if err != nil {
		t.Fatal(err)
	}
	end, _ := ends.Lookup(schemas.TopicBlocks, 0)
	var recs []*kgo.Record
	for int64(len(recs)) < end.Offset {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatalf("read %s after %d records: %v", schemas.TopicBlocks, len(recs), err)
		}
		recs = append(recs, fetches.Records()...)
	}
	return recs
}

// checkTopic asserts the topic holds heights 1..n exactly once, in order,
// at offset height-1, each with the block's own hash and its signature.
func checkTopic(t *testing.T, brokers []string, chain *memChain, n uint64) {
	t.Helper()
	recs := readTopic(t, brokers)
	if uint64(len(recs)) != n {
		t.Fatalf("topic holds %d records, want %d", len(recs), n)
	}
	checkPublished(t, recs, chain, n)
}

// checkPublished asserts that a reader of recs takes heights 1..n, each
// the chain's block with its signature and headers.
func checkPublished(t *testing.T, recs []*kgo.Record, chain *memChain, n uint64) {
	t.Helper()
	v := blockfeed.NewVerifier(blockfeed.Position{})
	an := blockfeed.Anchor{GenesisHash: chain.c.GenesisHash(), Keys: chain}
	for _, r := range recs {
		ev, rej := v.Check(r.Key, r.Value, r.Offset, an)
		if rej != nil {
			continue
		}
		height := ev.GetBlock().GetHeader().GetHeight()
		if r.Partition != 0 || len(r.Headers) != 1 || r.Headers[0].Key != "height" || string(r.Headers[0].Value) != strconv.FormatUint(height, 10) {
			t.Fatalf("record %d of block %d: partition %d, headers %v", r.Offset, height, r.Partition, r.Headers)
		}
		b, _ := chain.Get(height)
		if string(ev.GetBlock().GetHeader().GetHash()) != string(b.GetHeader().GetHash()) || ev.GetCommittedMs() == 0 {
			t.Fatalf("record %d carries a different block or no committed_ms", r.Offset)
		}
	}
	if got := v.Position().Height; got != n {
		t.Fatalf("a reader of the topic gets the chain up to height %d, want %d", got, n)
	}
}

func TestPublisherPublishesEachHeightOnceAcrossRestarts(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(40, 3, time.Now())

	first := startPublisher(t, brokers, chain)
	first.waitPublished(t, 40)
	if err := first.result(t); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if n := metricValue(t, first.p.metrics.published); n != 40 {
		t.Fatalf("first run published %v blocks, want 40", n)
	}

	// The second run resumes from the topic and keeps up with new blocks.
	second := startPublisher(t, brokers, chain)
	second.waitPublished(t, 40)
	go chain.append(25, 1, time.Now())
	second.waitPublished(t, 65)
	if err := second.result(t); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n := metricValue(t, second.p.metrics.published); n != 25 {
		t.Fatalf("second run published %v blocks, want only the 25 new ones", n)
	}

	// A run with nothing new publishes nothing.
	third := startPublisher(t, brokers, chain)
	third.waitPublished(t, 65)
	if err := third.result(t); err != nil {
		t.Fatalf("third run: %v", err)
	}
	checkTopic(t, brokers, chain, 65)
}

// waitStatus waits until the publisher's status satisfies ok.
func (rp *runningPublisher) waitStatus(t *testing.T, what string, ok func(PublisherStatus) bool) PublisherStatus {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := rp.p.Status()
		if ok(st) {
			return st
		}
		select {
		case err := <-rp.done:
			t.Fatalf("publisher stopped (%v) while waiting for %s", err, what)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("publisher status %+v: no %s within 15s", st, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func setMaxMessageBytes(t *testing.T, brokers []string, limit int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	v := strconv.Itoa(limit)
	resp, err := kadm.NewClient(cl).AlterTopicConfigs(t.Context(), []kadm.AlterConfig{{Name: "max.message.bytes", Value: &v}}, schemas.TopicBlocks)
	if err == nil {
		_, err = resp.On(schemas.TopicBlocks, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A block larger than the topic accepts (its limit was lowered after the
// block was built) blocks publishing at that height, loudly and without
// publishing anything after it, until the limit is raised: then publishing
// goes on by itself.
func TestPublisherBlocksAtATooLargeBlockUntilTheTopicTakesIt(t *testing.T) {
	brokers := newCluster(t)
	chain := newMemChain()
	chain.append(5, 1, time.Time{})
	chain.append(1, 200, time.Time{}) // block 6: about 6 KB
	chain.append(5, 1, time.Time{})
	first := startPublisher(t, brokers, chain)
	first.waitPublished(t, 11)
	if err := first.result(t); err != nil {
		t.Fatal(err)
	}
	// Same chain again, into a fresh topic that takes 4 KB.
	brokers = newCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	limit := "4096"
	if _, err := kadm.NewClient(cl).CreateTopic(t.Context(), 1, 1, map[string]*string{"max.message.bytes": &limit}, schemas.TopicBlocks); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	rp := startPublisherLogging(t, brokers, chain, slog.New(slog.NewTextHandler(io.MultiWriter(logs, testlog.Writer(t)), nil)))
	st := rp.waitStatus(t, "blocked at block 6", func(st PublisherStatus) bool { return st.State == PublisherBlocked })
	if st.Healthy() || st.Reason != reasonTooLarge || !strings.Contains(st.Err, "block 6") || !strings.Contains(st.Err, "raise it") || st.Height != 5 {
		t.Fatalf("status %+v, want blocked at block 6 after height 5", st)
	}
	// The status turns before the line is written.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "level=ERROR"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no ERROR logged for the blocked block")
		}
	}
	if n := metricValue(t, rp.p.metrics.errors.WithLabelValues(reasonTooLarge)); n < 1 {
		t.Fatalf("publish_errors_total{reason=too_large} = %v", n)
	}
	if n := len(readTopic(t, brokers)); n != 5 {
		t.Fatalf("topic holds %d records while block 6 is blocked, want 5", n)
	}

	setMaxMessageBytes(t, brokers, 1<<20)
	rp.waitPublished(t, 11)
	if st := rp.waitStatus(t, "healthy", PublisherStatus.Healthy); st.Failures != 0 {
		t.Fatalf("status after recovery %+v", st)
	}
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}
	checkTopic(t, brokers, chain, 11)
}

// A broker that refuses every produce request: the publisher logs ERROR at
// once, retries with growing pauses (not in a tight loop), reports itself
// unhealthy, and publishes everything once the broker takes records again.
func TestPublisherRetriesABrokerThatRefusesRecords(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	chain := newMemChain()
	chain.append(3, 1, time.Time{})
	rp := startPublisher(t, brokers, chain)
	rp.waitPublished(t, 3)

	refuse := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: schemas.TopicBlocks, Err: kerr.PolicyViolation, Count: -1})
	refusedAt := time.Now()
	chain.append(4, 1, time.Time{})
	st := rp.waitStatus(t, "retrying", func(st PublisherStatus) bool { return st.State == PublisherRetrying })
	if took := time.Since(refusedAt); took > 5*time.Second {
		t.Fatalf("failure reported after %v", took)
	}
	if st.Reason != reasonBroker || !strings.Contains(st.Err, "POLICY_VIOLATION") || st.Height != 3 {
		t.Fatalf("status %+v", st)
	}
	time.Sleep(3 * time.Second)
	if n := refuse.Hits(); n > 40 {
		t.Fatalf("%d produce requests in 3s against a broker refusing them: no backoff", n)
	}
	if st := rp.p.Status(); st.Failures < 2 || metricValue(t, rp.p.metrics.failing) != 1 {
		t.Fatalf("status %+v after 3s of refusals, want several failures and the failing gauge set", st)
	}
	refuse.Remove()
	rp.waitPublished(t, 7)
	rp.waitStatus(t, "healthy", PublisherStatus.Healthy)
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}
	checkTopic(t, brokers, chain, 7)
}

func TestPublisherRefusesTopicItCannotExtend(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, brokers []string)
		want    string
	}{
		{
			name: "several partitions",
			prepare: func(t *testing.T, brokers []string) {
				cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				if _, err := kadm.NewClient(cl).CreateTopic(t.Context(), 3, 1, nil, schemas.TopicBlocks); err != nil {
					t.Fatal(err)
				}
			},
			want: "has 3 partitions",
		},
		{
			name: "another chain",
			prepare: func(t *testing.T, brokers []string) {
				other := newMemChain()
				other.salt = "another chain"
				other.append(3, 1, time.Time{})
				rp := startPublisher(t, brokers, other)
				rp.waitPublished(t, 3)
				if err := rp.result(t); err != nil {
					t.Fatal(err)
				}
			},
			want: "belongs to another chain",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newCluster(t)
			tc.prepare(t, brokers)
			chain := newMemChain()
			chain.append(10, 1, time.Time{})
			rp := startPublisher(t, brokers, chain)
			st := rp.waitStatus(t, "refusal", func(st PublisherStatus) bool { return st.State == PublisherRetrying })
			if !strings.Contains(st.Err, tc.want) || st.Reason != reasonTopic {
				t.Fatalf("status %+v, want a topic failure containing %q", st, tc.want)
			}
			if err := rp.result(t); err != nil {
				t.Fatalf("Run = %v after a refused topic, want nil once stopped", err)
			}
		})
	}
}

func TestNewPublisherValidatesConfig(t *testing.T) {
	if _, err := NewPublisher(PublisherConfig{}, newMemChain()); err == nil || !strings.Contains(err.Error(), "broker") {
		t.Fatalf("NewPublisher without brokers = %v, want an error about brokers", err)
	}
	if _, err := NewPublisher(PublisherConfig{Brokers: []string{"127.0.0.1:9092"}}, nil); err == nil {
		t.Fatal("NewPublisher without a source succeeded")
	}
	if _, err := NewPublisher(PublisherConfig{Brokers: []string{"127.0.0.1:9092"}}, newMemChain()); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Fatalf("NewPublisher without keys = %v, want an error about keys", err)
	}
	p, err := NewPublisher(PublisherConfig{Brokers: []string{"127.0.0.1:9092"}, Keys: newMemChain()}, newMemChain())
	if err != nil || p.cfg.Topic != schemas.TopicBlocks {
		t.Fatalf("NewPublisher = %v, topic %q; want the default topic", err, p.cfg.Topic)
	}
}

func TestPublisherWaitsForALocalChainBehindTheTopic(t *testing.T) {
	brokers := newCluster(t)
	ahead := newMemChain()
	ahead.append(6, 1, time.Time{})
	rp := startPublisher(t, brokers, ahead)
	rp.waitPublished(t, 6)
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}

	// Same chain, but this validator has only caught up to height 2.
	behind := newMemChain()
	behind.append(2, 1, time.Time{})
	stopped := startPublisher(t, brokers, behind)
	time.Sleep(50 * time.Millisecond)
	if err := stopped.result(t); err != nil {
		t.Fatalf("stopping while waiting for the chain = %v, want nil", err)
	}

	rp = startPublisher(t, brokers, behind)
	behind.append(5, 1, time.Time{})
	rp.waitPublished(t, 7)
	if err := rp.result(t); err != nil {
		t.Fatal(err)
	}
	checkTopic(t, brokers, behind, 7)
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
