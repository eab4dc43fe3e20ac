package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// worstBlock is the largest block the state machine can build from b: every
// transaction failed with a reason of the longest length, and a header with
// every field at its widest.
func worstBlock(b *aurigraphv1.Batch) *aurigraphv1.Block {
	sum := bytes.Repeat([]byte{0xff}, 32)
	wide := ^uint64(0)
	blk := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{
		Height: wide, Hash: sum, PrevHash: sum, TxRoot: sum, TimestampMs: -1, Proposer: wide, RaftTerm: wide, RaftIndex: wide,
		TxCount: ^uint32(0), FailedCount: ^uint32(0), Sources: b.Sources,
	}}
	for _, tx := range b.Txs {
		tx = proto.CloneOf(tx)
		tx.SubmittedMs = -1
		blk.Txs = append(blk.Txs, &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_FAILED, Reason: strings.Repeat("r", schemas.MaxReasonBytes)})
	}
	return blk
}

// Batches are cut so that the block built from each fits MaxBatchBytes,
// however large the transactions and whatever fails, and are not cut far
// below it.
func TestConsumerCutsBatchesToTheBlockLimit(t *testing.T) {
	addr := newCluster(t, 3)
	cl := newClient(t, addr, kgo.ProducerBatchMaxBytes(4<<20))
	chain := newFakeChain(t)
	chain.elect(1)
	const limit = 2 * MinMaxBatchBytes
	var want []string
	var recs []*kgo.Record
	for i := range 300 {
		// Payloads that do not compress, as an attacker would send.
		payload := []byte(strings.Repeat(strconv.Itoa(i*7919), 4000)[:MaxPayloadLen-96])
		tx := &aurigraphv1.Transaction{Type: mint, To: "acct-" + strconv.Itoa(i%5), Amount: 1, Nonce: uint64(i), Payload: payload}
		want = append(want, schemas.TxID(tx))
		recs = append(recs, &kgo.Record{Topic: testTopic, Key: []byte(tx.To), Value: mustProto(t, tx)})
	}
	small, ids := txRecords(t, 0, 2000)
	produce(t, cl, append(recs, small...)...)
	want = append(want, ids...)
	startConsumer(t, addr, chain.node(1), 1, func(cfg *ConsumerConfig) {
		cfg.MaxBatchBytes = limit
		cfg.MaxBatchTxs = 4096
		cfg.Linger = 50 * time.Millisecond
	})
	checkExactlyOnce(t, chain, cl, want)

	chain.mu.Lock()
	defer chain.mu.Unlock()
	largest := 0
	for i, b := range chain.batches {
		size := proto.Size(worstBlock(b))
		if size > limit {
			t.Fatalf("batch %d of %d txs makes a block of up to %d bytes, above the %d-byte limit", i, len(b.Txs), size, limit)
		}
		largest = max(largest, size)
	}
	if largest < limit*3/4 {
		t.Fatalf("largest block %d bytes: batches are cut far below the %d-byte limit", largest, limit)
	}
}

// deadLetterHeaders returns a dead letter's headers by key.
func deadLetterHeaders(r *kgo.Record) map[string]string {
	h := map[string]string{}
	for _, hd := range r.Headers {
		h[hd.Key] = string(hd.Value)
	}
	return h
}

