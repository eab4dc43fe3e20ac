package consensus

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftgrpc"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Config configures one validator: its raft node (internal/raftnode) and
// peer transport (internal/raftnode/raftgrpc), and its chain.
type Config struct {
	// ID is this validator's raft id, 1-based.
	ID uint64
	// Peers maps every validator id, this one included, to its raft gRPC
	// address host:port.
	Peers map[uint64]string
	// ListenAddr is where this validator's raft transport listens;
	// empty means Peers[ID].
	ListenAddr string
	// Listener, when set, is used instead of listening on ListenAddr. It lets
	// callers bind port 0 first and build Peers from the real ports. Start
	// takes ownership and Close closes it.
	Listener net.Listener
	// DataDir holds this validator's wal/, snap/, blocks/ and members.json.
	DataDir string
	// TickInterval is the raft logical clock; elections time out after 10
	// ticks and leaders heartbeat every tick. Default 100ms.
	TickInterval time.Duration
	// SnapshotEntries is how many applied entries trigger a raft snapshot.
	// Default 10000.
	SnapshotEntries uint64
	// SnapshotBytes also triggers a raft snapshot once the data of the
	// entries applied since the last one exceeds it, so big batches do not
	// let the WAL grow to SnapshotEntries of them. Default 64 MiB.
	SnapshotBytes uint64
	// SnapshotCatchUpEntries is how many applied entries stay in the
	// in-memory log so slightly lagging followers catch up without a full
	// snapshot transfer. Default min(SnapshotEntries, 5000).
	SnapshotCatchUpEntries uint64
	// SnapshotCatchUpBytes also bounds those entries by the size of their
	// data, so that large batches do not keep SnapshotCatchUpEntries of them
	// (gigabytes) in memory. Default 16 MiB.
	SnapshotCatchUpBytes uint64
	// DedupWindow is how many recent transaction ids the state machine
	// remembers to drop duplicates. Every validator must use the same value.
	// Default 1,000,000.
	DedupWindow int
	// Join starts a validator that an existing cluster added with
	// AddMember: with an empty data dir it does not bootstrap a cluster from
	// Peers but waits for the leader to send it the log (or a snapshot),
	// configuration included. Peers still gives the addresses to dial. It
	// has no effect once the data dir holds a raft log.
	Join bool
	// Genesis is the chain's rules, proposed by the first leader of a new
	// chain; a chain that has its genesis keeps it, whatever this says.
	// Default chain.DefaultGenesis(): the trusted topic.
	Genesis *aurigraphv1.Genesis
	// Key is the validator's block-signing key. Default: the key in
	// DataDir/validator.key, created there on first start.
	Key ed25519.PrivateKey
	// Signatures verifies transaction signatures; give every validator and
	// the ingest of one process the same verifier that remembers what it
	// verified, so each signature is checked once per process. Default: a
	// verifier that remembers nothing.
	Signatures SignatureVerifier
	// TLS, when set, secures the raft peer transport with mutual TLS.
	TLS *raftgrpc.TLSConfig
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_consensus_* metrics; nil disables them.
	Registerer prometheus.Registerer
}

// raft is the configuration of the validator's raft node, without its
// transport.
func (c Config) raft() raftnode.Config {
	return raftnode.Config{
		ID: c.ID, Peers: c.Peers, DataDir: c.DataDir, TickInterval: c.TickInterval,
		SnapshotEntries: c.SnapshotEntries, SnapshotBytes: c.SnapshotBytes,
		SnapshotCatchUpEntries: c.SnapshotCatchUpEntries, SnapshotCatchUpBytes: c.SnapshotCatchUpBytes,
		Join: c.Join, Logger: c.Logger, Registerer: c.Registerer,
	}
}

// withDefaults checks c and fills in the chain's defaults and the listen
// address; the raft node fills in its own.
func (c Config) withDefaults() (Config, error) {
	if err := c.raft().Check(); err != nil {
		return c, err
	}
	if c.ListenAddr == "" {
		c.ListenAddr = c.Peers[c.ID]
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = 1_000_000
	}
	if c.DedupWindow < 0 {
		return c, fmt.Errorf("consensus config: DedupWindow %d is negative", c.DedupWindow)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Genesis == nil {
		c.Genesis = chain.DefaultGenesis()
	}
	if err := chain.CheckGenesis(c.Genesis); err != nil {
		return c, fmt.Errorf("consensus config: %w", err)
	}
	if c.Key == nil {
		key, err := chain.LoadOrCreateKey(filepath.Join(c.DataDir, KeyFile))
		if err != nil {
			return c, fmt.Errorf("consensus config: validator key: %w", err)
		}
		c.Key = key
	}
	if c.Signatures == nil {
		c.Signatures = plainVerifier{}
	}
	return c, nil
}

// KeyFile is the validator's block-signing key inside Config.DataDir.
const KeyFile = "validator.key"
