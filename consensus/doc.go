// Package consensus runs an Aurigraph validator: a raft node (go.etcd.io/raft/v3)
// with a durable log (etcd's wal and snap packages), a gRPC peer transport,
// and the deterministic state machine that turns committed batches into
// hash-chained blocks stored in bbolt.
//
// Exactly-once hinges on two pieces of replicated state. Every batch names
// the Kafka ranges it consumed, and the state machine applies a batch only if
// each range starts at the recorded next offset of its partition, so a batch
// from a deposed leader or a retried proposal is rejected as a whole. Within
// the accepted ranges, transaction ids are deduplicated against a bounded
// window of recent ids that is part of the replicated state.
//
// Each raft Ready's committed entries are executed and persisted (blocks, tx
// index, accounts, assets, offsets, dedup window and the applied index) in a
// single bolt transaction. On restart the state machine loads from bolt and
// raft replays only what the snapshot and WAL hold beyond it; entries at or
// below the persisted applied index are skipped, so nothing applies twice.
//
// A follower far enough behind receives a raft snapshot with the leader's
// state machine instead of the entries. Raft snapshots carry state, not
// blocks: after such an install the follower's height jumps and the blocks in
// between are absent from its store (Get reports ErrBlockNotFound and
// VerifyChain reports them missing) until they are fetched from a peer.
package consensus
