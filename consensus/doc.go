// Package consensus is the chain: the deterministic state machine that
// turns committed batches into hash-chained, signed blocks (Chain), the
// block store that keeps them in an append-only block log
// (internal/blocklog) with an index of transaction ids, verification
// (VerifyChain), block catch-up from peers, the validators' keys, and the
// migration from an earlier version's store. A validator (Node, started by
// Start) is this chain applied by a raft node: internal/raftnode drives
// raft, its WAL and snapshots, and the membership, over the peer transport
// of internal/raftnode/raftgrpc, and sees the chain only as a
// raftnode.StateMachine. The API that serves the chain over REST and gRPC
// is internal/chainapi's.
//
// Exactly-once hinges on two pieces of replicated state. Every batch names
// the Kafka ranges it consumed, and the state machine applies a batch only if
// each range starts at the recorded next offset of its partition, so a batch
// from a deposed leader or a retried proposal is rejected as a whole. Within
// the accepted ranges, transaction ids are deduplicated against a bounded
// window of recent ids that is part of the replicated state.
//
// The chain keeps its state in memory and appends the blocks of each Ready
// to the block log, unsynced: the raft log is what makes them durable. Before
// a raft snapshot lets the log's entries go, the raft node syncs the chain
// (Chain.Sync), so the blocks those entries built are on disk; a validator
// starts from its newest snapshot and raft replays the log after it, which
// also rebuilds any block a crash cut from the block log's tail. Entries at
// or below the snapshot's index are skipped, so nothing applies twice, and
// rebuilt blocks the log still holds are not written again. A validator's
// block-signing key registers only while raft's configuration names it a
// member at that entry (raftnode.Conf).
//
// A follower far enough behind receives a raft snapshot with the leader's
// state machine instead of the entries. Raft snapshots carry state, not
// blocks: after such an install the applied height jumps while the blocks in
// between are absent. Block catch-up fetches them from peers over
// BlockSyncService (leader first), verifies each against the hash chain
// ending at a hash the applied state vouches for, and stores them without
// touching the state machine; it resumes from what is stored after a crash.
// Until then BlockStore.Height stays at the contiguous height, so tailing
// readers never meet a hole, and Status reports CatchingUp.
//
// On the leader the validator proposes the chain's genesis as soon as it
// leads, and registers each member's block-signing key after asking the
// member to prove it. Leader-only stages outside the chain (ingest, the
// block publisher) follow Node.LeadershipChanged.
package consensus
