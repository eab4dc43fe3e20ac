package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/certreload"
	"github.com/aurigraph/aurigraph/internal/chainapi"
	"github.com/aurigraph/aurigraph/internal/diskspace"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/portal"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/projector"
	"github.com/aurigraph/aurigraph/schemas/rpc"
	"github.com/aurigraph/aurigraph/stream"
)

// runDev starts every stage in dependency order and, when ctx ends, stops
// them in reverse: no new input first, then let the outputs drain, then
// consensus (handing leadership over), then storage.
func runDev(ctx context.Context, f devFlags, log *slog.Logger) error {
	return runPipeline(ctx, f, log, nil)
}

// devAddrs are the addresses actually bound, which differ from the flags
// when a flag asks for port 0, and the running pipeline's views that
// in-process callers (tests, the bench) watch.
type devAddrs struct {
	HTTP, GRPC string
	// ClickHouseHTTP is where analysts read: the embedded engine's
	// interface, or the external ClickHouse.
	ClickHouseHTTP string
	Kafka          []string
	// KafkaOpts log a client in the way the pipeline's own are (SASL, TLS).
	KafkaOpts []kgo.Opt
	// ClickHouseWriter and ClickHouseDial reach the embedded engine as
	// the projector does, from inside this process (the bench's insert
	// ceiling); with --clickhouse, the external DSN and nil.
	ClickHouseWriter string
	ClickHouseDial   func(ctx context.Context, addr string) (net.Conn, error)
	Chain            stream.BlockSource
	Projected        func() uint64
	HasLeader        func() bool
	// Guard is the access policy's enforcement point, which knows every
	// route and method served.
	Guard *access.Guard
}

