package fault

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// loadSpec describes a run of transactions produced into the broker.
type loadSpec struct {
	// Total is how many transactions to produce, unless end is called first.
	Total int
	// Rate is transactions per second; 0 produces as fast as the broker takes them.
	Rate int
	// Accounts spreads the transactions over this many senders (default 64).
	// Each is the record key, so one sender's transactions stay in order on
	// one partition, and its nonce grows by one per transaction: a
	// transaction applied out of order or twice would fail its nonce check.
	Accounts int
	// Prefix makes the senders, and so the ids, of one run distinct from
	// another's.
	Prefix string
}

// loadGen produces a loadSpec's transactions in the background. Every
// transaction carries its own id, so the final check knows exactly which
// ids must be in the chain.
type loadGen struct {
	spec   loadSpec
	client *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}

	acked atomic.Int64
	ended atomic.Bool
	mu    sync.Mutex
	ids   []string
	err   error
}

type mintTx struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	From   string `json:"from"`
	To     string `json:"to"`
	Amount uint64 `json:"amount"`
	Nonce  uint64 `json:"nonce"`
}

// startLoad begins producing to the broker at kafkaAddr.
func startLoad(kafkaAddr string, spec loadSpec) (*loadGen, error) {
	if spec.Accounts == 0 {
		spec.Accounts = 64
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(kafkaAddr),
		kgo.DefaultProduceTopic(schemas.TopicTransactions),
		kgo.ProducerLinger(2*time.Millisecond),
		kgo.MaxBufferedRecords(50_000),
	)
	if err != nil {
		return nil, fmt.Errorf("producer for %s: %w", kafkaAddr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &loadGen{spec: spec, client: client, cancel: cancel, done: make(chan struct{}), ids: make([]string, 0, min(spec.Total, 1<<17))}
	go g.run(ctx)
	return g, nil
}

func (g *loadGen) run(ctx context.Context) {
	defer close(g.done)
	defer g.client.Close()
	nonces := make([]uint64, g.spec.Accounts)
	start := time.Now()
	// Pace in steps of about 5ms of load, so the schedule rather than
	// timer resolution sets the rate and no burst hides a stall.
	step := max(1, g.spec.Rate/200)
	fail := func(err error) {
		g.mu.Lock()
		if g.err == nil {
			g.err = err
		}
		g.mu.Unlock()
	}
	for i := 0; i < g.spec.Total && !g.ended.Load(); i++ {
		if g.spec.Rate > 0 && i%step == 0 {
			due := start.Add(time.Duration(float64(i) / float64(g.spec.Rate) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					fail(ctx.Err())
					return
				}
			}
		}
		acct := i % g.spec.Accounts
		nonces[acct]++
		sender := fmt.Sprintf("%s-acct-%d", g.spec.Prefix, acct)
		// Ids are derived from content; the prefix in the sender keeps runs apart.
		tx := mintTx{Type: "mint", From: sender, To: sender, Amount: 5, Nonce: nonces[acct]}
		tx.ID = schemas.TxID(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: sender, To: sender, Amount: tx.Amount, Nonce: tx.Nonce})
		value, err := json.Marshal(tx)
		if err != nil {
			fail(err)
			return
		}
		g.mu.Lock()
		g.ids = append(g.ids, tx.ID)
		g.mu.Unlock()
		g.client.Produce(ctx, &kgo.Record{Key: []byte(sender), Value: value}, func(r *kgo.Record, err error) {
			if err != nil {
				fail(fmt.Errorf("produce %s: %w", r.Value, err))
				return
			}
			g.acked.Add(1)
		})
	}
	if err := g.client.Flush(ctx); err != nil {
		fail(fmt.Errorf("flush producer: %w", err))
	}
}

// produced is how many transactions the broker has acknowledged so far.
func (g *loadGen) produced() int64 { return g.acked.Load() }

// wait blocks until every transaction is produced and returns their ids,
// in production order. A produce error (the broker never fails in these
// tests, so any error is a finding) or a timeout is returned as an error.
func (g *loadGen) wait(timeout time.Duration) ([]string, error) {
	select {
	case <-g.done:
	case <-time.After(timeout):
		g.stop()
		return nil, fmt.Errorf("load of %d transactions not produced within %v (%d acknowledged)", g.spec.Total, timeout, g.produced())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return nil, g.err
	}
	if n := g.acked.Load(); n != int64(len(g.ids)) {
		return nil, fmt.Errorf("%d transactions produced but %d acknowledged", len(g.ids), n)
	}
	return g.ids, nil
}

// end stops producing new transactions; wait then returns those produced.
func (g *loadGen) end() { g.ended.Store(true) }

// stop abandons the load and waits for the producer to close.
func (g *loadGen) stop() {
	g.cancel()
	<-g.done
}
