package stream

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// memChain is a test double for consensus's block store: an in-memory,
// hashed, linked and signed chain behind the SignedSource interface. The
// real store lives in a package this one must not depend on; the interface
// is all the stream code sees.
type memChain struct {
	c *chaintest.Chain

	mu      sync.Mutex
	grown   chan struct{} // closed and replaced on every append
	getErrs map[uint64]error
	// salt makes the blocks differ from another chain's run by the same
	// validators.
	salt string
}

func newMemChain() *memChain {
	return &memChain{c: chaintest.New("memchain", 3), grown: make(chan struct{})}
}

func (c *memChain) Height() uint64 { return c.c.Height() }

func (c *memChain) Get(height uint64) (*aurigraphv1.Block, error) {
	c.mu.Lock()
	err := c.getErrs[height]
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if n := c.c.Height(); height == 0 || height > n {
		return nil, fmt.Errorf("block %d not committed (height %d)", height, n)
	}
	return c.c.Block(height), nil
}

func (c *memChain) Signed(height uint64) (*aurigraphv1.Block, Signature, error) {
	b, err := c.Get(height)
	if err != nil {
		return nil, Signature{}, err
	}
	ev := c.c.Event(height, 0)
	return b, Signature{Signer: ev.GetSigner(), Signature: ev.GetSignature()}, nil
}

// BlockKeys makes the chain its own key set, as consensus.Node is.
func (c *memChain) BlockKeys(id, height uint64) []ed25519.PublicKey { return c.c.BlockKeys(id, height) }

func (c *memChain) Wait(ctx context.Context, height uint64) error {
	for {
		c.mu.Lock()
		grown := c.grown
		c.mu.Unlock()
		if c.c.Height() >= height {
			return nil
		}
		select {
		case <-grown:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// failGet makes Get(height) return err from now on.
func (c *memChain) failGet(height uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getErrs == nil {
		c.getErrs = make(map[uint64]error)
	}
	c.getErrs[height] = err
}

// append commits n blocks of txs transactions each, submitted at submitted
// (no submitted_ms when zero).
func (c *memChain) append(n, txs int, submitted time.Time) {
	for range n {
		height := c.Height() + 1
		results := make([]*aurigraphv1.TxResult, txs)
		for i := range results {
			tx := &aurigraphv1.Transaction{Id: fmt.Sprintf("tx%s-%d-%d", c.salt, height, i), Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "acct", Amount: 1}
			if !submitted.IsZero() {
				tx.SubmittedMs = submitted.UnixMilli()
			}
			results[i] = &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}
		}
		c.appendBlock(results)
	}
}

// appendBlock commits one block holding results.
func (c *memChain) appendBlock(results []*aurigraphv1.TxResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Block times follow heights, so two copies of a chain built alike
	// hash alike.
	c.c.Append(results, 1_780_000_000_000+int64(c.c.Height()))
	close(c.grown)
	c.grown = make(chan struct{})
}
