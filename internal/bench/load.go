package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// accountsPerProducer spreads each producer's records over partitions (the
// key is the sender) while keeping per-sender nonces in one goroutine.
const accountsPerProducer = 64

// producer makes the transactions of one load goroutine, with growing
// nonces so every one commits, across phases. Unsigned, it mints from its
// own accounts to themselves; signed, it mints as one of the chain's
// issuers (ProducerIssuers) to an address of the run and phase. The
// recipient tells the observers which run and phase a transaction is of.
type producer struct {
	run     string
	index   int
	nonces  [accountsPerProducer]uint64
	next    int
	payload string // base64 padding that brings a record to the asked size
	key     ed25519.PrivateKey
	addr    string // the issuer address key controls
	// recipients of a signed producer, by phase.
	recipients map[string]string
}

// producerKey is signed producer i's key. It is the same in every run, so
// a chain started for the bench can name the producers its issuers.
func producerKey(i int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "aurigraph-bench-producer-"+strconv.Itoa(i))
	return ed25519.NewKeyFromSeed(seed)
}

// SignedProducersMax bounds the producers of a signed bench: its chain names
// each one an issuer.
const SignedProducersMax = 32

// ProducerIssuers are the addresses a signed bench's producers mint from,
// which the chain it runs on must name its issuers.
func ProducerIssuers() []string {
	out := make([]string, SignedProducersMax)
	for i := range out {
		out[i] = schemas.AddressOf(producerKey(i).Public().(ed25519.PublicKey))
	}
	return out
}

func newProducer(run string, index, txSize int, signed bool) *producer {
	p := &producer{run: run, index: index}
	if signed {
		p.key = producerKey(index)
		p.addr = schemas.AddressOf(p.key.Public().(ed25519.PublicKey))
		// Nonces of an issuer must grow across runs on the same chain.
		p.nonces[0] = uint64(time.Now().UnixMicro())
		p.recipients = make(map[string]string)
		for _, phase := range []string{phaseMax, phaseLatency} {
			seed := make([]byte, ed25519.SeedSize)
			copy(seed, run+"-"+phase+"-"+strconv.Itoa(index))
			p.recipients[phase] = schemas.AddressOf(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
		}
	}
	probe, _ := p.encode(phaseMax, 0, 1, "")
	if pad := txSize - len(probe); pad > 16 {
		// base64 grows by 4/3; the JSON key and quotes take 13 bytes.
		p.payload = base64.StdEncoding.EncodeToString(make([]byte, (pad-13)*3/4))
	}
	return p
}

// account is an unsigned producer's account k in phase.
func (p *producer) account(phase string, k int) string {
	return p.run + "-" + phase + "-p" + strconv.Itoa(p.index) + "-a" + strconv.Itoa(k)
}

// phases maps every recipient of p to the phase it receives in.
func (p *producer) phases() map[string]string {
	out := make(map[string]string)
	if p.key != nil {
		for phase, to := range p.recipients {
			out[to] = phase
		}
		return out
	}
	for _, phase := range []string{phaseMax, phaseLatency} {
		for k := range accountsPerProducer {
			out[p.account(phase, k)] = phase
		}
	}
	return out
}

// record returns the next transaction of phase as a Kafka record value,
// keyed by its sender.
func (p *producer) record(phase string) (key, value []byte, err error) {
	k := 0
	if p.key == nil {
		k = p.next
		p.next = (p.next + 1) % accountsPerProducer
	}
	p.nonces[k]++
	value, err = p.encode(phase, k, p.nonces[k], p.payload)
	if p.key != nil {
		return []byte(p.addr), value, err
	}
	return []byte(p.account(phase, k)), value, err
}

// encode writes the JSON form by hand for unsigned load: the producers share
// the machine with the pipeline, so they must cost little. Ids are left to
// ingest, which derives them.
func (p *producer) encode(phase string, k int, nonce uint64, payload string) ([]byte, error) {
	if p.key != nil {
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: p.addr, To: p.recipients[phase], Amount: 1, Nonce: nonce}
		if payload != "" {
			tx.Payload, _ = base64.StdEncoding.DecodeString(payload)
		}
		schemas.SignTx(tx, p.key)
		return schemas.MarshalTxJSON(tx)
	}
	acct := p.account(phase, k)
	b := make([]byte, 0, 128+len(payload))
	b = append(b, `{"type":"mint","from":"`...)
	b = append(b, acct...)
	b = append(b, `","to":"`...)
	b = append(b, acct...)
	b = append(b, `","amount":1,"nonce":`...)
	b = strconv.AppendUint(b, nonce, 10)
	if payload != "" {
		b = append(b, `,"payload":"`...)
		b = append(b, payload...)
		b = append(b, '"')
	}
	return append(b, '}'), nil
}

