package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/schemas"
)

// brokerDialTimeout bounds the fresh connection a broker probe opens.
const brokerDialTimeout = 2 * time.Second

// BrokerProbe checks that the Kafka-protocol cluster takes new connections
// and answers: existing connections can outlive a listener that stopped
// accepting, so each probe also dials afresh.
type BrokerProbe struct {
	brokers []string
	cl      *kgo.Client
	adm     *kadm.Client
}

// NewBrokerProbe probes brokers (seed host:port); opts are appended to its
// client's (TLS, SASL). Nothing connects until Probe.
func NewBrokerProbe(brokers []string, opts ...kgo.Opt) (*BrokerProbe, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("ingest: kafka client for brokers %v: %w", brokers, err)
	}
	return &BrokerProbe{brokers: brokers, cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Probe returns nil when some seed broker accepts a connection and the
// cluster answers a metadata request within ctx.
func (p *BrokerProbe) Probe(ctx context.Context) error {
	var dialErr error
	reached := false
	for _, b := range p.brokers {
		d := net.Dialer{Timeout: brokerDialTimeout}
		c, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			c.Close()
			reached = true
			break
		}
		dialErr = errors.Join(dialErr, err)
	}
	if !reached {
		return fmt.Errorf("no broker of %v takes connections: %w", p.brokers, dialErr)
	}
	if _, err := p.adm.ListBrokers(ctx); err != nil {
		return fmt.Errorf("brokers %v take connections but do not answer metadata: %w", p.brokers, err)
	}
	return nil
}

// EndOffsets returns the end offset of each partition of topic.
func (p *BrokerProbe) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	ends, err := p.adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	out := make(map[int32]int64)
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// Close releases the probe's client.
func (p *BrokerProbe) Close() { p.cl.Close() }

// BacklogConfig configures a BacklogSampler.
type BacklogConfig struct {
	Brokers []string
	// Topic is the transaction topic (schemas.TopicTransactions).
	Topic string
	// Applied returns the replicated next offset per partition of a topic,
	// as consensus.Node.AppliedOffsets does; an absent partition is at 0.
	Applied func(topic string) map[int32]int64
	// ClientOpts are appended to every client the sampler makes.
	ClientOpts []kgo.Opt
}

// BacklogSampler measures how far the chain's replicated offsets trail the
// transaction topic, partition by partition, for a health.Backlog: records
// in a partition past its replicated offset that stay there mean ingest
// makes no progress, whatever the consumer believes.
type BacklogSampler struct {
	cfg BacklogConfig
	cl  *kgo.Client
	adm *kadm.Client
	// last is each partition's previous sample; empty holds the samples
	// whose records past the replicated offset turned out to be none a
	// consumer gets (transaction markers, aborted records).
	last, empty map[int32]health.Position
}

// NewBacklogSampler checks cfg; nothing connects until Sample.
func NewBacklogSampler(cfg BacklogConfig) (*BacklogSampler, error) {
	if len(cfg.Brokers) == 0 || cfg.Applied == nil {
		return nil, errors.New("ingest: backlog sampler needs Brokers and Applied")
	}
	if cfg.Topic == "" {
		cfg.Topic = schemas.TopicTransactions
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("ingest: kafka client for brokers %v: %w", cfg.Brokers, err)
	}
	return &BacklogSampler{cfg: cfg, cl: cl, adm: kadm.NewClient(cl), last: map[int32]health.Position{}, empty: map[int32]health.Position{}}, nil
}

// Close releases the sampler's client.
func (s *BacklogSampler) Close() { s.cl.Close() }

// Sample returns each partition's replicated offset (Done) and the offset
// its committed records end at (Target), keyed "partition N".
func (s *BacklogSampler) Sample(ctx context.Context) (map[string]health.Position, error) {
	// Records of open producer transactions are not for ingest yet: the
	// last stable offset is where a read-committed consumer stops.
	ends, err := s.adm.ListCommittedOffsets(ctx, s.cfg.Topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", s.cfg.Topic, err)
	}
	applied := s.cfg.Applied(s.cfg.Topic)
	out := make(map[string]health.Position)
	ends.Each(func(o kadm.ListedOffset) {
		p := health.Position{Done: applied[o.Partition], Target: o.Offset}
		if p.Target > p.Done && s.consumesNothing(ctx, o.Partition, p) {
			p.Target = p.Done
		}
		s.last[o.Partition] = health.Position{Done: applied[o.Partition], Target: o.Offset}
		out["partition "+strconv.Itoa(int(o.Partition))] = p
	})
	return out, nil
}

// consumesNothing reports whether a partition that stood still since the
// last sample holds no record a consumer would get between p.Done and
// p.Target. A partition's log ends with a commit marker after every
// producer transaction, which no consumer sees and so no proposal covers
// until a record follows it; without this it would look stalled forever.
func (s *BacklogSampler) consumesNothing(ctx context.Context, partition int32, p health.Position) bool {
	if s.empty[partition] == p {
		return true
	}
	delete(s.empty, partition)
	if s.last[partition] != p {
		return false // still moving: judge it when it stands still
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.Topic: {partition: kgo.NewOffset().At(p.Done)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, s.cfg.ClientOpts...)...)
	if err != nil {
		return false
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		if fetches.NumRecords() > 0 {
			return false
		}
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
				return false // cannot tell: judge the offsets as they are
			}
		}
	}
	s.empty[partition] = p
	return true
}
