package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chainapi"
	"github.com/aurigraph/aurigraph/internal/portal"
	"github.com/aurigraph/aurigraph/stream"
)

type gatewayFlags struct {
	kafka              string
	httpAddr           string
	grpcAddr           string
	grpcTLS            grpcTLSFlags
	cacheBlocks        int
	streamMaxPerClient int
	pprof              bool
	listen             listenerFlags
	healthStallAfter   time.Duration
	trust              blockTrustFlags
	access             accessFlags
	kafkaClient        kafkaClientFlags
	// clickhouse, when set, is the projection the analytics API reads.
	clickhouse clickhouseClientFlags
	trace      traceFlags
}

func newGatewayCommand() *cobra.Command {
	var f gatewayFlags
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve the live streams and block reads from the blocks topic, without being a validator",
		Long: `Follows aurigraph.blocks.v1, which the leader publishes every committed
block to, and serves what subscribers and explorers read: the live event
stream over WebSocket (/api/v12/live/stream), Server-Sent Events
(/api/v12/live/events) and gRPC (StreamService.Subscribe), blocks by height
(/api/v12/blocks/{height}) and /api/v12/performance. Run as many gateways as
the readers need; the validators never see them.

With --clickhouse (a user that may only read the database aurigraph
projector run writes) it also serves the analytics API under
/api/v12/analytics/ (series, forecasts, anomalies, exports, explorers) as
aurigraph dev does, and the portal's analytics pages; without it those
paths answer 404 with a message naming the flag.

Anyone who can write the topic can put records there, so the gateway serves
only blocks signed by the chain's validators that link to the block before
them, and skips and counts the rest (aurigraph_stream_blocks_rejected_total).
It learns the validators' keys from --validator-keys (the document
GET /api/v12/validators/keys of a validator serves, saved to a file) and/or
--validators (validators' HTTP APIs, asked again when a block names a key it
does not know, and every minute). Without either it refuses to start, unless
told --insecure-unverified-blocks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGateway(cmd.Context(), f, slog.Default(), nil)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kafka, "kafka", "127.0.0.1:9092", "Kafka-protocol brokers holding the blocks topic, host:port,...")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8081", "REST, live stream, /metrics and /q/health listen address")
	fl.StringVar(&f.grpcAddr, "grpc", "127.0.0.1:9005", "gRPC listen address (StreamService, PerformanceService.Current, health, reflection)")
	f.grpcTLS.register(fl)
	fl.IntVar(&f.cacheBlocks, "cache-blocks", 4096, "newest blocks kept in memory; older heights are fetched from the topic")
	fl.IntVar(&f.streamMaxPerClient, "stream-max-per-client", stream.DefaultMaxPerClient, streamMaxPerClientUsage)
	fl.BoolVar(&f.pprof, "pprof", false, pprofUsage)
	f.listen.register(fl)
	fl.DurationVar(&f.healthStallAfter, "health-stall-after", defaultStallAfter, "health reports the gateway not ready when the blocks topic holds blocks it has not read and it reads none for this long")
	f.trust.register(fl, true)
	f.access.register(fl)
	f.kafkaClient.register(fl)
	f.trace.register(fl)
	f.clickhouse.register(fl, "serve the analytics API from the projection in this ClickHouse (http://host:8123 or clickhouse://host:9000), read in read-only sessions; give it a user that may only read")
	return cmd
}

// gatewayAddrs is where a started gateway listens.
type gatewayAddrs struct{ HTTP, GRPC string }

func runGateway(ctx context.Context, f gatewayFlags, log *slog.Logger, ready func(gatewayAddrs)) error {
	reg := newRegistry()
	var stack shutdownStack
	defer stack.unwind(log)
	if err := f.trace.start(ctx, &stack, "aurigraph-gateway"); err != nil {
		return err
	}
	if f.cacheBlocks < 1 {
		return fmt.Errorf("--cache-blocks %d: keep at least 1 block", f.cacheBlocks)
	}
	clickhouseDSN, err := f.clickhouse.dsn()
	if err != nil {
		return err
	}
	acc, err := f.access.build(ctx, log, reg, f.httpAddr, f.grpcAddr, f.grpcTLS)
	if err != nil {
		return err
	}
	stack.push("access", func(context.Context) error { acc.close(); return nil })
	var analyticsSvc *analytics.Service
	if clickhouseDSN != "" {
		if analyticsSvc, err = openAnalytics(&stack, externalClickHouse(clickhouseDSN)); err != nil {
			return fmt.Errorf("--clickhouse: %w", err)
		}
	}
	lim, err := newLimits(f.listen, reg, log)
	if err != nil {
		return err
	}
	raiseFileLimit(log, sumCaps(capOr(f.listen.httpMaxConns, defaultHTTPMaxConns), capOr(f.listen.grpcMaxConns, defaultGRPCMaxConns)))
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
	// A nil *Anchors in the interface would read as a trust anchor.
	var trust blockfeed.Trust
	if anchors != nil {
		trust = anchors
	}
	brokers := splitList(f.kafka)
	src, err := stream.NewTopicSource(stream.TopicSourceConfig{Brokers: brokers, ClientOpts: hw.kafka, Cache: f.cacheBlocks, Logger: log,
		Trust: trust, Insecure: anchors == nil, Registerer: reg})
	if err != nil {
		return fmt.Errorf("--kafka: %w", err)
	}
	inputs := &runGroup{}
	if anchors != nil {
		inputs.start(ctx, "validator keys", anchors.Run)
	}
	inputs.start(ctx, "blocks topic", src.Run)
	stack.push("blocks topic", func(context.Context) error { return inputs.stop() })
	select {
	case <-src.Ready():
	case err := <-inputs.failures():
		return err
	case <-ctx.Done():
		return nil
	}

	// Without validators at hand, the hub learns leaders from block headers.
	hub := stream.NewHub(src, stream.HubOptions{MaxPerClient: f.streamMaxPerClient, Scope: acc.guard.TxScope, Logger: log, Registerer: reg})
	outputs := &runGroup{}
	outputs.start(ctx, "stream hub", hub.Run)
	stack.push("stream hub", func(context.Context) error { return outputs.stop() })

	mux := acc.guard.NewMux()
	api := mux.Under("/api/v12")
	mountStreams(api, hub, acc.web.CORSOrigins)
	api.Handle("GET /blocks/{height}", gatewayBlockHandler(src, acc.guard))
	mountAnalytics(api, analyticsSvc, acc.guard, "this gateway reads no ClickHouse projection: start it with --clickhouse URL, a user that may only read the database aurigraph projector run writes")
	probe, err := hw.watchBroker(&stack, brokers)
	if err != nil {
		return err
	}
	hw.watchTopicFollower(probe, src.Height, hub.Height)
	hw.start(ctx, &stack)
	ui, err := portal.Handler(portal.Options{Features: portal.Features{Process: "gateway", Analytics: analyticsSvc != nil}})
	if err != nil {
		return err
	}
	root := rootHandler(reg, mux, hw.reg, f.pprof, ui)
	grpcCfg, err := f.grpcTLS.config(log, reg)
	if err != nil {
		return err
	}
	httpAddr, grpcAddr, err := serveAPIs(&stack, lim, f.httpAddr, root, f.grpcAddr, grpcServices{hub: hub, analytics: analyticsSvc, guard: acc.guard}, grpcCfg, acc)
	if err != nil {
		return err
	}

	if ready != nil {
		ready(gatewayAddrs{HTTP: httpAddr, GRPC: grpcAddr})
	}
	log.Info("aurigraph gateway ready", "http", acc.scheme()+"://"+httpAddr+"/api/v12", "grpc", grpcAddr,
		"kafka", brokers, "height", src.Height(), "analytics", redactedURL(clickhouseDSN))
	select {
	case <-ctx.Done():
		log.Info("shutdown requested; closing subscriptions")
		return nil
	case err := <-inputs.failures():
		return err
	case err := <-outputs.failures():
		return err
	}
}

// gatewayBlockHandler serves GET /blocks/{height} in the validators' JSON
// shape.
func gatewayBlockHandler(src *stream.TopicSource, guard *access.Guard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := strconv.ParseUint(r.PathValue("height"), 10, 64)
		if err != nil || h == 0 {
			http.Error(w, fmt.Sprintf("height %q: use a decimal block height from 1", r.PathValue("height")), http.StatusBadRequest)
			return
		}
		b, err := src.Get(h)
		switch {
		case errors.Is(err, stream.ErrNotPublished):
			http.Error(w, fmt.Sprintf("block %d is not in the blocks topic (head %d)", h, src.Height()), http.StatusNotFound)
			return
		case err != nil:
			http.Error(w, "read block: "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(chainapi.BlockJSON(guard.AccountScope(r.Context()).Block(b)))
	})
}

// blockTrustFlags say where a reader of the blocks topic outside the
// validators (gateway, projector run) gets the chain's trust anchor.
type blockTrustFlags struct {
	keysFile   string
	validators string
	insecure   bool
	// unverifiable: the process may run without verification (a gateway;
	// a projector never does).
	unverifiable bool
}

// register adds the trust flags; with unverifiable, also
// --insecure-unverified-blocks.
func (f *blockTrustFlags) register(fl *pflag.FlagSet, unverifiable bool) {
	fl.StringVar(&f.keysFile, "validator-keys", "", "trust anchor: the chain's validator keys document (save GET /api/v12/validators/keys of a validator); re-read when it changes")
	fl.StringVar(&f.validators, "validators", "", "trust anchor: validators' HTTP APIs, http(s)://host:port,..., asked for their keys at start, every minute and when a block names a key not yet known")
	f.unverifiable = unverifiable
	if unverifiable {
		fl.BoolVar(&f.insecure, "insecure-unverified-blocks", false, "serve the blocks topic without checking signatures: anyone who can write the topic decides what is served")
	}
}

// open returns the trust anchor the flags name, or nil with
// --insecure-unverified-blocks.
func (f *blockTrustFlags) open(log *slog.Logger) (*blockfeed.Anchors, error) {
	urls := splitList(f.validators)
	switch {
	case f.insecure && (f.keysFile != "" || len(urls) > 0):
		return nil, errors.New("--insecure-unverified-blocks with --validator-keys or --validators: choose verification or none")
	case f.insecure:
		log.Warn("--insecure-unverified-blocks: blocks are served without checking their signatures; anyone who can write the blocks topic decides what readers see")
		return nil, nil
	case f.keysFile == "" && len(urls) == 0:
		msg := "no trust anchor for the blocks topic: give --validator-keys FILE (GET /api/v12/validators/keys of a validator, saved) and/or --validators http://node:8080,..."
		if f.unverifiable {
			msg += "; or --insecure-unverified-blocks to serve whatever the topic holds"
		}
		return nil, errors.New(msg)
	}
	a, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{File: f.keysFile, Validators: urls, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("--validator-keys/--validators: %w", err)
	}
	return a, nil
}
