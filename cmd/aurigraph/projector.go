package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/projector"
)

func newProjectorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "projector",
		Short: "Run or maintain the ClickHouse projection",
	}
	cmd.AddCommand(newProjectorRunCommand(), newProjectorRebuildCommand())
	return cmd
}

// projectorFlags are the knobs of `aurigraph projector run`.
type projectorFlags struct {
	kafka       string
	kafkaClient kafkaClientFlags
	trust       blockTrustFlags
	// clickhouse is the ClickHouse server to project into; without it the
	// embedded engine under dataDir.
	clickhouse clickhouseClientFlags
	dataDir    string
	embeddedClickHouseFlags
	rawTTL           time.Duration
	lease            time.Duration
	httpAddr         string
	listen           listenerFlags
	access           accessFlags
	healthStallAfter time.Duration
	pprof            bool
	memoryLimit      string
	trace            traceFlags
}

func newProjectorRunCommand() *cobra.Command {
	var f projectorFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Project the blocks topic into ClickHouse, as a process of its own",
		Long: `Follows aurigraph.blocks.v1, keeps the blocks the chain's validators signed
that link to the block before them (learning their keys from --validator-keys
and/or --validators, as aurigraph gateway does), and writes them into
ClickHouse exactly once: into the server --clickhouse names, or without it
into the embedded engine under --data, whose read-only ClickHouse HTTP
interface (--clickhouse-http) serves analysts and gateways.

Run one projector per ClickHouse database. On a server, a projector claims
the database in aurigraph.projector_lease and renews the claim every third of
--clickhouse-lease; a second projector waits until the first stops (or, if it
died, until its claim expires) instead of writing beside it.

Its --http port serves /q/health, /q/health/live, /q/health/ready and
/metrics. Stopped, it resumes from the projection where it left off.`,
		Example: `  aurigraph projector run --kafka kafka-1:9092 --validator-keys keys.json \
    --clickhouse http://clickhouse:8123 --clickhouse-user aurigraph --clickhouse-password-file ch.password`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if err := applyMemoryLimit(f.memoryLimit); err != nil {
				return err
			}
			return runProjector(cmd.Context(), f, slog.Default(), nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kafka, "kafka", "127.0.0.1:9092", "Kafka-protocol brokers holding the blocks topic, host:port,...")
	f.kafkaClient.register(fl)
	f.trace.register(fl)
	f.trust.register(fl, false)
	f.clickhouse.register(fl, "project into this ClickHouse server (http://host:8123 or clickhouse://host:9000) instead of the embedded engine under --data")
	fl.StringVar(&f.dataDir, "data", "./data", "data directory of the embedded ClickHouse engine (without --clickhouse)")
	f.embeddedClickHouseFlags.register(fl)
	fl.DurationVar(&f.rawTTL, "clickhouse-ttl", 0, "drop projected transaction rows whose block is older than this, e.g. 720h (blocks stay; 0 keeps everything)")
	fl.DurationVar(&f.lease, "clickhouse-lease", defaultLease, "how long the claim on a --clickhouse database lasts without renewal; a projector started after one that died waits up to this long")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8086", "/q/health and /metrics listen address")
	f.listen.registerHTTP(fl)
	f.access.registerHTTP(fl)
	fl.DurationVar(&f.healthStallAfter, "health-stall-after", defaultStallAfter, "health reports the projector not ready when the blocks topic holds blocks it has not projected and it projects none for this long")
	fl.BoolVar(&f.pprof, "pprof", false, pprofUsage)
	fl.StringVar(&f.memoryLimit, "memory-limit", "", memoryLimitUsage)
	return cmd
}

func (f projectorFlags) validate() error {
	if _, err := f.clickhouse.dsn(); err != nil {
		return err
	}
	if f.clickhouse.url == "" {
		if err := f.embeddedClickHouseFlags.validate(); err != nil {
			return err
		}
		if err := os.MkdirAll(f.dataDir, 0o755); err != nil {
			return fmt.Errorf("--data %q: %w", f.dataDir, err)
		}
	}
	if f.lease < 3*time.Second {
		return fmt.Errorf("--clickhouse-lease %v: use at least 3s, so that a renewal (every third of it) completes in time", f.lease)
	}
	return f.listen.validate()
}

// projectorAddrs are where a started projector listens: its HTTP port and,
// with the embedded engine, the ClickHouse HTTP interface.
type projectorAddrs struct{ HTTP, ClickHouseHTTP string }

