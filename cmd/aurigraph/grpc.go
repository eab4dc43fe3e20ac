package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/chainapi"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
	"github.com/aurigraph/aurigraph/stream"
)

// grpcTLSFlags are the public gRPC port's TLS options, the same for dev,
// node and gateway.
type grpcTLSFlags struct {
	cert, key, clientCA string
}

func (f *grpcTLSFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.cert, "grpc-tls-cert", "", "serve gRPC over TLS with this PEM certificate (with --grpc-tls-key)")
	fl.StringVar(&f.key, "grpc-tls-key", "", "PEM private key of --grpc-tls-cert")
	fl.StringVar(&f.clientCA, "grpc-client-ca", "", "require gRPC clients to present a certificate signed by this PEM CA (mutual TLS; needs --grpc-tls-cert)")
}

func (f grpcTLSFlags) config(log *slog.Logger, reg prometheus.Registerer) (rpc.Config, error) {
	cfg := rpc.Config{Logger: log.With("component", "grpc"), Registerer: reg}
	switch {
	case f.cert == "" && f.key == "" && f.clientCA == "":
		return cfg, nil
	case f.cert == "" || f.key == "":
		return cfg, fmt.Errorf("--grpc-tls-cert and --grpc-tls-key go together (got cert %q, key %q)", f.cert, f.key)
	}
	creds, err := rpc.ServerTLS(f.cert, f.key, f.clientCA)
	if err != nil {
		return cfg, fmt.Errorf("--grpc-tls-cert: %w", err)
	}
	// The gRPC port loads its certificate once: until a restart, the
	// expiry is the one of the file as it was read now.
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return cfg, fmt.Errorf("--grpc-tls-cert: %w", err)
	}
	notAfter := pair.Leaf.NotAfter
	if err := exportExpiry(reg, "grpc", func() time.Time { return notAfter }); err != nil {
		return cfg, err
	}
	cfg.TLS = creds
	return cfg, nil
}

// grpcServices are what one process serves on its public gRPC port; a
// gateway has only the hub.
type grpcServices struct {
	hub       *stream.Hub
	chain     *chainapi.Service
	submit    *ingest.SubmitHandler
	analytics *analytics.Service
	// alerts is nil where no validator runs (gateway).
	alerts *alerting.Service
	// guard enforces the access policy on every call.
	guard *access.Guard
	// ready reports whether the chain services can answer now (a leader is
	// known); health reports NOT_SERVING for them otherwise.
	ready func() bool
}

// serveGRPC serves svcs on addr within lim and returns where it listens and
// its graceful stop.
func serveGRPC(addr string, svcs grpcServices, cfg rpc.Config, lim *limits) (string, func(context.Context) error, error) {
	opts, err := rpc.ServerOptions(cfg)
	if err != nil {
		return "", nil, err
	}
	ln, err := lim.listen("grpc", addr, capOr(lim.grpcMaxConns, defaultGRPCMaxConns), nil)
	if err != nil {
		return "", nil, err
	}
	opts = append(opts, lim.grpcOptions()...)
	opts = append(opts, svcs.guard.ServerOptions()...)
	srv := grpc.NewServer(append(opts,
		// Pings keep idle subscriptions alive through proxies and find dead
		// peers; clients may ping as often as every 10s. A connection with no
		// call at all is closed after the idle timeout, so that idle clients
		// do not hold the connection cap.
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, MaxConnectionIdle: lim.grpcIdleTimeout()}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// A SubmitBatch of 10,000 transactions, or a block, can pass the
		// 4 MiB default.
		grpc.MaxRecvMsgSize(maxGRPCMessage),
		grpc.MaxSendMsgSize(maxGRPCMessage),
	)...)
	aurigraphv1.RegisterAuthServiceServer(srv, svcs.guard.AuthService())
	aurigraphv1.RegisterStreamServiceServer(srv, svcs.hub.StreamService())
	aurigraphv1.RegisterPerformanceServiceServer(srv, analytics.PerformanceService(svcs.hub.Performance, svcs.analytics))
	var chainServices []string
	if svcs.chain != nil {
		aurigraphv1.RegisterBlockServiceServer(srv, svcs.chain.BlockService())
		aurigraphv1.RegisterValidatorServiceServer(srv, svcs.chain.ValidatorService())
		chainServices = append(chainServices, aurigraphv1.BlockService_ServiceDesc.ServiceName, aurigraphv1.ValidatorService_ServiceDesc.ServiceName)
		if svcs.alerts != nil {
			aurigraphv1.RegisterAlertServiceServer(srv, svcs.alerts.GRPC())
			chainServices = append(chainServices, aurigraphv1.AlertService_ServiceDesc.ServiceName)
		}
		if svcs.submit != nil {
			aurigraphv1.RegisterTransactionServiceServer(srv, svcs.submit.TransactionService(svcs.chain.TransactionReads()))
			chainServices = append(chainServices, aurigraphv1.TransactionService_ServiceDesc.ServiceName)
		}
	}
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	for _, name := range []string{aurigraphv1.StreamService_ServiceDesc.ServiceName, aurigraphv1.PerformanceService_ServiceDesc.ServiceName, aurigraphv1.AuthService_ServiceDesc.ServiceName} {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if len(chainServices) > 0 {
			watchLeader(watchCtx, hs, chainServices, svcs.ready)
		}
	}()
	reflection.Register(srv)
	if err := svcs.guard.CheckMethods(srv.GetServiceInfo()); err != nil {
		stopWatch()
		<-watched
		ln.Close()
		return "", nil, err
	}
	go func() {
		if err := srv.Serve(ln); err != nil {
			slog.Error("grpc server stopped", "addr", addr, "err", err)
		}
	}()
	stop := func(ctx context.Context) error {
		stopWatch()
		<-watched
		// NOT_SERVING first, so balancers move clients before streams end.
		hs.Shutdown()
		// The hub ends the live subscriptions, each with a status saying
		// where to resume, because a graceful stop waits for open streams.
		svcs.hub.Close()
		done := make(chan struct{})
		go func() { srv.GracefulStop(); close(done) }()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			srv.Stop()
			<-done
			return fmt.Errorf("grpc calls still running at shutdown were cut: %w", ctx.Err())
		}
	}
	return ln.Addr().String(), stop, nil
}

// maxGRPCMessage bounds one gRPC message either way.
const maxGRPCMessage = 64 << 20

// watchLeader keeps the chain services' health in step with whether a
// leader is known: without one, reads and submissions cannot complete, and
// a load balancer should send clients elsewhere.
func watchLeader(ctx context.Context, hs *health.Server, services []string, ready func() bool) {
	last := healthpb.HealthCheckResponse_UNKNOWN
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		st := healthpb.HealthCheckResponse_NOT_SERVING
		if ready() {
			st = healthpb.HealthCheckResponse_SERVING
		}
		if st != last {
			for _, name := range services {
				hs.SetServingStatus(name, st)
			}
			last = st
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

const grpcUsage = "gRPC listen address: TransactionService, BlockService, ValidatorService, PerformanceService, StreamService, AuthService, health, reflection"
