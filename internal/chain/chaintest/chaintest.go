// Package chaintest builds valid chains for tests of what consumes blocks:
// headers that hash to themselves, Merkle roots, links from a genesis hash,
// and signatures by validator keys derived from a seed, so that a test
// binary and the child processes it starts agree on them.
package chaintest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Chain is an in-memory chain signed by its validators in turn. It is safe
// for concurrent use.
type Chain struct {
	seed    string
	genesis []byte
	keys    []ed25519.PrivateKey

	mu     sync.Mutex
	blocks []*aurigraphv1.Block
}

// New returns an empty chain of validators 1..validators whose keys and
// genesis hash follow from seed alone.
func New(seed string, validators int) *Chain {
	c := &Chain{seed: seed, genesis: Hash(seed + "/genesis")}
	for i := range validators {
		c.keys = append(c.keys, Key(fmt.Sprintf("%s/validator/%d", seed, i+1)))
	}
	return c
}

// Key is the Ed25519 key derived from name.
func Key(name string) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(Hash(name))
}

// Hash is sha256 of name.
func Hash(name string) []byte {
	sum := sha256.Sum256([]byte(name))
	return sum[:]
}

// GenesisHash is what block 1 links to.
func (c *Chain) GenesisHash() []byte { return c.genesis }

// Validators is the number of validators.
func (c *Chain) Validators() int { return len(c.keys) }

// PrivateKey is validator id's key.
func (c *Chain) PrivateKey(id uint64) ed25519.PrivateKey { return c.keys[id-1] }

// Keys is the registry of every validator's key.
func (c *Chain) Keys() *chain.Keys {
	k := &chain.Keys{}
	for i, key := range c.keys {
		if _, err := k.Register(uint64(i+1), key.Public().(ed25519.PublicKey)); err != nil {
			panic(err)
		}
	}
	return k
}

// Anchor is what a consumer of the chain trusts.
func (c *Chain) Anchor() chain.Anchor { return chain.Anchor{GenesisHash: c.genesis, Keys: c.Keys()} }

// BlockKeys implements chain.KeySet.
func (c *Chain) BlockKeys(id, _ uint64) []ed25519.PublicKey {
	if id == 0 || id > uint64(len(c.keys)) {
		return nil
	}
	return []ed25519.PublicKey{c.keys[id-1].Public().(ed25519.PublicKey)}
}

// WriteKeys writes the chain's anchor as a --validator-keys file in dir and
// returns its path.
func (c *Chain) WriteKeys(dir string) (string, error) {
	raw, err := json.Marshal(c.Keys().Document(c.genesis))
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "validator-keys.json")
	return path, os.WriteFile(path, raw, 0o600)
}

// Height is the number of blocks.
func (c *Chain) Height() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return uint64(len(c.blocks))
}

// Append adds a block holding results, stamped timestampMs, and returns it.
func (c *Chain) Append(results []*aurigraphv1.TxResult, timestampMs int64) *aurigraphv1.Block {
	c.mu.Lock()
	defer c.mu.Unlock()
	height := uint64(len(c.blocks)) + 1
	prev := c.genesis
	if height > 1 {
		prev = c.blocks[height-2].GetHeader().GetHash()
	}
	b := Seal(&aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{
		Height:      height,
		PrevHash:    prev,
		TimestampMs: timestampMs,
		Proposer:    1,
		RaftTerm:    1,
		RaftIndex:   height + 1,
	}, Txs: results})
	c.blocks = append(c.blocks, b)
	return b
}

// Block returns the block at height (from 1).
func (c *Chain) Block(height uint64) *aurigraphv1.Block {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocks[height-1]
}

// Signer is the validator that signs the block at height.
func (c *Chain) Signer(height uint64) uint64 { return height%uint64(len(c.keys)) + 1 }

// Event is the block at height as its signer publishes it.
func (c *Chain) Event(height uint64, committedMs int64) *aurigraphv1.BlockEvent {
	b := c.Block(height)
	signer := c.Signer(height)
	return &aurigraphv1.BlockEvent{
		Block:       b,
		CommittedMs: committedMs,
		Signer:      signer,
		Signature:   chain.SignBlock(c.keys[signer-1], b.GetHeader().GetHash()),
	}
}

// Seal fills in b's counts, Merkle root and hash from its content, as the
// state machine does; it returns b.
func Seal(b *aurigraphv1.Block) *aurigraphv1.Block {
	h := b.GetHeader()
	h.TxCount = uint32(len(b.GetTxs()))
	h.FailedCount = 0
	for _, r := range b.GetTxs() {
		if r.GetStatus() == aurigraphv1.TxStatus_TX_STATUS_FAILED {
			h.FailedCount++
		}
	}
	h.TxRoot = chain.TxRoot(b.GetTxs())
	h.Hash = chain.BlockHash(h)
	return b
}

// Forge returns a copy of ev's block for the same height and link holding
// results instead, sealed so it is well formed, and signed by key as
// validator signer (unsigned when key is nil).
func Forge(ev *aurigraphv1.BlockEvent, results []*aurigraphv1.TxResult, signer uint64, key ed25519.PrivateKey) *aurigraphv1.BlockEvent {
	b := proto.Clone(ev.GetBlock()).(*aurigraphv1.Block)
	b.Txs = results
	Seal(b)
	out := &aurigraphv1.BlockEvent{Block: b, CommittedMs: ev.GetCommittedMs(), Signer: signer}
	if key != nil {
		out.Signature = chain.SignBlock(key, b.GetHeader().GetHash())
	}
	return out
}

// Next returns a well-formed block following prev, holding results, as
// validator signer signed it with key (unsigned when key is nil): what
// anyone who read prev can make of the next height.
func Next(prev *aurigraphv1.Block, results []*aurigraphv1.TxResult, signer uint64, key ed25519.PrivateKey) *aurigraphv1.BlockEvent {
	ph := prev.GetHeader()
	b := Seal(&aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{
		Height:      ph.GetHeight() + 1,
		PrevHash:    ph.GetHash(),
		TimestampMs: ph.GetTimestampMs() + 1,
		Proposer:    ph.GetProposer(),
		RaftTerm:    ph.GetRaftTerm(),
		RaftIndex:   ph.GetRaftIndex() + 1,
	}, Txs: results})
	out := &aurigraphv1.BlockEvent{Block: b, CommittedMs: ph.GetTimestampMs() + 1, Signer: signer}
	if key != nil {
		out.Signature = chain.SignBlock(key, b.GetHeader().GetHash())
	}
	return out
}

// Mint is a committed mint of amount to account.
func Mint(id, to string, amount uint64) *aurigraphv1.TxResult {
	return &aurigraphv1.TxResult{
		Tx:     &aurigraphv1.Transaction{Id: id, Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: amount, Nonce: 1},
		Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED,
	}
}
