// Package hostile runs `aurigraph dev` as a real process and attacks it the
// way a hostile or careless client would, on every port at once, while a
// steady signed load commits; then it checks that nothing the attacks sent
// broke a guarantee of SECURITY.md.
//
// TestHostileClients starts dev with --require-signatures and issuers whose
// keys the test made, funds a few key addresses, and then for
// AURIGRAPH_HOSTILE_DURATION (60s by default) keeps a paced load of mints and
// transfers going over REST, gRPC and the transaction topic, recording every
// acknowledged transaction id, while attackers send, concurrently:
//
//   - REST: malformed and random bodies, raw bytes, bodies over the size
//     limit, bodies sent a byte at a time, a batch of 300 transactions with
//     4,000-byte payloads and one of 10,000 with 300-byte payloads, transfers
//     out of accounts signed by another key, mints by non-issuers, ids of the
//     sender's choosing, timestamps in year 9999, repeats of committed
//     transactions;
//   - gRPC: the same through TransactionService (SubmitBatch of 10,000
//     included), malformed fields, oversized batches, raw bytes to the port;
//   - WebSocket and SSE: bad query parameters, invalid and oversized control
//     messages, garbage frames, floods of connections within the per-client
//     cap;
//   - the Kafka port: garbage and a 10 MB record on the transaction topic,
//     garbage on the dead-letter topic, raw bytes and malformed requests to
//     the port;
//   - the ClickHouse interface: file(), url(), remote(), executable(),
//     writes, numbers(1e12) and long reads from a client that gives up, a
//     groupArray of 5·10^8 numbers, settings that try to stick, to raise a
//     limit or to lower read-only.
//
// Then it checks: the process lives and /q/health/ready answers 200; every
// acknowledged transaction is committed or failed with a reason; the chain
// verifies; ClickHouse holds each of the chain's transactions exactly once;
// no answer accepted what had to be refused; the attacker's address holds
// nothing in the chain, ClickHouse or the analytics API. A second, shorter
// round adds forged blocks on the blocks topic (unsigned, signed by a key
// that is no validator's, replays of a real block), each minting
// 999,999,999,999 to the attacker and racing the real block of its height,
// and checks the same again plus that no forged block or transaction was
// projected and the projector counted every one it skipped. Last, dev is stopped, every
// validator's store passes `aurigraph verify`, and the resident set of the
// process, sampled throughout, must have stayed under a bound.
//
// The forged blocks come in a round of their own so that, should a reader
// of the blocks topic take a forgery (which can stop the projector, and dev
// with it), the checks of that round fail and say so while the first
// round's still tell about everything else.
//
// The test logs what it sent and how each class was answered. The files:
//
//   - main_test.go builds the binary once (test/testbin);
//   - dev_test.go runs dev and reads its API, ClickHouse and memory;
//   - load_test.go is the signed load and the large batches;
//   - attack_*_test.go are the attackers, a file per interface, and
//     forge_test.go the forger of blocks;
//   - record_test.go counts the answers and keeps the acknowledged and the
//     refused transaction ids;
//   - checks_test.go holds the checks, hostile_test.go the test.
//
// Tunables (environment):
//
//	AURIGRAPH_HOSTILE_DURATION  attack time of the first round (default 60s); the forged-block round lasts a quarter of it, at least 10s
//	AURIGRAPH_HOSTILE_SEED      seed of the random inputs (default: from the clock; the test logs it)
//	AURIGRAPH_HOSTILE_RSS_MAX   resident-set bound in MiB (default 3840)
//	AURIGRAPH_HOSTILE_LOGDIR    keep dev's log and the summary there instead of in a temporary directory
//	AURIGRAPH_HOSTILE_BIN       run this aurigraph binary instead of building ./cmd/aurigraph
package hostile
