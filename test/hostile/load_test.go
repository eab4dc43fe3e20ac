package hostile

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	mintTx     = aurigraphv1.TxType_TX_TYPE_MINT
	transferTx = aurigraphv1.TxType_TX_TYPE_TRANSFER
)

// Load paths: each submits through one face of the pipeline, with an issuer
// and users of its own, so that every sender's nonces grow in the order its
// transactions reach the log.
const (
	pathREST  = "rest"
	pathGRPC  = "grpc"
	pathKafka = "kafka"
	// pathBig submits the large batches, over REST and gRPC in turn.
	pathBig = "big"
)

var loadPaths = []string{pathREST, pathGRPC, pathKafka, pathBig}

// usersPerPath is how many funded key addresses each load path moves funds
// between.
const usersPerPath = 4

// cast is everyone who signs: the issuers and users of the load, the
// attacker, whose address must end up holding nothing, a careless user who
// gets timestamps wrong, and a key that signs random mutations.
type cast struct {
	issuers  map[string]key
	users    map[string][]key
	attacker key
	careless key
	mutant   key
}

func newCast(t testing.TB) *cast {
	c := &cast{issuers: map[string]key{}, users: map[string][]key{}}
	for _, p := range loadPaths {
		c.issuers[p] = newKey(t)
		for range usersPerPath {
			c.users[p] = append(c.users[p], newKey(t))
		}
	}
	c.attacker, c.careless, c.mutant = newKey(t), newKey(t), newKey(t)
	return c
}

func (c *cast) issuerList() []key {
	out := make([]key, 0, len(loadPaths))
	for _, p := range loadPaths {
		out = append(out, c.issuers[p])
	}
	return out
}

// allUsers lists every funded user, of every path.
func (c *cast) allUsers() []key {
	var out []key
	for _, p := range loadPaths {
		out = append(out, c.users[p]...)
	}
	return out
}

// signedTx builds a transaction signed by k with its derived id.
func signedTx(k key, typ aurigraphv1.TxType, from, to string, amount, nonce uint64, payload []byte) *aurigraphv1.Transaction {
	tx := &aurigraphv1.Transaction{Type: typ, From: from, To: to, Amount: amount, Nonce: nonce, Payload: payload, TimestampMs: time.Now().UnixMilli()}
	schemas.SignTx(tx, k.priv)
	tx.Id = schemas.TxID(tx)
	return tx
}

// txJSON is tx in the REST and topic JSON shape.
func txJSON(tx *aurigraphv1.Transaction) []byte {
	b, err := schemas.MarshalTxJSON(tx)
	if err != nil {
		panic(fmt.Sprintf("marshal a transaction the test built: %v", err))
	}
	return b
}

// jsonArray joins transactions into one REST body.
func jsonArray(txs []*aurigraphv1.Transaction) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, tx := range txs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(txJSON(tx))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// submitReply is a REST submission's answer.
type submitReply struct {
	IDs   []string `json:"ids"`
	Error string   `json:"error"`
}

// post sends body to POST /api/v12/transactions and returns the status,
// the decoded reply and the raw body.
func post(ctx context.Context, c *http.Client, d *dev, body []byte) (int, submitReply, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url("/api/v12/transactions"), bytes.NewReader(body))
	if err != nil {
		return 0, submitReply{}, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, submitReply{}, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, submitReply{}, raw, err
	}
	var r submitReply
	_ = json.Unmarshal(raw, &r)
	return resp.StatusCode, r, raw, nil
}

// load is the steady signed traffic that must commit throughout: mints by
// each path's issuer to its users, and transfers between users, over REST,
// gRPC and the transaction topic.
type load struct {
	d     *dev
	who   *cast
	tally *tally
	led   *ledger
	seed  uint64
	every time.Duration // pause between submissions on each path

	// nonces of every sender, each owned by one path's goroutine.
	nonces map[string]uint64
	mu     sync.Mutex
}

func (l *load) nextNonce(addr string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nonces[addr]++
	return l.nonces[addr]
}

