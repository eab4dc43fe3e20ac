package stream

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// memChain is a test double for consensus's block store: an in-memory hash
// chain behind the BlockSource interface. The real store lives in a package
// this one must not depend on; the interface is all the stream code sees.
type memChain struct {
	mu      sync.Mutex
	blocks  []*aurigraphv1.Block
	grown   chan struct{} // closed and replaced on every append
	getErrs map[uint64]error
	salt    string // makes hashes differ from another chain's
}

func newMemChain() *memChain {
	return &memChain{grown: make(chan struct{})}
}

func (c *memChain) Height() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return uint64(len(c.blocks))
}

func (c *memChain) Get(height uint64) (*aurigraphv1.Block, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.getErrs[height]; err != nil {
		return nil, err
	}
	if height == 0 || height > uint64(len(c.blocks)) {
		return nil, fmt.Errorf("block %d not committed (height %d)", height, len(c.blocks))
	}
	return c.blocks[height-1], nil
}

func (c *memChain) Wait(ctx context.Context, height uint64) error {
	for {
		c.mu.Lock()
		n, grown := uint64(len(c.blocks)), c.grown
		c.mu.Unlock()
		if n >= height {
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
			tx := &aurigraphv1.Transaction{Id: fmt.Sprintf("tx-%d-%d", height, i), Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "acct", Amount: 1}
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
	height := uint64(len(c.blocks)) + 1
	var prev []byte
	if height > 1 {
		prev = c.blocks[height-2].GetHeader().GetHash()
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], height)
	hash := sha256.Sum256(append(append([]byte("memchain"+c.salt), prev...), seed[:]...))
	b := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{
		Height:      height,
		Hash:        hash[:],
		PrevHash:    prev,
		TimestampMs: time.Now().UnixMilli(),
		TxCount:     uint32(len(results)),
	}, Txs: results}
	for _, r := range results {
		if r.GetStatus() == aurigraphv1.TxStatus_TX_STATUS_FAILED {
			b.Header.FailedCount++
		}
	}
	c.blocks = append(c.blocks, b)
	close(c.grown)
	c.grown = make(chan struct{})
}