// runPipeline is runDev with a hook called once everything listens.
func runPipeline(ctx context.Context, f devFlags, log *slog.Logger, ready func(devAddrs)) error {
	reg := newRegistry(f.dataDir)
	var stack shutdownStack
	defer stack.unwind(log)
	if err := f.trace.start(ctx, &stack, "aurigraph-dev"); err != nil {
		return err
	}
	lim, err := newLimits(f.listen, reg, log)
	if err != nil {
		return err
	}
	caps := []int{capOr(f.listen.httpMaxConns, defaultHTTPMaxConns), capOr(f.listen.grpcMaxConns, defaultGRPCMaxConns),
		capOr(f.raftMaxConns, defaultRaftMaxConns) * f.validators}
	if !f.externalKafka {
		caps = append(caps, capOr(f.kafkaLimits.maxConns, broker.DefaultMaxConns))
	}
	if f.clickhouse.url == "" {
		caps = append(caps, capOr(f.clickhouseMaxConns, defaultClickHouseMaxConns))
	}
	raiseFileLimit(log, sumCaps(caps...))
	hw, err := newHealthWatch(reg, f.healthStallAfter)
	if err != nil {
		return err
	}

	if err := access.CheckPeers("--raft-host", []string{f.raftHost}, false, f.access.insecure, log); err != nil {
		return err
	}
	acc, err := f.access.build(ctx, log, reg, f.httpAddr, f.grpcAddr, f.grpcTLS)
	if err != nil {
		return err
	}
	stack.push("access", func(context.Context) error { acc.close(); return nil })

	brokers := f.kafkaBrokers()
	var embedded *broker.Broker
	kafkaClient, err := f.kafkaClient.config()
	if err != nil {
		return err
	}
	if !f.externalKafka {
		sec, err := f.kafkaSecurity.build(f.kafka, f.access.insecure, log)
		if err != nil {
			return err
		}
		if sec.tls != nil {
			if err := exportExpiry(reg, "kafka", sec.tls.NotAfter); err != nil {
				return err
			}
		}
		if kafkaClient, err = sec.clientConfig(kafkaClient); err != nil {
			return err
		}
		cfg, err := f.kafkaLimits.config(sec.config(broker.Config{
			Addr:    f.kafka,
			DataDir: filepath.Join(f.dataDir, "broker"),
			Topics:  pipelineTopics(f.txPartitions),
			Logger:  log.With("component", "broker"),
		}, acc.audit), lim.metrics)
		if err != nil {
			return err
		}
		b, err := broker.Start(ctx, cfg)
		if err != nil {
			return err
		}
		stack.push("broker", func(context.Context) error { b.Close(); return nil })
		brokers, embedded = []string{b.Addr()}, b
	}
	kafkaOpts, err := kafkaClient.Opts()
	if err != nil {
		return err
	}
	hw.kafka = kafkaOpts
	if _, err := hw.watchBroker(&stack, brokers); err != nil {
		return err
	}

	clickhouseDSN, err := f.clickhouse.dsn()
	if err != nil {
		return err
	}
	target := externalClickHouse(clickhouseDSN)
	if clickhouseDSN == "" {
		target, err = f.embeddedClickHouseFlags.open(ctx, f.dataDir, embeddedDeps{stack: &stack, lim: lim, hw: hw, reg: reg, audit: acc.audit, insecure: f.access.insecure, log: log})
		if err != nil {
			return err
		}
	}

	genesis, err := f.chain.genesis(f.dataDir, log)
	if err != nil {
		return err
	}
	// One cache for the process: the leader's ingest verifies a signature
	// once, and every validator's state machine finds it verified.
	sigs := sigcache.New(sigcache.DefaultSize, reg)

	// Validators open their logs and state concurrently: each replays its
	// own WAL and loads its own state, and done one after another the
	// restart of a dev cluster would take the sum of them.
	nodes := make([]*consensus.Node, f.validators)
	errs := make([]error, f.validators)
	peers := f.raftPeers()
	var opening sync.WaitGroup
	for i := range nodes {
		id := uint64(i + 1)
		opening.Go(func() {
			ln, err := lim.listen(fmt.Sprintf("raft-%d", id), peers[id], capOr(f.raftMaxConns, defaultRaftMaxConns), nil)
			if err != nil {
				errs[i] = fmt.Errorf("start validator %d: raft transport: %w", id, err)
				return
			}
			nodes[i], errs[i] = consensus.Start(ctx, consensus.Config{
				ID:         id,
				Peers:      peers,
				Listener:   ln,
				DataDir:    f.validatorDir(id),
				Genesis:    genesis,
				Signatures: sigs,
				Logger:     log.With("component", "consensus"),
				Registerer: reg,
			})
			if errs[i] != nil {
				errs[i] = fmt.Errorf("start validator %d: %w", id, errs[i])
			}
		})
	}
	opening.Wait()
	for i, n := range nodes {
		if n != nil {
			stack.push(fmt.Sprintf("validator %d", i+1), n.Close)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	chain := make(localChain, len(nodes))
	for i, n := range nodes {
		chain[i] = n.Blocks()
	}
	hw.watchConsensus(nodes)

	// Outputs stop after inputs (the stack unwinds in reverse), and first
	// get a bounded chance to catch up with the chain.
	outputs := &runGroup{}
	inputs := &runGroup{}

	hub := newHub(chain, nodes, f.streamMaxPerClient, acc.guard, log, reg)
	// The publisher and the projector trust the validators' own keys.
	trust := &nodesTrust{nodes: nodes}
	pubHealth := hw.backlogHealth("publisher", nil)
	pub, err := stream.NewPublisher(stream.PublisherConfig{Brokers: brokers, ClientOpts: kafkaOpts, Logger: log, Registerer: reg, Health: pubHealth, Keys: trust}, chain)
	if err != nil {
		return err
	}
	// The projector can only get as far as the topic.
	proj, err := newProjector(hw, &stack, projection{brokers: brokers, kafkaOpts: kafkaOpts, target: target, trust: trust, rawTTL: f.rawTTL,
		lease: defaultLease, reachable: heightsOf(pub.Height), interval: probeEvery, head: chain.Height, log: log, reg: reg})
	if err != nil {
		return err
	}
	hw.watchBacklog(pubHealth, func() map[string]health.Position { return heights(pub.Height(), chain.Height()) })
	if f.rebuildFrom > 0 {
		if embedded != nil {
			if err := checkRebuildable(ctx, brokers, kafkaOpts, f.rebuildFrom); err != nil {
				return fmt.Errorf("--rebuild-projection-from %d: %w", f.rebuildFrom, err)
			}
		}
		if err := proj.Rebuild(ctx, f.rebuildFrom); err != nil {
			return fmt.Errorf("--rebuild-projection-from: %w", err)
		}
	}
	analyticsSvc, err := openAnalytics(&stack, target)
	if err != nil {
		return err
	}
	maxBlockBytes, err := f.limits.resolveMaxBlockBytes(ctx, brokers, kafkaOpts, log)
	if err != nil {
		return err
	}
	ingestHealth := hw.ingestHealth()
	stages, err := newLeaderStages(nodes, pub, log, reg, true, ingest.ConsumerConfig{
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
	outputs.start(ctx, "stream hub", hub.Run)
	stages.startPublisher(ctx, outputs)
	alerts, err := startAlerts(ctx, outputs, &stack, nodes, brokers, kafkaOpts, f.alerts, hub.PublishAlert, log, reg)
	if err != nil {
		return errors.Join(err, outputs.stop())
	}
	outputs.start(ctx, "projector", proj.Run)
	if embedded != nil {
		if err := f.retention.retainDev(ctx, embedded, nodes, proj.Height, reg, log.With("component", "broker")); err != nil {
			return err
		}
	}
	stack.push("outputs", func(context.Context) error {
		drainOutputs(f.drainTimeout, chain, pub, proj, log)
		return outputs.stop()
	})

	if err := hw.watchIngest(&stack, ingestHealth, brokers, nodes); err != nil {
		return err
	}
	stages.startIngest(ctx, inputs)
	stack.push("ingest", func(context.Context) error { return inputs.stop() })

	submit, err := ingest.NewSubmitHandler(ingest.SubmitConfig{Brokers: brokers, ClientOpts: kafkaOpts, RequireSignatures: f.chain.requireSignatures,
		Signatures: sigs, Chain: nodesChain(nodes), Admit: acc.guard.AdmitSubmission, Logger: log.With("component", "submit"), Registerer: reg})
	if err != nil {
		return err
	}
	stack.push("submit producer", func(context.Context) error { submit.Close(); return nil })

	hw.start(ctx, &stack)
	httpAddr, grpcAddr, err := serveValidatorAPIs(&stack, log, validatorAPIs{
		reg: reg, nodes: nodes, submit: submit, hub: hub, alerts: alerts, analytics: analyticsSvc, health: hw.reg,
		pprof: f.pprof, httpAddr: f.httpAddr, grpcAddr: f.grpcAddr, tls: f.grpcTLS, lim: lim, access: acc,
	})
	if err != nil {
		return err
	}

	target.stopReads(&stack)

	if ready != nil {
		ready(devAddrs{HTTP: httpAddr, GRPC: grpcAddr, ClickHouseHTTP: target.public, Kafka: brokers, KafkaOpts: kafkaOpts,
			ClickHouseWriter: target.writer, ClickHouseDial: target.dial,
			Chain: chain, Projected: proj.Height, HasLeader: func() bool { return leading(nodes) }, Guard: acc.guard})
	}
	log.Info("aurigraph dev ready",
		"http", acc.scheme()+"://"+httpAddr+"/api/v12", "grpc", grpcAddr, "kafka", brokers,
		"clickhouse", redactedURL(target.public), "validators", f.validators, "data", f.dataDir)

	select {
	case <-ctx.Done():
		log.Info("shutdown requested; stopping input, draining outputs")
		return nil
	case err := <-inputs.failures():
		return err
	case err := <-outputs.failures():
		return err
	}
}

// leaderKnown reports whether the validators of this process know a
// leader, here or in another process.
func leaderKnown(nodes []*consensus.Node) bool {
	for _, n := range nodes {
		if n.Status().Leader != 0 {
			return true
		}
	}
	return false
}

// validatorAPIs are what dev and node serve, the same over REST and gRPC.
type validatorAPIs struct {
	reg    *prometheus.Registry
	nodes  []*consensus.Node
	submit *ingest.SubmitHandler
	hub    *stream.Hub
	alerts *alerting.Service
	// analytics is nil where no projection is read (node).
	analytics          *analytics.Service
	health             *health.Registry
	pprof              bool
	httpAddr, grpcAddr string
	tls                grpcTLSFlags
	lim                *limits
	access             accessSetup
}

// serveValidatorAPIs mounts every domain package's surface, once as the
// REST API under /api/v12 (plus /metrics, /q/health and with pprof the Go
// runtime's profiles) and once as gRPC services, both over one service
// layer; it returns where they listen.
func serveValidatorAPIs(stack *shutdownStack, log *slog.Logger, a validatorAPIs) (httpAt, grpcAt string, err error) {
	grpcCfg, err := a.tls.config(log, a.reg)
	if err != nil {
		return "", "", err
	}
	guard := a.access.guard
	chain := chainapi.NewService(a.nodes, chainapi.ServiceOptions{Pending: a.submit.Pending, Scope: guard.TxScope, Logger: log.With("component", "api")})
	root := guard.NewMux()
	api := root.Under("/api/v12")
	api.Handle("POST /transactions", a.submit)
	chainapi.RegisterHTTP(api, chain)
	alerting.RegisterHTTP(api, a.alerts)
	mountStreams(api, a.hub, a.access.web.CORSOrigins)
	mountAnalytics(api, a.analytics, guard, "a validator reads no ClickHouse projection; aurigraph dev serves the analytics API, and so does aurigraph gateway started with --clickhouse")
	process := "node"
	if a.analytics != nil {
		process = "dev"
	}
	ui, err := portal.Handler(portal.Options{Features: portal.Features{Process: process, Chain: true, Submit: true, Analytics: a.analytics != nil}})
	if err != nil {
		return "", "", err
	}
	return serveAPIs(stack, a.lim, a.httpAddr, rootHandler(a.reg, root, a.health, a.pprof, ui), a.grpcAddr, grpcServices{
		hub: a.hub, chain: chain, submit: a.submit, analytics: a.analytics, alerts: a.alerts, guard: guard,
		ready: func() bool { return leaderKnown(a.nodes) },
	}, grpcCfg, a.access)
}

// rootHandler completes root, on which the API is mounted under /api/v12,
// with /api/v12/auth/..., /metrics, the health endpoints under /q/health
// and, with withPprof, the Go runtime's profiles under /debug/pprof/: the
// same in every process that serves an API. The web portal answers every
// other path. Every route passes the access policy.
func rootHandler(reg *prometheus.Registry, root *access.Mux, hr *health.Registry, withPprof bool, ui http.Handler) http.Handler {
	root.Guard().RegisterHTTP(root.Under("/api/v12"))
	root.Handle("/", ui)
	root.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	hr.Mount(root)
	if withPprof {
		mountPprof(root)
	}
	return root
}

// serveAPIs serves root on httpAddr and grpc on grpcAddr, and pushes their
// graceful stops; it returns where they listen.
func serveAPIs(stack *shutdownStack, lim *limits, httpAddr string, root http.Handler, grpcAddr string, svcs grpcServices, cfg rpc.Config, acc accessSetup) (httpAt, grpcAt string, err error) {
	httpSrv, httpAt, err := lim.serveHTTP("http", httpAddr, acc.httpTLS, access.Web(root, acc.web), capOr(lim.httpMaxConns, defaultHTTPMaxConns))
	if err != nil {
		return "", "", fmt.Errorf("--http: %w", err)
	}
	stack.push("http api", httpSrv.Shutdown)
	grpcAt, stop, err := serveGRPC(grpcAddr, svcs, cfg, lim)
	if err != nil {
		return "", "", fmt.Errorf("--grpc: %w", err)
	}
	stack.push("grpc", stop)
	return httpAt, grpcAt, nil
}

// randomPassword makes a password for an account of this process only.
func randomPassword() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a password: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// redactedURL is u without its password, for logs.
func redactedURL(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return u
}

// readOnlyDSN adds readonly=2 to a ClickHouse DSN: the session may read and
// change its own settings, never data.
func readOnlyDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // OpenClickHouse reports it
	}
	q := u.Query()
	q.Set("readonly", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// mountStreams serves the hub's live streams and performance figures, the
// same in validators and gateways; pages of the CORS origins may open the
// WebSocket too.
func mountStreams(api *access.Sub, hub *stream.Hub, corsOrigins []string) {
	api.Handle("GET /live/stream", hub.WebSocketHandler(stream.WebSocketOptions{OriginPatterns: access.OriginHosts(corsOrigins)}))
	api.Handle("GET /live/events", hub.SSEHandler(stream.SSEOptions{}))
	api.Handle("GET /performance", hub.PerformanceHandler())
}

// mountPprof serves the Go runtime's profiles under /debug/pprof/.
func mountPprof(root *access.Mux) {
	root.HandleFunc("GET /debug/pprof/", pprof.Index)
	root.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	root.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	root.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	root.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// pprofUsage documents --pprof for dev and node.
const pprofUsage = "serve Go runtime profiles under /debug/pprof/ on --http (go tool pprof http://HOST/debug/pprof/heap); " +
	"they reveal internals, so keep --http on a private address when this is on"

// newRegistry is the process's metric registry, with Go runtime and process
// collectors next to the pipeline's own, and the space left under the data
// directories given.
func newRegistry(dataDirs ...string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if len(dataDirs) > 0 {
		reg.MustRegister(diskspace.NewCollector(dataDirs...))
	}
	return reg
}

// exportExpiry exports when a TLS listener's certificate expires; a nil
// registry exports nothing.
func exportExpiry(reg prometheus.Registerer, listener string, notAfter func() time.Time) error {
	if reg == nil {
		return nil
	}
	if err := reg.Register(certreload.ExpiryCollector(listener, notAfter)); err != nil {
		return fmt.Errorf("export the %s certificate's expiry: %w", listener, err)
	}
	return nil
}

// drainOutputs gives the publisher and projector a bounded chance to reach
// the chain height, so a clean stop leaves every sink up to date.
func drainOutputs(timeout time.Duration, chain localChain, pub *stream.Publisher, proj *projector.Projector, log *slog.Logger) {
	deadline := time.Now().Add(timeout)
	target := chain.Height()
	for time.Now().Before(deadline) {
		if pub.Height() >= target && proj.Height() >= target {
			log.Info("outputs drained", "height", target)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Warn("outputs did not catch up before --drain-timeout; they resume from where they stopped on the next start",
		"chain_height", target, "published", pub.Height(), "projected", proj.Height())
}

// newHub is the stream hub of dev and node, reporting the validator set of
// the local validators.
func newHub(chain stream.BlockSource, nodes []*consensus.Node, maxPerClient int, guard *access.Guard, log *slog.Logger, reg prometheus.Registerer) *stream.Hub {
	return stream.NewHub(chain, stream.HubOptions{
		MaxPerClient: maxPerClient,
		Scope:        guard.TxScope,
		Validators:   func() stream.ValidatorStatus { return validatorStatus(nodes) },
		Logger:       log,
		Registerer:   reg,
	})
}

// validatorStatus is the view of the local validator on the newest term.
func validatorStatus(nodes []*consensus.Node) stream.ValidatorStatus {
	var best consensus.Status
	var from *consensus.Node
	for _, n := range nodes {
		if st := n.Status(); from == nil || st.Term > best.Term || (st.Term == best.Term && best.Leader == 0) {
			best, from = st, n
		}
	}
	v := stream.ValidatorStatus{Leader: best.Leader, Term: best.Term}
	if from != nil {
		for _, m := range from.Members() {
			if m.Voter {
				v.Voters = append(v.Voters, m.ID)
			}
		}
	}
	return v
}

// streamMaxPerClientUsage documents --stream-max-per-client for dev and node.
const streamMaxPerClientUsage = "live-stream subscriptions (WebSocket, SSE and gRPC together) one client IP address may hold; more are refused with 429 or RESOURCE_EXHAUSTED (negative: no limit)"

// shutdownStack closes what was opened, last opened first.
type shutdownStack struct {
	names []string
	fns   []func(context.Context) error
}

func (s *shutdownStack) push(name string, fn func(context.Context) error) {
	s.names = append(s.names, name)
	s.fns = append(s.fns, fn)
}

func (s *shutdownStack) unwind(log *slog.Logger) {
	for i := len(s.fns) - 1; i >= 0; i-- {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.fns[i](ctx); err != nil {
			log.Warn("shutdown step failed", "step", s.names[i], "err", err)
		}
		cancel()
	}
}

// runGroup runs long-lived stages under one context of its own, so that
// stopping them is an explicit step of the shutdown order rather than a side
// effect of the signal, and reports the first unexpected failure.
type runGroup struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	ctx    context.Context
	wg     sync.WaitGroup
	failed chan error
}

func (g *runGroup) init(parent context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ctx == nil {
		g.ctx, g.cancel = context.WithCancel(context.WithoutCancel(parent))
		g.failed = make(chan error, 1)
	}
}

func (g *runGroup) start(parent context.Context, name string, run func(context.Context) error) {
	g.init(parent)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := run(g.ctx); err != nil && g.ctx.Err() == nil {
			select {
			case g.failed <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// failures yields the first stage failure; nil channel (blocks) when nothing runs.
func (g *runGroup) failures() <-chan error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

func (g *runGroup) stop() error {
	g.mu.Lock()
	cancel := g.cancel
	g.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	g.wg.Wait()
	return nil
}
