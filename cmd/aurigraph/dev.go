package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/stream"
)

// devFlags are the knobs of `aurigraph dev`; every listener is a flag and
// defaults to loopback so a dev instance is never exposed by accident.
type devFlags struct {
	dataDir       string
	validators    int
	httpAddr      string
	grpcAddr      string
	grpcTLS       grpcTLSFlags
	kafka         string
	externalKafka bool
	// clickhouse is the external ClickHouse to project into instead of
	// the embedded engine the embedded flags configure.
	clickhouse clickhouseClientFlags
	embeddedClickHouseFlags
	raftHost     string
	raftBasePort int
	txPartitions int32
	drainTimeout time.Duration
	chain        chainFlags
	pprof        bool
	memoryLimit  string
	// streamMaxPerClient: see streamMaxPerClientUsage.
	streamMaxPerClient int
	// rebuildFrom, when set, drops the projection from this height at start.
	rebuildFrom uint64
	// rawTTL, when set, is how long ClickHouse keeps transaction rows.
	rawTTL time.Duration
	limits kafkaLimitFlags
	// listen, kafkaLimits, clickhouseMaxConns and raftMaxConns bound the
	// listeners; zero values take the defaults.
	listen       listenerFlags
	kafkaLimits  brokerFlags
	raftMaxConns int
	// healthStallAfter: see healthStallAfterUsage; zero takes the default.
	healthStallAfter time.Duration
	access           accessFlags
	alerts           alertFlags
	// kafkaClient is how the pipeline's clients reach --external-kafka, or
	// the account they use on the embedded broker.
	kafkaClient   kafkaClientFlags
	kafkaSecurity brokerSecurityFlags
	trace         traceFlags
	// retention bounds what the embedded broker keeps of each topic.
	retention brokerRetentionFlags
}

// raftMaxConnsUsage documents --raft-max-conns for dev and node.
const raftMaxConnsUsage = "connections a validator's Raft transport holds open at once (peers, cluster tools); more are closed on arrival (negative: no cap)"