// loadSpec is one phase of load.
type loadSpec struct {
	brokers  []string
	topic    string
	phase    string
	rate     float64 // records/s over all producers; 0 produces as fast as the broker takes them
	duration time.Duration
	// backlog, with rate 0, reports how many produced records the pipeline
	// has not committed yet; producers pause above maxBacklog, so the
	// maximum is found without queueing minutes of work in the log.
	backlog func(produced int64) int64
}

// maxBacklog keeps enough uncommitted records in the log for ingest to
// always cut full batches, and little enough to drain in seconds.
const maxBacklog = 64 << 10

// loadResult counts what one phase produced.
type loadResult struct {
	Produced int64         `json:"produced"`
	Failed   int64         `json:"failed"`
	Elapsed  time.Duration `json:"-"`
}

// presigned holds the records of a signed phase, made before the clock
// starts: signing is the producers' work, not the pipeline's, and it would
// otherwise take the cores the validators need.
type presigned struct {
	keys, values [][][]byte // per producer
}

func presign(ctx context.Context, producers []*producer, phase string, count int) (*presigned, error) {
	ps := &presigned{keys: make([][][]byte, len(producers)), values: make([][][]byte, len(producers))}
	per := (count + len(producers) - 1) / len(producers)
	var wg sync.WaitGroup
	errs := make([]error, len(producers))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, p := range producers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for range per {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				k, v, err := p.record(phase)
				if err != nil {
					errs[i] = err
					return
				}
				ps.keys[i] = append(ps.keys[i], k)
				ps.values[i] = append(ps.values[i], v)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("presign %d transactions: %w", count, err)
		}
	}
	return ps, nil
}

// runLoad produces one phase. Open-loop (rate > 0) records carry their
// scheduled send time as timestamp, which ingest takes as the submit time,
// so a producer that falls behind schedule shows up as latency instead of
// quietly offering less load.
func runLoad(ctx context.Context, spec loadSpec, producers []*producer, pre *presigned, clientOpts ...kgo.Opt) (loadResult, error) {
	var produced, failed atomic.Int64
	var firstErr firstError
	clients := make([]*kgo.Client, len(producers))
	for i := range clients {
		opts := append([]kgo.Opt{
			kgo.SeedBrokers(spec.brokers...),
			kgo.DefaultProduceTopic(spec.topic),
			kgo.ProducerLinger(2 * time.Millisecond),
			kgo.MaxBufferedRecords(50_000),
		}, clientOpts...)
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			for _, c := range clients[:i] {
				c.Close()
			}
			return loadResult{}, fmt.Errorf("bench producer for %v: %w", spec.brokers, err)
		}
		clients[i] = cl
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			firstErr.set(err)
			return
		}
		produced.Add(1)
	}

	start := time.Now()
	end := start.Add(spec.duration)
	// The deadline ends the loops; records already handed to a client are
	// produced under ctx, so the end of a phase does not fail them.
	phaseCtx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	perProducer := spec.rate / float64(len(producers))
	var wg sync.WaitGroup
	for i, p := range producers {
		cl := clients[i]
		wg.Go(func() {
			n := 0
			next := func() (k, v []byte, ok bool) {
				if pre != nil {
					if n >= len(pre.values[i]) {
						return nil, nil, false
					}
					k, v = pre.keys[i][n], pre.values[i][n]
				} else {
					var err error
					if k, v, err = p.record(spec.phase); err != nil {
						firstErr.set(err)
						return nil, nil, false
					}
				}
				n++
				return k, v, true
			}
			if perProducer <= 0 {
				for phaseCtx.Err() == nil {
					if n%256 == 0 && spec.backlog != nil {
						for spec.backlog(produced.Load()) > maxBacklog && phaseCtx.Err() == nil {
							time.Sleep(time.Millisecond)
						}
					}
					k, v, ok := next()
					if !ok {
						return
					}
					cl.Produce(ctx, &kgo.Record{Key: k, Value: v}, done)
				}
				return
			}
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-phaseCtx.Done():
					return
				case now := <-tick.C:
					due := int(now.Sub(start).Seconds() * perProducer)
					for n < due {
						at := start.Add(time.Duration(float64(n) / perProducer * float64(time.Second)))
						k, v, ok := next()
						if !ok {
							return
						}
						cl.Produce(ctx, &kgo.Record{Key: k, Value: v, Timestamp: at}, done)
					}
				}
			}
		})
	}
	wg.Wait()
	flushCtx, cancelFlush := context.WithTimeout(ctx, 30*time.Second)
	defer cancelFlush()
	for _, c := range clients {
		if err := c.Flush(flushCtx); err != nil {
			return loadResult{}, fmt.Errorf("bench producer: flush: %w", err)
		}
	}
	// Until the last buffered record was acknowledged: what the broker took.
	elapsed := time.Since(start)
	res := loadResult{Produced: produced.Load(), Failed: failed.Load(), Elapsed: elapsed}
	if err := firstErr.get(); err != nil && res.Produced == 0 {
		return res, fmt.Errorf("bench producer: nothing was produced to %s: %w", spec.topic, err)
	}
	return res, nil
}