// fund mints to every user over REST and waits until the mints commit, so
// that transfers have something to move.
func (l *load) fund(t *testing.T) {
	t.Helper()
	var txs []*aurigraphv1.Transaction
	for _, p := range loadPaths {
		is := l.who.issuers[p]
		for _, u := range l.who.users[p] {
			txs = append(txs, signedTx(is, mintTx, is.addr, u.addr, 1_000_000_000_000, l.nextNonce(is.addr), nil))
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	code, reply, raw, err := post(ctx, l.d.client, l.d, jsonArray(txs))
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("funding the load's users: %v %d %s", err, code, raw)
	}
	l.led.ack("load/rest", reply.IDs...)
	waitResolved(t, l.d, reply.IDs, 60*time.Second)
	if t.Failed() {
		t.FailNow()
	}
}

// run keeps every path submitting until ctx ends.
func (l *load) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { l.restLoop(ctx, mrand.New(mrand.NewPCG(l.seed, 1))) })
	wg.Go(func() { l.grpcLoop(ctx, mrand.New(mrand.NewPCG(l.seed, 2))) })
	wg.Go(func() { l.kafkaLoop(ctx, mrand.New(mrand.NewPCG(l.seed, 3))) })
	wg.Wait()
}

// nextTx is path's next transaction: every fifth a mint by its issuer to
// any user, the others transfers from one of its users to any user.
func (l *load) nextTx(path string, i int, rng *mrand.Rand) *aurigraphv1.Transaction {
	everyone := l.who.allUsers()
	to := everyone[rng.IntN(len(everyone))].addr
	if i%5 == 0 {
		is := l.who.issuers[path]
		return signedTx(is, mintTx, is.addr, to, 1+rng.Uint64N(1000), l.nextNonce(is.addr), nil)
	}
	from := l.who.users[path][i%usersPerPath]
	return signedTx(from, transferTx, from.addr, to, 1+rng.Uint64N(9), l.nextNonce(from.addr), nil)
}

// pace waits for the next tick or the end of ctx.
func pace(ctx context.Context, tick *time.Ticker) bool {
	select {
	case <-ctx.Done():
		return false
	case <-tick.C:
		return true
	}
}

