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
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/listener"
	"github.com/aurigraph/aurigraph/internal/writeback"
)

// Defaults of Config's limits.
const (
	DefaultMaxConns        = 2048
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultRequestTimeout  = 30 * time.Second
	DefaultMaxRequestBytes = 100 << 20
	DefaultAuthTimeout     = 10 * time.Second
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

	// TLS, when set, encrypts every client connection with it (give it a
	// GetCertificate that reloads, e.g. internal/certreload's).
	TLS *tls.Config
	// SASL, when set, requires every client to authenticate and enforces
	// the policy table's Kafka grants; nil lets anyone do anything.
	SASL *SASL
	// AdvertisedAddr is the host:port the broker tells clients to connect
	// to (Kafka's advertised.listeners); empty: the address it listens on,
	// which for 0.0.0.0 reaches no client on another machine.
	AdvertisedAddr string
	// SegmentBytes is the size of a partition's segment files (Kafka's
	// log.segment.bytes); records deleted by Retain leave the disk one
	// whole segment at a time. Zero: DefaultSegmentBytes.
	SegmentBytes int
}

// SASL configures authentication on the broker.
type SASL struct {
	// Users may log in, with SCRAM-SHA-256 or SCRAM-SHA-512, and with
	// PLAIN over TLS; each does what its role's grants allow, admins
	// everything.
	Users *auth.Users
	// Audit records failed authentications; nil records nothing.
	Audit *audit.Log
	// Timeout bounds a connection's TLS handshake and authentication, from
	// its arrival. Zero: DefaultAuthTimeout.
	Timeout time.Duration
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
	if c.SegmentBytes == 0 {
		c.SegmentBytes = DefaultSegmentBytes
	}
	if c.SASL != nil {
		if c.SASL.Users == nil {
			return c, errors.New("broker: SASL needs users")
		}
		if c.SASL.Timeout == 0 {
			c.SASL.Timeout = DefaultAuthTimeout
		}
	}
	if c.IdleTimeout < 0 || c.RequestTimeout < 0 || c.MaxRequestBytes < 0 || c.SegmentBytes < 0 {
		return c, fmt.Errorf("broker: IdleTimeout %v, RequestTimeout %v, MaxRequestBytes %d and SegmentBytes %d must not be negative", c.IdleTimeout, c.RequestTimeout, c.MaxRequestBytes, c.SegmentBytes)
	}
	return c, nil
}

// Broker is a running embedded broker.
type Broker struct {
	cluster    *kfake.Cluster
	completion *completion
	addr       string
	dataDir    string
	// inproc reaches the broker from this process alone, as an admin.
	inproc *listener.InProcess
	// closed ends Retain's loops and the segments' writeback, which Close
	// waits for.
	closed    chan struct{}
	closeOnce sync.Once
	loops     sync.WaitGroup
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
	var keeper *gatekeeper
	if cfg.SASL != nil {
		if keeper, err = newGatekeeper(cfg.SASL); err != nil {
			return nil, err
		}
	}
	inproc := listener.NewInProcess("kafka-in-process")
	comp := newCompletion(log)
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.Itoa(cfg.SegmentBytes)}),
		// kfake always asks for 127.0.0.1; honour the operator's host instead.
		kfake.ListenFn(func(_, requested string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(requested)
			if err != nil {
				return nil, err
			}
			tcp, err := listener.Listen(ctx, net.JoinHostPort(host, p), listener.Options{
				Name:     "kafka",
				MaxConns: cfg.MaxConns,
				Wrap: func(c net.Conn) net.Conn {
					if cfg.TLS != nil {
						c = &handshakeConn{Conn: tls.Server(c, cfg.TLS), timeout: cfg.RequestTimeout}
					}
					c = &framedConn{Conn: c, idle: cfg.IdleTimeout, request: cfg.RequestTimeout,
						maxBytes: uint32(min(cfg.MaxRequestBytes, math.MaxUint32)), name: "kafka", m: cfg.Metrics}
					if keeper != nil {
						c = keeper.wrap(c, cfg.TLS != nil)
					}
					return comp.wrap(c)
				},
				Logger:  log,
				Metrics: cfg.Metrics,
			})
			if err != nil {
				return nil, err
			}
			return newMergedListener(tcp, inproc, keeper, cfg.AdvertisedAddr), nil
		}),
	}
	if keeper != nil {
		// Roles' accounts: the gate logs connections in as these. Admins'
		// is kfake's superuser; the others get the policy's grants.
		opts = append(opts, kfake.EnableSASL(), kfake.EnableACLs())
		for role, secret := range keeper.secrets {
			if role == auth.RoleAdmin {
				opts = append(opts, kfake.Superuser("PLAIN", roleUser(role), secret))
			} else {
				opts = append(opts, kfake.User("PLAIN", roleUser(role), secret))
			}
		}
	} else {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("broker: create data dir %q: %w", cfg.DataDir, err)
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
		// kfake would load the accounts of a previous start over this
		// start's, and keeps them in plain text: they go.
		if err := removeCredentials(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	for topic, partitions := range cfg.Topics {
		opts = append(opts, kfake.SeedTopics(partitions, topic))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("broker: start on %s (is the port already in use? pick another with --kafka): %w", addr, err)
	}
	b := &Broker{cluster: cluster, completion: comp, addr: cluster.ListenAddrs()[0], dataDir: cfg.DataDir, inproc: inproc, closed: make(chan struct{})}
	// The completion asks kfake what an answer lacks over the in-process
	// listener, as the admins' account.
	lookup, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.Dialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		return inproc.Dial(ctx)
	}))
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("broker: the client completing answers: %w", err)
	}
	comp.lookup.Store(lookup)
	if cfg.DataDir != "" && writeback.Supported {
		pacer := newSegmentWriteback(cfg.DataDir, cfg.SegmentBytes)
		b.loops.Go(func() { pacer.run(b.closed) })
	}
	if keeper != nil {
		if err := removeCredentials(cfg.DataDir); err != nil {
			b.Close()
			return nil, err
		}
		installCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := installACLs(installCtx, b.addr, inproc)
		cancel()
		if err != nil {
			b.Close()
			return nil, err
		}
	}
	log.Info("embedded broker listening", "addr", b.addr, "data_dir", cfg.DataDir, "max_conns", cfg.MaxConns,
		"idle_timeout", cfg.IdleTimeout, "request_timeout", cfg.RequestTimeout, "max_request_bytes", cfg.MaxRequestBytes,
		"tls", cfg.TLS != nil, "sasl", keeper != nil)
	return b, nil
}

// removeCredentials deletes kfake's copy of its SASL accounts from dir.
func removeCredentials(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.Remove(filepath.Join(dir, "sasl.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("broker: remove the previous start's accounts: %w", err)
	}
	return nil
}

// handshakeConn completes the TLS handshake within timeout, on the first
// read.
type handshakeConn struct {
	*tls.Conn
	timeout time.Duration
	once    sync.Once
	err     error
}

func (c *handshakeConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		c.err = c.HandshakeContext(ctx)
		cancel()
	})
	if c.err != nil {
		return 0, c.err
	}
	return c.Conn.Read(p)
}

// Addr is the address clients should dial.
func (b *Broker) Addr() string { return b.addr }

// Close stops serving and flushes the persisted log.
func (b *Broker) Close() {
	b.closeOnce.Do(func() { close(b.closed) })
	b.loops.Wait()
	b.completion.close()
	b.cluster.Close()
	_ = removeCredentials(b.dataDir)
}
