// Package apibench compares the two faces transactions are submitted
// through, REST POST /api/v12/transactions and gRPC TransactionService,
// which end in the same ingest code: one case per payload shape, both
// protocols once per round in alternating order, medians over the rounds.
// `aurigraph bench api` wires it.
package apibench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/bench"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

const (
	// MaxBatch is the most transactions ingest takes in one request; it
	// refuses a larger batch whole.
	MaxBatch = ingest.DefaultMaxTxs
	// apiRequestTimeout matches the gRPC server's bound on unary calls, so a
	// stuck request fails the run the same way on both protocols.
	apiRequestTimeout = rpc.DefaultTimeout
	// apiStallTimeout is how long the chain's transaction count may stand
	// still, short of what was submitted, before the bench gives up on it:
	// a backlog may take as long as it needs while it shrinks.
	apiStallTimeout = 30 * time.Second
	// apiHistMaxUs is the histograms' ceiling; requests time out below it.
	apiHistMaxUs = int64(2 * apiRequestTimeout / time.Microsecond)
	restPath     = "/api/v12/transactions"
)

// Config is one run; its values are taken as they are.
type Config struct {
	// Cases are "single" (one transaction per request) and "batch"
	// (BatchSize per request, at most MaxBatch), each named once.
	Cases []string
	// Rounds per case; each runs both protocols once.
	Rounds int
	// Requests and Concurrency shape the single case's phases,
	// BatchRequests and BatchConcurrency the batch case's.
	Requests, Concurrency, BatchRequests, BatchConcurrency, BatchSize int
	// HTTP and GRPC are the pipeline's REST and plaintext gRPC host:port.
	HTTP, GRPC string
	// Validators is echoed in the report: 0 for a pipeline the bench did
	// not start.
	Validators int
	// Settle waits before each phase until the chain has committed, and
	// ClickHouse projected, everything submitted so far.
	Settle bool
	// Collect runs the garbage collector before each phase, for a pipeline
	// in this process, whose heap is the bench's.
	Collect bool
	Logger  *slog.Logger
}

// apiCase is one payload shape, measured on both protocols.
type apiCase struct {
	name        string
	batch       bool
	txs         int // per request
	requests    int // per protocol per round
	concurrency int
}

func (cfg Config) cases() []apiCase {
	var cases []apiCase
	for _, name := range cfg.Cases {
		if name == "single" {
			cases = append(cases, apiCase{name: name, txs: 1, requests: cfg.Requests, concurrency: cfg.Concurrency})
		} else {
			cases = append(cases, apiCase{name: name, batch: true, txs: cfg.BatchSize, requests: cfg.BatchRequests, concurrency: cfg.BatchConcurrency})
		}
	}
	return cases
}

// apiProtocol sends one request and reports the size of its body and how
// long it took from encoding the request to decoding the answer.
type apiProtocol struct {
	name   string // rest or grpc, in recipients
	label  string
	method func(batch bool) string
	send   func(ctx context.Context, txs []*aurigraphv1.Transaction, batch bool) (size int, took time.Duration, err error)
}

type apiBenchClients struct {
	httpClient *http.Client
	restURL    string
	statsURL   string
	healthURL  string
	conn       *grpc.ClientConn
	tx         aurigraphv1.TransactionServiceClient
}

func newAPIBenchClients(httpAddr, grpcAddr string, conns int) (*apiBenchClients, error) {
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("bench api: gRPC client for %s: %w", grpcAddr, err)
	}
	return &apiBenchClients{
		httpClient: &http.Client{Transport: &http.Transport{
			// One idle connection per worker, so no request waits for a dial.
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			// Bodies go as they are, to compare their size with protobuf's.
			DisableCompression: true,
			DialContext:        (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		}},
		restURL: "http://" + httpAddr + restPath,
		// A consistent read waits for the leader, which under load answers
		// 503 after seconds; a validator's own state cannot overcount.
		statsURL:  "http://" + httpAddr + "/api/v12/chain/stats?stale=true",
		healthURL: "http://" + httpAddr + "/q/health",
		conn:      conn,
		tx:        aurigraphv1.NewTransactionServiceClient(conn),
	}, nil
}

func (c *apiBenchClients) close() {
	c.httpClient.CloseIdleConnections()
	_ = c.conn.Close()
}