// runProjector projects until ctx ends or the projector fails; ready, when
// set, is called once it listens.
func runProjector(ctx context.Context, f projectorFlags, log *slog.Logger, ready func(projectorAddrs)) error {
	dsn, err := f.clickhouse.dsn()
	if err != nil {
		return err
	}
	// The embedded engine's directory is the one whose free space counts.
	var dataDirs []string
	if dsn == "" {
		dataDirs = append(dataDirs, f.dataDir)
	}
	reg := newRegistry(dataDirs...)
	var stack shutdownStack
	defer stack.unwind(log)
	if err := f.trace.start(ctx, &stack, "aurigraph-projector"); err != nil {
		return err
	}
	acc, err := f.access.build(ctx, log, reg, f.httpAddr, "", grpcTLSFlags{})
	if err != nil {
		return err
	}
	stack.push("access", func(context.Context) error { acc.close(); return nil })
	lim, err := newLimits(f.listen, reg, log)
	if err != nil {
		return err
	}
	caps := []int{capOr(f.listen.httpMaxConns, defaultHTTPMaxConns)}
	if dsn == "" {
		caps = append(caps, capOr(f.clickhouseMaxConns, defaultClickHouseMaxConns))
	}
	raiseFileLimit(log, sumCaps(caps...))
	hw, err := newHealthWatch(reg, f.healthStallAfter)
	if err != nil {
		return err
	}
	if hw.kafka, err = f.kafkaClient.opts(); err != nil {
		return err
	}
	anchors, err := f.trust.open(log)
	if err != nil {
		return err
	}
	brokers := splitList(f.kafka)
	probe, err := hw.watchBroker(&stack, brokers)
	if err != nil {
		return err
	}
	target := externalClickHouse(dsn)
	if dsn == "" {
		target, err = f.embeddedClickHouseFlags.open(ctx, f.dataDir, embeddedDeps{stack: &stack, lim: lim, hw: hw, reg: reg, audit: acc.audit, insecure: f.access.insecure, log: log})
		if err != nil {
			return err
		}
	}
	head := newTopicHead(probe, brokers, hw.kafka, anchors, log)
	proj, err := newProjector(hw, &stack, projection{brokers: brokers, kafkaOpts: hw.kafka, target: target, trust: anchors, rawTTL: f.rawTTL,
		lease: f.lease, reachable: head.sample, interval: 2 * probeEvery, log: log, reg: reg})
	if err != nil {
		return err
	}
	runs := &runGroup{}
	runs.start(ctx, "validator keys", anchors.Run)
	runs.start(ctx, "projector", proj.Run)
	stack.push("projector", func(context.Context) error { return runs.stop() })

	hw.start(ctx, &stack)
	root := rootHandler(reg, acc.guard.NewMux(), hw.reg, f.pprof, http.NotFoundHandler())
	srv, httpAddr, err := lim.serveHTTP("http", f.httpAddr, acc.httpTLS, access.Web(root, acc.web), capOr(f.listen.httpMaxConns, defaultHTTPMaxConns))
	if err != nil {
		return fmt.Errorf("--http: %w", err)
	}
	stack.push("http", srv.Shutdown)
	target.stopReads(&stack)

	chHTTP := ""
	if target.engine != nil {
		chHTTP = target.public
	}
	if ready != nil {
		ready(projectorAddrs{HTTP: httpAddr, ClickHouseHTTP: chHTTP})
	}
	log.Info("aurigraph projector ready", "http", acc.scheme()+"://"+httpAddr, "kafka", brokers, "clickhouse", redactedURL(target.public),
		"embedded", target.engine != nil)
	select {
	case <-ctx.Done():
		log.Info("shutdown requested; stopping the projector", "projected_height", proj.Height())
		return nil
	case err := <-runs.failures():
		return err
	}
}

func newProjectorRebuildCommand() *cobra.Command {
	var dsn string
	var from uint64
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Remove the projection from a height on, so it is projected again from the blocks topic",
		Long: `Deletes the rows of aurigraph.blocks and aurigraph.transactions from
--from on. The next projector to run (aurigraph projector run, aurigraph dev,
or the pipeline's projector on restart) projects those heights again from
aurigraph.blocks.v1, exactly once. Stop the projector first: a rebuild
refuses to run while another projector holds the database. With the
embedded engine of aurigraph dev, use its --rebuild-projection-from flag
instead: the engine only runs inside the process that opened it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := projector.New(projector.Config{Brokers: []string{"unused:9092"}, ClickHouse: dsn, Lease: defaultLease, Logger: slog.Default()})
			if err != nil {
				return err
			}
			defer p.Close()
			return p.Rebuild(cmd.Context(), from)
		},
	}
	rebuild.Flags().StringVar(&dsn, "clickhouse", defaultAnalystDSN, "ClickHouse holding the projection: http://host:8123 or clickhouse://host:9000")
	rebuild.Flags().Uint64Var(&from, "from", 1, "first height to project again")
	return rebuild
}
