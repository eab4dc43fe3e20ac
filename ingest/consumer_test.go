package ingest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// fakeChain stands in for the Raft group. The real node lives in consensus,
// which this package must not depend on, so the double reproduces the parts
// of the FSM ingest relies on: batches apply in proposal order, a batch whose
// sources do not start exactly at the replicated offsets, or come from
// another topic id than the recorded one, is rejected unless it replaces
// the recorded topic; and a proposal made in an earlier term or by a node
// that no longer leads fails.
type fakeChain struct {
	mu        sync.Mutex
	leaderID  uint64
	term      uint64
	offsets   map[int32]int64
	topicID   []byte
	txs       []*aurigraphv1.Transaction
	batches   []*aurigraphv1.Batch
	rejects   int // proposals still to reject as stale, to force a rewind
	applyWait time.Duration
	// hold, when set, keeps every proposal from applying until it is
	// closed.
	hold chan struct{}

	queue chan proposal
	done  chan struct{}
}

type proposal struct {
	node, term uint64
	batch      *aurigraphv1.Batch
	result     chan error
}

func newFakeChain(t testing.TB) *fakeChain {
	c := &fakeChain{offsets: map[int32]int64{}, queue: make(chan proposal, 1024), done: make(chan struct{})}
	go c.apply()
	t.Cleanup(func() { close(c.queue); <-c.done })
	return c
}

func (c *fakeChain) apply() {
	defer close(c.done)
	for p := range c.queue {
		c.mu.Lock()
		wait, hold := c.applyWait, c.hold
		c.mu.Unlock()
		if hold != nil {
			<-hold
		}
		time.Sleep(wait)
		p.result <- c.applyOne(p)
	}
}

func (c *fakeChain) applyOne(p proposal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.term != c.term || p.node != c.leaderID {
		return fmt.Errorf("proposal from node %d term %d dropped: leader is %d in term %d", p.node, p.term, c.leaderID, c.term)
	}
	if c.rejects > 0 {
		c.rejects--
		return errStale
	}
	for _, s := range p.batch.Sources {
		if len(s.ReplacesTopicId) > 0 {
			if len(p.batch.Sources) != 1 || len(p.batch.Txs) != 0 || s.StartOffset != 0 || s.EndOffset != 0 ||
				string(s.ReplacesTopicId) != cmp.Or(string(c.topicID), string(make([]byte, 16))) {
				return fmt.Errorf("%w: bad replacement %v", errStale, s)
			}
			c.topicID, c.offsets = s.TopicId, map[int32]int64{}
			c.batches = append(c.batches, p.batch)
			return nil
		}
		if len(c.topicID) > 0 && !bytes.Equal(s.TopicId, c.topicID) {
			return fmt.Errorf("%w: topic id %x, recorded %x", errStale, s.TopicId, c.topicID)
		}
		if s.StartOffset != c.offsets[s.Partition] || s.EndOffset <= s.StartOffset {
			return fmt.Errorf("%w: partition %d range [%d,%d), replicated next %d",
				errStale, s.Partition, s.StartOffset, s.EndOffset, c.offsets[s.Partition])
		}
	}
	for _, s := range p.batch.Sources {
		c.offsets[s.Partition] = s.EndOffset
		if len(s.TopicId) > 0 {
			c.topicID = s.TopicId
		}
	}
	c.txs = append(c.txs, p.batch.Txs...)
	c.batches = append(c.batches, p.batch)
	return nil
}

func (c *fakeChain) elect(node uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leaderID = node
	c.term++
}

func (c *fakeChain) applied() ([]*aurigraphv1.Transaction, map[int32]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.txs), maps.Clone(c.offsets)
}

// node is one validator's view of the chain.
func (c *fakeChain) node(id uint64) Proposer { return nodeView{c, id} }

type nodeView struct {
	c  *fakeChain
	id uint64
}

func (v nodeView) Leader() (bool, uint64) {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return v.c.leaderID == v.id, v.c.term
}

func (v nodeView) NextOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	_, offsets := v.c.applied()
	return offsets, nil
}

func (v nodeView) TopicID(string) []byte {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return bytes.Clone(v.c.topicID)
}

func (v nodeView) ProposeAsync(ctx context.Context, b *aurigraphv1.Batch) (<-chan error, error) {
	v.c.mu.Lock()
	term := v.c.term
	v.c.mu.Unlock()
	res := make(chan error, 1)
	v.c.queue <- proposal{node: v.id, term: term, batch: b, result: res}
	return res, nil
}

const testTopic = "tx.test"

var errStale = errors.New("batch sources do not continue the replicated offsets")

