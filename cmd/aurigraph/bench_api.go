package main

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
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/spf13/cobra"
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
	// apiMaxBatch is the most transactions ingest takes in one request; it
	// refuses a larger batch whole.
	apiMaxBatch = ingest.DefaultMaxTxs
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

type apiBenchFlags struct {
	cases            []string
	rounds           int
	requests         int
	batchRequests    int
	batchSize        int
	concurrency      int
	batchConcurrency int
	validators       int
	httpAddr         string
	grpcAddr         string
	settle           bool
	jsonPath         string
}

func newBenchAPICommand() *cobra.Command {
	var f apiBenchFlags
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Benchmark transaction submission over gRPC against REST, for single transactions and large batches",
		Long: `Starts the dev pipeline in this process on loopback (or, with --http and
--grpc, uses a running one) and submits valid mints through both public
APIs: POST /api/v12/transactions with a JSON object or array, and
aurigraph.v1.TransactionService Submit and SubmitBatch over one plaintext
gRPC connection. Both end in the same ingest code, which answers once the
transactions are durably in the log, so the difference is the protocol:
encoding, framing and connection handling on both sides.

Each case runs --rounds rounds; a round is one phase per protocol, in
alternating order, so noise on a shared machine lands on both alike. The
report gives the median over rounds of each figure and the gRPC / REST
ratio of those medians: throughput above 1 and latency below 1 favour gRPC.
A request's latency includes encoding it and decoding the answer.

Before each phase the bench waits until the chain has committed, and
ClickHouse projected, everything submitted so far, and with the pipeline in
this process collects garbage, so that no phase inherits its predecessor's
work.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchAPI(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.cases, "cases", []string{"single", "batch"}, "cases to run: single (one transaction per request), batch (--batch-size per request)")
	fl.IntVar(&f.rounds, "rounds", 5, "rounds per case; each runs both protocols once")
	fl.IntVar(&f.requests, "requests", 5000, "single case: requests per protocol per round")
	fl.IntVar(&f.batchRequests, "batch-requests", 20, "batch case: requests per protocol per round")
	fl.IntVar(&f.batchSize, "batch-size", apiMaxBatch, "batch case: transactions per request (at most 10000, ingest's limit)")
	fl.IntVar(&f.concurrency, "concurrency", 8, "single case: concurrent workers (REST: one keep-alive connection each; gRPC: all on one connection)")
	fl.IntVar(&f.batchConcurrency, "batch-concurrency", 2, "batch case: concurrent workers")
	fl.IntVar(&f.validators, "validators", 1, "Raft validators of the in-process pipeline; they only consume what the APIs wrote, and each more is background work on the cores the bench measures")
	fl.StringVar(&f.httpAddr, "http", "", "benchmark a running pipeline instead: its REST host:port (with --grpc)")
	fl.StringVar(&f.grpcAddr, "grpc", "", "with --http, the running pipeline's plaintext gRPC host:port")
	fl.BoolVar(&f.settle, "settle", true, "before each phase, wait until the chain has committed and ClickHouse projected everything submitted so far, so one phase's backlog does not slow the next")
	fl.StringVar(&f.jsonPath, "json", "", "write the JSON report, every round included, to this file")
	return cmd
}

func (f apiBenchFlags) validate() error {
	if len(f.cases) == 0 {
		return errors.New("--cases is empty: name single, batch or both")
	}
	for i, c := range f.cases {
		if c != "single" && c != "batch" {
			return fmt.Errorf("--cases %q: the cases are single and batch", c)
		}
		if slices.Contains(f.cases[:i], c) {
			return fmt.Errorf("--cases names %q twice: name each case once", c)
		}
	}
	for _, n := range []struct {
		flag string
		v    int
	}{
		{"--rounds", f.rounds}, {"--requests", f.requests}, {"--batch-requests", f.batchRequests},
		{"--concurrency", f.concurrency}, {"--batch-concurrency", f.batchConcurrency},
	} {
		if n.v < 1 {
			return fmt.Errorf("%s %d: must be at least 1", n.flag, n.v)
		}
	}
	if f.batchSize < 1 || f.batchSize > apiMaxBatch {
		return fmt.Errorf("--batch-size %d: use 1 to %d, the most ingest takes in one request", f.batchSize, apiMaxBatch)
	}
	if (f.httpAddr == "") != (f.grpcAddr == "") {
		return fmt.Errorf("--http %q and --grpc %q go together: give both addresses of the running pipeline, or neither to start one", f.httpAddr, f.grpcAddr)
	}
	if f.httpAddr == "" && (f.validators < 1 || f.validators > 9) {
		return fmt.Errorf("--validators %d: use 1 to 9", f.validators)
	}
	for flag, addr := range map[string]string{"--http": f.httpAddr, "--grpc": f.grpcAddr} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s %q: want host:port, e.g. 127.0.0.1:8080: %w", flag, addr, err)
		}
	}
	if f.jsonPath != "" {
		// Found now rather than after minutes of measuring.
		if st, err := os.Stat(filepath.Dir(f.jsonPath)); err != nil || !st.IsDir() {
			return fmt.Errorf("--json %q: its directory must exist", f.jsonPath)
		}
	}
	return nil
}

// apiCase is one payload shape, measured on both protocols.
type apiCase struct {
	name        string
	batch       bool
	txs         int // per request
	requests    int // per protocol per round
	concurrency int
}

func (f apiBenchFlags) apiCases() []apiCase {
	var cases []apiCase
	for _, name := range f.cases {
		if name == "single" {
			cases = append(cases, apiCase{name: name, txs: 1, requests: f.requests, concurrency: f.concurrency})
		} else {
			cases = append(cases, apiCase{name: name, batch: true, txs: f.batchSize, requests: f.batchRequests, concurrency: f.batchConcurrency})
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

// apiRound is one protocol's figures in one round.
type apiRound struct {
	Round int `json:"round"`
	// First is whether this protocol went first in its round.
	First        bool    `json:"first"`
	Requests     int     `json:"requests"`
	Transactions int64   `json:"transactions"`
	Seconds      float64 `json:"seconds"`
	RequestsPerS float64 `json:"requests_per_s"`
	TxPerS       float64 `json:"tx_per_s"`
	// RequestBytes sums the request bodies.
	RequestBytes int64      `json:"request_bytes"`
	LatencyMs    apiLatency `json:"latency_ms"`
	// SettleSeconds is how long the phase waited for the pipeline to
	// commit and project the phases before it (with --settle).
	SettleSeconds float64 `json:"settle_s"`
}

// apiLatency is a request latency distribution in milliseconds.
type apiLatency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (ph apiPhase) measure(ctx context.Context) (apiRound, error) {
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
		return apiRound{}, err
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
	return apiRound{
		Requests:     ph.requests,
		Transactions: int64(ph.requests) * txs,
		Seconds:      wall.Seconds(),
		RequestsPerS: float64(ph.requests) / wall.Seconds(),
		TxPerS:       float64(int64(ph.requests)*txs) / wall.Seconds(),
		RequestBytes: size,
		LatencyMs: apiLatency{
			P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
			P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max()),
		},
	}, nil
}

// apiBenchReport is what `aurigraph bench api --json` writes.
type apiBenchReport struct {
	Version int             `json:"version"`
	Started string          `json:"started"`
	Machine bench.Machine   `json:"machine"`
	Config  apiBenchConfig  `json:"config"`
	Cases   []apiCaseReport `json:"cases"`
	// Submitted counts every transaction the APIs accepted, warm-up
	// included; Committed is how much the chain grew meanwhile.
	Submitted int64   `json:"submitted"`
	Committed int64   `json:"committed"`
	Seconds   float64 `json:"seconds"`
}

// apiBenchConfig echoes the run's settings beyond each case's own.
type apiBenchConfig struct {
	Rounds int `json:"rounds"`
	// Validators is 0 for a pipeline the bench did not start.
	Validators int  `json:"validators"`
	Settle     bool `json:"settle"`
}

// apiCaseReport compares the protocols on one payload shape.
type apiCaseReport struct {
	Case             string        `json:"case"`
	TxPerRequest     int           `json:"tx_per_request"`
	RequestsPerRound int           `json:"requests_per_round"`
	Concurrency      int           `json:"concurrency"`
	REST             apiProtoStats `json:"rest"`
	GRPC             apiProtoStats `json:"grpc"`
	GRPCOverREST     apiRatios     `json:"grpc_over_rest"`
}

// apiProtoStats holds one protocol's medians over the rounds.
type apiProtoStats struct {
	Method       string  `json:"method"`
	RequestsPerS float64 `json:"requests_per_s"`
	TxPerS       float64 `json:"tx_per_s"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	// RequestBytes is the mean request body, JSON for REST and the
	// protobuf message for gRPC, without headers or framing.
	RequestBytes float64 `json:"request_bytes"`
	// Accepted counts the transactions of the rounds, all accepted.
	Accepted int64      `json:"accepted"`
	Rounds   []apiRound `json:"rounds"`
}

