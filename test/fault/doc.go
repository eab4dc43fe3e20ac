// Package fault runs the validator cluster as real processes on loopback and
// breaks it while transactions flow: SIGKILL of the leader, of every node at
// once, a network cut of one node, a slow peer; and it moves state the
// unusual ways: a follower restarted after the others compacted their logs
// past it must install a snapshot and fetch the blocks in between from its
// peers, and a validator added at runtime (`aurigraph cluster add`, then
// `aurigraph node --join`) must catch up and vote before the leader is
// removed (`aurigraph cluster remove`); a follower backed up under load
// (`aurigraph backup`) and then lost with its disk must come back from the
// backup as a new member (`aurigraph restore`) and catch up; and the
// validators are upgraded one at a time, under load, to a binary of another
// version stamp. Every test
// ends the same way: all chains identical, /chain/verify clean, every
// produced transaction id committed exactly once, and `aurigraph verify
// --data` clean on each stopped node's directory.
//
// The suite has no exported API; it lives in the _test.go files:
//
//   - main_test.go builds the aurigraph binary once for the whole run, and
//     the nodes run as test/testbin processes (start, stop, SIGKILL, logs).
//   - cluster_test.go is the harness: a broker and N validators wired
//     through per-pair links, leader discovery, wait helpers and the final
//     exactly-once check. Validators are kept by id and their links are made
//     per ordered pair, so tests that restart a validator from a compacted
//     log or change membership at runtime build on the same cluster type.
//   - link_test.go is the fault-injecting transport (see below) and its test.
//   - blocktopic_test.go checks the block events the leaders published.
//   - load_test.go produces transactions with explicit ids into the broker.
//   - metrics_test.go samples commit progress to measure failover.
//   - fault_test.go holds the scenarios; upgrade_test.go the rolling
//     upgrade; backup_test.go the backup and restore.
//   - projection_test.go runs the projection as production does, beside
//     the cluster: `aurigraph projector run` (SIGKILLed under load and
//     started again) and gateways reading its ClickHouse for analytics.
//   - alerts_test.go kills leaders while a user-defined alert rule fires and
//     resolves: each transition recorded once, delivered to a webhook.
//   - projector_lag_test.go SIGKILLs `aurigraph projector run` under load: a
//     projector_lag_ms rule fires, and resolves once it runs again.
//
// Network faults are injected at the TCP level, not with network namespaces:
// every ordered pair of validators (i, j) talks through its own TCP proxy in
// the test process, and validator i's --peers entry for j names that proxy.
// A proxy can reset its connections and refuse new ones, stall (hold bytes in
// both directions, like a partition that TCP would ride out), or delay every
// chunk it forwards. Namespaces would work on this machine as root, but the
// proxy needs no privileges, so the suite runs unchanged on any developer
// machine or CI runner. A validator added at runtime is the exception: the
// cluster replicates one Raft address per validator, the one given to
// `aurigraph cluster add`, so its traffic goes direct, not through links.
//
// Tunables (environment):
//
//	AURIGRAPH_FAULT_KILLS       leader kills in TestFailoverTimes (default 3; use 10+ to measure)
//	AURIGRAPH_FAULT_BACKUP_TXS  transactions before the backup in TestBackupRestoreUnderLoad (default 8,000)
//	AURIGRAPH_FAULT_LOGDIR      keep process logs there instead of in a temporary directory
//	AURIGRAPH_FAULT_BIN         run this aurigraph binary instead of building ./cmd/aurigraph
package fault