func newCluster(t testing.TB, partitions int32) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, testTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t testing.TB, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// txRecords makes n valid records numbered from first, alternating JSON and
// protobuf, spread over senders (and so partitions).
func txRecords(t testing.TB, first, n int) ([]*kgo.Record, []string) {
	t.Helper()
	recs := make([]*kgo.Record, n)
	ids := make([]string, n)
	for i := range n {
		seq := first + i
		tx := &aurigraphv1.Transaction{Type: transfer, From: "sender-" + strconv.Itoa(seq%7), To: "bob", Amount: uint64(seq + 1), Nonce: uint64(seq)}
		ids[i] = schemas.TxID(tx)
		value := mustProto(t, tx)
		if seq%2 == 0 {
			var err error
			if value, err = schemas.MarshalTxJSON(tx); err != nil {
				t.Fatal(err)
			}
		}
		recs[i] = &kgo.Record{Topic: testTopic, Key: []byte(tx.From), Value: value}
	}
	return recs, ids
}

func startConsumer(t testing.TB, addr string, p Proposer, node uint64, tweak func(*ConsumerConfig)) *Consumer {
	t.Helper()
	cfg := ConsumerConfig{
		Brokers:     []string{addr},
		Topic:       testTopic,
		DLQTopic:    testTopic + ".dlq",
		NodeID:      node,
		MaxBatchTxs: 40,
		Linger:      2 * time.Millisecond,
		MaxInflight: 4,
		LeaderPoll:  5 * time.Millisecond,
		Registerer:  prometheus.NewRegistry(),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := NewConsumer(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return c
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func endOffsets(t *testing.T, cl *kgo.Client, topic string) map[int32]int64 {
	t.Helper()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			out[o.Partition] = o.Offset
		}
	})
	return out
}

// checkExactlyOnce asserts the chain holds exactly the wanted ids, once each,
// and has consumed every partition to its end.
func checkExactlyOnce(t *testing.T, chain *fakeChain, cl *kgo.Client, want []string) {
	t.Helper()
	ends := endOffsets(t, cl, testTopic)
	waitFor(t, "all records applied", func() bool {
		_, offsets := chain.applied()
		return maps.Equal(offsets, ends)
	})
	txs, _ := chain.applied()
	seen := map[string]int{}
	for _, tx := range txs {
		seen[tx.Id]++
		if tx.SubmittedMs == 0 {
			t.Errorf("tx %s has no submitted_ms", tx.Id)
		}
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("tx %s applied %d times, want once", id, seen[id])
		}
	}
	if len(txs) != len(want) {
		t.Errorf("applied %d txs, want %d", len(txs), len(want))
	}
}

func TestConsumerProposesEveryRecordOnce(t *testing.T) {
	addr := newCluster(t, 3)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(1)

	recs, ids := txRecords(t, 0, 150)
	produce(t, cl, recs...)
	c := startConsumer(t, addr, chain.node(1), 1, nil)
	more, moreIDs := txRecords(t, 150, 150)
	produce(t, cl, more...)

	checkExactlyOnce(t, chain, cl, append(ids, moreIDs...))
	chain.mu.Lock()
	defer chain.mu.Unlock()
	for _, b := range chain.batches {
		if b.Proposer != 1 || b.TimestampMs == 0 || len(b.Sources) == 0 || len(b.Txs) > 40 {
			t.Errorf("bad batch header: proposer %d, ts %d, %d sources, %d txs", b.Proposer, b.TimestampMs, len(b.Sources), len(b.Txs))
		}
		var covered int64
		for _, s := range b.Sources {
			covered += s.EndOffset - s.StartOffset
		}
		if covered != int64(len(b.Txs)) {
			t.Errorf("batch covers %d offsets but holds %d txs (no bad records were written)", covered, len(b.Txs))
		}
	}
	if got := metricValue(t, c.m.recordsOK); got != 300 {
		t.Errorf("records_total{result=ok} = %v, want 300", got)
	}
	if got := metricValue(t, c.m.leader); got != 1 {
		t.Errorf("leader gauge = %v, want 1", got)
	}
}

