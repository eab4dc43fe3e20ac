package consensus

import (
	"context"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	// peerPingInterval paces the health checks that measure peer round trips
	// and the apply lag sample.
	peerPingInterval = time.Second
	peerPingTimeout  = time.Second
)

// registerPeerServices adds the services peers call besides raft itself to
// the peer gRPC server: block catch-up and the standard health check, whose
// round trip is the peer latency metric. It must run before the server starts.
func (n *Node) registerPeerServices(s *grpc.Server) {
	if n.blocks != nil {
		aurigraphv1.RegisterBlockSyncServiceServer(s, &blockSyncServer{blocks: n.blocks})
	}
	aurigraphv1.RegisterValidatorKeyServiceServer(s, &keyServer{id: n.cfg.ID, key: n.cfg.Key})
	healthpb.RegisterHealthServer(s, health.NewServer())
}

// startWorkers runs the background loops that live as long as the node:
// block catch-up and the progress sampler. They stop when stopc closes;
// Close waits for them before it stops the transport they use.
func (n *Node) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	loops := []func(context.Context){n.sampleProgress}
	if n.chain != nil {
		loops = append(loops, n.runBlockSync, n.registerKeys)
	}
	n.workers.Add(1 + len(loops))
	go func() {
		defer n.workers.Done()
		<-n.stopc
		cancel()
	}()
	for _, loop := range loops {
		go func() {
			defer n.workers.Done()
			loop(ctx)
		}()
	}
}

// sampleProgress records the apply lag and pings every peer once per
// interval. A ping is a health check on the connection the raft stream and
// block catch-up use, so it measures what they see: network plus gRPC.
func (n *Node) sampleProgress(ctx context.Context) {
	tick := time.NewTicker(peerPingInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		committed, applied := n.committed.Load(), n.applied.Load()
		n.pm.applyLag.Set(float64(committed - min(committed, applied)))
		for _, id := range n.transport.peerIDs() {
			conn := n.transport.peerConn(id)
			if conn == nil {
				continue
			}
			pctx, cancel := context.WithTimeout(ctx, peerPingTimeout)
			start := time.Now()
			_, err := healthpb.NewHealthClient(conn).Check(pctx, &healthpb.HealthCheckRequest{})
			cancel()
			if err == nil {
				n.pm.peerRTT.WithLabelValues(strconv.FormatUint(id, 10)).Observe(time.Since(start).Seconds())
			}
		}
	}
}
