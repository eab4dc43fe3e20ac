// Package bench drives the real pipeline with Kafka producers and measures
// it end to end: throughput, per-stage latency (submit → commit → ClickHouse
// visible, commit → WebSocket delivered), memory and CPU, and in the same
// run each stage's ceiling on this machine (package ceiling), so that every
// figure can be read as a share of what the hardware allows. `aurigraph
// bench` wires it.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/bench/ceiling"
	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/stream"
)

// Config is one bench run. Zero fields take the profile's values.
type Config struct {
	Profile string
	// Duration of each load phase.
	Duration time.Duration
	// Producers are concurrent Kafka producers.
	Producers int
	// Rate, when set, runs one open-loop phase at this many tx/s instead of
	// a max-rate phase followed by a latency phase at LatencyShare of it.
	Rate float64
	// LatencyShare of the measured maximum is the latency phase's rate.
	LatencyShare float64
	// TxSize is the approximate size of a JSON transaction record.
	TxSize int
	// Signed makes producers sign every transaction (Ed25519).
	Signed bool
	// Validators is echoed in the report; the Starter runs them.
	Validators int
	// Subscribers are WebSocket clients on the live stream.
	Subscribers int
	// SkipCeilings leaves out the stage ceilings.
	SkipCeilings bool
	// DataDir is the pipeline's data directory (a temporary one when empty).
	DataDir string
	// CPUProfile, when set, receives a pprof CPU profile of the max-rate
	// phase (or of the only phase, with Rate).
	CPUProfile io.Writer
	// AllocProfile, when set, receives a pprof profile of what the
	// process, the pipeline and the bench's producers and observers,
	// allocated during the same phase; only with the pipeline in this
	// process (go tool pprof -sample_index=alloc_space).
	AllocProfile io.Writer
	Logger       *slog.Logger
}

// Profiles are the named presets of `aurigraph bench`.
var Profiles = map[string]Config{
	"quick":    {Duration: 8 * time.Second, Producers: 4, TxSize: 150, Subscribers: 1},
	"standard": {Duration: 20 * time.Second, Producers: 4, TxSize: 150, Subscribers: 4},
	"stress":   {Duration: 60 * time.Second, Producers: 8, TxSize: 150, Subscribers: 16},
}

// Target is a running pipeline as the bench sees it.
type Target struct {
	Brokers      []string
	TxPartitions int32
	// HTTP is the host:port of the REST and WebSocket API.
	HTTP string
	// GRPC is the host:port of the gRPC API.
	GRPC string
	// ClickHouse is the URL the projector writes to, and ClickHouseDial
	// how it connects there when set (the embedded engine's writer path is
	// inside the process).
	ClickHouse     string
	ClickHouseDial func(ctx context.Context, addr string) (net.Conn, error)
	// KafkaOpts log the bench's Kafka clients in (SASL, TLS).
	KafkaOpts []kgo.Opt
	// Chain yields blocks as validators commit them.
	Chain stream.BlockSource
	// Projected is the highest height visible in ClickHouse; nil where
	// nothing projects (validators alone).
	Projected func() uint64
	// HasLeader reports whether a validator leads.
	HasLeader func() bool
	// PIDs names the pipeline's processes other than this one ("broker",
	// "validator-1", ...), whose peak memory the report then gives one by one.
	PIDs map[string]int
	// External marks a pipeline the bench did not start and cannot
	// restart: startup is not measured, and stop only lets go of it.
	External bool
}

// Starter starts the pipeline on dataDir and returns it once it listens,
// with the function that stops it cleanly.
type Starter func(ctx context.Context, dataDir string) (Target, func() error, error)

const (
	phaseMax     = "m"
	phaseLatency = "l"
)

