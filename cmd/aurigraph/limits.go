package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/internal/listener"
)

// Connection caps of the listeners; a flag of 0 takes them.
const (
	defaultHTTPMaxConns       = 8192
	defaultGRPCMaxConns       = 2048
	defaultClickHouseMaxConns = 256
	defaultRaftMaxConns       = 256
	defaultGRPCIdleTimeout    = 5 * time.Minute
	defaultGRPCHandshake      = 10 * time.Second
)

// listenerFlags bound the public listeners of dev, node and gateway: --http
// (and with it pprof) and --grpc. The HTTP deadlines hold for every HTTP
// listener of the process, the ClickHouse interface's included.
type listenerFlags struct {
	httpMaxConns  int
	http          listener.HTTPLimits
	grpcMaxConns  int
	grpcIdle      time.Duration
	grpcHandshake time.Duration
}

func (f *listenerFlags) register(fl *pflag.FlagSet) {
	f.registerHTTP(fl)
	fl.IntVar(&f.grpcMaxConns, "grpc-max-conns", defaultGRPCMaxConns, "connections --grpc holds open at once; more are closed on arrival (negative: no cap)")
	fl.DurationVar(&f.grpcIdle, "grpc-idle-timeout", defaultGRPCIdleTimeout, "close a gRPC connection that has had no call for this long (clients reconnect on their next call)")
	fl.DurationVar(&f.grpcHandshake, "grpc-handshake-timeout", defaultGRPCHandshake, "time a gRPC client has to complete the TLS and HTTP/2 handshake")
}

// registerHTTP registers the flags of --http alone, for a process without
// a gRPC port (projector run).
func (f *listenerFlags) registerHTTP(fl *pflag.FlagSet) {
	fl.IntVar(&f.httpMaxConns, "http-max-conns", defaultHTTPMaxConns, "connections --http holds open at once, live streams included; more are answered 503 and closed (negative: no cap)")
	fl.DurationVar(&f.http.ReadHeaderTimeout, "http-read-header-timeout", listener.DefaultReadHeaderTimeout, "time an HTTP client has to send a request's headers")
	fl.DurationVar(&f.http.ReadTimeout, "http-read-timeout", listener.DefaultReadTimeout, "time an HTTP client has to send a request's body once the server starts reading it; a slower body is cut off")
	fl.DurationVar(&f.http.WriteTimeout, "http-write-timeout", listener.DefaultWriteTimeout, "time one write of an HTTP response may take; a client that stops reading is cut off (renewed on every write, so streams and exports last as long as they move)")
	fl.DurationVar(&f.http.IdleTimeout, "http-idle-timeout", listener.DefaultIdleTimeout, "how long a kept-alive HTTP connection may wait for its next request")
}

func (f listenerFlags) validate() error {
	for name, d := range map[string]time.Duration{
		"--http-read-header-timeout": f.http.ReadHeaderTimeout, "--http-read-timeout": f.http.ReadTimeout,
		"--http-write-timeout": f.http.WriteTimeout, "--http-idle-timeout": f.http.IdleTimeout,
		"--grpc-idle-timeout": f.grpcIdle, "--grpc-handshake-timeout": f.grpcHandshake,
	} {
		if d < 0 {
			return fmt.Errorf("%s %v: use a positive duration (0 takes the default)", name, d)
		}
	}
	return nil
}

// brokerFlags bound the embedded broker's Kafka port (dev and broker).
type brokerFlags struct {
	maxConns       int
	idleTimeout    time.Duration
	requestTimeout time.Duration
	maxRequest     string
}

