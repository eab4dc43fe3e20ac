package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aurigraph/aurigraph/internal/bench/soak"
	"github.com/aurigraph/aurigraph/internal/loopport"
)

// soakProfile is the --profile that runs a soak instead of the benchmark.
const soakProfile = "soak"

// runSoak runs `aurigraph dev` in a process of its own, so that its memory
// is the pipeline's alone, and holds it under steady load over REST, gRPC
// and the topic for --duration (10 minutes by default), at --rate or half
// the maximum it measures first.
func runSoak(ctx context.Context, f benchFlags) error {
	if f.nodes != "" || f.processes || f.cfg.Signed {
		return errors.New("bench --profile soak runs a dev process of its own, unsigned: leave out --nodes, --processes and --signed")
	}
	if f.cfg.Validators < 1 || f.cfg.Validators > 9 {
		return fmt.Errorf("--validators %d: use 1 to 9", f.cfg.Validators)
	}
	log := slog.Default()
	dataDir := f.cfg.DataDir
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return fmt.Errorf("bench soak: --data: %w", err)
		}
	} else {
		dir, err := os.MkdirTemp("", "aurigraph-soak-")
		if err != nil {
			return fmt.Errorf("bench soak: data dir: %w", err)
		}
		defer os.RemoveAll(dir)
		dataDir = dir
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench soak: find this executable: %w", err)
	}
	ports, err := freeLoopbackPorts(4)
	if err != nil {
		return err
	}
	raftPort, err := loopport.Run(f.cfg.Validators)
	if err != nil {
		return err
	}
	httpAddr, grpcAddr, kafka, chHTTP := ports[0], ports[1], ports[2], ports[3]
	logPath := filepath.Join(dataDir, "dev.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("bench soak: log file: %w", err)
	}
	defer logf.Close()
	pipelineDir := filepath.Join(dataDir, "pipeline")
	cmd := exec.Command(bin, "dev", "--data", pipelineDir, "--validators", strconv.Itoa(f.cfg.Validators),
		"--http", httpAddr, "--grpc", grpcAddr, "--kafka", kafka, "--clickhouse-http", chHTTP,
		"--raft-port", strconv.Itoa(raftPort), "--log-level", "warn",
		// Loopback only: lets whoever runs the soak profile the pipeline.
		"--pprof")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("bench soak: start aurigraph dev: %w", err)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		return stopProcess(cmd, time.Minute)
	}
	defer stop()
	if err := waitHTTP(ctx, "http://"+httpAddr+"/q/health", time.Minute); err != nil {
		return fmt.Errorf("bench soak: aurigraph dev: %w (see %s)", err, logPath)
	}
	for deadline := time.Now().Add(time.Minute); !anyNodeHasLeader([]string{httpAddr}); {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("bench soak: no leader elected within a minute (see %s)", logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}

	tgt := soak.Target{HTTP: httpAddr, GRPC: grpcAddr, Brokers: []string{kafka}, PID: cmd.Process.Pid,
		Dirs: map[string]string{"broker": filepath.Join(pipelineDir, "broker"), "clickhouse": filepath.Join(pipelineDir, "clickhouse")}}
	for i := 1; i <= f.cfg.Validators; i++ {
		name := "validator-" + strconv.Itoa(i)
		tgt.Dirs[name] = devFlags{dataDir: pipelineDir}.validatorDir(uint64(i))
		tgt.Validators = append(tgt.Validators, name)
	}
	rep, err := soak.Run(ctx, soak.Config{Duration: f.cfg.Duration, Rate: f.cfg.Rate, Logger: log}, tgt)
	if err != nil {
		return fmt.Errorf("%w (the pipeline's log: %s)", err, logPath)
	}
	if err := stop(); err != nil {
		log.Warn("bench soak: aurigraph dev stopped with an error", "err", err, "log", logPath)
	}
	rep.WriteMarkdown(os.Stdout)
	if f.jsonPath != "" {
		if err := rep.WriteJSON(f.jsonPath); err != nil {
			return err
		}
		log.Info("bench soak: report written", "path", f.jsonPath)
	}
	return nil
}
