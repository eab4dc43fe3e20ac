// Package broker runs the embedded Kafka-protocol broker used by `aurigraph dev`,
// `aurigraph broker` and the test suites: franz-go's kfake cluster with its log
// persisted under a data directory, so a restart keeps every topic and offset.
//
// kfake's accept loop ends for good on the first error its listener returns,
// the EMFILE of a process out of descriptors included, and it reads whatever
// request size a client announces. So the broker listens through a bounded
// listener (internal/listener) whose Accept only fails once closed, capped
// in connections, and every connection is held to idle and request
// deadlines and a request size (see framedConn).
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/aurigraph/aurigraph/internal/listener"
)

// Defaults of Config's limits.
const (
	DefaultMaxConns        = 2048
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultRequestTimeout  = 30 * time.Second
	DefaultMaxRequestBytes = 100 << 20
)

// Config describes one embedded broker.
type Config struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string
	// DataDir persists topics and offsets; empty keeps everything in memory.
	DataDir string
	// Topics are created at start (when missing) with the given partition counts.
	Topics map[string]int32
	Logger *slog.Logger

	// MaxConns caps the client connections open at once; more are closed on
	// arrival and counted. Zero: DefaultMaxConns; negative: no cap.
	MaxConns int
	// IdleTimeout closes a connection that starts no request for this long,
	// as Kafka's connections.max.idle.ms does. Zero: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// RequestTimeout bounds receiving one request, from its first byte, and
	// writing one response. Zero: DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxRequestBytes closes a connection whose next request announces more
	// bytes, before anything is allocated for it (Kafka's
	// socket.request.max.bytes). Zero: DefaultMaxRequestBytes.
	MaxRequestBytes int
	// Metrics receives the aurigraph_listener_* series under listener
	// "kafka"; nil counts nothing.
	Metrics *listener.Metrics
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.IdleTimeout < 0 || c.RequestTimeout < 0 || c.MaxRequestBytes < 0 {
		return c, fmt.Errorf("broker: IdleTimeout %v, RequestTimeout %v and MaxRequestBytes %d must not be negative", c.IdleTimeout, c.RequestTimeout, c.MaxRequestBytes)
	}
	return c, nil
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// Start listens on cfg.Addr and serves the Kafka protocol until Close.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("broker: listen address %q is not host:port: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("broker: listen address %q has no valid port", addr)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.AllowAutoTopicCreation(),
		// kfake always asks for 127.0.0.1; honour the operator's host instead.
		kfake.ListenFn(func(_, requested string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(requested)
			if err != nil {
				return nil, err
			}
			return listener.Listen(ctx, net.JoinHostPort(host, p), listener.Options{
				Name:     "kafka",
				MaxConns: cfg.MaxConns,
				Wrap: func(c net.Conn) net.Conn {
					return &framedConn{Conn: c, idle: cfg.IdleTimeout, request: cfg.RequestTimeout,
						maxBytes: uint32(min(cfg.MaxRequestBytes, math.MaxUint32)), name: "kafka", m: cfg.Metrics}
				},
				Logger:  log,
				Metrics: cfg.Metrics,
			})
		}),
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("broker: create data dir %q: %w", cfg.DataDir, err)
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	for topic, partitions := range cfg.Topics {
		opts = append(opts, kfake.SeedTopics(partitions, topic))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("broker: start on %s (is the port already in use? pick another with --kafka): %w", addr, err)
	}
	addrs := cluster.ListenAddrs()
	b := &Broker{cluster: cluster, addr: addrs[0]}
	log.Info("embedded broker listening", "addr", b.addr, "data_dir", cfg.DataDir, "max_conns", cfg.MaxConns,
		"idle_timeout", cfg.IdleTimeout, "request_timeout", cfg.RequestTimeout, "max_request_bytes", cfg.MaxRequestBytes)
	return b, nil
}

// Addr is the address clients should dial.
func (b *Broker) Addr() string { return b.addr }

// Close stops serving and flushes the persisted log.
func (b *Broker) Close() { b.cluster.Close() }
