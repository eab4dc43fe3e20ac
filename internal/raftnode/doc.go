// Package raftnode is a replicated log's driver: a raft node
// (go.etcd.io/raft/v3) with its durable log, its peer transport and its
// membership, applying what commits to a StateMachine, as etcd's
// raftexample draws it. It knows what entries are and nothing of what they
// mean: the state machine owns that, and where their effect is kept.
//
// The raft loop ticks, persists each Ready through the Storage, sends its
// messages through the Transport and hands the committed entries to an
// applier goroutine, which calls StateMachine.Apply while the loop goes on
// persisting and sending the next entries. A Ready carrying a configuration
// change or a snapshot waits for the applier to drain and is handled by the
// loop itself. Every SnapshotEntries entries (or SnapshotBytes of them) the
// applier copies the machine's state and a background goroutine encodes
// it, syncs the machine (StateMachine.Sync) and stores the snapshot, after
// which the Storage lets the log before it go. In memory the node keeps
// only the snapshot's metadata and, of the applied entries, a catch-up
// window for followers that lag a little: one further behind gets the
// snapshot read back from disk, or one taken when it asks when the window
// has moved past the newest. A node starts from its newest snapshot and
// raft replays the log after it; entries at or below the machine's applied
// index are replays whose configuration changes alone count.
//
// Storage and Transport are interfaces. NewDiskStorage is etcd's WAL and
// snapshot files, the storage a node uses unless told otherwise; package
// raftgrpc is the transport between processes, gRPC streams with optional
// mutual TLS; package raftnodetest has one in memory for tests.
//
// Proposals: Propose hands an entry to raft; ProposeAsync also waits for
// its outcome, which the machine reports under the proposal id the node
// gave the entry (Outcome). Reads: LinearizableRead waits, on any node,
// until everything committed before the call applied here (raft ReadIndex).
//
// Membership changes are raft ConfChangeV2 entries applied in log order with
// the others, on replay too. A node added with AddMember joins as a learner,
// carries its raft address in the entry's MemberContext, and is promoted to
// voter by the leader once its log has caught up. Addresses are kept in
// MembersFile and appended to snapshot data, so they outlive restarts and
// reach nodes that catch up from a snapshot. A node that applies its own
// removal passes on leadership if it holds it and stops its loop.
//
// Leader-only work waits on LeadershipChanged and asks Leader. The metrics
// are aurigraph_consensus_*, beside the chain's: to an operator they are all
// one validator's consensus.
package raftnode
