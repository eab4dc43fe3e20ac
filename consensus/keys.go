package consensus

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/retry"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	// keyRegisterInterval is how often a leader looks for members whose
	// block-signing key the chain does not know yet.
	keyRegisterInterval = 500 * time.Millisecond
	// keyProveTimeout bounds one request for a member's key proof.
	keyProveTimeout = 2 * time.Second
	// keyRetryMax caps the backoff for a member that does not answer.
	keyRetryMax = 30 * time.Second
)

// keyServer answers the leader's requests for this validator's key proof.
type keyServer struct {
	aurigraphv1.UnimplementedValidatorKeyServiceServer
	id  uint64
	key ed25519.PrivateKey
}

func (s *keyServer) ProveKey(_ context.Context, req *aurigraphv1.ProveKeyRequest) (*aurigraphv1.ValidatorKey, error) {
	return chain.ProveKey(s.key, req.GetGenesisHash(), s.id), nil
}

// registerKeys is leader-only work: while this validator leads, it proposes
// the genesis of a chain that has none, then asks every member whose key
// the chain does not know for proof of its key and proposes the
// registration, so every validator's blocks can be checked by anyone who
// trusts the chain's genesis and keys.
func (n *Node) registerKeys(ctx context.Context) {
	tick := time.NewTicker(keyRegisterInterval)
	defer tick.Stop()
	genesisLog := retry.Gate{Every: 10 * time.Second}
	type retry struct {
		at      time.Time
		backoff time.Duration
	}
	retries := make(map[uint64]retry)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		isLeader, term := n.Leader()
		if !isLeader {
			clear(retries)
			continue
		}
		n.chain.mu.RLock()
		ready, anchor := n.chain.fsm.genesis != nil, n.chain.fsm.anchor
		var missing []uint64
		for _, m := range n.Members() {
			if _, ok := n.chain.fsm.keys.Active(m.ID); !ok {
				missing = append(missing, m.ID)
			}
		}
		n.chain.mu.RUnlock()
		if !ready {
			// A new chain gets its genesis, then its keys, as soon as it
			// has a leader: readers that verify blocks, and the rules
			// ingest checks against, should not wait for the first
			// transaction.
			if err := n.ensureGenesis(ctx, term); err != nil && ctx.Err() == nil {
				if ok, held := genesisLog.Allow(err.Error()); ok {
					n.logger.Warn("cannot propose the chain's genesis yet; retrying", "err", err, "repeats_not_logged", held)
				}
			}
			continue
		}
		now := time.Now()
		for _, id := range missing {
			r := retries[id]
			if now.Before(r.at) {
				continue
			}
			vk, err := n.proveKey(ctx, id, anchor)
			if err == nil {
				err = n.proposeRules(ctx, &aurigraphv1.Batch{Proposer: n.cfg.ID, ValidatorKey: vk})
			}
			if err != nil {
				r.backoff = min(max(2*r.backoff, keyRegisterInterval), keyRetryMax)
				if r.backoff == keyRetryMax {
					n.logger.Warn("cannot register a validator's block-signing key; its blocks cannot be verified until it answers", "member", id, "err", err)
				}
			} else {
				// Give the registration time to apply before asking again.
				r.backoff = 4 * keyRegisterInterval
			}
			r.at = now.Add(r.backoff)
			retries[id] = r
		}
	}
}

// proveKey gets validator id's proof of its key: this validator's own, or a
// peer's over the peer transport.
func (n *Node) proveKey(ctx context.Context, id uint64, anchor []byte) (*aurigraphv1.ValidatorKey, error) {
	if id == n.cfg.ID {
		return chain.ProveKey(n.cfg.Key, anchor, id), nil
	}
	conn := n.transport.PeerConn(id)
	if conn == nil {
		return nil, fmt.Errorf("validator %d: no connection", id)
	}
	ctx, cancel := context.WithTimeout(ctx, keyProveTimeout)
	defer cancel()
	vk, err := aurigraphv1.NewValidatorKeyServiceClient(conn).ProveKey(ctx, &aurigraphv1.ProveKeyRequest{GenesisHash: anchor})
	if err != nil {
		return nil, fmt.Errorf("validator %d: prove key: %w", id, err)
	}
	if vk.GetId() != id {
		return nil, fmt.Errorf("validator %d answered for validator %d", id, vk.GetId())
	}
	if err := chain.CheckKeyProof(vk, anchor); err != nil {
		return nil, err
	}
	return vk, nil
}

