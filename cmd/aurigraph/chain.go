package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"sync/atomic"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/stream"
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

// Signed returns the block at height with the signature stored with it,
// both from the same validator's store. A block no store holds a signature
// for (a chain begun before validators signed blocks) comes back unsigned,
// and the publisher says so.
func (c localChain) Signed(height uint64) (*aurigraphv1.Block, stream.Signature, error) {
	err := consensus.ErrBlockNotFound
	var unsigned *aurigraphv1.Block
	for _, s := range c {
		if s.Height() < height {
			continue
		}
		b, gerr := s.Get(height)
		if gerr != nil {
			err = gerr
			continue
		}
		sig, serr := s.Signature(height)
		if serr != nil {
			if errors.Is(serr, consensus.ErrBlockNotFound) && unsigned == nil {
				unsigned = b
			} else {
				err = serr
			}
			continue
		}
		return b, stream.Signature{Signer: sig.Signer, Signature: sig.Signature}, nil
	}
	if unsigned != nil {
		return unsigned, stream.Signature{}, nil
	}
	return nil, stream.Signature{}, err
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

// nodesTrust is what the dev pipeline's publisher and projector verify
// blocks with: the genesis and validator keys in the replicated state of
// the validators of this process, read live, so that a member added or
// removed counts as soon as a validator applied the change.
type nodesTrust struct {
	nodes []*consensus.Node
	// keys is how many key records the last Refresh saw.
	keys atomic.Int64
}

// BlockKeys implements chain.KeySet: the keys any local validator knows.
func (t *nodesTrust) BlockKeys(id, height uint64) []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, n := range t.nodes {
		for _, k := range n.BlockKeys(id, height) {
			if !slices.ContainsFunc(out, func(o ed25519.PublicKey) bool { return o.Equal(k) }) {
				out = append(out, k)
			}
		}
	}
	return out
}

// Anchor implements blockfeed.Trust. Its version counts the key
// registrations and retirements the most advanced validator applied: both
// only ever grow.
func (t *nodesTrust) Anchor() (blockfeed.Anchor, bool) {
	var out blockfeed.Anchor
	ok := false
	for _, n := range t.nodes {
		a, err := n.Anchor()
		if err != nil {
			continue
		}
		if !ok {
			out, ok = blockfeed.Anchor{GenesisHash: a.GenesisHash, Keys: t}, true
		}
		out.Version = max(out.Version, keyChanges(a.Keys))
	}
	return out, ok
}

// keyChanges is how many registrations and retirements keys holds.
func keyChanges(keys *chain.Keys) uint64 {
	n := uint64(keys.Len())
	for _, r := range keys.Records() {
		if r.RetiredAt != 0 {
			n++
		}
	}
	return n
}

// Refresh implements blockfeed.Trust: the keys are always current, so it
// only says whether they changed since it was last asked.
func (t *nodesTrust) Refresh(context.Context) bool {
	a, ok := t.Anchor()
	if !ok {
		return false
	}
	return t.keys.Swap(int64(a.Version)) != int64(a.Version)
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
