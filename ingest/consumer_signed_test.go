package ingest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// signedTxRecords makes n signed transfers as JSON records, by four keys as
// the bench's producers sign, each about 300 bytes.
func signedTxRecords(t testing.TB, n int) ([]*kgo.Record, []*aurigraphv1.Transaction) {
	t.Helper()
	keys := make([]ed25519.PrivateKey, 4)
	for i := range keys {
		seed := sha256.Sum256([]byte("signed consumer " + strconv.Itoa(i)))
		keys[i] = ed25519.NewKeyFromSeed(seed[:])
	}
	recs := make([]*kgo.Record, n)
	txs := make([]*aurigraphv1.Transaction, n)
	for i := range n {
		key := keys[i%len(keys)]
		from := schemas.AddressOf(key.Public().(ed25519.PublicKey))
		tx := &aurigraphv1.Transaction{Type: transfer, From: from, To: "bob", Amount: uint64(i + 1), Nonce: uint64(i/len(keys) + 1)}
		schemas.SignTx(tx, key)
		tx.Id = schemas.TxID(tx)
		value, err := schemas.MarshalTxJSON(tx)
		if err != nil {
			t.Fatal(err)
		}
		recs[i], txs[i] = &kgo.Record{Topic: testTopic, Key: []byte(from), Value: value}, tx
	}
	return recs, txs
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// verifyCeiling is how many signed transactions a second ValidateAll
// passes on every core, in polls of 256 as internal/bench/ceiling measures
// the pipeline's verification ceiling.
func verifyCeiling(txs []*aurigraphv1.Transaction) float64 {
	const poll = 256
	workers := runtime.GOMAXPROCS(0)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for lo := w * poll; lo < len(txs); lo += workers * poll {
				ValidateAll(txs[lo:min(lo+poll, len(txs))])
			}
		})
	}
	wg.Wait()
	return float64(len(txs)) / time.Since(start).Seconds()
}

// BenchmarkConsumerSigned measures the leader's path from log to applied
// batch for signed transactions, with a commit taking a few milliseconds,
// beside the verification ceiling measured on the same transactions right
// after: share_of_ceiling is what the consume loop makes of the cores that
// verification alone would use, and cores-used the CPU time of the process
// (the in-process broker included) over the elapsed time.
func BenchmarkConsumerSigned(b *testing.B) {
	n := max(b.N, 20_000)
	recs, txs := signedTxRecords(b, n)
	addr := newCluster(b, 6)
	produce(b, newClient(b, addr, kgo.ProducerBatchMaxBytes(1<<20)), recs...)
	chain := newFakeChain(b)
	chain.applyWait = 2 * time.Millisecond
	chain.elect(1)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	startConsumer(b, addr, chain.node(1), 1, func(cfg *ConsumerConfig) {
		cfg.MaxBatchTxs, cfg.Linger, cfg.MaxInflight, cfg.Logger = 4096, 5*time.Millisecond, 8, slog.New(slog.DiscardHandler)
		cfg.RequireSignatures, cfg.Signatures = true, sigcache.New(sigcache.DefaultSize, nil)
	})
	waitFor(b, "all records applied", func() bool {
		applied, _ := chain.applied()
		return len(applied) == n
	})
	b.StopTimer()
	cores := (cpuTime() - cpu0).Seconds() / b.Elapsed().Seconds()
	rate := float64(n) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "records/s")
	chain.mu.Lock()
	b.ReportMetric(float64(n)/float64(len(chain.batches)), "txs/batch")
	chain.mu.Unlock()
	b.ReportMetric(rate/verifyCeiling(txs), "share_of_ceiling")
	b.ReportMetric(cores, "cores-used")
}

// gatedVerifier verifies as sigcache does, but holds the signatures of
// later's transactions until open is closed.
type gatedVerifier struct {
	later map[[32]byte]bool
	open  chan struct{}
	seen  chan struct{} // closed at the first verification
	once  sync.Once
}

func (g *gatedVerifier) Verify(pub, digest, sig []byte) bool {
	g.once.Do(func() { close(g.seen) })
	if g.later[[32]byte(digest)] {
		<-g.open
	}
	return sigcache.Verify(pub, digest, sig)
}

// TestBatchProposedWhileNextPollVerifies: a batch whose linger ends is
// proposed while the signatures of the records polled after it are still
// being verified. Were verifying done on the polling goroutine, the batch
// would wait for them: here they wait for the batch to apply, so it never
// would.
func TestBatchProposedWhileNextPollVerifies(t *testing.T) {
	addr := newCluster(t, 1)
	cl := newClient(t, addr)
	recs, txs := signedTxRecords(t, 20)
	first, later := recs[:10], recs[10:]
	gate := &gatedVerifier{later: map[[32]byte]bool{}, open: make(chan struct{}), seen: make(chan struct{})}
	for _, tx := range txs[10:] {
		gate.later[schemas.TxDigest(tx)] = true
	}
	chain := newFakeChain(t)
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, func(cfg *ConsumerConfig) {
		// Long enough for the later records to be polled within it.
		cfg.Linger, cfg.Signatures = 300*time.Millisecond, gate
	})
	// Opened on failure too, or stopping the consumer would wait for them.
	var opening sync.Once
	release := func() { opening.Do(func() { close(gate.open) }) }
	t.Cleanup(release)
	produce(t, cl, first...)
	<-gate.seen
	produce(t, cl, later...)
	waitFor(t, "the first records applied while the later ones verify", func() bool {
		applied, _ := chain.applied()
		return len(applied) == len(first)
	})
	release()
	waitFor(t, "all records applied", func() bool {
		applied, _ := chain.applied()
		return len(applied) == len(recs)
	})
}
