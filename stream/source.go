package stream

import (
	"context"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// BlockSource is the committed, hash-chained block log this package reads.
// consensus's block store satisfies it.
type BlockSource interface {
	// Height is the highest committed height; 0 means the chain is empty.
	Height() uint64
	// Get returns the committed block at height (heights start at 1).
	Get(height uint64) (*aurigraphv1.Block, error)
	// Wait returns once Height() >= height, or with ctx's error.
	Wait(ctx context.Context, height uint64) error
}

// SignedSource is the chain a Publisher publishes: a BlockSource that also
// holds the signature each block was stored with.
type SignedSource interface {
	BlockSource
	// Signed returns the block at height and the signature stored with it,
	// both read from the same copy of the chain.
	Signed(height uint64) (*aurigraphv1.Block, Signature, error)
}

// Signature is a validator's signature over a block hash
// (chain.SignBlock).
type Signature struct {
	Signer    uint64
	Signature []byte
}