// apiRatios are gRPC's medians over REST's.
type apiRatios struct {
	Throughput   float64 `json:"throughput"`
	P50          float64 `json:"p50"`
	P99          float64 `json:"p99"`
	RequestBytes float64 `json:"request_bytes"`
	// ThroughputByRound pairs the two phases of each round, to show how
	// much the ratio itself moved with the machine's noise.
	ThroughputByRound []float64 `json:"throughput_by_round"`
}

func runBenchAPI(ctx context.Context, f apiBenchFlags, out io.Writer) error {
	if err := f.validate(); err != nil {
		return err
	}
	log := slog.Default()
	began := time.Now()
	rep := &apiBenchReport{
		Version: 1, Started: began.UTC().Format(time.RFC3339),
		Machine: bench.Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()},
		Config:  apiBenchConfig{Rounds: f.rounds, Settle: f.settle},
	}
	httpAddr, grpcAddr := f.httpAddr, f.grpcAddr
	inProcess := httpAddr == ""
	if inProcess {
		dataDir, err := os.MkdirTemp("", "aurigraph-bench-api-")
		if err != nil {
			return fmt.Errorf("bench api: temporary data dir: %w", err)
		}
		defer os.RemoveAll(dataDir)
		// The pipeline's own logs would drown the bench's; keep its warnings.
		pipelineLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		addrs, stop, err := startAPIBenchPipeline(ctx, dataDir, f.validators, pipelineLog)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				log.Warn("bench api: pipeline stopped with an error", "err", err)
			}
		}()
		httpAddr, grpcAddr = addrs.HTTP, addrs.GRPC
		rep.Config.Validators = f.validators
	}
	cases := f.apiCases()
	conns := 0
	for _, c := range cases {
		conns = max(conns, c.concurrency)
	}
	cl, err := newAPIBenchClients(httpAddr, grpcAddr, conns)
	if err != nil {
		return err
	}
	defer cl.close()
	// Any count will do: this is where the run starts from.
	base, err := cl.waitCommitted(ctx, 0)
	if err != nil {
		return fmt.Errorf("bench api: read the chain's size at %s before starting: %w", httpAddr, err)
	}
	log.Info("bench api: starting", "http", httpAddr, "grpc", grpcAddr, "cases", f.cases, "rounds", f.rounds)

	run := &apiBenchRun{
		cl: cl, log: log, settle: f.settle, collect: inProcess, base: base,
		// A short run id keeps recipients unique across runs against one
		// long-lived pipeline, where a repeated mint would be a duplicate id.
		id: strconv.FormatUint(rand.Uint64()%(1<<24), 36),
	}
	for _, c := range cases {
		cr, err := run.runCase(ctx, c, f.rounds)
		if err != nil {
			return err
		}
		rep.Cases = append(rep.Cases, cr)
	}
	// Accepted means durably in the log; waiting for the chain as well
	// shows every one was valid and distinct.
	total, err := cl.waitCommitted(ctx, base+run.submitted)
	if err != nil {
		return err
	}
	rep.Submitted, rep.Committed, rep.Seconds = run.submitted, total-base, time.Since(began).Seconds()
	writeAPIBenchTable(out, rep)
	if f.jsonPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("bench api: encode the report: %w", err)
		}
		if err := os.WriteFile(f.jsonPath, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("bench api: write the report (--json): %w", err)
		}
		log.Info("bench api: report written", "path", f.jsonPath)
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
func (run *apiBenchRun) runCase(ctx context.Context, c apiCase, rounds int) (apiCaseReport, error) {
	protos := run.cl.protocols()
	var seqs [2]atomic.Int64
	cr := apiCaseReport{Case: c.name, TxPerRequest: c.txs, RequestsPerRound: c.requests, Concurrency: c.concurrency}
	stats := [2]*apiProtoStats{&cr.REST, &cr.GRPC}
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
	cr.GRPCOverREST = apiRatiosOf(cr.GRPC, cr.REST)
	return cr, nil
}

