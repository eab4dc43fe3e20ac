// Package broker runs the embedded Kafka-protocol broker used by `aurigraph dev`,
// `aurigraph broker` and the test suites: franz-go's kfake cluster with its log
// persisted under a data directory, so a restart keeps every topic and offset.
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
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
		kfake.ListenFn(func(network, requested string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(requested)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort(host, p))
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
	log.Info("embedded broker listening", "addr", b.addr, "data_dir", cfg.DataDir)
	return b, nil
}

// Addr is the address clients should dial.
func (b *Broker) Addr() string { return b.addr }

// Close stops serving and flushes the persisted log.
func (b *Broker) Close() { b.cluster.Close() }
