package main

import (
	"context"
	"errors"

	"github.com/aurigraph/aurigraph/consensus"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// localChain reads the chain from whichever in-process validator has a
// block first. The leader learns of a commit a heartbeat before its
// followers, so tailing any fixed validator would add up to a heartbeat of
// latency to every output; and a validator that lags, or installed a
// snapshot, must not hold the outputs back.
type localChain []*consensus.BlockStore

func (c localChain) Height() uint64 {
	var h uint64
	for _, s := range c {
		h = max(h, s.Height())
	}
	return h
}

func (c localChain) Get(height uint64) (*aurigraphv1.Block, error) {
	err := consensus.ErrBlockNotFound
	for _, s := range c {
		if s.Height() < height {
			continue
		}
		var b *aurigraphv1.Block
		if b, err = s.Get(height); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// Wait returns once any validator holds height.
func (c localChain) Wait(ctx context.Context, height uint64) error {
	if c.Height() >= height {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan error, len(c))
	for _, s := range c {
		go func() { results <- s.Wait(ctx, height) }()
	}
	var err error
	for range c {
		if err = <-results; err == nil {
			return nil
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
	return err
}

// nodesChain answers ingest's questions about the chain from the validator
// of this process that leads, or the first one when none does.
type nodesChain []*consensus.Node

func (c nodesChain) pick() *consensus.Node {
	for _, n := range c {
		if lead, _ := n.Leader(); lead {
			return n
		}
	}
	return c[0]
}

func (c nodesChain) Admit(tx *aurigraphv1.Transaction) (field, reason string) {
	return c.pick().Admit(tx)
}

func (c nodesChain) Existing(id string) (height uint64, failed, ok bool) {
	return c.pick().Existing(id)
}

func (c nodesChain) MaxBlockBytes() int { return c.pick().MaxBlockBytes() }
