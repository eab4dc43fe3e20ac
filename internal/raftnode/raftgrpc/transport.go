package raftgrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// MaxMessageBytes is the largest message the transport's connections
// carry, raft's and those of services that share them: it lets snapshots
// (a whole state machine) through gRPC's per-message limit.
const MaxMessageBytes = 1 << 30

const (
	// peerQueueLen bounds the messages buffered for one peer. Raft retransmits
	// whatever is dropped, so a full queue only costs latency.
	peerQueueLen = 4096
	backoffMin   = 50 * time.Millisecond
	backoffMax   = time.Second
	// A connection that died silently (peer host lost power, a firewall
	// dropped the flow) would otherwise swallow a peer's stream until the
	// kernel gives up on it, many minutes later. Pings on quiet connections
	// find it within keepaliveTime+keepaliveTimeout; 10s is the lowest
	// interval gRPC clients allow.
	keepaliveTime    = 10 * time.Second
	keepaliveTimeout = 3 * time.Second
)

// Config configures New.
type Config struct {
	// ID is the raft id of the node the transport serves.
	ID uint64
	// Listener is where peers reach this node; New takes ownership and Stop
	// closes it. Required.
	Listener net.Listener
	// TLS, when set, secures the transport with mutual TLS.
	TLS *TLSConfig
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives aurigraph_consensus_peer_send_errors_total and
	// aurigraph_consensus_peer_rtt_seconds; nil disables them.
	Registerer prometheus.Registerer
}

// Transport carries raft messages between nodes (raftnode.Transport): a
// gRPC server that steps incoming messages into the local node, and one
// client stream per remote peer fed from a bounded queue. Other services
// peers call share its server (RegisterService) and its connections
// (PeerConn); the standard health service on it measures round trips.
type Transport struct {
	id     uint64
	node   raftnode.Handler
	logger *slog.Logger
	m      *metrics

	server *grpc.Server
	lis    net.Listener
	creds  peerCredentials

	// mu guards peers and started: conf changes add and remove peers while
	// the raft loop sends.
	mu      sync.Mutex
	peers   map[uint64]*peer
	started bool
	// advertise is this node's raft address, sent to peers when a stream
	// opens (see peers.go). It is set by Start.
	advertise string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	aurigraphv1.UnimplementedRaftTransportServer
}

type peer struct {
	id    uint64
	addr  string
	queue chan raftpb.Message
	conn  *grpc.ClientConn
	// ctx ends when the transport stops or the peer leaves the cluster.
	ctx    context.Context
	cancel context.CancelFunc
}

// New makes the transport of node cfg.ID on cfg.Listener; it serves and
// sends once the node starts it. When New fails it closes the listener.
func New(cfg Config) (*Transport, error) {
	if cfg.Listener == nil {
		return nil, errors.New("consensus config: the raft transport needs a listener")
	}
	creds, err := cfg.TLS.credentials()
	if err != nil {
		cfg.Listener.Close()
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		id: cfg.ID, logger: cfg.Logger.With("validator", cfg.ID), m: newMetrics(cfg.Registerer, cfg.ID),
		lis: cfg.Listener, creds: creds, peers: make(map[uint64]*peer), ctx: ctx, cancel: cancel,
	}
	t.server = grpc.NewServer(grpc.Creds(creds.server), grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.ForceServerCodecV2(codec{}),
		// Peers ping every keepaliveTime; gRPC's default policy would answer
		// that with GOAWAY and cut the stream.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveTime / 2, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}))
	aurigraphv1.RegisterRaftTransportServer(t.server, t)
	healthpb.RegisterHealthServer(t.server, health.NewServer())
	return t, nil
}

// Addr is the address the transport listens on.
func (t *Transport) Addr() net.Addr { return t.lis.Addr() }

// RegisterService adds a service peers call to the transport's server
// (grpc.ServiceRegistrar); call it before the node starts.
func (t *Transport) RegisterService(desc *grpc.ServiceDesc, impl any) {
	t.server.RegisterService(desc, impl)
}

// Start implements raftnode.Transport.
func (t *Transport) Start(h raftnode.Handler, advertise string) error {
	t.node, t.advertise = h, advertise
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := t.server.Serve(t.lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.logger.Error("raft transport server stopped", "addr", t.lis.Addr().String(), "err", err)
		}
	}()
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.ping()
	}()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.started = true
	for _, p := range t.peers {
		t.runPeerAsync(p)
	}
	return nil
}

func (t *Transport) runPeerAsync(p *peer) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.runPeer(p)
	}()
}

