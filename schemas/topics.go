// Package schemas holds the pipeline's contract: protobuf messages (gen/),
// the JSON shape of a transaction, the ClickHouse DDL and the topic names.
package schemas

// Topic names of the contract.
const (
	// TopicTransactions carries submitted transactions, keyed by sender.
	TopicTransactions = "aurigraph.tx.v1"
	// TopicDeadLetters carries records ingest rejected, with a `reason` header.
	TopicDeadLetters = "aurigraph.tx.dlq.v1"
	// TopicBlocks carries one BlockEvent per committed block, keyed by height.
	TopicBlocks = "aurigraph.blocks.v1"
)
