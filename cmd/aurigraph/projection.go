package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/projector"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// defaultLease is how long a projector's claim on a ClickHouse server's
// database lasts without renewal (projector.Config.Lease).
const defaultLease = 15 * time.Second

// projection is what a projector is made of in dev and projector run.
type projection struct {
	brokers   []string
	kafkaOpts []kgo.Opt
	target    clickhouseTarget
	trust     blockfeed.Trust
	rawTTL    time.Duration
	// lease is the claim on an external ClickHouse; the embedded engine
	// takes none.
	lease time.Duration
	// reachable is how far the projector can get (dev: what the publisher
	// put on the topic; projector run: the topic's newest valid block),
	// sampled by health every interval.
	reachable func(context.Context) (uint64, error)
	interval  time.Duration
	// head, when set, is the chain's height for the lag figure; without it
	// the lag is counted to the last reachable sample.
	head func() uint64
	log  *slog.Logger
	reg  prometheus.Registerer
}

// newProjector makes the projector and its health component, ready while
// the projector keeps up with what it can reach; Run is the caller's.
func newProjector(hw *healthWatch, stack *shutdownStack, c projection) (*projector.Projector, error) {
	var proj *projector.Projector
	var reached atomic.Uint64
	head := c.head
	if head == nil {
		head = reached.Load
	}
	// Details are read only once the APIs serve, by which time proj is set.
	b := hw.backlogHealth("projector", func() map[string]any {
		h, p := head(), proj.Height()
		return map[string]any{"projected_height": p, "lag_blocks": h - min(h, p)}
	})
	lease := c.lease
	if c.target.engine != nil {
		lease = 0
	}
	proj, err := projector.New(projector.Config{Brokers: c.brokers, ClientOpts: c.kafkaOpts, ClickHouse: c.target.writer, ClickHouseDial: c.target.dial,
		RawTTL: c.rawTTL, Lease: lease, Trust: c.trust, Logger: c.log, Registerer: c.reg, Health: b})
	if err != nil {
		return nil, err
	}
	stack.push("projector client", func(context.Context) error { return proj.Close() })
	hw.every(c.interval, sampleTimeout, func(ctx context.Context) {
		to, err := c.reachable(ctx)
		if err != nil {
			b.Observe(nil, err)
			return
		}
		reached.Store(to)
		b.Observe(heights(proj.Height(), to), nil)
	})
	return proj, nil
}

// topicHead finds the height of the newest block in the blocks topic that
// the validators signed, reading the topic's end again only when it moved:
// records others wrote and blocks published twice do not count.
type topicHead struct {
	cfg    blockfeed.Config
	probe  *ingest.BrokerProbe
	end    int64
	height uint64
}

func newTopicHead(probe *ingest.BrokerProbe, brokers []string, kafkaOpts []kgo.Opt, trust blockfeed.Trust, log *slog.Logger) *topicHead {
	return &topicHead{probe: probe, end: -1, cfg: blockfeed.Config{Brokers: brokers, ClientOpts: kafkaOpts, Trust: trust, Insecure: trust == nil, Logger: log}}
}

// sample is called by one health check at a time.
func (t *topicHead) sample(ctx context.Context) (uint64, error) {
	// Without keys no record verifies, and the search for one would read
	// the whole topic.
	if t.cfg.Trust != nil {
		if _, ok := t.cfg.Trust.Anchor(); !ok {
			return 0, errors.New("no validator keys known yet (--validator-keys, --validators)")
		}
	}
	ends, err := t.probe.EndOffsets(ctx, schemas.TopicBlocks)
	if err != nil {
		return 0, err
	}
	if ends[0] == t.end {
		return t.height, nil
	}
	head, err := blockfeed.FindHead(ctx, t.cfg, func(ev *aurigraphv1.BlockEvent) (bool, error) {
		return blockfeed.Verified(ctx, t.cfg, ev), nil
	})
	if err != nil {
		return 0, err
	}
	t.end, t.height = head.End, head.Height
	return t.height, nil
}

// openAnalytics is the analytics service over read-only sessions of
// target; its client closes with stack.
func openAnalytics(stack *shutdownStack, target clickhouseTarget) (*analytics.Service, error) {
	reader, err := projector.OpenClickHouseDial(readOnlyDSN(target.writer), target.dial)
	if err != nil {
		return nil, err
	}
	stack.push("analytics client", func(context.Context) error { return reader.Close() })
	return analytics.New(reader, projector.Database), nil
}

// mountAnalytics serves the analytics API under api (/api/v12), or, where
// svc is nil, a JSON 404 on its paths that says how to get it.
func mountAnalytics(api *access.Sub, svc *analytics.Service, guard *access.Guard, notServed string) {
	if svc == nil {
		api.NotServed("/analytics/", notServed)
		return
	}
	analytics.RegisterHTTP(api.Under("/analytics"), svc, analytics.HTTPOptions{Scope: analyticsScope(guard)})
}

// heightsOf adapts a height that needs no query to projection.reachable.
func heightsOf(h func() uint64) func(context.Context) (uint64, error) {
	return func(context.Context) (uint64, error) { return h(), nil }
}
