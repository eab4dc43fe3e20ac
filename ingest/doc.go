// Package ingest moves transactions from producers into consensus.
//
//   - The submission edge (SubmitHandler) validates JSON transactions and
//     writes them to the transaction topic, keyed by sender.
//   - DecodeRecord and Validate turn a log record into a checked
//     Transaction (JSON or protobuf, optional Ed25519 signature).
//   - Consumer runs on every validator and works only while that validator
//     leads: it reads the transaction topic from the offsets recorded in the
//     replicated state (never from consumer-group commits), batches records
//     with the exact [start, end) offset range each batch covers, and
//     proposes the batches. Records that fail decoding or validation are
//     written to the dead-letter topic before the batch covering them is
//     proposed, and their offsets are still covered, so the log moves on.
//     A record that cannot be copied there (too large for ingest or for the
//     dead-letter topic, or in a compressed batch too large to read) is
//     dead-lettered as a reference to its offsets. Batches are cut so that
//     the block built from each fits MaxBatchBytes, whatever fails.
//
// Offsets belong to one topic: the replicated state records the broker's
// id of the topic it consumed from, and a consumer that finds the topic
// deleted and created again (or missing records the chain consumed) stops
// with ErrTopicChanged instead of skipping records, until an operator
// accepts the new topic (ConsumerConfig.AcceptTopicID).
//
// Exactly-once rests on the state machine accepting a batch only when its
// ranges start where the applied ones end: a consumer that proposes from a
// stale position is rejected and restarts from the replicated offsets.
// Dead letters are at-least-once: a batch that is rejected after its dead
// letters were written writes them again when it is rebuilt.
package ingest
