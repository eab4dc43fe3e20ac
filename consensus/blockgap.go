package consensus

import (
	"bytes"
	"fmt"

	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// blockGap is the lowest run of heights the store lacks, with the hash the
// block at To must have. That hash comes from state the validator trusts:
// the prev_hash of the stored block above the run, or, when none is stored
// above it, the last hash of the applied state (a raft snapshot's).
type blockGap struct {
	From, To uint64
	Anchor   []byte
}

// gap returns the lowest run of missing blocks, or ok false when every block
// up to the applied height is stored.
func (s *BlockStore) gap() (g blockGap, ok bool, err error) {
	head := s.head.Load()
	if head.contiguous >= head.height {
		return blockGap{}, false, nil
	}
	g.From = head.contiguous + 1
	above, found := s.log.Next(head.contiguous)
	if !found || above > head.height {
		g.To, g.Anchor = head.height, bytes.Clone(head.lastHash)
		return g, true, nil
	}
	if above == g.From {
		// The contiguous height is only advanced by writers holding
		// writeMu; a stored block right above it means a fill is racing.
		return blockGap{}, false, fmt.Errorf("block %d is stored but the contiguous height is %d", above, head.contiguous)
	}
	blk, err := s.readBlock(above)
	if err != nil {
		return blockGap{}, false, fmt.Errorf("find missing blocks above height %d: block %d above the gap: %w", head.contiguous, above, err)
	}
	g.To, g.Anchor = above-1, bytes.Clone(blk.GetHeader().GetPrevHash())
	return g, true, nil
}

// hashAt returns the hash of block h; for h = 0, what block 1 links to.
func (s *BlockStore) hashAt(h uint64) ([]byte, error) {
	if h == 0 {
		return s.anchor()
	}
	blk, err := s.Get(h)
	if err != nil {
		return nil, err
	}
	return blk.GetHeader().GetHash(), nil
}

// txCountAfter is the chain's transaction count after block h, which is
// stored or the applied head.
func (s *BlockStore) txCountAfter(h uint64) (uint64, error) {
	if head := s.head.Load(); h == head.height {
		return head.txCount, nil
	}
	return s.log.Aux(h)
}

// fill stores verified blocks fetched from a peer, consecutive and ascending,
// and indexes them. It leaves the state machine alone: the blocks lie below
// the applied height. When they continue the contiguous chain, the
// contiguous height moves past them and past any blocks already stored
// above them.
func (s *BlockStore) fill(blocks []*aurigraphv1.Block) error {
	if len(blocks) == 0 {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	head := s.head.Load()
	lo := blocks[0].GetHeader().GetHeight()
	hi := blocks[len(blocks)-1].GetHeader().GetHeight()
	if lo <= head.contiguous || hi > head.height {
		return fmt.Errorf("fill blocks %d..%d: outside the missing range %d..%d", lo, hi, head.contiguous+1, head.height)
	}
	// Each record carries the chain's transaction count after its block:
	// counted down from the block above the filled ones.
	var count uint64
	if hi == head.height {
		count = head.txCount
	} else {
		above, err := s.readBlock(hi + 1)
		if err != nil {
			return fmt.Errorf("fill blocks %d..%d: %w", lo, hi, err)
		}
		after, err := s.txCountAfter(hi + 1)
		if err != nil {
			return fmt.Errorf("fill blocks %d..%d: %w", lo, hi, err)
		}
		count = after - min(after, uint64(len(above.GetTxs())))
	}
	recs := make([]blocklog.Record, len(blocks))
	for i := len(blocks) - 1; i >= 0; i-- {
		blk := blocks[i]
		h := blk.GetHeader().GetHeight()
		raw, err := chain.Deterministic.Marshal(blk)
		if err != nil {
			return fmt.Errorf("encode block %d: %w", h, err)
		}
		// The hash links were checked against the chain this validator
		// applied, so it vouches for the block like for its own.
		sig := noSignature
		if s.signer != nil {
			sig = s.signer.sign(blk.GetHeader().GetHash())
		}
		recs[i] = blocklog.Record{Height: h, Aux: count, Payload: append(bytes.Clone(sig), raw...)}
		count -= min(count, uint64(len(blk.GetTxs())))
	}
	if err := s.log.Fill(recs); err != nil {
		return fmt.Errorf("store fetched blocks %d..%d: %w", lo, hi, err)
	}
	for _, blk := range blocks {
		s.index(blk, nil)
	}
	if contiguous := min(s.log.Contiguous(), head.height); contiguous != head.contiguous {
		next := *head
		next.contiguous = contiguous
		s.publishHead(&next)
	}
	return nil
}