func TestConsumerDeadLettersBadRecords(t *testing.T) {
	addr := newCluster(t, 2)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(7)
	c := startConsumer(t, addr, chain.node(7), 7, nil)

	bad := map[string]string{ // value → field the reason must name
		`{"type":"transfer","from":"a","to":"b","amount":0}`:  "amount",
		`{"type":"burn","from":"a","to":"b","amount":1}`:      "type",
		`{"type":"transfer","from":"a","to":"b","amount":1,}`: "transaction JSON",
		"\x08\x96\x01garbage":                                 "protobuf",
	}
	var want []string
	var recs []*kgo.Record
	i := 0
	for value := range bad {
		good, ids := txRecords(t, i*2, 2)
		want = append(want, ids...)
		recs = append(recs, good[0], &kgo.Record{Topic: testTopic, Key: []byte("k" + strconv.Itoa(i)), Value: []byte(value),
			Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("x")}}}, good[1])
		i++
	}
	produce(t, cl, recs...)
	checkExactlyOnce(t, chain, cl, want)

	got := readDeadLetters(t, addr, len(bad))
	if len(got) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(got), len(bad))
	}
	for _, r := range got {
		h := map[string]string{}
		for _, hd := range r.Headers {
			h[hd.Key] = string(hd.Value)
		}
		field, ok := bad[string(r.Value)]
		if !ok {
			t.Fatalf("unexpected dead letter %q", r.Value)
		}
		if !strings.Contains(strings.ToLower(h[HeaderReason]), strings.ToLower(field)) {
			t.Errorf("reason %q for %q does not mention %q", h[HeaderReason], r.Value, field)
		}
		if h[HeaderSourceTopic] != testTopic || h[HeaderSourcePartition] == "" || h[HeaderSourceOffset] == "" || len(r.Key) == 0 {
			t.Errorf("dead letter lacks its source: key %q headers %v", r.Key, h)
		}
	}
	if got := metricValue(t, c.m.recordsInvalid); got != float64(len(bad)) {
		t.Errorf("records_total{result=invalid} = %v, want %d", got, len(bad))
	}
}

// readDeadLetters waits for at least n records on the test dead-letter topic.
func readDeadLetters(t *testing.T, addr string, n int) []*kgo.Record {
	t.Helper()
	dlq := newClient(t, addr, kgo.ConsumeTopics(testTopic+".dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var got []*kgo.Record
	waitFor(t, "dead letters", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		got = append(got, dlq.PollFetches(ctx).Records()...)
		return len(got) >= n
	})
	return got
}

func TestConsumerFailoverResumesFromReplicatedOffsets(t *testing.T) {
	addr := newCluster(t, 3)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	// Slow applies keep proposals in flight when leadership moves.
	chain.applyWait = 2 * time.Millisecond
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, nil)
	startConsumer(t, addr, chain.node(2), 2, nil)

	var want []string
	for round := range 6 {
		recs, ids := txRecords(t, round*200, 200)
		want = append(want, ids...)
		produce(t, cl, recs...)
		waitFor(t, "progress", func() bool {
			txs, _ := chain.applied()
			return len(txs) > round*200+50
		})
		switch round {
		case 1:
			chain.elect(2)
		case 2:
			chain.elect(0) // nobody leads for a while
			time.Sleep(30 * time.Millisecond)
			chain.elect(2)
		case 3:
			chain.elect(1)
		}
	}
	checkExactlyOnce(t, chain, cl, want)
	chain.mu.Lock()
	defer chain.mu.Unlock()
	proposers := map[uint64]bool{}
	for _, b := range chain.batches {
		proposers[b.Proposer] = true
	}
	if !proposers[1] || !proposers[2] {
		t.Fatalf("batches came from %v, want both nodes", proposers)
	}
}

func TestConsumerRewindsAfterStaleRejection(t *testing.T) {
	addr := newCluster(t, 2)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.rejects = 2
	chain.elect(3)
	recs, ids := txRecords(t, 0, 300)
	produce(t, cl, recs...)
	c := startConsumer(t, addr, chain.node(3), 3, nil)

	checkExactlyOnce(t, chain, cl, ids)
	if got := metricValue(t, c.m.proposeErrors.WithLabelValues("rejected")); got < 2 {
		t.Errorf("propose_errors_total{reason=rejected} = %v, want ≥ 2", got)
	}
}

func TestEnsureTopics(t *testing.T) {
	addr := newCluster(t, 1)
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	for range 2 { // the second pass finds them existing
		if err := EnsureTopics(ctx, cl, TopicSpec{Name: "a.v1", Partitions: 6}, TopicSpec{Name: testTopic, Partitions: 9}); err != nil {
			t.Fatal(err)
		}
	}
	details, err := adm.ListTopics(ctx, "a.v1", testTopic)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(details["a.v1"].Partitions); n != 6 {
		t.Errorf("a.v1 has %d partitions, want 6", n)
	}
	if n := len(details[testTopic].Partitions); n != 1 {
		t.Errorf("existing topic changed to %d partitions", n)
	}
}

