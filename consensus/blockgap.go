package consensus

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

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

// scanContiguous returns the highest h <= limit such that blocks from+1..h
// are all in b, starting from the knowledge that 1..from are.
func scanContiguous(b *bolt.Bucket, from, limit uint64) uint64 {
	if b == nil {
		return from
	}
	c := b.Cursor()
	h := from
	for k, _ := c.Seek(be64(h + 1)); k != nil && h < limit && binary.BigEndian.Uint64(k) == h+1; k, _ = c.Next() {
		h++
	}
	return h
}

// gap returns the lowest run of missing blocks, or ok false when every block
// up to the applied height is stored.
func (s *BlockStore) gap() (g blockGap, ok bool, err error) {
	head := s.head.Load()
	if head.contiguous >= head.height {
		return blockGap{}, false, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		g.From = head.contiguous + 1
		k, v := tx.Bucket(bucketBlocks).Cursor().Seek(be64(g.From))
		if k == nil || binary.BigEndian.Uint64(k) > head.height {
			g.To, g.Anchor = head.height, bytes.Clone(head.lastHash)
			return nil
		}
		above := binary.BigEndian.Uint64(k)
		if above == g.From {
			// The contiguous height is only advanced by writers holding
			// writeMu; a stored block right above it means a fill is racing.
			return fmt.Errorf("block %d is stored but the contiguous height is %d", above, head.contiguous)
		}
		blk, err := decodeBlock(v)
		if err != nil {
			return fmt.Errorf("block %d above the gap at %d: %w", above, g.From, err)
		}
		g.To, g.Anchor = above-1, bytes.Clone(blk.GetHeader().GetPrevHash())
		return nil
	})
	if err != nil {
		return blockGap{}, false, fmt.Errorf("find missing blocks above height %d: %w", head.contiguous, err)
	}
	return g, true, nil
}

// hashAt returns the hash of block h, the all-zero hash for h = 0.
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

// fill stores verified blocks fetched from a peer, consecutive and ascending,
// with their transaction index entries. It leaves the state machine alone:
// the blocks lie below the applied height. When they continue the contiguous
// chain, the contiguous height moves past them and past any blocks already
// stored above them.
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
	contiguous := head.contiguous
	err := s.db.Update(func(tx *bolt.Tx) error {
		bb, idx, hashes, sigs := tx.Bucket(bucketBlocks), tx.Bucket(bucketTxIndex), tx.Bucket(bucketHashes), tx.Bucket(bucketSigs)
		for _, blk := range blocks {
			h := blk.GetHeader().GetHeight()
			raw, err := chain.Deterministic.Marshal(blk)
			if err != nil {
				return fmt.Errorf("encode block %d: %w", h, err)
			}
			if err := bb.Put(be64(h), raw); err != nil {
				return fmt.Errorf("store block %d: %w", h, err)
			}
			if err := hashes.Put(blk.GetHeader().GetHash(), be64(h)); err != nil {
				return fmt.Errorf("index the hash of block %d: %w", h, err)
			}
			// The hash links were checked against the chain this validator
			// applied, so it vouches for the block like for its own.
			if s.signer != nil {
				if err := s.signer.put(sigs, blk); err != nil {
					return err
				}
			}
			for i, r := range blk.GetTxs() {
				id := []byte(r.GetTx().GetId())
				// A later block's entry for a reused id (beyond the dedup
				// window) stays: that is what applying in order would leave.
				if len(id) == 0 || idx.Get(id) != nil {
					continue
				}
				loc := make([]byte, 13)
				binary.BigEndian.PutUint64(loc[:8], h)
				binary.BigEndian.PutUint32(loc[8:12], uint32(i))
				loc[12] = byte(r.GetStatus())
				if err := idx.Put(id, loc); err != nil {
					return fmt.Errorf("index tx %q: %w", id, err)
				}
			}
		}
		if lo == head.contiguous+1 {
			contiguous = scanContiguous(bb, head.contiguous, head.height)
		}
		return tx.Bucket(bucketMeta).Put(metaContiguous, be64(contiguous))
	})
	if err != nil {
		return fmt.Errorf("store fetched blocks %d..%d: %w", lo, hi, err)
	}
	if contiguous != head.contiguous {
		next := *head
		next.contiguous = contiguous
		s.publishHead(&next)
	}
	return nil
}
