package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// accountsPerWorker is how many accounts one load worker mints to. The soak
// draws on a fixed set of accounts, so what grows in the validators' state
// is balances and nonces, not the number of accounts: memory that grows
// then is memory that leaks, not state the chain must keep.
const accountsPerWorker = 16

// batchTxs is how many transactions one REST or gRPC request carries.
const batchTxs = 200

// worker makes the transactions of one load goroutine: mints from each of
// its accounts to itself, with growing nonces, so every one commits.
type worker struct {
	prefix string
	nonces [accountsPerWorker]uint64
	next   int
}

func newWorker(run, path string, index int) *worker {
	return &worker{prefix: "soak-" + run + "-" + path + strconv.Itoa(index) + "-"}
}

// tx returns the next transaction's sender and protobuf form.
func (w *worker) tx() *aurigraphv1.Transaction {
	k := w.next
	w.next = (w.next + 1) % accountsPerWorker
	w.nonces[k]++
	acct := w.prefix + strconv.Itoa(k)
	return &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: acct, To: acct, Amount: 1, Nonce: w.nonces[k]}
}

// appendJSON writes tx in the JSON form producers submit.
func appendJSON(b []byte, tx *aurigraphv1.Transaction) []byte {
	b = append(b, `{"type":"mint","from":"`...)
	b = append(b, tx.GetFrom()...)
	b = append(b, `","to":"`...)
	b = append(b, tx.GetTo()...)
	b = append(b, `","amount":`...)
	b = strconv.AppendUint(b, tx.GetAmount(), 10)
	b = append(b, `,"nonce":`...)
	b = strconv.AppendUint(b, tx.GetNonce(), 10)
	return append(b, '}')
}

// pathStats counts what one submission path had accepted.
type pathStats struct {
	accepted atomic.Int64
	failed   atomic.Int64
	mu       sync.Mutex
	firstErr error
}

func (s *pathStats) fail(n int, err error) {
	s.failed.Add(int64(n))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr == nil {
		s.firstErr = err
	}
}

func (s *pathStats) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstErr
}

// Paths submit transactions the three ways producers can: REST, gRPC and
// the transaction topic.
const (
	PathREST  = "rest"
	PathGRPC  = "grpc"
	PathTopic = "topic"
)

// floodWorkers is how many goroutines flood each path while the maximum is
// measured: with fewer, the round trips of REST and gRPC bounded it at about
// half of what the pipeline commits.
const floodWorkers = 8

// load offers transactions over the three paths, open loop, at rate tx/s
// in all, until ctx ends.
type load struct {
	// ctx is the whole run's: records handed to the producer at the end of
	// a phase are still produced.
	ctx     context.Context
	id      string
	tgt     Target
	stats   map[string]*pathStats
	http    *http.Client
	conn    *grpc.ClientConn
	kafka   *kgo.Client
	workers int
}

func newLoad(ctx context.Context, run string, tgt Target) (*load, error) {
	conn, err := grpc.NewClient(tgt.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("soak: gRPC client for %s: %w", tgt.GRPC, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(tgt.Brokers...), kgo.DefaultProduceTopic(schemas.TopicTransactions),
		kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("soak: kafka producer for %v: %w", tgt.Brokers, err)
	}
	l := &load{
		ctx: ctx, id: run, tgt: tgt, conn: conn, kafka: cl, workers: 2,
		http:  &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: floodWorkers}},
		stats: map[string]*pathStats{PathREST: {}, PathGRPC: {}, PathTopic: {}},
	}
	return l, nil
}

func (l *load) close() {
	flushCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = l.kafka.Flush(flushCtx)
	l.kafka.Close()
	l.conn.Close()
	l.http.CloseIdleConnections()
}

// accepted is what every path had accepted so far.
func (l *load) accepted() int64 {
	var n int64
	for _, s := range l.stats {
		n += s.accepted.Load()
	}
	return n
}

// run offers rate tx/s, a third on each path, until ctx ends.
func (l *load) run(ctx context.Context, phase string, rate float64) {
	var wg sync.WaitGroup
	per := rate / 3 / float64(l.workers)
	for i := range l.workers {
		rest, grpcW, topic := newWorker(l.id+phase, "r", i), newWorker(l.id+phase, "g", i), newWorker(l.id+phase, "k", i)
		wg.Go(func() { paced(ctx, per, batchTxs, func(n int) { l.postREST(rest, n) }) })
		wg.Go(func() { paced(ctx, per, batchTxs, func(n int) { l.submitGRPC(grpcW, n) }) })
		wg.Go(func() { paced(ctx, per, 50, func(n int) { l.produce(topic, n) }) })
	}
	wg.Wait()
}

