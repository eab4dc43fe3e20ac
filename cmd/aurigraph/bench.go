package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/bench"
	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
	"github.com/aurigraph/aurigraph/internal/loopport"
)

type benchFlags struct {
	cfg          bench.Config
	jsonPath     string
	compare      string
	cpuProfile   string
	allocProfile string
	processes    bool
	memLimit     string
	nodes        string
	kafka        string
	// kafkaClient logs the bench's clients in to --kafka.
	kafkaClient kafkaClientFlags
	// trace traces the in-process pipeline, to measure what tracing costs.
	trace traceFlags
}

func newBenchCommand() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark the whole pipeline and each stage's ceiling on this machine",
		Long: `Starts the dev pipeline in this process on loopback (its own ports and a
temporary data dir) and drives it with Kafka producers. It first measures
each stage alone (broker produce+consume, raft with no state machine, state
machine apply, signature verification, ClickHouse inserts), then produces as
fast as the pipeline commits to find the maximum, then offers an open-loop
load at half of that and records, per transaction, submit → commit,
→ ClickHouse visible and → WebSocket delivered. Finally it restarts the
pipeline on the same data to time startup.

Profiles: quick (8s phases), standard (20s), stress (60s, more producers and
subscribers). Flags override the profile.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), f)
		},
	}
	cmd.AddCommand(newBenchStreamCommand())
	cmd.AddCommand(newBenchAPICommand())
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.Profile, "profile", "quick", "quick, standard, stress, or soak (10 minutes of steady load on a dev process of its own, reporting memory, disk and status reads over time)")
	fl.DurationVar(&f.cfg.Duration, "duration", 0, "length of each load phase (profile default)")
	fl.IntVar(&f.cfg.Producers, "producers", 0, "concurrent Kafka producers (profile default)")
	fl.Float64Var(&f.cfg.Rate, "rate", 0, "offer this many tx/s open-loop in one phase instead of measuring the maximum first")
	fl.IntVar(&f.cfg.TxSize, "tx-size", 0, "approximate bytes per JSON transaction record (profile default 150)")
	fl.BoolVar(&f.cfg.Signed, "signed", false, "sign every transaction with Ed25519 (signed before each phase starts)")
	fl.IntVar(&f.cfg.Validators, "validators", 3, "Raft validators")
	fl.IntVar(&f.cfg.Subscribers, "subscribers", 0, "WebSocket subscribers on the live stream (profile default)")
	fl.BoolVar(&f.processes, "processes", false, "run the broker and each validator (aurigraph node) in a process of its own, as in production, to measure each one's memory; nothing projects to ClickHouse then")
	f.kafkaClient.register(fl)
	f.trace.register(fl)
	fl.StringVar(&f.nodes, "nodes", "", "benchmark a running cluster instead: its validators' HTTP addresses host:port,... (with --kafka); the ceilings then create and delete a scratch topic there, unless --skip-ceilings")
	fl.StringVar(&f.kafka, "kafka", "", "with --nodes, the cluster's Kafka-protocol brokers host:port,...")
	fl.StringVar(&f.memLimit, "validator-memory-limit", "", "with --processes, run each validator with --memory-limit this (e.g. 400MiB)")
	fl.BoolVar(&f.cfg.SkipCeilings, "skip-ceilings", false, "do not measure the stage ceilings")
	fl.StringVar(&f.cfg.DataDir, "data", "", "pipeline data directory (default: a temporary one, removed afterwards)")
	fl.StringVar(&f.jsonPath, "json", "", "write the JSON report to this file")
	fl.StringVar(&f.cpuProfile, "cpu-profile", "", "write a pprof CPU profile of the max-rate phase to this file (go tool pprof)")
	fl.StringVar(&f.allocProfile, "alloc-profile", "", "write a pprof profile of what the process (pipeline, producers and observers) allocated in the max-rate phase (or the --rate phase) to this file (go tool pprof -sample_index=alloc_space); not with --processes or --nodes")
	fl.StringVar(&f.compare, "compare", "", "print each figure next to the one in this earlier JSON report, with the ratio")
	return cmd
}

func runBench(ctx context.Context, f benchFlags) error {
	if f.cfg.Profile == soakProfile {
		return runSoak(ctx, f)
	}
	var old *bench.Report
	if f.compare != "" {
		var err error
		if old, err = bench.ReadReport(f.compare); err != nil {
			return fmt.Errorf("--compare: %w", err)
		}
	}
	if f.cfg.Validators < 1 || f.cfg.Validators > 9 {
		return fmt.Errorf("--validators %d: use 1 to 9", f.cfg.Validators)
	}
	log := slog.Default()
	f.cfg.Logger = log
	var stack shutdownStack
	defer stack.unwind(log)
	if err := f.trace.start(ctx, &stack, "aurigraph-bench"); err != nil {
		return err
	}
	if f.cpuProfile != "" {
		out, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer out.Close()
		f.cfg.CPUProfile = out
	}
	if f.allocProfile != "" {
		if f.processes || f.nodes != "" {
			return errors.New("--alloc-profile profiles a pipeline in the bench's own process: leave out --processes and --nodes")
		}
		out, err := os.Create(f.allocProfile)
		if err != nil {
			return fmt.Errorf("--alloc-profile: %w", err)
		}
		defer out.Close()
		f.cfg.AllocProfile = out
	}
	// The pipeline's own logs would drown the bench's; keep its warnings.
	pipelineLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var start bench.Starter
	switch {
	case f.nodes != "":
		if f.kafka == "" || f.processes {
			return errors.New("--nodes needs --kafka with the cluster's brokers, and excludes --processes")
		}
		nodes, brokers := splitList(f.nodes), splitList(f.kafka)
		for _, a := range append(slices.Clone(nodes), brokers...) {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fmt.Errorf("--nodes/--kafka %q: want host:port", a)
			}
		}
		// Producing to a partition count the topic lacks only spreads keys
		// differently; 6 is the pipeline's default.
		opts, err := f.kafkaClient.opts()
		if err != nil {
			return err
		}
		start = externalCluster(nodes, brokers, 6, opts)
	case f.processes:
		if f.memLimit != "" {
			if _, err := parseSize(f.memLimit); err != nil {
				return fmt.Errorf("--validator-memory-limit %q: %w", f.memLimit, err)
			}
		}
		c, err := newProcessCluster(f.cfg.Validators, f.cfg.Signed, f.memLimit)
		if err != nil {
			return err
		}
		start = c.start
	default:
		// Validators remember their peers' addresses, so a restart on the
		// same data dir must find them on the same Raft ports.
		raftPort, err := loopport.Run(f.cfg.Validators)
		if err != nil {
			return err
		}
		start = func(ctx context.Context, dataDir string) (bench.Target, func() error, error) {
			return startBenchPipeline(ctx, dataDir, f.cfg.Validators, raftPort, f.cfg.Signed, pipelineLog)
		}
	}
	rep, err := bench.Run(ctx, f.cfg, start)
	if err != nil {
		return err
	}
	rep.WriteMarkdown(os.Stdout)
	if f.jsonPath != "" {
		if err := rep.WriteJSON(f.jsonPath); err != nil {
			return err
		}
		log.Info("bench: report written", "path", f.jsonPath)
	}
	if f.memLimit != "" && !f.processes {
		log.Warn("bench: --validator-memory-limit applies only with --processes; ignored")
	}
	if old != nil {
		fmt.Println()
		rep.WriteComparison(os.Stdout, old)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// benchChain is the chain a bench runs on: a signed one names the bench's
// producers its issuers.
func benchChain(signed bool) chainFlags {
	if !signed {
		return chainFlags{}
	}
	return chainFlags{requireSignatures: true, issuers: bench.ProducerIssuers()}
}

// startBenchPipeline runs the dev pipeline on loopback ports of its own and
// returns once it listens. A signed bench runs it with --require-signatures,
// as an untrusted topic would be.
func startBenchPipeline(ctx context.Context, dataDir string, validators, raftPort int, signed bool, log *slog.Logger) (bench.Target, func() error, error) {
	f := devFlags{
		dataDir: dataDir, validators: validators,
		httpAddr: "127.0.0.1:0", grpcAddr: "127.0.0.1:0", kafka: "127.0.0.1:0",
		embeddedClickHouseFlags: embeddedClickHouseFlags{clickhouseHTTP: "127.0.0.1:0", clickhouseThreads: 1, clickhouseNice: engine.DefaultThreadNice},
		raftHost:                "127.0.0.1", raftBasePort: raftPort, txPartitions: 6, drainTimeout: 30 * time.Second,
		chain: benchChain(signed),
		// Every subscriber of a bench comes from loopback.
		streamMaxPerClient: -1,
	}
	if err := f.validate(); err != nil {
		return bench.Target{}, nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan devAddrs, 1)
	done := make(chan error, 1)
	go func() { done <- runPipeline(runCtx, f, log, func(a devAddrs) { ready <- a }) }()
	stop := func() error {
		cancel()
		return <-done
	}
	select {
	case a := <-ready:
		return bench.Target{
			Brokers: a.Kafka, KafkaOpts: a.KafkaOpts, TxPartitions: f.txPartitions, HTTP: a.HTTP, GRPC: a.GRPC,
			ClickHouse: a.ClickHouseWriter, ClickHouseDial: a.ClickHouseDial,
			Chain: a.Chain, Projected: a.Projected, HasLeader: a.HasLeader,
		}, stop, nil
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("pipeline stopped before it was ready")
		}
		return bench.Target{}, nil, fmt.Errorf("bench: start the pipeline: %w", err)
	case <-ctx.Done():
		_ = stop()
		return bench.Target{}, nil, ctx.Err()
	}
}