// Stop implements raftnode.Transport.
func (t *Transport) Stop() {
	t.cancel()
	t.server.Stop()
	// Serve closes the listener when the server stops; a transport never
	// started still holds it.
	t.lis.Close()
	t.wg.Wait()
	t.closeConns()
}

func (t *Transport) closeConns() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.peers {
		p.conn.Close()
	}
}

// PeerConn returns the client connection to peer id, nil for an unknown
// id. Services other than raft share it with the raft stream, credentials
// included. It is closed when the peer leaves or the transport stops.
func (t *Transport) PeerConn(id uint64) grpc.ClientConnInterface {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[id]; p != nil {
		return p.conn
	}
	return nil
}

// Send queues messages for their peers without blocking the raft loop.
func (t *Transport) Send(msgs []raftpb.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range msgs {
		p := t.peers[m.To]
		if p == nil {
			t.logger.Warn("raft message to unknown peer dropped", "to", m.To, "type", m.Type.String())
			continue
		}
		select {
		case p.queue <- m:
		default:
			t.dropped(p, m)
		}
	}
}

func (t *Transport) dropped(p *peer, m raftpb.Message) {
	t.m.peerSendErrors.WithLabelValues(strconv.FormatUint(p.id, 10)).Inc()
	t.node.ReportUnreachable(p.id)
	if m.Type == raftpb.MsgSnap {
		t.node.ReportSnapshot(p.id, raft.SnapshotFailure)
	}
}

// runPeer keeps one client stream open to p and writes its queue into it,
// reconnecting with capped exponential backoff.
func (t *Transport) runPeer(p *peer) {
	client := aurigraphv1.NewRaftTransportClient(p.conn)
	backoff := backoffMin
	for p.ctx.Err() == nil {
		err := t.stream(client, p, &backoff)
		if p.ctx.Err() != nil {
			return
		}
		t.logger.Debug("raft peer stream broken", "peer", p.id, "addr", p.addr, "err", err, "retry_in", backoff)
		t.node.ReportUnreachable(p.id)
		// Messages queued while the peer is away are stale by the time it
		// is back; raft resends what matters after the unreachable report.
		timer := time.NewTimer(backoff)
	drain:
		for {
			select {
			case m := <-p.queue:
				t.dropped(p, m)
			case <-timer.C:
				break drain
			case <-p.ctx.Done():
				timer.Stop()
				return
			}
		}
		backoff = min(2*backoff, backoffMax)
	}
}

func (t *Transport) stream(client aurigraphv1.RaftTransportClient, p *peer, backoff *time.Duration) error {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	s, err := client.Stream(t.advertised(ctx), grpc.ForceCodecV2(codec{}))
	if err != nil {
		return fmt.Errorf("open stream: %w", err)
	}
	for {
		var m raftpb.Message
		select {
		case m = <-p.queue:
		case <-ctx.Done():
			return ctx.Err()
		}
		// A message that does not encode ends the stream as a failed send
		// does; raft's messages always encode.
		if err := s.SendMsg(&envelope{m: m}); err != nil {
			t.dropped(p, m)
			return fmt.Errorf("send %s: %w", m.Type, err)
		}
		*backoff = backoffMin
		if m.Type == raftpb.MsgSnap {
			t.node.ReportSnapshot(p.id, raft.SnapshotFinish)
		}
	}
}

// Stream implements aurigraphv1.RaftTransportServer.
func (t *Transport) Stream(s grpc.ClientStreamingServer[aurigraphv1.RaftEnvelope, aurigraphv1.RaftAck]) error {
	t.learnSender(s.Context())
	for {
		var e envelope
		err := s.RecvMsg(&e)
		if errors.Is(err, io.EOF) {
			return s.SendAndClose(&aurigraphv1.RaftAck{})
		}
		if err != nil {
			return err
		}
		if e.err != nil {
			return status.Error(codes.InvalidArgument, e.err.Error())
		}
		m := e.m
		if m.To != t.id {
			return status.Errorf(codes.InvalidArgument, "raft message for validator %d reached validator %d: check the peer address map", m.To, t.id)
		}
		if err := t.node.Step(s.Context(), m); err != nil {
			if errors.Is(err, raft.ErrStepLocalMsg) || errors.Is(err, raft.ErrStepPeerNotFound) {
				// Raft ignores these by design; one odd message must not
				// cut the stream that carries the rest.
				t.logger.Debug("raft ignored peer message", "from", m.From, "type", m.Type.String(), "err", err)
				continue
			}
			if errors.Is(err, raft.ErrStopped) {
				return status.Error(codes.Unavailable, "validator is stopping")
			}
			return status.Errorf(codes.Internal, "step raft message: %v", err)
		}
	}
}
