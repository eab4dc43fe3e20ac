package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/schemas"
)

// Defaults of dev's embedded-broker retention. A week is Kafka's own
// default; the sizes keep a busy dev instance's broker within a few GiB.
const (
	defaultBlocksRetention      = 7 * 24 * time.Hour
	defaultBlocksRetentionBytes = "1GiB"
	defaultDLQRetention         = 7 * 24 * time.Hour
	defaultDLQRetentionBytes    = "256MiB"
)

// brokerRetentionFlags bound what the embedded broker keeps of each topic.
type brokerRetentionFlags struct {
	// trimConsumed deletes the transaction records the chain consumed
	// (dev only: the standalone broker knows no validator).
	trimConsumed bool
	blocksAge    time.Duration
	blocksBytes  string
	dlqAge       time.Duration
	dlqBytes     string
}

// register adds the flags; dev, which runs the validators and the
// projector next to the broker, keeps the blocks topic bounded by
// default, while the standalone broker cannot see what the projector has
// projected and keeps it whole unless told otherwise.
func (f *brokerRetentionFlags) register(fl *pflag.FlagSet, dev bool) {
	blocksAge, blocksBytes := time.Duration(0), ""
	if dev {
		fl.BoolVar(&f.trimConsumed, "kafka-trim-consumed", true, "delete the records of "+schemas.TopicTransactions+
			" below the offsets every validator of this process has applied, which no leader reads again (the embedded broker only; records on --external-kafka are never deleted)")
		blocksAge, blocksBytes = defaultBlocksRetention, defaultBlocksRetentionBytes
	}
	guard := ""
	if dev {
		guard = ", never a block the projector has not projected yet"
	}
	fl.DurationVar(&f.blocksAge, "kafka-blocks-retention", blocksAge, "the embedded broker deletes blocks of "+schemas.TopicBlocks+
		" older than this"+guard+"; gateways then serve older heights only from their cache (0 keeps them)")
	fl.StringVar(&f.blocksBytes, "kafka-blocks-retention-bytes", blocksBytes, "the embedded broker deletes the oldest blocks of "+schemas.TopicBlocks+
		" beyond this size, e.g. 1GiB"+guard+" (empty keeps them)")
	fl.DurationVar(&f.dlqAge, "kafka-dlq-retention", defaultDLQRetention, "the embedded broker deletes dead letters of "+schemas.TopicDeadLetters+" older than this (0 keeps them)")
	fl.StringVar(&f.dlqBytes, "kafka-dlq-retention-bytes", defaultDLQRetentionBytes, "the embedded broker deletes the oldest dead letters beyond this size per partition (empty keeps them)")
}

func (f brokerRetentionFlags) validate() error {
	_, _, err := f.limits()
	return err
}

// limits are the blocks and dead-letter topics' retentions.
func (f brokerRetentionFlags) limits() (blocks, dlq broker.Retention, err error) {
	if f.blocksAge < 0 || f.dlqAge < 0 {
		return blocks, dlq, fmt.Errorf("--kafka-blocks-retention %v and --kafka-dlq-retention %v: use positive durations, or 0 to keep everything", f.blocksAge, f.dlqAge)
	}
	blocks.MaxAge, dlq.MaxAge = f.blocksAge, f.dlqAge
	for _, s := range []struct {
		flag, value string
		into        *int64
	}{{"--kafka-blocks-retention-bytes", f.blocksBytes, &blocks.MaxBytes}, {"--kafka-dlq-retention-bytes", f.dlqBytes, &dlq.MaxBytes}} {
		if s.value == "" {
			continue
		}
		n, err := parseSize(s.value)
		if err != nil {
			return blocks, dlq, fmt.Errorf("%s %q: %w, or empty to keep everything", s.flag, s.value, err)
		}
		*s.into = n
	}
	return blocks, dlq, nil
}

// retainStandalone bounds the topics of `aurigraph broker`, where nothing
// tells what readers still need: only the limits apply.
func (f brokerRetentionFlags) retainStandalone(ctx context.Context, b *broker.Broker, log *slog.Logger) error {
	blocks, dlq, err := f.limits()
	if err != nil {
		return err
	}
	topics := map[string]broker.Retention{}
	for topic, r := range map[string]broker.Retention{schemas.TopicBlocks: blocks, schemas.TopicDeadLetters: dlq} {
		if r.MaxAge > 0 || r.MaxBytes > 0 {
			topics[topic] = r
		}
	}
	return b.Retain(ctx, broker.RetainOptions{Topics: topics, Logger: log.With("component", "broker")})
}