// Run benchmarks the pipeline start brings up and returns the report.
func Run(ctx context.Context, cfg Config, start Starter) (*Report, error) {
	cfg, err := withProfile(cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	dataDir := cfg.DataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "aurigraph-bench-"); err != nil {
			return nil, fmt.Errorf("bench data dir: %w", err)
		}
		defer os.RemoveAll(dataDir)
	}
	rep := &Report{
		Version: 1, Profile: cfg.Profile, Started: time.Now().UTC().Format(time.RFC3339),
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version()},
		Config: Settings{DurationS: cfg.Duration.Seconds(), Producers: cfg.Producers, Rate: cfg.Rate,
			TxSize: cfg.TxSize, Signed: cfg.Signed, Validators: cfg.Validators},
		LatencyMs: map[string]Percentiles{},
		Ratios:    map[string]float64{},
		StartupMs: map[string]float64{},
	}

	tgt, stop, err := start(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	if err := waitUntil(ctx, 20*time.Second, "a raft leader", tgt.HasLeader); err != nil {
		return nil, err
	}

	var anon *anonSampler
	if len(tgt.PIDs) > 0 {
		anon = sampleAnon(tgt.PIDs, 250*time.Millisecond)
		defer anon.finish()
	}
	run := "bench" + strconv.FormatInt(time.Now().Unix()%1_000_000, 36)
	producers := make([]*producer, cfg.Producers)
	phases := make(map[string]string)
	for i := range producers {
		producers[i] = newProducer(run, i, cfg.TxSize, cfg.Signed)
		maps.Copy(phases, producers[i].phases())
	}
	obs := newObserver(phases)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	commitErr := make(chan error, 1)
	go func() {
		err := obs.watchCommits(watchCtx, tgt.Chain)
		if err != nil {
			obs.fail(fmt.Errorf("commit watcher: %w", err))
		}
		commitErr <- err
	}()
	if tgt.Projected != nil {
		go obs.watchProjection(watchCtx, tgt.Projected)
	}
	wsURL := liveStreamURL(tgt.HTTP)
	for range cfg.Subscribers {
		ready := make(chan struct{})
		go obs.watchStream(watchCtx, wsURL, ready)
		<-ready
	}

	cpu0 := cpuOf(tgt.PIDs)
	inProcess := !tgt.External && len(tgt.PIDs) == 0
	phase := func(name string, rate float64) (loadResult, time.Time, error) {
		spec := loadSpec{brokers: tgt.Brokers, topic: schemas.TopicTransactions, phase: name, rate: rate, duration: cfg.Duration,
			backlog: func(produced int64) int64 { return produced - obs.committedTotal(name) }}
		var pre *presigned
		if cfg.Signed {
			count := rate * cfg.Duration.Seconds() * 1.05
			if rate == 0 {
				// As many as verification could possibly pass in the phase.
				verify, err := ceiling.Verify(ctx, 5_000)
				if err != nil {
					return loadResult{}, time.Time{}, fmt.Errorf("bench: size the signed load: %w", err)
				}
				count = max(verify, 20_000) * cfg.Duration.Seconds() * 1.2
			}
			log.Info("bench: signing transactions before the phase", "phase", name, "count", int(count))
			if pre, err = presign(ctx, producers, name, int(min(count, 3_000_000))); err != nil {
				return loadResult{}, time.Time{}, err
			}
		}
		// A pipeline in this process is profiled in the phase that loads it
		// most, to split its CPU among the stages.
		profile := (cfg.CPUProfile != nil || inProcess) && (name == phaseMax || cfg.Rate > 0)
		var allocsDone func() error
		if profile && inProcess && cfg.AllocProfile != nil {
			if allocsDone, err = allocsFrom(cfg.AllocProfile); err != nil {
				return loadResult{}, time.Time{}, err
			}
		}
		var prof bytes.Buffer
		if profile {
			if err := pprof.StartCPUProfile(&prof); err != nil {
				return loadResult{}, time.Time{}, fmt.Errorf("bench: cpu profile: %w", err)
			}
		}
		began := time.Now()
		res, err := runLoad(ctx, spec, producers, pre, tgt.KafkaOpts...)
		if profile {
			pprof.StopCPUProfile()
			if cfg.CPUProfile != nil {
				if _, werr := cfg.CPUProfile.Write(prof.Bytes()); werr != nil {
					err = errors.Join(err, fmt.Errorf("bench: write the cpu profile: %w", werr))
				}
			}
		}
		if allocsDone != nil {
			err = errors.Join(err, allocsDone())
		}
		if err != nil {
			return res, began, err
		}
		log.Info("bench: phase produced", "phase", name, "records", res.Produced, "failed", res.Failed, "rate", int(float64(res.Produced)/res.Elapsed.Seconds()))
		err = waitUntil(ctx, 2*time.Minute, fmt.Sprintf("all %d transactions of phase %s committed", res.Produced, name), func() bool {
			return obs.committedTotal(name) >= res.Produced || obs.err() != nil
		})
		if err == nil {
			err = obs.err()
		}
		if err == nil && profile && inProcess {
			committed := obs.committedBetween(name, began, began.Add(res.Elapsed))
			if rep.StageCosts, err = stageCosts(prof.Bytes(), uint64(max(committed, 0))); err != nil {
				log.Warn("bench: no stage costs", "err", err)
				err = nil
			}
		}
		return res, began, err
	}
	// The sustained rate runs from the phase's first block to its last: the
	// backlog bound keeps the pipeline busy all along, and the first block's
	// transactions were waiting before the clock could see them commit.
	sustained := func(name string) float64 {
		first, last, txs := obs.commitSpan(name)
		if !last.After(first) {
			return 0
		}
		return float64(txs) / last.Sub(first).Seconds()
	}

	latencyRate := cfg.Rate
	if cfg.Rate == 0 {
		log.Info("bench: max-rate phase", "duration", cfg.Duration, "producers", cfg.Producers)
		res, _, err := phase(phaseMax, 0)
		if err != nil {
			return nil, err
		}
		rep.OfferedTPS = float64(res.Produced) / res.Elapsed.Seconds()
		rep.CommittedTPS = sustained(phaseMax)
		if rep.CommittedTPS <= 0 {
			return nil, fmt.Errorf("bench: the max-rate phase committed %d of %d transactions in fewer than two blocks; use a longer --duration", obs.committedTotal(phaseMax), res.Produced)
		}
		latencyRate = cfg.LatencyShare * rep.CommittedTPS
		// The latency phase measures a pipeline at that rate, not one still
		// projecting the seconds of backlog the max-rate phase left: in dev
		// the projector and its engine share the validators' cores, and
		// their catching up took the latency phase's tail for its own.
		if head := tgt.Chain.Height(); tgt.Projected != nil {
			if err := waitUntil(ctx, 2*time.Minute, fmt.Sprintf("ClickHouse to catch up with the max-rate phase (height %d)", head), func() bool { return tgt.Projected() >= head }); err != nil {
				return nil, err
			}
		}
	}
	log.Info("bench: latency phase (open loop)", "rate", int(latencyRate), "duration", cfg.Duration)
	res, began, err := phase(phaseLatency, latencyRate)
	if err != nil {
		return nil, err
	}
	rep.LatencyRate = latencyRate
	rep.LatencyCommitted = float64(obs.committedBetween(phaseLatency, began, began.Add(cfg.Duration))) / cfg.Duration.Seconds()
	if cfg.Rate > 0 {
		rep.OfferedTPS = float64(res.Produced) / res.Elapsed.Seconds()
		rep.CommittedTPS = rep.LatencyCommitted
	}
	// Let projection and the live stream reach the chain's head.
	if head := tgt.Chain.Height(); tgt.Projected != nil {
		if err := waitUntil(ctx, time.Minute, fmt.Sprintf("ClickHouse to show height %d", head), func() bool { return tgt.Projected() >= head }); err != nil {
			return nil, err
		}
	}
	time.Sleep(200 * time.Millisecond)
	stopWatch()
	<-commitErr
	if err := obs.err(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	// Memory and CPU of the pipeline under load, before the ceilings add
	// their own in this process.
	rep.PeakRSSBytes = peakRSSOf(tgt.PIDs)
	rep.PeakRSSBytes.Total += peakRSS()
	rep.CPUSeconds = (cpuOf(tgt.PIDs) - cpu0).Seconds()

	st := obs.stages(phaseLatency)
	for stage, h := range map[string]*hdrhistogram.Histogram{
		"submit_commit":    obs.commitHistogram(phaseLatency),
		"commit_projected": st.commitProjected, "submit_projected": st.submitProjected,
		"commit_delivered": st.commitDelivered, "submit_delivered": st.submitDelivered,
	} {
		// A stage the target lacks (no projector) is left out, not zero.
		if h.TotalCount() > 0 {
			rep.LatencyMs[stage] = percentiles(h)
		}
	}
	// Ceilings come after the load, so that their scratch data (a topic of
	// a million records in the broker, a million rows in ClickHouse) never
	// weighs on the pipeline being measured.
	if !cfg.SkipCeilings {
		scratch, err := os.MkdirTemp("", "aurigraph-bench-ceilings-")
		if err != nil {
			return nil, fmt.Errorf("bench: scratch dir for the ceilings: %w", err)
		}
		defer os.RemoveAll(scratch)
		log.Info("bench: measuring stage ceilings")
		rep.Ceilings, err = ceiling.Measure(ctx, ceiling.Spec{
			Brokers: tgt.Brokers, KafkaOpts: tgt.KafkaOpts, Partitions: tgt.TxPartitions, ClickHouse: tgt.ClickHouse, ClickHouseDial: tgt.ClickHouseDial, Dir: scratch,
			Validators: cfg.Validators, TxSize: cfg.TxSize, LogRecords: 1_000_000, InsertRows: 1_000_000,
			RaftDuration: 3 * time.Second,
		})
		if err != nil {
			return nil, err
		}
		log.Info("bench: ceilings", "log_tps", int(rep.Ceilings.LogTPS), "raft_tps", int(rep.Ceilings.RaftTPS),
			"apply_tps", int(rep.Ceilings.ApplyTPS), "verify_tps", int(rep.Ceilings.VerifyTPS),
			"clickhouse_rows_per_s", int(rep.Ceilings.ClickHouseRowsPerS))
	}
	for k, v := range map[string]float64{"log": rep.Ceilings.LogTPS, "raft": rep.Ceilings.RaftTPS, "apply": rep.Ceilings.ApplyTPS,
		"verify": rep.Ceilings.VerifyTPS, "clickhouse": rep.Ceilings.ClickHouseRowsPerS} {
		if v > 0 {
			rep.Ratios[k] = rep.CommittedTPS / v
		}
	}

	if anon != nil {
		for name, v := range anon.finish() {
			if strings.HasPrefix(name, "validator-") && (rep.PeakRSSBytes.ValidatorAnon == nil || v > *rep.PeakRSSBytes.ValidatorAnon) {
				rep.PeakRSSBytes.ValidatorAnon = &v
			}
		}
	}
	stopped = true
	if err := stop(); err != nil {
		return nil, fmt.Errorf("bench: stop the pipeline: %w", err)
	}
	if tgt.External {
		return rep, nil
	}
	log.Info("bench: restarting on the same data dir to time startup")
	t0 := time.Now()
	tgt, stop, err = start(ctx, dataDir)
	if err != nil {
		return nil, fmt.Errorf("bench: restart on %s: %w", dataDir, err)
	}
	rep.StartupMs["ready"] = float64(time.Since(t0).Microseconds()) / 1000
	err = waitUntil(ctx, 20*time.Second, "a raft leader after restart", tgt.HasLeader)
	rep.StartupMs["leader"] = float64(time.Since(t0).Microseconds()) / 1000
	if stopErr := stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func withProfile(cfg Config) (Config, error) {
	if cfg.Profile == "" {
		cfg.Profile = "quick"
	}
	p, ok := Profiles[cfg.Profile]
	if !ok {
		return cfg, fmt.Errorf("bench profile %q: use quick, standard or stress", cfg.Profile)
	}
	if cfg.Duration == 0 {
		cfg.Duration = p.Duration
	}
	if cfg.Signed && cfg.Producers > SignedProducersMax {
		return cfg, fmt.Errorf("bench: a signed bench runs at most %d producers (the issuers its chain names)", SignedProducersMax)
	}
	if cfg.Producers == 0 {
		cfg.Producers = p.Producers
	}
	if cfg.TxSize == 0 {
		cfg.TxSize = p.TxSize
	}
	if cfg.Subscribers == 0 {
		cfg.Subscribers = p.Subscribers
	}
	if cfg.LatencyShare == 0 {
		cfg.LatencyShare = 0.5
	}
	if cfg.Validators == 0 {
		cfg.Validators = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch {
	case cfg.Duration < time.Second:
		return cfg, fmt.Errorf("bench --duration %v: use at least 1s", cfg.Duration)
	case cfg.Producers < 1:
		return cfg, fmt.Errorf("bench --producers %d: need at least 1", cfg.Producers)
	case cfg.Rate < 0:
		return cfg, fmt.Errorf("bench --rate %v: must not be negative (0 measures the maximum first)", cfg.Rate)
	case cfg.TxSize < 100 || cfg.TxSize > 4096:
		return cfg, fmt.Errorf("bench --tx-size %d: use 100 to 4096 bytes", cfg.TxSize)
	case cfg.LatencyShare <= 0 || cfg.LatencyShare > 1:
		return cfg, fmt.Errorf("bench latency share %v: use a value in (0, 1]", cfg.LatencyShare)
	}
	return cfg, nil
}

func waitUntil(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: gave up after %v waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("bench: interrupted waiting for %s", what))
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}