func newDevCommand() *cobra.Command {
	var f devFlags
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole pipeline in one process",
		Long: `Runs everything in one process: the embedded Kafka-protocol broker, N Raft
validators talking gRPC over loopback, the block publisher, the ClickHouse
projector with the embedded ClickHouse engine and its HTTP interface, and the
REST + WebSocket API. State lives under --data; starting again on the same
directory continues where the previous run stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if err := applyMemoryLimit(f.memoryLimit); err != nil {
				return err
			}
			return runDev(cmd.Context(), f, slog.Default())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data", "./data", "data directory; a second start on it continues the chain")
	fl.IntVar(&f.validators, "validators", 3, "number of Raft validators to run")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8080", "REST, WebSocket, /metrics and /q/health listen address")
	fl.StringVar(&f.grpcAddr, "grpc", "127.0.0.1:9004", grpcUsage)
	f.grpcTLS.register(fl)
	fl.StringVar(&f.kafka, "kafka", "127.0.0.1:9092", "embedded broker listen address, or with --external-kafka the seed brokers host:port,...")
	fl.BoolVar(&f.externalKafka, "external-kafka", false, "use the Kafka-protocol cluster named by --kafka instead of starting the embedded broker")
	f.clickhouse.register(fl, "project into this ClickHouse instead of the embedded engine (clickhouse://host:9000/aurigraph or http://host:8123)")
	f.embeddedClickHouseFlags.register(fl)
	fl.StringVar(&f.raftHost, "raft-host", "127.0.0.1", "host the validators' Raft transport listens on")
	fl.IntVar(&f.raftBasePort, "raft-port", 7000, "validator i listens for Raft peers on raft-port+i")
	fl.Int32Var(&f.txPartitions, "tx-partitions", 6, "partitions of "+schemas.TopicTransactions+" when it is created")
	f.chain.register(fl)
	fl.BoolVar(&f.pprof, "pprof", false, pprofUsage)
	fl.IntVar(&f.streamMaxPerClient, "stream-max-per-client", stream.DefaultMaxPerClient, streamMaxPerClientUsage)
	fl.DurationVar(&f.rawTTL, "clickhouse-ttl", 0, "drop projected transaction rows whose block is older than this, e.g. 720h (blocks stay; 0 keeps everything)")
	fl.Uint64Var(&f.rebuildFrom, "rebuild-projection-from", 0, "at start, remove the ClickHouse projection from this height on, so it is projected again from the blocks topic")
	fl.StringVar(&f.memoryLimit, "memory-limit", "", memoryLimitUsage)
	fl.DurationVar(&f.drainTimeout, "drain-timeout", 10*time.Second, "on shutdown, how long to wait for publishing and projection to catch up")
	f.limits.register(fl)
	f.listen.register(fl)
	f.kafkaLimits.register(fl)
	fl.IntVar(&f.raftMaxConns, "raft-max-conns", defaultRaftMaxConns, raftMaxConnsUsage)
	fl.DurationVar(&f.healthStallAfter, "health-stall-after", defaultStallAfter, healthStallAfterUsage)
	f.access.register(fl)
	f.alerts.register(fl)
	f.kafkaClient.register(fl)
	f.kafkaSecurity.register(fl)
	f.trace.register(fl)
	f.retention.register(fl, true)
	return cmd
}

func (f devFlags) validate() error {
	if f.validators < 1 || f.validators > 99 {
		return fmt.Errorf("--validators %d: use 1 to 99 (3 tolerates one failure, 5 two)", f.validators)
	}
	if f.raftBasePort < 1 || f.raftBasePort+f.validators > 65535 {
		return fmt.Errorf("--raft-port %d: validators need ports raft-port+1..raft-port+%d below 65536", f.raftBasePort, f.validators)
	}
	for name, addr := range map[string]string{"--http": f.httpAddr, "--grpc": f.grpcAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s %q: want host:port, e.g. 127.0.0.1:8080", name, addr)
		}
	}
	if err := f.embeddedClickHouseFlags.validate(); err != nil {
		return err
	}
	if _, err := f.clickhouse.dsn(); err != nil {
		return err
	}
	if f.txPartitions < 1 {
		return fmt.Errorf("--tx-partitions %d: need at least 1", f.txPartitions)
	}
	if err := f.limits.validate(); err != nil {
		return err
	}
	if err := f.listen.validate(); err != nil {
		return err
	}
	if f.externalKafka && (f.kafkaSecurity != brokerSecurityFlags{}) {
		return fmt.Errorf("--kafka-sasl-users, --kafka-tls-cert, --kafka-tls-key and --kafka-advertised-addr configure the embedded broker, which --external-kafka does not start; use --kafka-user and --kafka-tls-ca for the external cluster")
	}
	if _, err := f.kafkaLimits.config(broker.Config{}, nil); err != nil {
		return err
	}
	if err := f.retention.validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(f.dataDir, 0o755); err != nil {
		return fmt.Errorf("--data %q: %w", f.dataDir, err)
	}
	return nil
}

// raftPeers maps validator ids 1..n to their Raft transport addresses.
func (f devFlags) raftPeers() map[uint64]string {
	peers := make(map[uint64]string, f.validators)
	for i := 1; i <= f.validators; i++ {
		peers[uint64(i)] = net.JoinHostPort(f.raftHost, strconv.Itoa(f.raftBasePort+i))
	}
	return peers
}

func (f devFlags) validatorDir(id uint64) string {
	return filepath.Join(f.dataDir, "validators", strconv.FormatUint(id, 10))
}

func (f devFlags) kafkaBrokers() []string {
	return strings.Split(f.kafka, ",")
}

func pipelineTopics(txPartitions int32) map[string]int32 {
	return map[string]int32{
		schemas.TopicTransactions: txPartitions,
		schemas.TopicDeadLetters:  1,
		// One partition: offsets follow heights, which is what lets the
		// publisher and the projector resume exactly.
		schemas.TopicBlocks: 1,
	}
}
