package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/schemas"
)

// defaultStallAfter is --health-stall-after's default.
const defaultStallAfter = 30 * time.Second

// How often each component is checked, how long one check may take, and
// after how long without a check its component is stale (not ready).
const (
	probeEvery    = time.Second
	probeTimeout  = 3 * time.Second
	sampleTimeout = 10 * time.Second
	staleAfter    = 15 * time.Second
)

const healthStallAfterUsage = "health reports a stage not ready when it has work waiting (records past the replicated offsets, blocks not yet published or projected) and makes no progress on it for this long"

// healthWatch runs the checks that keep a process's health components
// current. Every check runs in the background and only writes a state, so
// the health endpoints never wait on a validator, the broker or ClickHouse.
// Checks are added while the process is put together and run from start.
type healthWatch struct {
	reg *health.Registry
	// kafka are the options of the process's Kafka clients (SASL, TLS).
	kafka   []kgo.Opt
	stall   time.Duration
	pending []func(context.Context)
	checks  runGroup
}

func newHealthWatch(promReg prometheus.Registerer, stall time.Duration) (*healthWatch, error) {
	if stall < 0 {
		return nil, fmt.Errorf("--health-stall-after %v: use a positive duration (0 takes the default, %v)", stall, defaultStallAfter)
	}
	if stall == 0 {
		stall = defaultStallAfter
	}
	reg, err := health.NewRegistry(promReg)
	if err != nil {
		return nil, err
	}
	return &healthWatch{reg: reg, stall: stall}, nil
}

// every adds a check run every interval, under a timeout of its own.
func (h *healthWatch) every(interval, timeout time.Duration, check func(context.Context)) {
	h.pending = append(h.pending, func(ctx context.Context) {
		health.Every(ctx, interval, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			check(ctx)
		})
	})
}

// start runs the checks added so far; they stop first on shutdown, before
// what they check is closed.
func (h *healthWatch) start(ctx context.Context, stack *shutdownStack) {
	for _, check := range h.pending {
		h.checks.start(ctx, "health check", func(ctx context.Context) error { check(ctx); return nil })
	}
	h.pending = nil
	stack.push("health checks", func(context.Context) error { return h.checks.stop() })
}

// watchConsensus reports the chain ready while any validator of this
// process that still runs knows a leader, so a validator removed from the
// cluster (or stopped) does not take the process's readiness with it. A
// validator that stopped for any reason but its removal halts the
// component: the process needs a restart.
func (h *healthWatch) watchConsensus(nodes []*consensus.Node) {
	c := h.reg.Add("consensus", health.Options{MaxAge: staleAfter})
	h.every(probeEvery, probeTimeout, func(context.Context) {
		var leader, term, height uint64
		var indexErr error
		running := 0
		validators := make([]map[string]any, 0, len(nodes))
		for _, n := range nodes {
			select {
			case <-n.Done():
				err := n.Err()
				validators = append(validators, map[string]any{"id": n.ID(), "state": "stopped", "reason": fmt.Sprint(err)})
				if err != nil && !errors.Is(err, raftnode.ErrRemoved) {
					c.Halt(fmt.Errorf("validator %d stopped: %w", n.ID(), err))
				}
				continue
			default:
			}
			st := n.Status()
			running++
			v := map[string]any{"id": n.ID(), "state": st.State, "height": st.Height}
			if err := n.IndexErr(); err != nil {
				v["index_error"] = err.Error()
				if indexErr == nil {
					indexErr = fmt.Errorf("validator %d: %w; free space or fix the directory: a failed merge is retried, a failed run is indexed again when the validator restarts", n.ID(), err)
				}
			}
			validators = append(validators, v)
			if st.Term > term || (st.Term == term && leader == 0) {
				leader, term = st.Leader, st.Term
			}
			height = max(height, st.Height)
		}
		data := map[string]any{"leader": leader, "term": term, "height": height, "validators": validators}
		switch {
		case running == 0:
			c.Set(errors.New("no validator of this process runs"), data)
		case leader == 0:
			c.Set(errors.New("no leader elected"), data)
		case indexErr != nil:
			c.Set(indexErr, data)
		default:
			c.Set(nil, data)
		}
	})
}

// watchCaughtUp reports a node's validator ready once it has applied what
// the leader committed and holds every block below it: what a rolling
// upgrade waits for (aurigraph health --url .../q/health/ready) before it
// stops the next validator.
func (h *healthWatch) watchCaughtUp(n *consensus.Node) {
	c := h.reg.Add("caught_up", health.Options{MaxAge: staleAfter})
	h.every(probeEvery, probeTimeout, func(ctx context.Context) {
		st := n.Status()
		c.Set(n.CaughtUp(ctx), map[string]any{"applied_index": st.Applied, "commit_index": st.Commit, "height": st.Height})
	})
}