func (l *load) restLoop(ctx context.Context, rng *mrand.Rand) {
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	client := &http.Client{Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	for i := 0; pace(ctx, tick); i++ {
		txs := []*aurigraphv1.Transaction{l.nextTx(pathREST, i, rng)}
		if i%7 == 3 {
			txs = append(txs, l.nextTx(pathREST, i+1, rng))
		}
		body := txJSON(txs[0])
		if len(txs) > 1 {
			body = jsonArray(txs)
		}
		// Not ctx: a submission under way when the window closes is
		// still answered, so its id is known.
		code, reply, _, err := post(context.Background(), client, l.d, body)
		l.tally.add("load/rest", httpOutcome(code, err))
		if err == nil && code == http.StatusAccepted {
			l.led.ack("load/rest", reply.IDs...)
			if len(txs) == 1 {
				l.led.keep(body)
			}
		}
	}
}

func (l *load) grpcLoop(ctx context.Context, rng *mrand.Rand) {
	conn, err := grpc.NewClient(l.d.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		l.tally.add("load/grpc", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	svc := aurigraphv1.NewTransactionServiceClient(conn)
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	for i := 0; pace(ctx, tick); i++ {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		switch {
		case i%25 == 12:
			// SubmitStream: two messages of two transactions.
			var ids []string
			stream, err := svc.SubmitStream(cctx)
			for m := 0; err == nil && m < 2; m++ {
				txs := []*aurigraphv1.Transaction{l.nextTx(pathGRPC, i+2*m, rng), l.nextTx(pathGRPC, i+2*m+1, rng)}
				err = stream.Send(&aurigraphv1.SubmitStreamRequest{Transactions: txs})
			}
			if err == nil {
				var resp *aurigraphv1.SubmitStreamResponse
				if resp, err = stream.CloseAndRecv(); err == nil {
					ids = resp.GetIds()
				}
			}
			l.tally.add("load/grpc", "SubmitStream "+grpcOutcome(err))
			l.led.ack("load/grpc", ids...)
		case i%10 == 5:
			txs := []*aurigraphv1.Transaction{l.nextTx(pathGRPC, i, rng), l.nextTx(pathGRPC, i+1, rng), l.nextTx(pathGRPC, i+2, rng)}
			resp, err := svc.SubmitBatch(cctx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
			l.tally.add("load/grpc", "SubmitBatch "+grpcOutcome(err))
			if err == nil {
				l.led.ack("load/grpc", resp.GetIds()...)
			}
		default:
			resp, err := svc.Submit(cctx, &aurigraphv1.SubmitRequest{Transaction: l.nextTx(pathGRPC, i, rng)})
			l.tally.add("load/grpc", "Submit "+grpcOutcome(err))
			if err == nil {
				l.led.ack("load/grpc", resp.GetId())
			}
		}
		cancel()
	}
}

func (l *load) kafkaLoop(ctx context.Context, rng *mrand.Rand) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(l.d.kafka), kgo.DefaultProduceTopic(schemas.TopicTransactions),
		kgo.ProducerLinger(5*time.Millisecond), kgo.RecordDeliveryTimeout(30*time.Second))
	if err != nil {
		l.tally.add("load/kafka", "client "+netOutcome(err))
		return
	}
	defer cl.Close()
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	for i := 0; pace(ctx, tick); i++ {
		tx := l.nextTx(pathKafka, i, rng)
		value := txJSON(tx)
		if i%2 == 1 {
			// Every other record as protobuf, the topic's other encoding.
			if value, err = proto.Marshal(tx); err != nil {
				panic(fmt.Sprintf("marshal a transaction the test built: %v", err))
			}
		}
		id := tx.GetId()
		cl.Produce(context.Background(), &kgo.Record{Key: []byte(tx.GetFrom()), Value: value}, func(_ *kgo.Record, err error) {
			l.tally.add("load/kafka", netOutcomeOK(err))
			if err == nil {
				l.led.ack("load/kafka", id)
			}
		})
	}
	// Records still in flight get 30 s to be answered; Close then fails
	// the rest, unacknowledged.
	fctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = cl.Flush(fctx)
}

// netOutcomeOK names a produce result: "ok", or the broker's error.
func netOutcomeOK(err error) string {
	if err == nil {
		return "ok"
	}
	if o := netOutcome(err); o != "error" {
		return o
	}
	return err.Error()
}

// randomPayload is n incompressible bytes.
func randomPayload(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// bigBatches submits the large requests of one ordinary client, valid and
// signed by the big path's issuer: 300 mints with 4,000-byte payloads and
// 10,000 with 300-byte payloads over REST, then 10,000 with 300-byte
// payloads through gRPC SubmitBatch. Each must be accepted and commit, in
// blocks that fit the blocks topic.
func (l *load) bigBatches(ctx context.Context) {
	is := l.who.issuers[pathBig]
	users := l.who.users[pathBig]
	batch := func(n, payload int) []*aurigraphv1.Transaction {
		txs := make([]*aurigraphv1.Transaction, n)
		for i := range txs {
			txs[i] = signedTx(is, mintTx, is.addr, users[i%len(users)].addr, 1, l.nextNonce(is.addr), randomPayload(payload))
		}
		return txs
	}
	client := &http.Client{Timeout: 3 * time.Minute}
	defer client.CloseIdleConnections()
	for _, b := range []struct {
		class      string
		n, payload int
	}{{"rest/batch-300x4000B", 300, 4000}, {"rest/batch-10000x300B", 10_000, 300}} {
		if ctx.Err() != nil {
			return
		}
		code, reply, raw, err := post(context.Background(), client, l.d, jsonArray(batch(b.n, b.payload)))
		switch out := httpOutcome(code, err); {
		case err == nil && code == http.StatusAccepted:
			l.tally.add(b.class, out)
			l.led.ack("big/rest", reply.IDs...)
		case err == nil && code >= 400 && code < 500:
			l.tally.breach(b.class, out, "a valid batch within every documented limit was refused: "+string(raw))
		default:
			l.tally.add(b.class, out)
		}
	}
	if ctx.Err() != nil {
		return
	}
	conn, err := grpc.NewClient(l.d.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		l.tally.add("grpc/SubmitBatch-10000x300B", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	cctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	resp, err := aurigraphv1.NewTransactionServiceClient(conn).SubmitBatch(cctx, &aurigraphv1.SubmitBatchRequest{Transactions: batch(10_000, 300)})
	switch out := grpcOutcome(err); out {
	case "OK":
		l.tally.add("grpc/SubmitBatch-10000x300B", out)
		l.led.ack("big/grpc", resp.GetIds()...)
	case "InvalidArgument", "ResourceExhausted", "AlreadyExists", "FailedPrecondition":
		l.tally.breach("grpc/SubmitBatch-10000x300B", out, "a valid batch within every documented limit was refused: "+err.Error())
	default:
		l.tally.add("grpc/SubmitBatch-10000x300B", out)
	}
}
