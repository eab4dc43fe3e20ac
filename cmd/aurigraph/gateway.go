package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/access"
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
	access             accessFlags
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
the readers need; the validators never see them.`,
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
	f.access.register(fl)
	return cmd
}

// gatewayAddrs is where a started gateway listens.
type gatewayAddrs struct{ HTTP, GRPC string }

func runGateway(ctx context.Context, f gatewayFlags, log *slog.Logger, ready func(gatewayAddrs)) error {
	reg := newRegistry()
	var stack shutdownStack
	defer stack.unwind(log)
	if f.cacheBlocks < 1 {
		return fmt.Errorf("--cache-blocks %d: keep at least 1 block", f.cacheBlocks)
	}
	acc, err := f.access.build(ctx, log, reg, f.httpAddr, f.grpcAddr, f.grpcTLS)
	if err != nil {
		return err
	}
	stack.push("access", func(context.Context) error { acc.close(); return nil })
	brokers := splitList(f.kafka)
	src, err := stream.NewTopicSource(stream.TopicSourceConfig{Brokers: brokers, Cache: f.cacheBlocks, Logger: log})
	if err != nil {
		return fmt.Errorf("--kafka: %w", err)
	}
	inputs := &runGroup{}
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
	root := rootHandler(reg, mux, gatewayHealth(src, hub), f.pprof)
	grpcCfg, err := f.grpcTLS.config(log, reg)
	if err != nil {
		return err
	}
	httpAddr, grpcAddr, err := serveAPIs(&stack, f.httpAddr, root, f.grpcAddr, grpcServices{hub: hub, guard: acc.guard}, grpcCfg, acc)
	if err != nil {
		return err
	}

	if ready != nil {
		ready(gatewayAddrs{HTTP: httpAddr, GRPC: grpcAddr})
	}
	log.Info("aurigraph gateway ready", "http", acc.scheme()+"://"+httpAddr+"/api/v12", "grpc", grpcAddr,
		"kafka", brokers, "height", src.Height())
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
		_ = json.NewEncoder(w).Encode(consensus.BlockJSON(guard.AccountScope(r.Context()).Block(b)))
	})
}

// gatewayHealth is UP while the gateway follows the topic.
func gatewayHealth(src *stream.TopicSource, hub *stream.Hub) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		report := healthReport{Status: "UP", Checks: []healthCheck{{Name: "blocks topic", Status: "UP",
			Data: map[string]any{"height": src.Height(), "streamed_height": hub.Height()}}}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(report)
	})
}