func (f *brokerFlags) register(fl *pflag.FlagSet) {
	fl.IntVar(&f.maxConns, "kafka-max-conns", broker.DefaultMaxConns, "client connections the embedded broker holds open at once; more are closed on arrival (negative: no cap)")
	fl.DurationVar(&f.idleTimeout, "kafka-idle-timeout", broker.DefaultIdleTimeout, "close an embedded-broker connection that sends no request for this long (as Kafka's connections.max.idle.ms)")
	fl.DurationVar(&f.requestTimeout, "kafka-request-timeout", broker.DefaultRequestTimeout, "time a client has to send one request to the embedded broker once it started it, and to take one response")
	fl.StringVar(&f.maxRequest, "kafka-max-request-size", "100MiB", "largest request the embedded broker reads; a connection announcing a larger one is closed (as Kafka's socket.request.max.bytes)")
}

// config fills the limits into an embedded broker's configuration.
func (f brokerFlags) config(cfg broker.Config, m *listener.Metrics) (broker.Config, error) {
	if f.idleTimeout < 0 || f.requestTimeout < 0 {
		return cfg, fmt.Errorf("--kafka-idle-timeout %v and --kafka-request-timeout %v: use positive durations (0 takes the default)", f.idleTimeout, f.requestTimeout)
	}
	if f.maxRequest != "" {
		n, err := parseSize(f.maxRequest)
		if err != nil || n > 1<<31-1 {
			return cfg, fmt.Errorf("--kafka-max-request-size %q: want a size up to 2GiB such as 100MiB", f.maxRequest)
		}
		cfg.MaxRequestBytes = int(n)
	}
	cfg.MaxConns, cfg.IdleTimeout, cfg.RequestTimeout, cfg.Metrics = f.maxConns, f.idleTimeout, f.requestTimeout, m
	return cfg, nil
}

// limits are one process's listener bounds and the metrics they count in.
type limits struct {
	listenerFlags
	metrics *listener.Metrics
	log     *slog.Logger
}

func newLimits(f listenerFlags, reg prometheus.Registerer, log *slog.Logger) (*limits, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	m, err := listener.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &limits{listenerFlags: f, metrics: m, log: log}, nil
}

// capOr is a cap flag's value: 0 takes def, negative means none.
func capOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// listen opens a bounded listener named name on addr.
func (l *limits) listen(name, addr string, maxConns int, refuse func(net.Conn)) (*listener.Listener, error) {
	ln, err := listener.Listen(context.Background(), addr, listener.Options{
		Name: name, MaxConns: maxConns, Refuse: refuse, Logger: l.log, Metrics: l.metrics,
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s (is another instance running? choose another address): %w", addr, err)
	}
	return ln, nil
}

// serveHTTP serves h on addr within the HTTP deadlines and maxConns.
func (l *limits) serveHTTP(name, addr string, tlsCfg *tls.Config, h http.Handler, maxConns int) (*http.Server, string, error) {
	bounded, err := l.listen(name, addr, maxConns, listener.RefuseHTTP)
	if err != nil {
		return nil, "", err
	}
	var ln net.Listener = bounded
	if tlsCfg != nil {
		ln = tls.NewListener(bounded, tlsCfg)
	}
	srv := listener.NewHTTPServer(h, l.http, name, l.metrics, l.log)
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			l.log.Error("http server stopped", "listener", name, "addr", addr, "err", err)
		}
	}()
	l.log.Info("listening", "listener", name, "addr", ln.Addr().String(), "max_conns", maxConns)
	return srv, ln.Addr().String(), nil
}

// grpcOptions bound the public gRPC server's connections beyond the cap:
// a handshake deadline, and idle connections closed.
func (l *limits) grpcOptions() []grpc.ServerOption {
	handshake := l.grpcHandshake
	if handshake == 0 {
		handshake = defaultGRPCHandshake
	}
	return []grpc.ServerOption{grpc.ConnectionTimeout(handshake)}
}

// grpcIdleTimeout is --grpc-idle-timeout with its default.
func (l *limits) grpcIdleTimeout() time.Duration {
	if l.grpcIdle == 0 {
		return defaultGRPCIdleTimeout
	}
	return l.grpcIdle
}
