package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/stream"
)

// leaderStages is what only a leader runs, wired the same way by dev and
// node: an ingest consumer for each validator of the process, which
// consumes while its validator leads, and the block publisher, which
// publishes while one of them leads. Both start and stop on the validators'
// leadership notification (LeadershipChanged of the raft node) and poll
// nothing: the publisher through whileLeading, each consumer itself, since
// it also fences every proposal with the term it read the offsets in.
type leaderStages struct {
	nodes     []*consensus.Node
	consumers []*ingest.Consumer
	publisher *stream.Publisher
	log       *slog.Logger
}

// newLeaderStages makes a consumer for each of nodes from base, with the
// validator's id and its chain; with byNode, its logs and metrics carry a
// node label (dev, whose process runs several validators).
func newLeaderStages(nodes []*consensus.Node, pub *stream.Publisher, log *slog.Logger, reg prometheus.Registerer, byNode bool, base ingest.ConsumerConfig) (*leaderStages, error) {
	s := &leaderStages{nodes: nodes, publisher: pub, log: log}
	for _, n := range nodes {
		cfg := base
		cfg.NodeID, cfg.Chain = n.ID(), n
		cfg.Logger, cfg.Registerer = log.With("component", "ingest"), reg
		if byNode {
			cfg.Logger = cfg.Logger.With("node", n.ID())
			cfg.Registerer = prometheus.WrapRegistererWith(prometheus.Labels{"node": fmt.Sprint(n.ID())}, reg)
		}
		c, err := ingest.NewConsumer(cfg, n)
		if err != nil {
			return nil, fmt.Errorf("ingest for validator %d: %w", n.ID(), err)
		}
		s.consumers = append(s.consumers, c)
	}
	return s, nil
}

// startPublisher runs the publisher in outputs while a validator leads.
func (s *leaderStages) startPublisher(ctx context.Context, outputs *runGroup) {
	outputs.start(ctx, "publisher", func(ctx context.Context) error {
		return whileLeading(ctx, s.nodes, s.log, s.publisher.Run)
	})
}

// startIngest runs the consumers in inputs. Each follows its validator's
// leadership itself: it must also fence every proposal with the term it
// read the replicated offsets in.
func (s *leaderStages) startIngest(ctx context.Context, inputs *runGroup) {
	for i, c := range s.consumers {
		name := "ingest"
		if len(s.nodes) > 1 {
			name = fmt.Sprintf("ingest on validator %d", s.nodes[i].ID())
		}
		inputs.start(ctx, name, c.Run)
	}
}

// leading reports whether one of nodes leads.
func leading(nodes []*consensus.Node) bool {
	for _, n := range nodes {
		if lead, _ := n.Leader(); lead {
			return true
		}
	}
	return false
}

// leadershipChanged returns a channel closed when the leadership of any of
// nodes may have changed, and a function that releases it.
func leadershipChanged(nodes []*consensus.Node) (<-chan struct{}, func()) {
	if len(nodes) == 1 {
		return nodes[0].LeadershipChanged(), func() {}
	}
	out, done := make(chan struct{}), make(chan struct{})
	var chans []<-chan struct{}
	for _, n := range nodes {
		chans = append(chans, n.LeadershipChanged())
	}
	for _, ch := range chans {
		go func() {
			select {
			case <-ch:
				select {
				case out <- struct{}{}:
				case <-done:
				}
			case <-done:
			}
		}()
	}
	return out, func() { close(done) }
}

// whileLeading runs fn for as long as one of nodes leads, cancelling it when
// none does and starting it again when one does. A failure while leading is
// retried after a pause rather than ending the process: the cluster stays
// available and the next attempt resumes from the topic.
func whileLeading(ctx context.Context, nodes []*consensus.Node, log *slog.Logger, fn func(context.Context) error) error {
	for {
		for {
			changed, release := leadershipChanged(nodes)
			if leading(nodes) {
				release()
				break
			}
			select {
			case <-ctx.Done():
				release()
				return nil
			case <-changed:
			}
			release()
		}
		err := runUntilDeposed(ctx, nodes, fn)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			log.Error("leader-only stage failed; retrying in 1s", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
		}
	}
}

// runUntilDeposed runs fn until it returns, ctx ends, or none of nodes
// leads any more; in the last two cases fn is cancelled and its result
// ignored.
func runUntilDeposed(ctx context.Context, nodes []*consensus.Node, fn func(context.Context) error) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(runCtx) }()
	for {
		changed, release := leadershipChanged(nodes)
		if !leading(nodes) {
			release()
			cancel()
			<-done
			return nil
		}
		select {
		case err := <-done:
			release()
			return err
		case <-ctx.Done():
			release()
			cancel()
			<-done
			return nil
		case <-changed:
			release()
		}
	}
}
