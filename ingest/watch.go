package ingest

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

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
// When the broker cannot say, the records count as waiting.
func (s *BacklogSampler) consumesNothing(ctx context.Context, partition int32, p health.Position) bool {
	if s.empty[partition] == p {
		return true
	}
	delete(s.empty, partition)
	if s.last[partition] != p {
		return false // still moving: judge it when it stands still
	}
	waiting, err := s.consumable(ctx, partition, p.Done)
	if err != nil || waiting {
		return false
	}
	s.empty[partition] = p
	return true
}

// consumable asks the partition's leader, reading committed records only,
// whether any record at or after from is one a consumer gets.
func (s *BacklogSampler) consumable(ctx context.Context, partition int32, from int64) (bool, error) {
	topics, err := s.adm.ListTopics(ctx, s.cfg.Topic)
	if err != nil {
		return false, err
	}
	td := topics[s.cfg.Topic]
	pd, ok := td.Partitions[partition]
	if td.Err != nil || !ok || pd.Err != nil {
		return false, fmt.Errorf("metadata of %s partition %d: %w %w", s.cfg.Topic, partition, td.Err, pd.Err)
	}
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxBytes = 1 << 20
	req.IsolationLevel = 1 // read committed
	req.SessionEpoch = -1  // a one-off fetch, no session
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = s.cfg.Topic, td.ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, from, 1<<20
	rp.CurrentLeaderEpoch, rp.LogStartOffset = -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	kresp, err := s.cl.Broker(int(pd.Leader)).Request(ctx, req)
	if err != nil {
		return false, err
	}
	resp := kresp.(*kmsg.FetchResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return false, err
	}
	for _, t := range resp.Topics {
		for _, fp := range t.Partitions {
			if fp.Partition != partition {
				continue
			}
			if err := kerr.ErrorForCode(fp.ErrorCode); err != nil {
				return false, err
			}
			aborted := make([]abortedTxn, 0, len(fp.AbortedTransactions))
			for _, a := range fp.AbortedTransactions {
				aborted = append(aborted, abortedTxn{producer: a.ProducerID, first: a.FirstOffset})
			}
			return hasConsumable(fp.RecordBatches, aborted, from), nil
		}
	}
	return false, fmt.Errorf("fetch of %s partition %d: no answer for the partition", s.cfg.Topic, partition)
}

// abortedTxn is an aborted producer transaction a fetch response lists.
type abortedTxn struct {
	producer, first int64
}

// recordBatchHeader is the size of a record batch's fixed header (magic 2).
const recordBatchHeader = 61

// hasConsumable reports whether batches (record batches as a fetch returns
// them, possibly cut off at the end) hold a record at or after from that a
// read-committed consumer gets: not a control record, and not in an aborted
// transaction. A batch cut off after its header still says what it holds.
func hasConsumable(batches []byte, aborted []abortedTxn, from int64) bool {
	slices.SortFunc(aborted, func(a, b abortedTxn) int { return cmp.Compare(a.first, b.first) })
	// Producers inside an aborted transaction at this point of the log.
	active := map[int64]bool{}
	for len(batches) >= recordBatchHeader {
		base := int64(binary.BigEndian.Uint64(batches[0:]))
		length := int64(binary.BigEndian.Uint32(batches[8:]))
		attrs := binary.BigEndian.Uint16(batches[21:])
		last := base + int64(binary.BigEndian.Uint32(batches[23:]))
		producer := int64(binary.BigEndian.Uint64(batches[43:]))
		for len(aborted) > 0 && aborted[0].first <= last {
			active[aborted[0].producer] = true
			aborted = aborted[1:]
		}
		control, transactional := attrs&0x20 != 0, attrs&0x10 != 0
		switch {
		case control:
			delete(active, producer)
		case last < from:
		case transactional && active[producer]:
		default:
			return true
		}
		if 12+length > int64(len(batches)) {
			break
		}
		batches = batches[12+length:]
	}
	return false
}