func TestNewConsumerRejectsBadConfig(t *testing.T) {
	chain := newFakeChain(t)
	for name, cfg := range map[string]ConsumerConfig{
		"no brokers":    {},
		"same topics":   {Brokers: []string{"x:1"}, Topic: "t", DLQTopic: "t"},
		"negative size": {Brokers: []string{"x:1"}, MaxBatchTxs: -1},
	} {
		if _, err := NewConsumer(cfg, chain.node(1)); err == nil {
			t.Errorf("%s: NewConsumer accepted %+v", name, cfg)
		}
	}
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}}, nil); err == nil {
		t.Error("NewConsumer accepted a nil Proposer")
	}
	reg := prometheus.NewRegistry()
	for node := range uint64(2) {
		wrapped := prometheus.WrapRegistererWith(prometheus.Labels{"node": strconv.FormatUint(node, 10)}, reg)
		if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}, NodeID: node, Registerer: wrapped}, chain.node(node)); err != nil {
			t.Fatalf("two validators sharing a registry: %v", err)
		}
	}
	bare := prometheus.NewRegistry()
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}, Registerer: bare}, chain.node(0)); err != nil {
		t.Fatalf("first consumer on a bare registry: %v", err)
	}
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"x:1"}, Registerer: bare}, chain.node(0)); err == nil {
		t.Fatal("a second consumer registering the same metrics must fail")
	}
}

func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	if c := out.GetCounter(); c != nil {
		return c.GetValue()
	}
	return out.GetGauge().GetValue()
}

// BenchmarkConsumer measures the leader's path from log to applied batch:
// fetch, decode, validate, batch and propose, against the in-process broker.
func BenchmarkConsumer(b *testing.B) {
	for _, encoding := range []string{"json", "protobuf"} {
		b.Run(encoding, func(b *testing.B) {
			addr := newCluster(b, 6)
			cl := newClient(b, addr, kgo.ProducerBatchMaxBytes(1<<20))
			recs, _ := txRecords(b, 0, b.N)
			for i, r := range recs {
				tx, err := DecodeRecord(r.Value)
				if err != nil {
					b.Fatal(err)
				}
				if encoding == "json" {
					tx.Id = ""
					r.Value, err = schemas.MarshalTxJSON(tx)
				} else {
					r.Value, err = proto.Marshal(tx)
				}
				if err != nil {
					b.Fatal(err)
				}
				recs[i] = r
			}
			produce(b, cl, recs...)
			chain := newFakeChain(b)
			chain.elect(1)
			b.ReportAllocs()
			b.ResetTimer()
			startConsumer(b, addr, chain.node(1), 1, func(cfg *ConsumerConfig) {
				cfg.MaxBatchTxs, cfg.Linger, cfg.Logger = 4096, 5*time.Millisecond, slog.New(slog.DiscardHandler)
			})
			waitFor(b, "all records applied", func() bool {
				txs, _ := chain.applied()
				return len(txs) == b.N
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func TestConsumerPicksUpAddedPartitions(t *testing.T) {
	addr := newCluster(t, 1)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, func(cfg *ConsumerConfig) {
		cfg.PartitionRefresh = 20 * time.Millisecond
		// kgo answers metadata requests from a cache younger than this.
		cfg.ClientOpts = []kgo.Opt{kgo.MetadataMinAge(10 * time.Millisecond)}
	})
	first, want := txRecords(t, 0, 20)
	produce(t, cl, first...)
	waitFor(t, "first records", func() bool { txs, _ := chain.applied(); return len(txs) == 20 })

	if _, err := kadm.NewClient(cl).CreatePartitions(context.Background(), 2, testTopic); err != nil {
		t.Fatal(err)
	}
	later, ids := txRecords(t, 20, 20)
	for _, r := range later {
		r.Partition = 2
	}
	manual := newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produce(t, manual, later...)
	checkExactlyOnce(t, chain, cl, append(want, ids...))
}

func TestConsumerSkipsAbortedTransactions(t *testing.T) {
	addr := newCluster(t, 1)
	chain := newFakeChain(t)
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, nil)

	producer := newClient(t, addr, kgo.TransactionalID("ingest-test"))
	ctx := context.Background()
	var want []string
	for round, commit := range []bool{false, true, false, true} {
		recs, ids := txRecords(t, round*10, 10)
		if err := producer.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		produce(t, producer, recs...)
		if err := producer.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
		if commit {
			want = append(want, ids...)
		}
	}
	waitFor(t, "committed records applied", func() bool { txs, _ := chain.applied(); return len(txs) >= len(want) })
	// Give aborted records, were they wrongly read, time to show up.
	time.Sleep(50 * time.Millisecond)
	txs, offsets := chain.applied()
	got := map[string]bool{}
	for _, tx := range txs {
		got[tx.Id] = true
	}
	if len(txs) != len(want) {
		t.Fatalf("applied %d txs, want the %d committed ones", len(txs), len(want))
	}
	for _, id := range want {
		if !got[id] {
			t.Fatalf("committed tx %s missing", id)
		}
	}
	// Each transaction is 10 records and a marker, so the last committed
	// record sits at offset 42: the applied range must cover it and, with
	// it, the aborted records in between.
	if offsets[0] < 43 {
		t.Fatalf("replicated offset %d does not cover the committed records", offsets[0])
	}
}
