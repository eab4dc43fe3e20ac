package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/stream"
)

// mints returns n mints with random (incompressible) payloads of
// payloadBytes, to accounts of their own so that nonces never collide.
func mints(t *testing.T, prefix string, n, payloadBytes int) []*aurigraphv1.Transaction {
	t.Helper()
	txs := make([]*aurigraphv1.Transaction, n)
	for i := range txs {
		payload := make([]byte, payloadBytes)
		if _, err := rand.Read(payload); err != nil {
			t.Fatal(err)
		}
		txs[i] = &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: fmt.Sprintf("%s-%d", prefix, i), Amount: 1, Nonce: 1, Payload: payload}
	}
	return txs
}

// postTxs submits txs in one REST request and returns the status and body.
func postTxs(t *testing.T, httpAddr string, txs []*aurigraphv1.Transaction) (int, string) {
	t.Helper()
	var body bytes.Buffer
	body.WriteByte('[')
	for i, tx := range txs {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"type":"mint","to":%q,"amount":%d,"nonce":%d,"payload":%q}`,
			tx.GetTo(), tx.GetAmount(), tx.GetNonce(), base64.StdEncoding.EncodeToString(tx.GetPayload()))
	}
	body.WriteByte(']')
	resp, err := http.Post("http://"+httpAddr+"/api/v12/transactions", "application/json", &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&out)
	return resp.StatusCode, out.String()
}

// metricSum adds up every series of a metric on /metrics; ok is false when
// the metric has no series.
func metricSum(t *testing.T, httpAddr, name string) (sum float64, ok bool) {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") && !strings.HasPrefix(line, name+"{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum, ok = sum+v, true
	}
	return sum, ok
}

func txCount(httpAddr string) (uint64, error) {
	var st struct {
		TxCount uint64 `json:"tx_count"`
	}
	err := tryGetJSON(httpAddr, "/api/v12/chain/stats", &st)
	return st.TxCount, err
}

func waitTxCount(t *testing.T, p *runningPipeline, want uint64) {
	t.Helper()
	waitFor(t, 120*time.Second, fmt.Sprintf("%d transactions committed", want), func() (bool, string) {
		select {
		case err := <-p.done:
			t.Fatalf("pipeline exited: %v", err)
		default:
		}
		n, err := txCount(p.addrs.HTTP)
		if err != nil {
			return false, err.Error()
		}
		return n == want, fmt.Sprintf("tx_count=%d", n)
	})
}

// Ordinary requests inside every documented limit, whose transactions
// together are far larger than a record of the blocks topic may be, commit
// in several blocks that each fit the topic; the pipeline keeps running,
// and the publisher never fails. A 10 MB record on the transaction topic in
// between is dead-lettered as a reference and holds nothing up.
func TestDevLargeSubmissionsCommitInBlocksThatFit(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	p := startPipeline(t, testDevFlags(t, t.TempDir()))
	defer p.stop(t)
	var want uint64

	// 300 mints of 4,000-byte payloads: a 1.6 MB body.
	if code, body := postTxs(t, p.addrs.HTTP, mints(t, "big", 300, 4000)); code != http.StatusAccepted {
		t.Fatalf("POST of 300 mints with 4,000-byte payloads: %d %s", code, body)
	}
	want += 300
	waitTxCount(t, p, want)

	// A 10 MB record, compressed so that the broker takes it.
	big, err := kgo.NewClient(kgo.SeedBrokers(p.addrs.Kafka...), kgo.DefaultProduceTopic(schemas.TopicTransactions),
		kgo.ProducerBatchMaxBytes(16<<20), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	if err := big.ProduceSync(t.Context(), &kgo.Record{Key: []byte("huge"), Value: bytes.Repeat([]byte("x"), 10<<20)}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// 10,000 mints of 300-byte payloads over REST, then over gRPC.
	if code, body := postTxs(t, p.addrs.HTTP, mints(t, "rest", 10_000, 300)); code != http.StatusAccepted {
		t.Fatalf("POST of 10,000 mints with 300-byte payloads: %d %.200s", code, body)
	}
	want += 10_000
	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(16<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if _, err := aurigraphv1.NewTransactionServiceClient(conn).SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{Transactions: mints(t, "grpc", 10_000, 300)}); err != nil {
		t.Fatalf("SubmitBatch of 10,000 mints with 300-byte payloads: %v", err)
	}
	want += 10_000
	waitTxCount(t, p, want)
	assertVerified(t, p.addrs.HTTP, want)

	// Every block is published, and each fits the topic.
	height := chainHeight(t, p.addrs.HTTP)
	waitFor(t, 60*time.Second, "every block published", func() (bool, string) {
		h, _ := metricSum(t, p.addrs.HTTP, "aurigraph_stream_publish_height")
		return uint64(h) == height, fmt.Sprintf("published %v of %d", h, height)
	})
	if n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_stream_publish_errors_total"); n != 0 {
		t.Fatalf("publisher failed %v times", n)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.addrs.Kafka...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	limit, err := kafkatopic.MaxMessageBytes(t.Context(), cl, schemas.TopicBlocks)
	if err != nil {
		t.Fatal(err)
	}
	largest := 0
	heightsOf := map[string]map[uint64]bool{} // submission → heights holding its transactions
	for h := uint64(1); h <= height; h++ {
		b, err := p.addrs.Chain.Get(h)
		if err != nil {
			t.Fatal(err)
		}
		size := proto.Size(&aurigraphv1.BlockEvent{Block: b, CommittedMs: time.Now().UnixMilli()})
		if size > stream.MaxBlockBytes(limit)+stream.BlockRecordOverhead/2 {
			t.Fatalf("block %d of %d txs is a %d-byte event, beyond what the %d-byte topic limit leaves", h, len(b.GetTxs()), size, limit)
		}
		largest = max(largest, size)
		for _, r := range b.GetTxs() {
			sub, _, _ := strings.Cut(r.GetTx().GetTo(), "-")
			if heightsOf[sub] == nil {
				heightsOf[sub] = map[uint64]bool{}
			}
			heightsOf[sub][h] = true
		}
	}
	for _, sub := range []string{"big", "rest", "grpc"} {
		if n := len(heightsOf[sub]); n < 2 {
			t.Fatalf("the %s submission committed in %d block(s), want several", sub, n)
		}
	}
	if n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_ingest_dead_letters_total"); n != 1 {
		t.Fatalf("dead_letters_total = %v, want 1 (the 10 MB record, as a reference)", n)
	}
	t.Logf("%d transactions in %d blocks, the largest a %d-byte event (topic limit %d); blocks per submission: big %d, rest %d, grpc %d",
		want, height, largest, limit, len(heightsOf["big"]), len(heightsOf["rest"]), len(heightsOf["grpc"]))
}

// The transaction topic deleted and created again under a running pipeline:
// ingest stops and says so in its metrics rather than skipping the new
// topic's records, and after a restart that accepts the new topic's id the
// records written to it commit.
func TestDevRecreatedTransactionTopic(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	flags := testDevFlags(t, t.TempDir())
	p := startPipeline(t, flags)
	defer func() { p.stop(t) }()
	produceTxs(t, p.addrs.Kafka, 0, 500)
	waitTxCount(t, p, 500)

	cl, err := kgo.NewClient(kgo.SeedBrokers(p.addrs.Kafka...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.DeleteTopics(t.Context(), schemas.TopicTransactions); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(t.Context(), flags.txPartitions, 1, nil, schemas.TopicTransactions); err != nil {
		t.Fatal(err)
	}
	meta, err := kafkatopic.Describe(t.Context(), cl, schemas.TopicTransactions)
	if err != nil {
		t.Fatal(err)
	}
	// Fewer records than the chain consumed: offsets the replicated state
	// takes as consumed.
	produceTxs(t, p.addrs.Kafka, 500, 6)
	waitFor(t, 60*time.Second, "ingest to report the changed topic", func() (bool, string) {
		n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_ingest_topic_changed")
		return n == 1, fmt.Sprintf("topic_changed=%v", n)
	})
	if n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_ingest_stalled"); n != 1 {
		t.Fatalf("ingest_stalled = %v, want 1", n)
	}
	if n, err := txCount(p.addrs.HTTP); err != nil || n != 500 {
		t.Fatalf("tx_count = %d, %v after the topic was recreated; want still 500", n, err)
	}
	p.stop(t)

	flags.limits.acceptTxTopicID = kafkatopic.FormatID(meta.ID)
	p = startPipeline(t, flags)
	waitTxCount(t, p, 506)
	if n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_ingest_topic_changed"); n != 0 {
		t.Fatalf("topic_changed = %v after accepting the new topic", n)
	}
	assertVerified(t, p.addrs.HTTP, 506)
}
