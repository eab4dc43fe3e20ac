package ingest

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func signedRecords(t *testing.T, first, n int) ([]*kgo.Record, []string) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	recs := make([]*kgo.Record, n)
	ids := make([]string, n)
	for i := range n {
		seq := first + i
		tx := &aurigraphv1.Transaction{Type: transfer, From: "signer", To: "bob", Amount: 1, Nonce: uint64(seq + 1)}
		schemas.SignTx(tx, key)
		ids[i] = schemas.TxID(tx)
		recs[i] = &kgo.Record{Topic: testTopic, Key: []byte(tx.From), Value: mustProto(t, tx)}
	}
	return recs, ids
}

// TestConsumerRequiresSignaturesOnUntrustedTopics: with RequireSignatures
// unsigned records are dead-lettered with a reason that says how to sign,
// and signed ones around them still enter the chain exactly once.
func TestConsumerRequiresSignaturesOnUntrustedTopics(t *testing.T) {
	addr := newCluster(t, 2)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, func(c *ConsumerConfig) { c.RequireSignatures = true })

	signed, ids := signedRecords(t, 0, 20)
	unsigned, _ := txRecords(t, 0, 5)
	produce(t, cl, append(append(signed[:10:10], unsigned...), signed[10:]...)...)
	checkExactlyOnce(t, chain, cl, ids)

	for _, r := range readDeadLetters(t, addr, len(unsigned)) {
		for _, h := range r.Headers {
			if h.Key == HeaderReason && !strings.Contains(string(h.Value), "sig: required") {
				t.Errorf("dead letter reason %q does not say a signature is required", h.Value)
			}
		}
	}
}

func TestSubmitHandlerRequiresSignatures(t *testing.T) {
	addr := newCluster(t, 1)
	_, url := startSubmit(t, addr, func(c *SubmitConfig) { c.RequireSignatures = true })
	code, reply := post(t, url, http.MethodPost, `{"type":"transfer","from":"a","to":"b","amount":1,"nonce":1}`)
	if code != http.StatusBadRequest || !strings.Contains(reply.Error, "sig: required") {
		t.Fatalf("unsigned: %d %+v, want 400 saying a signature is required", code, reply)
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	tx := &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 1, Nonce: 1}
	schemas.SignTx(tx, key)
	body, err := schemas.MarshalTxJSON(tx)
	if err != nil {
		t.Fatal(err)
	}
	if code, reply := post(t, url, http.MethodPost, string(body)); code != http.StatusAccepted || len(reply.IDs) != 1 {
		t.Fatalf("signed: %d %+v, want 202 with its id", code, reply)
	}
}

// TestConsumerHoldsBatchesWhileProposalsAreInFlight: while HoldInflight
// proposals wait for consensus, records keep joining the open batch, so a
// slow commit means fewer, larger batches rather than a queue of small ones.
func TestConsumerHoldsBatchesWhileProposalsAreInFlight(t *testing.T) {
	addr := newCluster(t, 1)
	cl := newClient(t, addr)
	chain := newFakeChain(t)
	chain.elect(1)
	// Nothing commits until every burst is in the topic, however long
	// producing them takes.
	hold := make(chan struct{})
	var release sync.Once
	open := func() { release.Do(func() { close(hold) }) }
	defer open()
	chain.mu.Lock()
	chain.hold = hold
	chain.mu.Unlock()
	startConsumer(t, addr, chain.node(1), 1, func(c *ConsumerConfig) {
		c.MaxBatchTxs, c.MaxInflight, c.HoldInflight, c.Linger = 1000, 4, 1, time.Millisecond
	})
	var ids []string
	for i := range 20 {
		recs, more := txRecords(t, i*10, 10)
		produce(t, cl, recs...)
		ids = append(ids, more...)
		time.Sleep(3 * time.Millisecond)
	}
	open()
	checkExactlyOnce(t, chain, cl, ids)
	chain.mu.Lock()
	defer chain.mu.Unlock()
	// Unheld, the first four bursts would each be a proposal of their own
	// while the first waited, and the rest at least one more.
	if n := len(chain.batches); n > 3 {
		t.Errorf("%d batches for 20 bursts while the first proposal waited; want them held into at most 3", n)
	}
}

// TestConsumerAcceptsOneProposalInFlight: holding defaults to at most
// MaxInflight, so a config that allows a single proposal stays valid.
func TestConsumerAcceptsOneProposalInFlight(t *testing.T) {
	c, err := NewConsumer(ConsumerConfig{Brokers: []string{"127.0.0.1:1"}, MaxInflight: 1}, newFakeChain(t).node(1))
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.HoldInflight != 1 {
		t.Fatalf("HoldInflight = %d with MaxInflight 1, want 1", c.cfg.HoldInflight)
	}
	if _, err := NewConsumer(ConsumerConfig{Brokers: []string{"127.0.0.1:1"}, MaxInflight: 2, HoldInflight: 3}, newFakeChain(t).node(1)); err == nil {
		t.Fatal("HoldInflight above MaxInflight accepted")
	}
}

// TestDecodeAllVerifiesSignaturesInBatches: a poll's signatures are checked
// in batches on every core, and each record gets the answer checking it
// alone gives: a bad signature fails its record only, wherever it falls in
// a batch, with the cache or without.
func TestDecodeAllVerifiesSignaturesInBatches(t *testing.T) {
	recs, _ := signedRecords(t, 0, 500)
	bad := map[int]bool{0: true, 77: true, 78: true, 499: true}
	for i := range bad {
		var tx aurigraphv1.Transaction
		if err := proto.Unmarshal(recs[i].Value, &tx); err != nil {
			t.Fatal(err)
		}
		tx.Sig[3] ^= 1
		recs[i] = &kgo.Record{Topic: testTopic, Value: mustProto(t, &tx)}
	}
	for name, sigs := range map[string]SignatureVerifier{"plain": nil, "cache": sigcache.New(1024, nil)} {
		c := newChecker(sigs, true, nil)
		out := decodeAll(recs, c, DefaultMaxRecordBytes)
		for i, d := range out {
			alone := c.check(d.tx)
			switch {
			case bad[i] && !errors.Is(d.err, errBadSignature):
				t.Fatalf("%s: record %d with a bad signature: %v", name, i, d.err)
			case !bad[i] && d.err != nil:
				t.Fatalf("%s: record %d: %v", name, i, d.err)
			case (alone == nil) != (d.err == nil):
				t.Fatalf("%s: record %d: batch says %v, alone %v", name, i, d.err, alone)
			}
		}
	}
}
