package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/stream"
)

type nodeFlags struct {
	id           uint64
	peers        string
	raftListen   string
	kafka        string
	dataDir      string
	httpAddr     string
	grpcAddr     string
	grpcTLS      grpcTLSFlags
	txPartitions int32
	join         bool
	peerCert     string
	peerKey      string
	peerCA       string
	// snapshotEntries and snapshotCatchUp map to the consensus settings of
	// the same name; snapshotCatchUp 0 keeps the consensus default.
	snapshotEntries uint64
	snapshotCatchUp uint64
	chain           chainFlags
	pprof           bool
	// streamMaxPerClient: see streamMaxPerClientUsage.
	streamMaxPerClient int
	memoryLimit        string
	limits             kafkaLimitFlags
	// listen and raftMaxConns bound the listeners.
	listen       listenerFlags
	raftMaxConns int
	// healthStallAfter: see healthStallAfterUsage; zero takes the default.
	healthStallAfter time.Duration
	access           accessFlags
	alerts           alertFlags
	kafkaClient      kafkaClientFlags
	trace            traceFlags
}

func newNodeCommand() *cobra.Command {
	var f nodeFlags
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run one validator",
		Long: `Runs one Raft validator: its peer transport, durable log and block store, the
leader-only ingest from the transaction topic, the block publisher while it
leads, and the REST + WebSocket API over its own copy of the chain.

  aurigraph node --id 1 --peers 1=10.0.0.1:7001,2=10.0.0.2:7001,3=10.0.0.3:7001 \
                 --kafka kafka-1:9092 --data /var/lib/aurigraph

Adding a validator to a running cluster takes two steps, in this order:

  1. aurigraph cluster add --id 4 --raft-address 10.0.0.4:7001 \
                           --node http://10.0.0.1:8080,http://10.0.0.2:8080
  2. aurigraph node --id 4 --join --peers 1=10.0.0.1:7001,...,4=10.0.0.4:7001 \
                    --kafka kafka-1:9092 --data /var/lib/aurigraph

The new validator starts from an empty --data as a learner, receives the log
or a snapshot from the leader, and becomes a voter once it has caught up.
With --peer-cert/--peer-key/--peer-ca the Raft transport uses mutual TLS;
every validator's certificate must name its --peers host.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			peers, err := parsePeers(f.peers)
			if err != nil {
				return err
			}
			if err := applyMemoryLimit(f.memoryLimit); err != nil {
				return err
			}
			if _, ok := peers[f.id]; !ok {
				return fmt.Errorf("--id %d is not in --peers %q: list this validator too", f.id, f.peers)
			}
			if f.txPartitions < 1 {
				return fmt.Errorf("--tx-partitions %d: need at least 1", f.txPartitions)
			}
			if err := f.limits.validate(); err != nil {
				return err
			}
			peerTLSConfig, err := peerTLS(f.peerCert, f.peerKey, f.peerCA)
			if err != nil {
				return err
			}
			addrs := slices.Collect(maps.Values(peers))
			if f.raftListen != "" {
				addrs = append(addrs, f.raftListen)
			}
			if err := access.CheckPeers("--peers", addrs, peerTLSConfig != nil, f.access.insecure, slog.Default()); err != nil {
				return err
			}
			if err := f.validateSnapshots(cmd.Flags().Changed("snapshot-catchup-entries")); err != nil {
				return err
			}
			return runNode(cmd.Context(), f, peers, slog.Default(), nil)
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&f.id, "id", 0, "this validator's id, one of the ids in --peers")
	fl.StringVar(&f.peers, "peers", "", "every validator as id=host:port of its Raft transport, comma separated")
	fl.StringVar(&f.raftListen, "raft-listen", "", "where this validator's Raft transport listens (default: its address in --peers)")
	fl.StringVar(&f.kafka, "kafka", "127.0.0.1:9092", "seed brokers of the Kafka-protocol cluster, host:port,...")
	fl.StringVar(&f.dataDir, "data", "./data", "this validator's data directory (raft WAL, snapshots, block store)")
	fl.StringVar(&f.httpAddr, "http", "127.0.0.1:8080", "REST, WebSocket, /metrics and /q/health listen address")
	fl.StringVar(&f.grpcAddr, "grpc", "127.0.0.1:9004", grpcUsage)
	f.grpcTLS.register(fl)
	fl.Int32Var(&f.txPartitions, "tx-partitions", 6, "partitions of the transaction topic when it is created")
	fl.BoolVar(&f.join, "join", false, "join a running cluster that already added this validator (aurigraph cluster add) instead of bootstrapping one; ignored once --data holds a raft log")
	fl.StringVar(&f.peerCert, "peer-cert", "", "PEM certificate this validator presents to its Raft peers (enables mutual TLS with --peer-key and --peer-ca)")
	fl.StringVar(&f.peerKey, "peer-key", "", "PEM private key of --peer-cert")
	fl.StringVar(&f.peerCA, "peer-ca", "", "PEM CA bundle that Raft peers' certificates must chain to")
	f.chain.register(fl)
	fl.BoolVar(&f.pprof, "pprof", false, pprofUsage)
	fl.IntVar(&f.streamMaxPerClient, "stream-max-per-client", stream.DefaultMaxPerClient, streamMaxPerClientUsage)
	fl.StringVar(&f.memoryLimit, "memory-limit", "", memoryLimitUsage)
	fl.Uint64Var(&f.snapshotEntries, "snapshot-entries", 10000, "take a raft snapshot and compact the log after this many applied entries; lower values bound WAL size and restart time at the cost of more snapshot work")
	fl.Uint64Var(&f.snapshotCatchUp, "snapshot-catchup-entries", 0, "applied raft entries kept in memory so a slightly lagging follower catches up from the log; a follower further behind gets a snapshot (default: the smaller of --snapshot-entries and 5000)")
	f.limits.register(fl)
	f.listen.register(fl)
	fl.IntVar(&f.raftMaxConns, "raft-max-conns", defaultRaftMaxConns, raftMaxConnsUsage)
	fl.DurationVar(&f.healthStallAfter, "health-stall-after", defaultStallAfter, healthStallAfterUsage)
	f.access.register(fl)
	f.alerts.register(fl)
	f.kafkaClient.register(fl)
	f.trace.register(fl)
	_ = cmd.MarkFlagRequired("id")
	_ = cmd.MarkFlagRequired("peers")
	return cmd
}

// validateSnapshots checks the snapshot flags; catchUpSet says whether
// --snapshot-catchup-entries was given.
func (f nodeFlags) validateSnapshots(catchUpSet bool) error {
	if f.snapshotEntries == 0 {
		return errors.New("--snapshot-entries 0: need at least 1 applied entry between raft snapshots (default 10000)")
	}
	if catchUpSet && f.snapshotCatchUp == 0 {
		return errors.New("--snapshot-catchup-entries 0: need at least 1; leave it out for the default, the smaller of --snapshot-entries and 5000")
	}
	return nil
}

// parsePeers reads "1=host:port,2=host:port".
func parsePeers(s string) (map[uint64]string, error) {
	peers := map[uint64]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		idText, addr, ok := strings.Cut(part, "=")
		id, err := strconv.ParseUint(idText, 10, 64)
		if !ok || err != nil || id == 0 {
			return nil, fmt.Errorf("--peers entry %q: want id=host:port with an id of 1 or more", part)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("--peers entry %q: %q is not host:port", part, addr)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("--peers names validator %d twice", id)
		}
		peers[id] = addr
	}
	if len(peers) == 0 {
		return nil, fmt.Errorf("--peers is empty: list every validator as id=host:port")
	}
	return peers, nil
}

// runNode runs one validator until ctx ends; ready, when set, is called
// with the HTTP API's address once everything listens.
func runNode(ctx context.Context, f nodeFlags, peers map[uint64]string, log *slog.Logger, ready func(httpAddr string)) error {
	reg := newRegistry(f.dataDir)
	var stack shutdownStack
	defer stack.unwind(log)
	if err := f.trace.start(ctx, &stack, "aurigraph-node", attribute.Int64("aurigraph.validator.id", int64(f.id))); err != nil {
		return err
	}
	acc, err := f.access.build(ctx, log, reg, f.httpAddr, f.grpcAddr, f.grpcTLS)
	if err != nil {
		return err
	}
	stack.push("access", func(context.Context) error { acc.close(); return nil })
	brokers := strings.Split(f.kafka, ",")
	kafkaOpts, err := f.kafkaClient.opts()
	if err != nil {
		return err
	}

	tlsCfg, err := peerTLS(f.peerCert, f.peerKey, f.peerCA)
	if err != nil {
		return err
	}
	genesis, err := f.chain.genesis("", log)
	if err != nil {
		return err
	}
	sigs := sigcache.New(sigcache.DefaultSize, reg)
	lim, err := newLimits(f.listen, reg, log)
	if err != nil {
		return err
	}
	raiseFileLimit(log, sumCaps(capOr(f.listen.httpMaxConns, defaultHTTPMaxConns), capOr(f.listen.grpcMaxConns, defaultGRPCMaxConns),
		capOr(f.raftMaxConns, defaultRaftMaxConns)))
	hw, err := newHealthWatch(reg, f.healthStallAfter)
	if err != nil {
		return err
	}
	hw.kafka = kafkaOpts
	raftAddr := f.raftListen
	if raftAddr == "" {
		raftAddr = peers[f.id]
	}
	raftLn, err := lim.listen("raft", raftAddr, capOr(f.raftMaxConns, defaultRaftMaxConns), nil)
	if err != nil {
		return fmt.Errorf("--raft-listen: %w", err)
	}
	node, err := consensus.Start(ctx, consensus.Config{
		ID:         f.id,
		Genesis:    genesis,
		Signatures: sigs,
		Peers:      peers,
		Listener:   raftLn,
		DataDir:    f.dataDir,
		Join:       f.join,
		TLS:        tlsCfg,

		SnapshotEntries:        f.snapshotEntries,
		SnapshotCatchUpEntries: f.snapshotCatchUp,

		Logger:     log.With("component", "consensus"),
		Registerer: reg,
	})
	if err != nil {
		return fmt.Errorf("start validator %d: %w", f.id, err)
	}
	stack.push("validator", node.Close)
	chain := node.Blocks()
	nodes := []*consensus.Node{node}
	hw.watchConsensus(nodes)
	hw.watchCaughtUp(node)
	if _, err := hw.watchBroker(&stack, brokers); err != nil {
		return err
	}

	outputs := &runGroup{}
	hub := newHub(chain, nodes, f.streamMaxPerClient, acc.guard, log, reg)
	outputs.start(ctx, "stream hub", hub.Run)
	// One publisher per topic: the leader's. A new leader resumes after the
	// highest height of the chain already in the topic, and publishes each
	// block with the signature this validator stored with it.
	pubHealth := hw.backlogHealth("publisher", nil)
	pub, err := stream.NewPublisher(stream.PublisherConfig{Brokers: brokers, ClientOpts: kafkaOpts, Logger: log, Registerer: reg, Health: pubHealth, Keys: node}, localChain{chain})
	if err != nil {
		return err
	}
	maxBlockBytes, err := f.limits.resolveMaxBlockBytes(ctx, brokers, kafkaOpts, log)
	if err != nil {
		return err
	}
	ingestHealth := hw.ingestHealth()
	stages, err := newLeaderStages(nodes, pub, log, reg, false, ingest.ConsumerConfig{
		Brokers:           brokers,
		ClientOpts:        kafkaOpts,
		Partitions:        f.txPartitions,
		MaxBatchBytes:     maxBlockBytes,
		MaxRecordBytes:    f.limits.maxRecordBytes,
		AcceptTopicID:     f.limits.acceptTxTopicID,
		RequireSignatures: f.chain.requireSignatures,
		Signatures:        sigs,
		Health:            ingestHealth,
	})
	if err != nil {
		return err
	}
	stages.startPublisher(ctx, outputs)
	alerts, err := startAlerts(ctx, outputs, &stack, nodes, brokers, kafkaOpts, f.alerts, hub.PublishAlert, log, reg)
	if err != nil {
		return errors.Join(err, outputs.stop())
	}
	// Publishing is the leader's work; a follower has none.
	hw.watchBacklog(pubHealth, func() map[string]health.Position {
		if lead, _ := node.Leader(); !lead {
			return nil
		}
		return heights(pub.Height(), chain.Height())
	})
	stack.push("outputs", func(context.Context) error { return outputs.stop() })

	inputs := &runGroup{}
	if err := hw.watchIngest(&stack, ingestHealth, brokers, nodes); err != nil {
		return err
	}
	stages.startIngest(ctx, inputs)
	stack.push("ingest", func(context.Context) error { return inputs.stop() })

	submit, err := ingest.NewSubmitHandler(ingest.SubmitConfig{Brokers: brokers, ClientOpts: kafkaOpts, RequireSignatures: f.chain.requireSignatures,
		Signatures: sigs, Chain: node, Admit: acc.guard.AdmitSubmission, Logger: log.With("component", "submit"), Registerer: reg})
	if err != nil {
		return err
	}
	stack.push("submit producer", func(context.Context) error { submit.Close(); return nil })

	hw.start(ctx, &stack)
	httpAddr, grpcAddr, err := serveValidatorAPIs(&stack, log, validatorAPIs{
		reg: reg, nodes: nodes, submit: submit, hub: hub, alerts: alerts, health: hw.reg,
		pprof: f.pprof, httpAddr: f.httpAddr, grpcAddr: f.grpcAddr, tls: f.grpcTLS, lim: lim, access: acc,
	})
	if err != nil {
		return err
	}

	if ready != nil {
		ready(httpAddr)
	}
	ids := make([]uint64, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	// The version tells an operator midway through a rolling upgrade which
	// validators run the new release.
	log.Info("aurigraph node ready", "version", readBuildInfo().Version, "id", f.id, "peers", ids, "http", acc.scheme()+"://"+httpAddr+"/api/v12",
		"grpc", grpcAddr, "kafka", brokers, "data", f.dataDir)

	select {
	case <-ctx.Done():
		log.Info("shutdown requested; stopping input, handing over leadership")
		return nil
	case <-node.Done():
		// The raft loop stopped on its own: this validator was removed from
		// the cluster or its storage failed; Err says which.
		return node.Err()
	case err := <-inputs.failures():
		return err
	case err := <-outputs.failures():
		return err
	}
}