// A record ingest cannot copy to the dead-letter topic (above its own limit,
// refused by the topic, or inside a compressed batch too large to read) is
// dead-lettered as a reference, and the transactions after it commit.
func TestConsumerDeadLettersReferencesToRecordsItCannotCopy(t *testing.T) {
	tests := []struct {
		name   string
		value  []byte
		tweak  func(*ConsumerConfig)
		setup  func(t *testing.T, adm *kadm.Client)
		reason string // in the reason header
		kind   string // dead_letters_total label
		batch  bool   // a reference to a batch, with an end offset
	}{
		{
			name:   "10 MB record",
			value:  bytes.Repeat([]byte("x"), 10<<20),
			reason: "exceeds the 65536-byte limit",
			kind:   deadLetterTooLarge,
		},
		{
			name: "copy refused by the dead-letter topic",
			// Random, so that compression does not shrink it under the limit.
			value: []byte(`{"type":"burn","payload":"` + base64.StdEncoding.EncodeToString(randomBytes(t, 3000)) + `"}`),
			setup: func(t *testing.T, adm *kadm.Client) {
				limit := "1024"
				if _, err := adm.CreateTopic(context.Background(), 1, 1, map[string]*string{"max.message.bytes": &limit}, testTopic+".dlq"); err != nil {
					t.Fatal(err)
				}
			},
			reason: "copy refused",
			kind:   deadLetterRefused,
		},
		{
			name:   "batch too large to decompress",
			value:  bytes.Repeat([]byte("y"), 3<<20),
			tweak:  func(cfg *ConsumerConfig) { cfg.MaxDecompressedBatchBytes = 1 << 20 },
			reason: "decompresses to more than 1048576 bytes",
			kind:   deadLetterBatchTooLarge,
			batch:  true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := newCluster(t, 1)
			if tc.setup != nil {
				tc.setup(t, kadm.NewClient(newClient(t, addr)))
			}
			// Compressed, so the broker takes what is far above its limit.
			big := newClient(t, addr, kgo.ProducerBatchMaxBytes(16<<20), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
			chain := newFakeChain(t)
			chain.elect(1)
			c := startConsumer(t, addr, chain.node(1), 1, tc.tweak)

			before, want := txRecords(t, 0, 5)
			produce(t, big, before...)
			produce(t, big, &kgo.Record{Topic: testTopic, Key: []byte("k"), Value: tc.value})
			after, ids := txRecords(t, 5, 5)
			produce(t, big, after...)
			checkExactlyOnce(t, chain, newClient(t, addr), append(want, ids...))

			got := readDeadLetters(t, addr, 1)
			if len(got) != 1 {
				t.Fatalf("%d dead letters, want 1", len(got))
			}
			h := deadLetterHeaders(got[0])
			if h[HeaderPayload] != "omitted" || !strings.Contains(h[HeaderReason], tc.reason) || h[HeaderSourceOffset] != "5" || len(got[0].Key) != 0 {
				t.Fatalf("dead letter headers %v key %q, want a reference to offset 5 with a reason containing %q", h, got[0].Key, tc.reason)
			}
			var ref DeadLetterRef
			if err := json.Unmarshal(got[0].Value, &ref); err != nil || len(got[0].Value) > 1024 {
				t.Fatalf("dead letter value of %d bytes: %v", len(got[0].Value), err)
			}
			if ref.Topic != testTopic || ref.Offset != 5 || !strings.Contains(ref.Reason, tc.reason) ||
				(tc.batch && ref.EndOffset != 6) || (!tc.batch && ref.Size != len(tc.value)+1) {
				t.Fatalf("reference %+v", ref)
			}
			if n := metricValue(t, c.m.deadLetters.WithLabelValues(tc.kind)); n != 1 {
				t.Fatalf("dead_letters_total{reason=%s} = %v, want 1", tc.kind, n)
			}
		})
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// A topic deleted and created again under its name starts over at offset 0:
// consuming it from the replicated offsets would skip its records. Ingest
// stops, says why in its status and metrics, applies nothing of the new
// topic, and consumes it from offset 0 once an operator accepts its id.
func TestConsumerStopsOnARecreatedTopicUntilAccepted(t *testing.T) {
	addr := newCluster(t, 2)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(1)
	fast := func(cfg *ConsumerConfig) {
		cfg.PartitionRefresh = 20 * time.Millisecond
		cfg.RetryMax = 100 * time.Millisecond
	}
	c := startConsumer(t, addr, chain.node(1), 1, fast)
	first, want := txRecords(t, 0, 50)
	produce(t, cl, first...)
	checkExactlyOnce(t, chain, cl, want)
	if !bytes.Equal(chain.node(1).TopicID(testTopic), topicID(t, cl)) {
		t.Fatal("the chain did not record the topic's id")
	}

	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.DeleteTopics(ctx, testTopic); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, testTopic); err != nil {
		t.Fatal(err)
	}
	fresh := newClient(t, addr)
	newID := topicID(t, fresh)
	later, ids := txRecords(t, 50, 10)
	produce(t, fresh, later...)
	waitFor(t, "ingest blocked", func() bool { return c.Status().State == StateBlocked })
	st := c.Status()
	if !st.Leading || !strings.Contains(st.Err, "deleted and created again") || !strings.Contains(st.Err, kafkatopic.FormatID(newID)) {
		t.Fatalf("status %+v, want blocked naming the new topic id", st)
	}
	if metricValue(t, c.m.topicChanged) != 1 || metricValue(t, c.m.stalled) != 1 {
		t.Fatal("topic_changed and stalled gauges not set")
	}
	time.Sleep(200 * time.Millisecond)
	if txs, _ := chain.applied(); len(txs) != len(want) {
		t.Fatalf("%d txs applied after the topic was recreated, want still %d", len(txs), len(want))
	}

	// The operator accepts the new topic on another validator, which leads.
	other := startConsumer(t, addr, chain.node(2), 2, func(cfg *ConsumerConfig) {
		fast(cfg)
		cfg.AcceptTopicID = kafkatopic.FormatID(newID)
	})
	chain.elect(2)
	checkExactlyOnce(t, chain, fresh, append(want, ids...))
	if st := other.Status(); st.State != StateConsuming {
		t.Fatalf("status after accepting %+v", st)
	}
	if !bytes.Equal(chain.node(2).TopicID(testTopic), newID) {
		t.Fatal("the chain did not record the accepted topic's id")
	}
}

func topicID(t *testing.T, cl *kgo.Client) []byte {
	t.Helper()
	meta, err := kafkatopic.Describe(context.Background(), cl, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	return meta.ID
}

// A fetch that fails at once, again and again, is retried after a growing
// pause rather than in a tight loop.
func TestConsumerBacksOffFailingFetches(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, testTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	var fetches atomic.Int64
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		fetches.Add(1)
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		for _, rt := range req.(*kmsg.FetchRequest).Topics {
			st := kmsg.NewFetchResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewFetchResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.TopicAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	chain := newFakeChain(t)
	chain.elect(1)
	cons := startConsumer(t, addr, chain.node(1), 1, func(cfg *ConsumerConfig) { cfg.RetryMax = 500 * time.Millisecond })
	waitFor(t, "first fetch", func() bool { return fetches.Load() > 0 })
	time.Sleep(3 * time.Second)
	n := fetches.Load()
	if n > 60 {
		t.Fatalf("%d fetches in 3s against a broker failing every one: no backoff", n)
	}
	if metricValue(t, cons.m.fetchErrors) == 0 {
		t.Fatal("fetch errors not counted")
	}
	t.Logf("%d fetches in 3s", n)
}

// A producer does not write to a topic created again under a name it knew;
// a submission then says why instead of a bare broker error.
func TestSubmitToARecreatedTopicSaysSo(t *testing.T) {
	addr := newCluster(t, 1)
	h, err := NewSubmitHandler(SubmitConfig{Brokers: []string{addr}, Topic: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	submit := func(nonce uint64) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := h.Submit(ctx, []*aurigraphv1.Transaction{{Type: mint, To: "a", Amount: 1, Nonce: nonce}})
		return err
	}
	if err := submit(1); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(newClient(t, addr))
	if _, err := adm.DeleteTopics(context.Background(), testTopic); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, testTopic); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a refused submission", func() bool {
		err := submit(2)
		return errors.Is(err, ErrLogUnavailable) && strings.Contains(err.Error(), "deleted and created again")
	})
}
