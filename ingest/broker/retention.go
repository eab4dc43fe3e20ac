package broker

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultRetainEvery is how often Retain looks at the topics.
const DefaultRetainEvery = 10 * time.Second

// DefaultSegmentBytes is the size at which the broker starts a partition's
// next segment file. Deleted records leave the disk a whole segment at a
// time, so this is also about how much a trimmed partition keeps beyond
// what it must; Kafka's 1 GiB would keep a busy dev instance's topics whole.
const DefaultSegmentBytes = 16 << 20

// Retention bounds what the broker keeps of one topic. A topic with limits
// loses its oldest records beyond them; one with a floor and no limits
// loses every record below the floor. Either way a partition always keeps
// its newest record (a publisher finds where to resume by it) and, with a
// floor, every record at or above it.
type Retention struct {
	// MaxAge deletes records whose batch is older than this, by the
	// records' timestamps. Zero: no age limit.
	MaxAge time.Duration
	// MaxBytes deletes a partition's oldest records while it holds more.
	// The cut is placed in proportion to the records' average size, so a
	// partition ends near the limit, not exactly at it. Zero: no limit.
	MaxBytes int64
	// Floor, when set, reports for each partition the offset below which
	// nothing that reads the topic needs its records any more, and the id
	// of the topic those offsets were read in (nil: offsets that hold for
	// whichever topic has the name now). A partition it leaves out, or an
	// id that is not the topic's (it was deleted and created again since),
	// keeps everything.
	Floor func() (topicID []byte, below map[int32]int64)
}

func (r Retention) limited() bool { return r.MaxAge > 0 || r.MaxBytes > 0 }

// RetainOptions configures Retain.
type RetainOptions struct {
	// Topics maps topic names to what is kept of them; other topics are
	// kept whole.
	Topics map[string]Retention
	// Every is how often the topics are trimmed. Zero: DefaultRetainEvery.
	Every time.Duration
	// Registerer receives aurigraph_broker_topic_bytes and
	// aurigraph_broker_deleted_records_total; nil registers none.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// Retain deletes what opts allows of the broker's topics every opts.Every
// until ctx ends or the broker closes. It only ever moves a partition's
// start forward (DeleteRecords), which is why it belongs to the embedded
// broker alone: the process that runs it knows who reads the topics.
func (b *Broker) Retain(ctx context.Context, opts RetainOptions) error {
	if opts.Every == 0 {
		opts.Every = DefaultRetainEvery
	}
	if opts.Every < 0 {
		return fmt.Errorf("broker: retention interval %v must be positive", opts.Every)
	}
	for topic, r := range opts.Topics {
		if r.MaxAge < 0 || r.MaxBytes < 0 {
			return fmt.Errorf("broker: retention of %s: age %v and bytes %d must not be negative", topic, r.MaxAge, r.MaxBytes)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m, err := newRetentionMetrics(opts.Registerer)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.Dialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		return b.inproc.Dial(ctx)
	}))
	if err != nil {
		return fmt.Errorf("broker: client for retention: %w", err)
	}
	r := &retainer{b: b, opts: opts, adm: kadm.NewClient(cl), log: opts.Logger.With("component", "retention"), m: m}
	b.loops.Go(func() {
		defer cl.Close()
		t := time.NewTicker(opts.Every)
		defer t.Stop()
		for {
			for topic, ret := range opts.Topics {
				passCtx, cancel := context.WithTimeout(ctx, opts.Every)
				r.trim(passCtx, topic, ret)
				cancel()
			}
			select {
			case <-ctx.Done():
				return
			case <-b.closed:
				return
			case <-t.C:
			}
		}
	})
	return nil
}

type retainer struct {
	b    *Broker
	opts RetainOptions
	adm  *kadm.Client
	log  *slog.Logger
	m    *retentionMetrics
}

// trim applies ret to topic once.
func (r *retainer) trim(ctx context.Context, topic string, ret Retention) {
	info := r.b.cluster.TopicInfo(topic)
	if info == nil {
		return
	}
	parts := r.b.cluster.PartitionInfos(topic)
	var held int64
	for _, p := range parts {
		held += p.NumBytes
	}
	r.m.bytes.WithLabelValues(topic).Set(float64(held))
	var floor map[int32]int64
	if ret.Floor != nil {
		var id []byte
		id, floor = ret.Floor()
		if id != nil && !bytes.Equal(id, info.TopicID[:]) {
			return
		}
	}
	var byAge map[int32]int64
	if ret.MaxAge > 0 {
		listed, err := r.adm.ListOffsetsAfterMilli(ctx, time.Now().Add(-ret.MaxAge).UnixMilli(), topic)
		if err == nil {
			err = listed.Error()
		}
		if err != nil {
			r.log.Warn("cannot find the records past their retention; trying again later", "topic", topic, "err", err)
		} else {
			byAge = make(map[int32]int64)
			listed.Each(func(o kadm.ListedOffset) { byAge[o.Partition] = o.Offset })
		}
	}
	for _, p := range parts {
		to := p.LogStartOffset
		switch {
		case ret.limited():
			if ret.MaxBytes > 0 && p.NumBytes > ret.MaxBytes {
				records := p.HighWatermark - p.LogStartOffset
				excess := float64(p.NumBytes-ret.MaxBytes) / float64(p.NumBytes)
				to = max(to, p.LogStartOffset+int64(math.Ceil(excess*float64(records))))
			}
			to = max(to, byAge[p.Partition])
		case ret.Floor != nil:
			to = math.MaxInt64
		}
		if ret.Floor != nil {
			below, ok := floor[p.Partition]
			if !ok {
				continue
			}
			to = min(to, below)
		}
		to = min(to, p.HighWatermark-1)
		if to <= p.LogStartOffset {
			continue
		}
		if err := r.b.cluster.DeleteRecords(topic, p.Partition, to); err != nil {
			r.log.Warn("deleting records failed; trying again later", "topic", topic, "partition", p.Partition, "below", to, "err", err)
			continue
		}
		r.m.deleted.WithLabelValues(topic).Add(float64(to - p.LogStartOffset))
	}
}

type retentionMetrics struct {
	bytes   *prometheus.GaugeVec
	deleted *prometheus.CounterVec
}

func newRetentionMetrics(reg prometheus.Registerer) (*retentionMetrics, error) {
	m := &retentionMetrics{
		bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "aurigraph", Subsystem: "broker", Name: "topic_bytes",
			Help: "Bytes of record batches the embedded broker holds for a topic, all partitions together."}, []string{"topic"}),
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "aurigraph", Subsystem: "broker", Name: "deleted_records_total",
			Help: "Records the embedded broker deleted from a topic by its retention."}, []string{"topic"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.bytes, m.deleted} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("broker: register retention metrics: %w", err)
		}
	}
	return m, nil
}