func (c *apiBenchClients) protocols() [2]apiProtocol {
	return [2]apiProtocol{
		{name: "rest", label: "REST", send: c.sendREST, method: func(bool) string { return "POST " + restPath }},
		{name: "grpc", label: "gRPC", send: c.sendGRPC, method: func(batch bool) string {
			if batch {
				return aurigraphv1.TransactionService_SubmitBatch_FullMethodName
			}
			return aurigraphv1.TransactionService_Submit_FullMethodName
		}},
	}
}

func (c *apiBenchClients) sendREST(ctx context.Context, txs []*aurigraphv1.Transaction, batch bool) (int, time.Duration, error) {
	began := time.Now()
	body, err := apiJSONBody(txs, batch)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.restURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("POST %s: %w", c.restURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("POST %s (is the pipeline's REST API there?): %w", c.restURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return 0, 0, fmt.Errorf("POST %s answered %s: %s", c.restURL, resp.Status, bytes.TrimSpace(msg))
	}
	var answer struct {
		IDs []string `json:"ids"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return 0, 0, fmt.Errorf("POST %s: decode the answer: %w", c.restURL, err)
	}
	// Drained to the end, the connection goes back to the pool.
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, 0, fmt.Errorf("POST %s: read the answer: %w", c.restURL, err)
	}
	took := time.Since(began)
	if len(answer.IDs) != len(txs) {
		return 0, 0, fmt.Errorf("POST %s accepted %d ids for %d transactions", c.restURL, len(answer.IDs), len(txs))
	}
	return len(body), took, nil
}

// apiJSONBody encodes txs the way POST /transactions reads them: one
// object for a single transaction, an array for a batch.
func apiJSONBody(txs []*aurigraphv1.Transaction, batch bool) ([]byte, error) {
	if !batch {
		b, err := schemas.MarshalTxJSON(txs[0])
		if err != nil {
			return nil, fmt.Errorf("encode the REST body: %w", err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	buf.Grow(80 * len(txs))
	buf.WriteByte('[')
	for i, tx := range txs {
		b, err := schemas.MarshalTxJSON(tx)
		if err != nil {
			return nil, fmt.Errorf("encode the REST body: %w", err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

func (c *apiBenchClients) sendGRPC(ctx context.Context, txs []*aurigraphv1.Transaction, batch bool) (int, time.Duration, error) {
	if !batch {
		req := &aurigraphv1.SubmitRequest{Transaction: txs[0]}
		began := time.Now()
		resp, err := c.tx.Submit(ctx, req)
		took := time.Since(began)
		if err != nil {
			return 0, 0, fmt.Errorf("%s (is the pipeline's gRPC API at %s, in plaintext?): %w", aurigraphv1.TransactionService_Submit_FullMethodName, c.conn.Target(), err)
		}
		if resp.GetId() == "" {
			return 0, 0, fmt.Errorf("%s answered no id", aurigraphv1.TransactionService_Submit_FullMethodName)
		}
		return proto.Size(req), took, nil
	}
	req := &aurigraphv1.SubmitBatchRequest{Transactions: txs}
	began := time.Now()
	resp, err := c.tx.SubmitBatch(ctx, req)
	took := time.Since(began)
	if err != nil {
		return 0, 0, fmt.Errorf("%s (is the pipeline's gRPC API at %s, in plaintext?): %w", aurigraphv1.TransactionService_SubmitBatch_FullMethodName, c.conn.Target(), err)
	}
	if len(resp.GetIds()) != len(txs) {
		return 0, 0, fmt.Errorf("%s accepted %d ids for %d transactions", aurigraphv1.TransactionService_SubmitBatch_FullMethodName, len(resp.GetIds()), len(txs))
	}
	return proto.Size(req), took, nil
}

// getJSON decodes the answer to GET url, which must have one of the
// statuses ok.
func (c *apiBenchClients) getJSON(ctx context.Context, url string, into any, ok ...int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if !slices.Contains(ok, resp.StatusCode) {
		return fmt.Errorf("GET %s answered %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: decode %q: %w", url, body, err)
	}
	return nil
}

// committed is the chain's transaction count.
func (c *apiBenchClients) committed(ctx context.Context) (int64, error) {
	var st struct {
		TxCount int64 `json:"tx_count"`
	}
	err := c.getJSON(ctx, c.statsURL, &st, http.StatusOK)
	return st.TxCount, err
}

// projectionLag is how many blocks ClickHouse trails the chain by; 0 where
// the process projects nothing.
func (c *apiBenchClients) projectionLag(ctx context.Context) (int64, error) {
	var h struct {
		Checks []struct {
			Name string `json:"name"`
			Data struct {
				LagBlocks int64 `json:"lag_blocks"`
			} `json:"data"`
		} `json:"checks"`
	}
	// A DOWN check elsewhere answers 503 with the same report.
	if err := c.getJSON(ctx, c.healthURL, &h, http.StatusOK, http.StatusServiceUnavailable); err != nil {
		return 0, err
	}
	for _, check := range h.Checks {
		if check.Name == "projector" {
			return check.Data.LagBlocks, nil
		}
	}
	return 0, nil
}

// settle waits until the chain holds want transactions and ClickHouse has
// caught up with it, so the next phase has the machine to itself.
func (c *apiBenchClients) settle(ctx context.Context, want int64) error {
	if _, err := c.waitCommitted(ctx, want); err != nil {
		return err
	}
	_, err := apiPollUntil(ctx, 100*time.Millisecond, "ClickHouse's lag in blocks", c.projectionLag, func(n int64) bool { return n == 0 })
	return err
}

// waitCommitted returns the chain's transaction count once it is at least
// want.
func (c *apiBenchClients) waitCommitted(ctx context.Context, want int64) (int64, error) {
	return apiPollUntil(ctx, 25*time.Millisecond, "the chain's transaction count", c.committed, func(n int64) bool { return n >= want })
}

// apiPollUntil reads a figure every so often until done accepts it. A failed
// read is retried, as a validator answers 503 while it catches up; a figure
// that stops changing for apiStallTimeout ends the wait, while one that
// still moves may take as long as it needs.
func apiPollUntil(ctx context.Context, every time.Duration, what string, read func(context.Context) (int64, error), done func(int64) bool) (int64, error) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var (
		last    int64
		lastErr error
		changed = time.Now()
	)
	for {
		n, err := read(ctx)
		if err == nil && done(n) {
			return n, nil
		}
		if err == nil && n != last {
			last, changed = n, time.Now()
		}
		lastErr = err
		if time.Since(changed) > apiStallTimeout {
			msg := fmt.Sprintf("bench api: %s has stood at %d for %v, short of what the bench waits for; is the pipeline stuck? (see its warnings; --settle=false skips the waits between phases)", what, last, apiStallTimeout)
			if lastErr != nil {
				return last, fmt.Errorf("%s: last read: %w", msg, lastErr)
			}
			return last, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-tick.C:
		}
	}
}

// apiMints makes n mints to recipients no other request uses, nonce 1
// each, so every one is valid and commits; ids are left to the server.
// Both protocols' names have the same length, so their bodies compare.
func apiMints(run, kase, protocol string, first int64, n int) []*aurigraphv1.Transaction {
	txs := make([]*aurigraphv1.Transaction, n)
	prefix := "bench-" + run + "-" + kase + "-" + protocol + "-"
	for i := range txs {
		txs[i] = &aurigraphv1.Transaction{
			Type:   aurigraphv1.TxType_TX_TYPE_MINT,
			To:     prefix + strconv.FormatInt(first+int64(i), 10),
			Amount: 1,
			Nonce:  1,
		}
	}
	return txs
}

// apiPhase is one protocol's share of a round.
type apiPhase struct {
	run      string
	c        apiCase
	p        apiProtocol
	seq      *atomic.Int64 // next recipient number of this case and protocol
	requests int
}

// Round is one protocol's figures in one round.
type Round struct {
	Round int `json:"round"`
	// First is whether this protocol went first in its round.
	First        bool    `json:"first"`
	Requests     int     `json:"requests"`
	Transactions int64   `json:"transactions"`
	Seconds      float64 `json:"seconds"`
	RequestsPerS float64 `json:"requests_per_s"`
	TxPerS       float64 `json:"tx_per_s"`
	// RequestBytes sums the request bodies.
	RequestBytes int64   `json:"request_bytes"`
	LatencyMs    Latency `json:"latency_ms"`
	// SettleSeconds is how long the phase waited for the pipeline to
	// commit and project the phases before it (with --settle).
	SettleSeconds float64 `json:"settle_s"`
}

// Latency is a request latency distribution in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (ph apiPhase) measure(ctx context.Context) (Round, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		hists  = make([]*hdrhistogram.Histogram, ph.c.concurrency)
		sizes  = make([]int64, ph.c.concurrency)
		txs    = int64(ph.c.txs)
		budget = int64(ph.requests)
	)
	start := time.Now()
	for w := range ph.c.concurrency {
		hists[w] = hdrhistogram.New(1, apiHistMaxUs, 3)
		wg.Go(func() {
			for next.Add(1) <= budget && ctx.Err() == nil {
				batch := apiMints(ph.run, ph.c.name, ph.p.name, ph.seq.Add(txs)-txs, ph.c.txs)
				reqCtx, done := context.WithTimeout(ctx, apiRequestTimeout)
				size, took, err := ph.p.send(reqCtx, batch, ph.c.batch)
				done()
				if err != nil {
					cancel(err)
					return
				}
				_ = hists[w].RecordValue(min(max(took.Microseconds(), 1), apiHistMaxUs))
				sizes[w] += int64(size)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return Round{}, err
	}
	h := hists[0]
	for _, o := range hists[1:] {
		h.Merge(o)
	}
	var size int64
	for _, s := range sizes {
		size += s
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Round{
		Requests:     ph.requests,
		Transactions: int64(ph.requests) * txs,
		Seconds:      wall.Seconds(),
		RequestsPerS: float64(ph.requests) / wall.Seconds(),
		TxPerS:       float64(int64(ph.requests)*txs) / wall.Seconds(),
		RequestBytes: size,
		LatencyMs: Latency{
			P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
			P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max()),
		},
	}, nil
}

// Report is what `aurigraph bench api --json` writes.
type Report struct {
	Version int           `json:"version"`
	Started string        `json:"started"`
	Machine bench.Machine `json:"machine"`
	Config  Settings      `json:"config"`
	Cases   []CaseReport  `json:"cases"`
	// Submitted counts every transaction the APIs accepted, warm-up
	// included; Committed is how much the chain grew meanwhile.
	Submitted int64   `json:"submitted"`
	Committed int64   `json:"committed"`
	Seconds   float64 `json:"seconds"`
}

// Settings echoes the run's settings beyond each case's own.
type Settings struct {
	Rounds int `json:"rounds"`
	// Validators is 0 for a pipeline the bench did not start.
	Validators int  `json:"validators"`
	Settle     bool `json:"settle"`
}

// CaseReport compares the protocols on one payload shape.
type CaseReport struct {
	Case             string     `json:"case"`
	TxPerRequest     int        `json:"tx_per_request"`
	RequestsPerRound int        `json:"requests_per_round"`
	Concurrency      int        `json:"concurrency"`
	REST             ProtoStats `json:"rest"`
	GRPC             ProtoStats `json:"grpc"`
	GRPCOverREST     Ratios     `json:"grpc_over_rest"`
}

// ProtoStats holds one protocol's medians over the rounds.
type ProtoStats struct {
	Method       string  `json:"method"`
	RequestsPerS float64 `json:"requests_per_s"`
	TxPerS       float64 `json:"tx_per_s"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	// RequestBytes is the mean request body, JSON for REST and the
	// protobuf message for gRPC, without headers or framing.
	RequestBytes float64 `json:"request_bytes"`
	// Accepted counts the transactions of the rounds, all accepted.
	Accepted int64   `json:"accepted"`
	Rounds   []Round `json:"rounds"`
}

// Ratios are gRPC's medians over REST's.
type Ratios struct {
	Throughput   float64 `json:"throughput"`
	P50          float64 `json:"p50"`
	P99          float64 `json:"p99"`
	RequestBytes float64 `json:"request_bytes"`
	// ThroughputByRound pairs the two phases of each round, to show how
	// much the ratio itself moved with the machine's noise.
	ThroughputByRound []float64 `json:"throughput_by_round"`
}

// Run measures both protocols on every case of cfg against the pipeline
// at cfg.HTTP and cfg.GRPC and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	began := time.Now()
	rep := &Report{
		Version: 1, Started: began.UTC().Format(time.RFC3339),
		Machine: bench.Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()},
		Config:  Settings{Rounds: cfg.Rounds, Validators: cfg.Validators, Settle: cfg.Settle},
	}
	cases := cfg.cases()
	conns := 0
	for _, c := range cases {
		conns = max(conns, c.concurrency)
	}
	cl, err := newAPIBenchClients(cfg.HTTP, cfg.GRPC, conns)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	// Any count will do: this is where the run starts from.
	base, err := cl.waitCommitted(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("bench api: read the chain's size at %s before starting: %w", cfg.HTTP, err)
	}
	log.Info("bench api: starting", "http", cfg.HTTP, "grpc", cfg.GRPC, "cases", cfg.Cases, "rounds", cfg.Rounds)

	run := &apiBenchRun{
		cl: cl, log: log, settle: cfg.Settle, collect: cfg.Collect, base: base,
		// A short run id keeps recipients unique across runs against one
		// long-lived pipeline, where a repeated mint would be a duplicate id.
		id: strconv.FormatUint(rand.Uint64()%(1<<24), 36),
	}
	for _, c := range cases {
		cr, err := run.runCase(ctx, c, cfg.Rounds)
		if err != nil {
			return nil, err
		}
		rep.Cases = append(rep.Cases, cr)
	}
	// Accepted means durably in the log; waiting for the chain as well
	// shows every one was valid and distinct.
	total, err := cl.waitCommitted(ctx, base+run.submitted)
	if err != nil {
		return nil, err
	}
	rep.Submitted, rep.Committed, rep.Seconds = run.submitted, total-base, time.Since(began).Seconds()
	return rep, nil
}

