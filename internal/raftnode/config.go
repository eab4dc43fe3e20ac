package raftnode

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/raft/v3/raftpb"
)

// Config configures one node.
type Config struct {
	// ID is this node's raft id, 1-based.
	ID uint64
	// Peers maps every node id, this one included, to its raft address
	// host:port.
	Peers map[uint64]string
	// DataDir holds the member addresses (members.json) and, with the
	// default Storage, the raft log (wal/, snap/).
	DataDir string
	// Storage keeps the raft log; Start takes ownership and Close closes
	// it. Default NewDiskStorage(DataDir).
	Storage Storage
	// Transport carries raft messages to and from the peers; required.
	// Start takes ownership and Close stops it.
	Transport Transport
	// TickInterval is the raft logical clock; elections time out after 10
	// ticks and leaders heartbeat every tick. Default 100ms.
	TickInterval time.Duration
	// SnapshotEntries is how many applied entries trigger a raft snapshot.
	// Default 10000. The first after start comes early by the node's rank
	// among Peers over their number, in entries and in bytes alike, so
	// validators take theirs at different indexes.
	SnapshotEntries uint64
	// SnapshotBytes also triggers a raft snapshot once the data of the
	// entries applied since the last one exceeds it, so big entries do not
	// let the WAL grow to SnapshotEntries of them. Default 64 MiB.
	SnapshotBytes uint64
	// SnapshotCatchUpEntries is how many applied entries stay in the
	// in-memory log so slightly lagging followers catch up without a full
	// snapshot transfer (see Node.compactLog). Default
	// min(SnapshotEntries, 5000).
	SnapshotCatchUpEntries uint64
	// SnapshotCatchUpBytes also bounds those entries by the size of their
	// data, so that large entries do not keep SnapshotCatchUpEntries of them
	// (gigabytes) in memory. Default 16 MiB.
	SnapshotCatchUpBytes uint64
	// SnapshotRetry is the wait before a failed snapshot is tried again,
	// doubling with each failure in a row up to a minute. Default ten ticks.
	SnapshotRetry time.Duration
	// Join starts a node that an existing cluster added with AddMember:
	// with an empty log it does not bootstrap a cluster from Peers but
	// waits for the leader to send it the log (or a snapshot),
	// configuration included. Peers still gives the addresses to dial. It
	// has no effect once the storage holds a raft log.
	Join bool
	// Unapplied, when set, is called once by Start with the entries the log
	// holds past what the state machine applied: committed or not, they may
	// yet apply. The slice is raft's own; read it, keep none of it.
	Unapplied func(ents []raftpb.Entry)
	// OutcomeLabel names, for aurigraph_consensus_proposals_total, the
	// result of a proposal the state machine refused with err; "" (and a
	// nil OutcomeLabel) count it as canceled.
	OutcomeLabel func(err error) string
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_consensus_* metrics of the raft
	// loop; nil disables them.
	Registerer prometheus.Registerer
}

const (
	electionTicks  = 10
	heartbeatTicks = 1
)

// Check reports what is wrong with the node's identity: ID, Peers and
// DataDir, which whoever builds on the node may need before it starts.
func (c Config) Check() error {
	if c.ID == 0 {
		return errors.New("consensus config: ID must be >= 1")
	}
	if _, ok := c.Peers[c.ID]; !ok {
		return fmt.Errorf("consensus config: Peers has no address for this validator's ID %d", c.ID)
	}
	for id, addr := range c.Peers {
		if id == 0 {
			return errors.New("consensus config: Peers contains id 0; validator ids start at 1")
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("consensus config: peer %d address %q: %w (want host:port)", id, addr, err)
		}
	}
	if c.DataDir == "" {
		return errors.New("consensus config: DataDir is required")
	}
	return nil
}

func (c Config) withDefaults() (Config, error) {
	if err := c.Check(); err != nil {
		return c, err
	}
	if c.Transport == nil {
		return c, errors.New("consensus config: Transport is required")
	}
	// A private copy: the transport and HTTP handler read it concurrently.
	peers := make(map[uint64]string, len(c.Peers))
	for id, addr := range c.Peers {
		peers[id] = addr
	}
	c.Peers = peers
	if c.TickInterval <= 0 {
		c.TickInterval = 100 * time.Millisecond
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = 10000
	}
	if c.SnapshotBytes == 0 {
		c.SnapshotBytes = 64 << 20
	}
	if c.SnapshotCatchUpEntries == 0 {
		c.SnapshotCatchUpEntries = min(c.SnapshotEntries, 5000)
	}
	if c.SnapshotCatchUpBytes == 0 {
		c.SnapshotCatchUpBytes = 16 << 20
	}
	if c.SnapshotRetry <= 0 {
		c.SnapshotRetry = 10 * c.TickInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