func (s *apiProtoStats) summarize() {
	var reqs, txs, p50, p99 []float64
	var size, requests int64
	for _, r := range s.Rounds {
		reqs, txs = append(reqs, r.RequestsPerS), append(txs, r.TxPerS)
		p50, p99 = append(p50, r.LatencyMs.P50), append(p99, r.LatencyMs.P99)
		size += r.RequestBytes
		requests += int64(r.Requests)
	}
	s.RequestsPerS, s.TxPerS, s.P50Ms, s.P99Ms = apiMedian(reqs), apiMedian(txs), apiMedian(p50), apiMedian(p99)
	s.RequestBytes = float64(size) / float64(requests)
}

func apiRatiosOf(grpcStats, rest apiProtoStats) apiRatios {
	r := apiRatios{
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

// apiMedian is the median of a non-empty set; the mean of the middle two when even.
func apiMedian(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func writeAPIBenchTable(w io.Writer, rep *apiBenchReport) {
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
			s     apiProtoStats
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

// startAPIBenchPipeline runs the dev pipeline on loopback ports of its own
// and returns once a validator leads, so the first phase does not pay for
// the election.
func startAPIBenchPipeline(ctx context.Context, dataDir string, validators int, log *slog.Logger) (bench.Target, func() error, error) {
	raftPort, err := freePortRun(validators)
	if err != nil {
		return bench.Target{}, nil, err
	}
	target, stop, err := startBenchPipeline(ctx, dataDir, validators, raftPort, false, log)
	if err != nil {
		return bench.Target{}, nil, err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for !target.HasLeader() {
		select {
		case <-tick.C:
		case <-deadline:
			_ = stop()
			return bench.Target{}, nil, errors.New("bench api: no validator became leader within a minute; see the pipeline's warnings above")
		case <-ctx.Done():
			_ = stop()
			return bench.Target{}, nil, ctx.Err()
		}
	}
	return target, stop, nil
}