// WriteJSON writes r to path, indented.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench api: encode the report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench api: write the report: %w", err)
	}
	return nil
}

// apiBenchRun is what the cases of one run share.
type apiBenchRun struct {
	cl      *apiBenchClients
	log     *slog.Logger
	id      string
	settle  bool
	collect bool  // run the garbage collector before each phase
	base    int64 // the chain's transactions when the run began
	// submitted counts the transactions accepted so far.
	submitted int64
}

// runCase runs the warm-up and the rounds of c, the protocols in turn.
func (run *apiBenchRun) runCase(ctx context.Context, c apiCase, rounds int) (CaseReport, error) {
	protos := run.cl.protocols()
	var seqs [2]atomic.Int64
	cr := CaseReport{Case: c.name, TxPerRequest: c.txs, RequestsPerRound: c.requests, Concurrency: c.concurrency}
	stats := [2]*ProtoStats{&cr.REST, &cr.GRPC}
	// Connections are dialled and gRPC's flow-control windows grown before
	// anything is measured; smaller batches do that as well as full ones
	// and leave the chain less to commit.
	warm := c
	warm.txs = min(c.txs, 1000)
	for i, p := range protos {
		stats[i].Method = p.method(c.batch)
		if _, err := (apiPhase{run: run.id, c: warm, p: p, seq: &seqs[i], requests: c.concurrency}).measure(ctx); err != nil {
			return cr, fmt.Errorf("bench api: %s %s warm-up: %w", c.name, p.label, err)
		}
		run.submitted += int64(warm.concurrency * warm.txs)
	}
	for r := 1; r <= rounds; r++ {
		order := []int{0, 1}
		if r%2 == 0 {
			order = []int{1, 0}
		}
		for k, i := range order {
			p := protos[i]
			settling := time.Now()
			if run.settle {
				if err := run.cl.settle(ctx, run.base+run.submitted); err != nil {
					return cr, err
				}
			}
			settled := time.Since(settling)
			if run.collect {
				// The pipeline's heap is this process's: collecting now,
				// rather than wherever the heap next crosses its goal,
				// keeps the phases comparable.
				runtime.GC()
			}
			res, err := (apiPhase{run: run.id, c: c, p: p, seq: &seqs[i], requests: c.requests}).measure(ctx)
			if err != nil {
				return cr, fmt.Errorf("bench api: %s %s round %d: %w", c.name, p.label, r, err)
			}
			res.Round, res.First, res.SettleSeconds = r, k == 0, settled.Seconds()
			run.submitted += res.Transactions
			stats[i].Rounds = append(stats[i].Rounds, res)
			stats[i].Accepted += res.Transactions
			run.log.Info("bench api: phase done", "case", c.name, "protocol", p.label, "round", r,
				"requests_per_s", math.Round(res.RequestsPerS), "tx_per_s", math.Round(res.TxPerS), "p50_ms", res.LatencyMs.P50, "p99_ms", res.LatencyMs.P99)
		}
	}
	for _, s := range stats {
		s.summarize()
	}
	cr.GRPCOverREST = ratiosOf(cr.GRPC, cr.REST)
	return cr, nil
}

