package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/stream"
)

// kafkaLimitFlags bound what records of the topics can do to dev and node.
type kafkaLimitFlags struct {
	// maxBlockBytes caps a block's encoding; 0 derives it from the blocks
	// topic (see maxBlockBytes).
	maxBlockBytes  int
	maxRecordBytes int
	// acceptTxTopicID: see ingest.ConsumerConfig.AcceptTopicID.
	acceptTxTopicID string
}

func (f *kafkaLimitFlags) register(fl *pflag.FlagSet) {
	fl.IntVar(&f.maxBlockBytes, "max-block-bytes", 0, fmt.Sprintf(
		"largest encoded block the leader builds: batches are cut so that a block, with a failure reason for every transaction, stays within it. "+
			"0 derives it from %s: its max.message.bytes (or the brokers' message.max.bytes while it does not exist) less %d bytes of record envelope; "+
			"a value above that is refused, at least %d", schemas.TopicBlocks, stream.BlockRecordOverhead, ingest.MinMaxBatchBytes))
	fl.IntVar(&f.maxRecordBytes, "max-record-bytes", ingest.DefaultMaxRecordBytes,
		"largest record of "+schemas.TopicTransactions+" (key, value and headers) ingest decodes; a larger one is dead-lettered as a reference to its offset")
	fl.StringVar(&f.acceptTxTopicID, "accept-tx-topic-id", "",
		"after "+schemas.TopicTransactions+" was deleted and created again, the new topic's id (as kafka-topics --describe prints it, and as the error names it): "+
			"the chain consumes that topic from offset 0 instead of stopping; records the old topic held that were not consumed are lost with it")
}

func (f kafkaLimitFlags) validate() error {
	if f.maxBlockBytes != 0 && f.maxBlockBytes < ingest.MinMaxBatchBytes {
		return fmt.Errorf("--max-block-bytes %d: use 0 (derive it from %s) or at least %d", f.maxBlockBytes, schemas.TopicBlocks, ingest.MinMaxBatchBytes)
	}
	if f.maxRecordBytes < 0 {
		return fmt.Errorf("--max-record-bytes %d: need at least 1, or 0 for the default %d", f.maxRecordBytes, ingest.DefaultMaxRecordBytes)
	}
	if f.acceptTxTopicID != "" {
		if _, err := kafkatopic.ParseID(f.acceptTxTopicID); err != nil {
			return fmt.Errorf("--accept-tx-topic-id: %w", err)
		}
	}
	return nil
}

// maxBlockBytes returns the block cap: --max-block-bytes, or what the
// blocks topic takes when it is 0. It asks the brokers, waiting for them;
// a cap the topic cannot take is refused, since every block built to it
// would wait forever to be published.
func (f kafkaLimitFlags) resolveMaxBlockBytes(ctx context.Context, brokers []string, opts []kgo.Opt, log *slog.Logger) (int, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return 0, fmt.Errorf("kafka client for brokers %v: %w", brokers, err)
	}
	defer cl.Close()
	backoff := retry.Backoff{Min: 200 * time.Millisecond, Max: 5 * time.Second}
	var limit int
	for {
		askCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		limit, err = kafkatopic.MaxMessageBytes(askCtx, cl, schemas.TopicBlocks)
		cancel()
		if err == nil {
			break
		}
		log.Warn("cannot read the blocks topic's record limit yet; retrying", "err", err)
		if err := backoff.Wait(ctx); err != nil {
			return 0, fmt.Errorf("read the record limit of %s: %w", schemas.TopicBlocks, err)
		}
	}
	derived := stream.MaxBlockBytes(limit)
	switch {
	case f.maxBlockBytes > derived:
		return 0, fmt.Errorf("--max-block-bytes %d: %s takes records of at most %d bytes (max.message.bytes), so blocks can be at most %d; raise the topic's limit or lower the flag",
			f.maxBlockBytes, schemas.TopicBlocks, limit, derived)
	case f.maxBlockBytes > 0:
		return f.maxBlockBytes, nil
	case derived < ingest.MinMaxBatchBytes:
		return 0, fmt.Errorf("%s takes records of at most %d bytes (max.message.bytes): too small for a block of the largest transaction; raise it to at least %d",
			schemas.TopicBlocks, limit, ingest.MinMaxBatchBytes+stream.BlockRecordOverhead)
	}
	log.Info("block size limit derived from the blocks topic", "max_block_bytes", derived, "topic_max_message_bytes", limit)
	return derived, nil
}