// flood offers transactions over the three paths as fast as the pipeline
// takes them, in the soak's mix (a third on each: a path that gets ahead of
// the slowest waits for it), pausing while more than maxBacklog of them wait
// to commit, until ctx ends. The maximum it measures is then one the soak's
// mix can reach: REST and gRPC cost the process more per transaction than
// the topic does, so a maximum measured on the topic alone is more than the
// mix sustains.
func (l *load) flood(ctx context.Context, phase string, backlog func() int64, maxBacklog int64) {
	var offered [3]atomic.Int64
	// A path may run one batch ahead of the slowest.
	mayGo := func(path int, batch int64) bool {
		least := offered[0].Load()
		for i := range offered {
			least = min(least, offered[i].Load())
		}
		return offered[path].Load()-least < batch && backlog() <= maxBacklog
	}
	// Enough requests in flight that their round trips do not bound the
	// maximum (REST and gRPC answer once the batch is in the log).
	workers := floodWorkers
	var wg sync.WaitGroup
	for i := range workers {
		rest, grpcW, topic := newWorker(l.id+phase, "r", i), newWorker(l.id+phase, "g", i), newWorker(l.id+phase, "k", i)
		sends := []func(){
			func() { l.postREST(rest, batchTxs) },
			func() { l.submitGRPC(grpcW, batchTxs) },
			func() { l.produce(topic, batchTxs) },
		}
		for path, send := range sends {
			wg.Go(func() {
				for ctx.Err() == nil {
					if !mayGo(path, 2*batchTxs*int64(workers)) {
						time.Sleep(2 * time.Millisecond)
						continue
					}
					offered[path].Add(batchTxs)
					send()
				}
			})
		}
	}
	wg.Wait()
}

// paced calls send(n) so that rate tx/s go out in steps of at most batch;
// a send that took longer than its share is caught up on at once, so a
// pipeline that slows submissions down shows up as fewer accepted, never as
// a quietly lower offer.
func paced(ctx context.Context, rate float64, batch int, send func(n int)) {
	if rate <= 0 {
		return
	}
	start := time.Now()
	sent := 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for due := int(now.Sub(start).Seconds() * rate); sent < due && ctx.Err() == nil; {
				n := min(batch, due-sent)
				send(n)
				sent += n
			}
		}
	}
}

// postREST and submitGRPC run on the whole run's context, as produce does:
// a request a phase's end finds in flight completes, rather than counting as
// failed when its deadline races the phase's.
func (l *load) postREST(w *worker, n int) {
	ctx := l.ctx
	st := l.stats[PathREST]
	body := make([]byte, 0, n*96+2)
	body = append(body, '[')
	for i := range n {
		if i > 0 {
			body = append(body, ',')
		}
		body = appendJSON(body, w.tx())
	}
	body = append(body, ']')
	url := "http://" + l.tgt.HTTP + "/api/v12/transactions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		st.fail(n, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.http.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			st.fail(n, fmt.Errorf("POST %s: %w", url, err))
		}
		return
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusAccepted {
		st.fail(n, fmt.Errorf("POST %s answered %s: %s", url, resp.Status, bytes.TrimSpace(msg[:min(len(msg), 512)])))
		return
	}
	st.accepted.Add(int64(n))
}

func (l *load) submitGRPC(w *worker, n int) {
	ctx := l.ctx
	st := l.stats[PathGRPC]
	txs := make([]*aurigraphv1.Transaction, n)
	for i := range txs {
		txs[i] = w.tx()
	}
	callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := aurigraphv1.NewTransactionServiceClient(l.conn).SubmitBatch(callCtx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		st.fail(n, fmt.Errorf("%s: %w", aurigraphv1.TransactionService_SubmitBatch_FullMethodName, err))
	case len(resp.GetIds()) != n:
		st.fail(n, fmt.Errorf("%s accepted %d of %d", aurigraphv1.TransactionService_SubmitBatch_FullMethodName, len(resp.GetIds()), n))
	default:
		st.accepted.Add(int64(n))
	}
}

func (l *load) produce(w *worker, n int) {
	st := l.stats[PathTopic]
	for range n {
		tx := w.tx()
		rec := &kgo.Record{Key: []byte(tx.GetFrom()), Value: appendJSON(nil, tx)}
		l.kafka.Produce(l.ctx, rec, func(_ *kgo.Record, err error) {
			switch {
			case err == nil:
				st.accepted.Add(1)
			case errors.Is(err, context.Canceled):
			default:
				st.fail(1, err)
			}
		})
	}
}