// watchBroker reports whether the Kafka-protocol cluster takes new
// connections and answers.
func (h *healthWatch) watchBroker(stack *shutdownStack, brokers []string) (*ingest.BrokerProbe, error) {
	probe, err := ingest.NewBrokerProbe(brokers, h.kafka...)
	if err != nil {
		return nil, err
	}
	stack.push("kafka health probe", func(context.Context) error { probe.Close(); return nil })
	c := h.reg.Add("kafka", health.Options{MaxAge: staleAfter})
	h.every(2*probeEvery, probeTimeout, func(ctx context.Context) {
		c.Set(probe.Probe(ctx), map[string]any{"brokers": brokers})
	})
	return probe, nil
}

// ingestHealth is the ingest component: consumers report into it, and
// watchIngest samples the replicated offsets against the topic.
func (h *healthWatch) ingestHealth() *health.Backlog {
	return health.NewBacklog(h.reg.Add("ingest", health.Options{MaxAge: 3 * sampleTimeout}), h.stall, "records")
}

// watchIngest samples, partition by partition, how far the offsets this
// process's validators applied trail the transaction topic.
func (h *healthWatch) watchIngest(stack *shutdownStack, b *health.Backlog, brokers []string, nodes []*consensus.Node) error {
	s, err := ingest.NewBacklogSampler(ingest.BacklogConfig{Brokers: brokers, Topic: schemas.TopicTransactions, ClientOpts: h.kafka, Applied: func(topic string) map[int32]int64 {
		return mostApplied(nodes).AppliedOffsets(topic)
	}})
	if err != nil {
		return err
	}
	stack.push("ingest health sampler", func(context.Context) error { s.Close(); return nil })
	h.every(probeEvery, sampleTimeout, func(ctx context.Context) {
		b.Observe(s.Sample(ctx))
	})
	return nil
}

// mostApplied is the running validator that applied the most, or the
// first one when none runs.
func mostApplied(nodes []*consensus.Node) *consensus.Node {
	best := nodes[0]
	var applied uint64
	for _, n := range nodes {
		select {
		case <-n.Done():
			continue
		default:
		}
		if a := n.Status().Applied; a >= applied {
			best, applied = n, a
		}
	}
	return best
}

// backlogHealth is a stage judged by its backlog of blocks; details, when
// set, adds figures read at report time (atomics only).
func (h *healthWatch) backlogHealth(name string, details func() map[string]any) *health.Backlog {
	return health.NewBacklog(h.reg.Add(name, health.Options{MaxAge: staleAfter, Details: details}), h.stall, "blocks")
}

// watchBacklog samples a stage's position every probeEvery.
func (h *healthWatch) watchBacklog(b *health.Backlog, sample func() map[string]health.Position) {
	h.every(probeEvery, probeTimeout, func(context.Context) { b.Observe(sample(), nil) })
}

// heights is one input's position for watchBacklog: done of target blocks.
func heights(done, target uint64) map[string]health.Position {
	return map[string]health.Position{"blocks": {Done: int64(done), Target: int64(target)}}
}

// engineLiveness is what health asks of the embedded ClickHouse engine.
type engineLiveness interface {
	Ping(ctx context.Context) error
}

// watchEngine reports whether the embedded engine answers.
func (h *healthWatch) watchEngine(e engineLiveness) {
	c := h.reg.Add("clickhouse", health.Options{MaxAge: staleAfter})
	h.every(2*probeEvery, probeTimeout, func(ctx context.Context) {
		start := time.Now()
		err := e.Ping(ctx)
		c.Set(err, map[string]any{"answered_ms": time.Since(start).Milliseconds()})
	})
}

// watchTopicFollower reports a gateway ready while it follows the blocks
// topic: its height reaches what the topic holds.
func (h *healthWatch) watchTopicFollower(probe *ingest.BrokerProbe, height, streamed func() uint64) {
	b := h.backlogHealth("blocks topic", func() map[string]any {
		return map[string]any{"height": height(), "streamed_height": streamed()}
	})
	h.every(probeEvery, probeTimeout, func(ctx context.Context) {
		ends, err := probe.EndOffsets(ctx, schemas.TopicBlocks)
		if err != nil {
			b.Observe(nil, err)
			return
		}
		// One partition whose offsets follow heights: its end is the
		// topic's last height.
		b.Observe(heights(height(), uint64(max(ends[0], 0))), nil)
	})
}