// PublicKey is this validator's block-signing key.
func (n *Node) PublicKey() ed25519.PublicKey {
	return n.cfg.Key.Public().(ed25519.PublicKey)
}

// Anchor returns what a consumer of this chain's blocks must trust: the hash
// block 1 links to and every validator key. ErrNoGenesis until the chain
// has its genesis.
func (n *Node) Anchor() (chain.Anchor, error) {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	if n.chain.fsm.genesis == nil {
		return chain.Anchor{}, ErrNoGenesis
	}
	return chain.Anchor{GenesisHash: n.chain.fsm.anchor, Keys: n.chain.fsm.keys.Clone()}, nil
}

// Genesis returns the chain's rules, or ErrNoGenesis.
func (n *Node) Genesis() (*aurigraphv1.Genesis, error) {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	if n.chain.fsm.genesis == nil {
		return nil, ErrNoGenesis
	}
	return n.chain.fsm.genesis, nil
}

// BlockKeys implements chain.KeySet over the validator's applied state.
func (n *Node) BlockKeys(id, height uint64) []ed25519.PublicKey {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.keys.BlockKeys(id, height)
}

// ErrNoGenesis is returned by reads of a chain's rules before its genesis
// applied on this validator.
var ErrNoGenesis = errors.New("consensus: the chain has no genesis yet")

// Admit says which field of tx, if any, can never apply for lack of
// authority, and why, judged by this validator's applied state and clock
// (see the state machine's rules). Ingest uses it to refuse such a
// transaction before it enters the log or a batch.
func (n *Node) Admit(tx *aurigraphv1.Transaction) (field, reason string) {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.admit(tx, time.Now().UnixMilli())
}

// Existing reports the block of a transaction this validator has stored,
// and whether it failed there.
func (n *Node) Existing(id string) (height uint64, failed, ok bool) {
	loc, found, err := n.blocks.LookupTx(id)
	if err != nil || !found {
		return 0, false, false
	}
	return loc.Height, loc.Status == aurigraphv1.TxStatus_TX_STATUS_FAILED, true
}

// loggedTxs are the transaction ids of raft entries up to index.
type loggedTxs struct {
	index uint64
	ids   map[string]struct{}
}

// unappliedTxs collects the transaction ids of the normal entries among
// ents, which the raft node found unapplied in its log at start.
func unappliedTxs(ents []raftpb.Entry) *loggedTxs {
	l := &loggedTxs{ids: make(map[string]struct{})}
	for i := range ents {
		e := &ents[i]
		if e.Type != raftpb.EntryNormal || len(e.Data) == 0 {
			continue
		}
		var b aurigraphv1.Batch
		if proto.Unmarshal(e.Data, &b) != nil {
			continue
		}
		for _, tx := range b.GetTxs() {
			l.ids[tx.GetId()] = struct{}{}
		}
		l.index = e.Index
	}
	if len(l.ids) == 0 {
		return nil
	}
	return l
}

// InLog reports whether id is in a raft entry this validator found
// unapplied at start and has not applied yet: pending, although nothing in
// this process accepted it.
func (n *Node) InLog(id string) bool {
	l := n.logged.Load()
	if l == nil {
		return false
	}
	if applied, _ := n.chain.Applied(); applied >= l.index {
		n.logged.CompareAndSwap(l, nil)
		return false
	}
	_, ok := l.ids[id]
	return ok
}

// MaxBlockBytes is the chain's largest encoded block. Until its genesis
// applied here it is that of the genesis this validator would propose, so
// that the first batches are cut to what the chain will most likely accept
// (the state machine refuses a batch over the chain's own limit all the
// same).
func (n *Node) MaxBlockBytes() int {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	if n.chain.fsm.genesis == nil {
		return int(n.cfg.Genesis.GetMaxBlockBytes())
	}
	return int(n.chain.fsm.genesis.GetMaxBlockBytes())
}