// retainDev bounds the topics of dev's embedded broker: the transaction
// records the validators consumed go, the blocks topic keeps its limits
// but every block the projector still has to read, the dead letters
// their limits.
func (f brokerRetentionFlags) retainDev(ctx context.Context, b *broker.Broker, nodes []*consensus.Node, projected func() uint64, reg prometheus.Registerer, log *slog.Logger) error {
	blocks, dlq, err := f.limits()
	if err != nil {
		return err
	}
	blocks.Floor = projectedFloor(projected)
	topics := map[string]broker.Retention{schemas.TopicBlocks: blocks, schemas.TopicDeadLetters: dlq}
	if f.trimConsumed {
		topics[schemas.TopicTransactions] = broker.Retention{Floor: appliedFloor(nodes, schemas.TopicTransactions)}
	}
	log.Info("embedded broker retention", "trim_consumed", f.trimConsumed, "blocks_max_age", blocks.MaxAge, "blocks_max_bytes", blocks.MaxBytes,
		"dlq_max_age", dlq.MaxAge, "dlq_max_bytes", dlq.MaxBytes)
	return b.Retain(ctx, broker.RetainOptions{Topics: topics, Registerer: reg, Logger: log})
}

// appliedFloor is the lowest offset of each partition of topic that the
// running validators have applied, in the topic their state names. No
// leader consumes below it again: a new leader resumes from the offsets of
// a linearizable read, which are at least what any validator applied.
func appliedFloor(nodes []*consensus.Node, topic string) func() ([]byte, map[int32]int64) {
	return func() ([]byte, map[int32]int64) {
		var id []byte
		var below map[int32]int64
		for _, n := range nodes {
			select {
			case <-n.Done():
				continue
			default:
			}
			// Offsets of a topic replaced meanwhile belong to another id.
			before := n.TopicID(topic)
			offsets := n.AppliedOffsets(topic)
			if len(before) == 0 || !bytes.Equal(before, n.TopicID(topic)) || (id != nil && !bytes.Equal(id, before)) {
				return nil, nil
			}
			if below == nil {
				id, below = before, offsets
				continue
			}
			for p, o := range below {
				below[p] = min(o, offsets[p])
			}
		}
		return id, below
	}
}

// projectedFloor keeps every block the projector has not projected. The
// block of height h sits at offset h-1 or later, so records below offset
// p-1 hold no block above p-1, in whichever topic the projector reads. The
// projected block p stays too: the publisher resumes after the newest block
// it finds in the topic, which it published before the projector read it.
func projectedFloor(projected func() uint64) func() ([]byte, map[int32]int64) {
	return func() ([]byte, map[int32]int64) {
		p := projected()
		if p < 2 {
			return nil, nil
		}
		return nil, map[int32]int64{0: int64(p - 1)}
	}
}

// checkRebuildable refuses to rebuild the projection from a height whose
// block the blocks topic may no longer hold: the block of height h sits at
// offset h-1 or later, so a topic starting past h-1 lost it, or will have.
func checkRebuildable(ctx context.Context, brokers []string, opts []kgo.Opt, from uint64) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return fmt.Errorf("kafka client for brokers %v: %w", brokers, err)
	}
	defer cl.Close()
	listed, err := kadm.NewClient(cl).ListStartOffsets(ctx, schemas.TopicBlocks)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return fmt.Errorf("read where %s starts: %w", schemas.TopicBlocks, err)
	}
	if o, ok := listed.Lookup(schemas.TopicBlocks, 0); ok && o.Offset > int64(from)-1 {
		return fmt.Errorf("%s starts at offset %d: older blocks were deleted by its retention (--kafka-blocks-retention, --kafka-blocks-retention-bytes), so the projection can be rebuilt from height %d on",
			schemas.TopicBlocks, o.Offset, o.Offset+1)
	}
	return nil
}
