// Package consensus runs an Aurigraph validator: a raft node (go.etcd.io/raft/v3)
// with a durable log (etcd's wal and snap packages), a gRPC peer transport,
// and the deterministic state machine that turns committed batches into
// hash-chained blocks kept in an append-only block log (internal/blocklog).
//
// Exactly-once hinges on two pieces of replicated state. Every batch names
// the Kafka ranges it consumed, and the state machine applies a batch only if
// each range starts at the recorded next offset of its partition, so a batch
// from a deposed leader or a retried proposal is rejected as a whole. Within
// the accepted ranges, transaction ids are deduplicated against a bounded
// window of recent ids that is part of the replicated state.
//
// The raft loop applies committed entries through the StateMachine
// interface, by an applier goroutine while the raft loop goes on persisting
// and sending the next entries. A Ready carrying a configuration change or
// a snapshot waits for the applier to drain and is handled by the raft loop
// itself. The chain's machine keeps its state in memory and appends the
// blocks of each Ready to the block log, unsynced: the WAL is what makes
// them durable. A snapshot syncs the block log before it lets WAL entries
// go; a validator starts from its newest snapshot and raft replays the WAL
// after it, which also rebuilds any block a crash cut from the log's tail.
// Entries at or below the snapshot's index are skipped, so nothing applies
// twice, and rebuilt blocks the log still holds are not written again.
//
// A follower far enough behind receives a raft snapshot with the leader's
// state machine instead of the entries. Raft snapshots carry state, not
// blocks: after such an install the applied height jumps while the blocks in
// between are absent. Block catch-up fetches them from peers over
// BlockSyncService (leader first), verifies each against the hash chain
// ending at a hash the applied state vouches for, and stores them without
// touching the state machine; it resumes from what is stored after a crash.
// Until then BlockStore.Height stays at the contiguous height, so tailing
// readers never meet a hole, and Status and HTTP report catching_up.
//
// Membership changes are raft ConfChangeV2 entries applied in log order with
// the batches, on replay too. A validator added with Node.AddMember joins as
// a learner, carries its raft address in the entry's MemberContext, and is
// promoted to voter by the leader once its log has caught up. Addresses are
// kept in members.json and appended to snapshot data, so they outlive
// restarts and reach validators that catch up from a snapshot. A validator that applies
// its own removal passes on leadership if it holds it and stops its loop.
//
// Reads through HTTP are linearizable by default (raft ReadIndex on any
// validator, then waiting for apply); see Node.LinearizableRead.
package consensus