func (s *ProtoStats) summarize() {
	var reqs, txs, p50, p99 []float64
	var size, requests int64
	for _, r := range s.Rounds {
		reqs, txs = append(reqs, r.RequestsPerS), append(txs, r.TxPerS)
		p50, p99 = append(p50, r.LatencyMs.P50), append(p99, r.LatencyMs.P99)
		size += r.RequestBytes
		requests += int64(r.Requests)
	}
	s.RequestsPerS, s.TxPerS, s.P50Ms, s.P99Ms = median(reqs), median(txs), median(p50), median(p99)
	s.RequestBytes = float64(size) / float64(requests)
}

func ratiosOf(grpcStats, rest ProtoStats) Ratios {
	r := Ratios{
		Throughput:   grpcStats.RequestsPerS / rest.RequestsPerS,
		P50:          grpcStats.P50Ms / rest.P50Ms,
		P99:          grpcStats.P99Ms / rest.P99Ms,
		RequestBytes: grpcStats.RequestBytes / rest.RequestBytes,
	}
	for i := range rest.Rounds {
		r.ThroughputByRound = append(r.ThroughputByRound, grpcStats.Rounds[i].RequestsPerS/rest.Rounds[i].RequestsPerS)
	}
	return r
}

// median is the median of a non-empty set; the mean of the middle two when even.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteTable writes the medians of every case and the ratios as a table.
func (rep *Report) WriteTable(w io.Writer) {
	where := fmt.Sprintf("pipeline in this process with %d validators", rep.Config.Validators)
	switch rep.Config.Validators {
	case 0:
		where = "a running pipeline"
	case 1:
		where = "pipeline in this process with 1 validator"
	}
	fmt.Fprintf(w, "bench api: %d rounds, REST and gRPC alternately, %s, %d CPUs (GOMAXPROCS %d), %s\n",
		rep.Config.Rounds, where, rep.Machine.CPUs, rep.Machine.GOMAXPROCS, rep.Machine.Go)
	fmt.Fprintln(w, "Medians over the rounds; gRPC / REST above 1 for throughput and below 1 for latency and bytes favour gRPC.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| case | protocol | requests/s | tx/s | p50 ms | p99 ms | request bytes |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range rep.Cases {
		name := fmt.Sprintf("%s (%d tx × %d, %d workers)", c.Case, c.TxPerRequest, c.RequestsPerRound, c.Concurrency)
		for _, row := range []struct {
			label string
			s     ProtoStats
		}{{"REST", c.REST}, {"gRPC", c.GRPC}} {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", name, row.label,
				bench.HumanRate(row.s.RequestsPerS), bench.HumanRate(row.s.TxPerS), apiMs(row.s.P50Ms), apiMs(row.s.P99Ms), apiBytes(row.s.RequestBytes))
		}
		q := c.GRPCOverREST
		fmt.Fprintf(w, "| %s | **gRPC / REST** | **%.2f** | **%.2f** | **%.2f** | **%.2f** | **%.2f** |\n",
			name, q.Throughput, q.Throughput, q.P50, q.P99, q.RequestBytes)
	}
	fmt.Fprintln(w)
	for _, c := range rep.Cases {
		fmt.Fprintf(w, "%s: gRPC / REST throughput by round:", c.Case)
		for _, v := range c.GRPCOverREST.ThroughputByRound {
			fmt.Fprintf(w, " %.2f", v)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d transactions accepted (warm-up included), %d committed, in %.0f s\n", rep.Submitted, rep.Committed, rep.Seconds)
}

func apiMs(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func apiBytes(v float64) string {
	if v >= 10<<10 {
		return fmt.Sprintf("%.0f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f", v)
}
