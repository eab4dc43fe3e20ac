package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/bench"
	"github.com/aurigraph/aurigraph/internal/loopport"
)

func newBenchStreamCommand() *cobra.Command {
	cfg := bench.StreamConfig{}
	var jsonPath, cpuProfile string
	var viaGateway bool
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Benchmark live-stream fan-out: many WebSocket subscribers under load",
		Long: `Starts the dev pipeline in this process on loopback, connects --subscribers
WebSocket clients to /api/v12/live/stream, and offers --rate tx/s for twice
--duration: the first half warms up, the second is measured. Every
subscriber checks that heights arrive in order without gaps or duplicates
and records the delay from the block's committed_ms to its arrival.

With --portal every subscriber subscribes as a page of the web portal does;
with --gateway they connect to an aurigraph gateway, started in this
process and following the pipeline's blocks topic, and delivery is timed
from the validators' commit.

The subscribers run in this process too, on the same cores as the pipeline
they measure.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Validators < 1 || cfg.Validators > 9 {
				return fmt.Errorf("--validators %d: use 1 to 9", cfg.Validators)
			}
			cfg.Logger = slog.Default()
			if cpuProfile != "" {
				out, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpu-profile: %w", err)
				}
				defer out.Close()
				cfg.CPUProfile = out
			}
			pipelineLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			if viaGateway {
				cfg.Gateway = func(ctx context.Context, brokers []string, validatorHTTP string) (string, func() error, error) {
					return startBenchGateway(ctx, brokers, validatorHTTP, pipelineLog)
				}
			}
			raftPort, err := loopport.Run(cfg.Validators)
			if err != nil {
				return err
			}
			start := func(ctx context.Context, dataDir string) (bench.Target, func() error, error) {
				return startBenchPipeline(ctx, dataDir, cfg.Validators, raftPort, false, pipelineLog)
			}
			rep, err := bench.RunStream(cmd.Context(), cfg, start)
			if err != nil {
				return err
			}
			rep.WriteMarkdown(os.Stdout)
			if jsonPath != "" {
				if err := rep.WriteJSON(jsonPath); err != nil {
					return err
				}
				cfg.Logger.Info("bench stream: report written", "path", jsonPath)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&cfg.Subscribers, "subscribers", 5000, "WebSocket subscribers")
	fl.DurationVar(&cfg.Duration, "duration", 20*time.Second, "measured window (the warm-up before it is as long)")
	fl.Float64Var(&cfg.Rate, "rate", 50_000, "open-loop load, tx/s")
	fl.IntVar(&cfg.Producers, "producers", 4, "concurrent Kafka producers")
	fl.IntVar(&cfg.TxSize, "tx-size", 150, "approximate bytes per JSON transaction record")
	fl.StringVar(&cfg.Query, "query", "types=block", "subscription query string (types=block,tx&account=... for filtered transaction events)")
	fl.BoolVar(&cfg.Portal, "portal", false, "subscribe as the web portal does (blocks, tps and validator events from a replay of the newest 50 blocks, permessage-deflate offered) instead of with --query")
	fl.BoolVar(&viaGateway, "gateway", false, "connect the subscribers to an aurigraph gateway that follows the pipeline's blocks topic, started in this process")
	fl.IntVar(&cfg.Validators, "validators", 3, "Raft validators")
	fl.StringVar(&jsonPath, "json", "", "write the JSON report to this file")
	fl.StringVar(&cpuProfile, "cpu-profile", "", "write a pprof CPU profile of the load to this file (go tool pprof)")
	return cmd
}

// startBenchGateway runs an aurigraph gateway in this process, following
// the blocks topic on brokers and trusting the keys the validator at
// validatorHTTP serves, with no per-client subscription limit (every
// subscriber of the bench comes from loopback).
func startBenchGateway(ctx context.Context, brokers []string, validatorHTTP string, log *slog.Logger) (string, func() error, error) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan gatewayAddrs, 1)
	done := make(chan error, 1)
	f := gatewayFlags{kafka: strings.Join(brokers, ","), httpAddr: "127.0.0.1:0", grpcAddr: "127.0.0.1:0", cacheBlocks: 4096, streamMaxPerClient: -1,
		trust: blockTrustFlags{validators: "http://" + validatorHTTP}}
	go func() { done <- runGateway(runCtx, f, log, func(a gatewayAddrs) { ready <- a }) }()
	stop := func() error {
		cancel()
		return <-done
	}
	select {
	case a := <-ready:
		return a.HTTP, stop, nil
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("gateway stopped before it was ready")
		}
		return "", nil, err
	case <-ctx.Done():
		_ = stop()
		return "", nil, ctx.Err()
	}
}
