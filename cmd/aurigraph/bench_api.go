package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/bench"
	"github.com/aurigraph/aurigraph/internal/bench/apibench"
	"github.com/aurigraph/aurigraph/internal/loopport"
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
	fl.IntVar(&f.batchSize, "batch-size", apibench.MaxBatch, "batch case: transactions per request (at most 10000, ingest's limit)")
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
	if f.batchSize < 1 || f.batchSize > apibench.MaxBatch {
		return fmt.Errorf("--batch-size %d: use 1 to %d, the most ingest takes in one request", f.batchSize, apibench.MaxBatch)
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

func runBenchAPI(ctx context.Context, f apiBenchFlags, out io.Writer) error {
	if err := f.validate(); err != nil {
		return err
	}
	log := slog.Default()
	cfg := apibench.Config{
		Cases: f.cases, Rounds: f.rounds, Requests: f.requests, Concurrency: f.concurrency,
		BatchRequests: f.batchRequests, BatchConcurrency: f.batchConcurrency, BatchSize: f.batchSize,
		HTTP: f.httpAddr, GRPC: f.grpcAddr, Settle: f.settle, Logger: log,
	}
	if cfg.HTTP == "" {
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
		cfg.HTTP, cfg.GRPC, cfg.Validators, cfg.Collect = addrs.HTTP, addrs.GRPC, f.validators, true
	}
	rep, err := apibench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rep.WriteTable(out)
	if f.jsonPath != "" {
		if err := rep.WriteJSON(f.jsonPath); err != nil {
			return fmt.Errorf("%w (--json)", err)
		}
		log.Info("bench api: report written", "path", f.jsonPath)
	}
	return nil
}

// startAPIBenchPipeline runs the dev pipeline on loopback ports of its own
// and returns once a validator leads, so the first phase does not pay for
// the election.
func startAPIBenchPipeline(ctx context.Context, dataDir string, validators int, log *slog.Logger) (bench.Target, func() error, error) {
	raftPort, err := loopport.Run(validators)
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
