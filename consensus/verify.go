package consensus

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// VerifyReport is the outcome of walking a chain with VerifyChain.
type VerifyReport struct {
	OK         bool   `json:"ok"`
	Height     uint64 `json:"height"`
	TxCount    uint64 `json:"tx_count"`
	Duplicates int    `json:"duplicates"`
	// Signed counts the blocks whose stored signature verified.
	Signed uint64   `json:"signed"`
	Errors []string `json:"errors"`
}

// maxVerifyErrors bounds the report so a wholesale corruption does not turn
// into an unbounded response.
const maxVerifyErrors = 100

// verifyChunk is how many blocks VerifyChain reads per bolt transaction.
const verifyChunk = 1024

// VerifyChain walks blocks 1..Height and checks that every block is present,
// decodes, links to its predecessor (block 1 to the chain's genesis),
// carries the hash of its own header and the Merkle root of its
// transactions, is signed by a key its signer held at that height, and
// that no transaction id appears twice. Height is read once; blocks up to it never change, so the walk reads
// them in short transactions: one long read transaction would keep bolt from
// growing its file, stalling the raft loop's next commit that needs room.
func VerifyChain(ctx context.Context, s *BlockStore) (VerifyReport, error) {
	rep := VerifyReport{Errors: []string{}}
	addErr := func(format string, args ...any) {
		if len(rep.Errors) < maxVerifyErrors {
			rep.Errors = append(rep.Errors, fmt.Sprintf(format, args...))
		}
	}
	noBlocks := false
	rules := newFSM(0)
	err := s.db.View(func(tx *bolt.Tx) error {
		rep.Height = getU64(tx.Bucket(bucketMeta), metaHeight)
		noBlocks = tx.Bucket(bucketBlocks) == nil
		return nil
	})
	if err == nil && !noBlocks {
		err = s.loadRules(rules)
	}
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify chain: read height: %w", err)
	}
	if noBlocks {
		if rep.Height > 0 {
			addErr("blocks bucket missing but height is %d", rep.Height)
		}
		rep.OK = len(rep.Errors) == 0
		return rep, nil
	}
	seen := make(map[string]uint64)
	prev := rules.anchor
	if prev == nil {
		prev = chain.ZeroHash
	}
	for lo := uint64(1); lo <= rep.Height; lo += verifyChunk {
		if err := ctx.Err(); err != nil {
			return VerifyReport{}, fmt.Errorf("verify chain at height %d: %w", lo, err)
		}
		hi := min(lo+verifyChunk-1, rep.Height)
		err := s.db.View(func(tx *bolt.Tx) error {
			blocks, sigs := tx.Bucket(bucketBlocks), tx.Bucket(bucketSigs)
			for h := lo; h <= hi; h++ {
				raw := blocks.Get(be64(h))
				if raw == nil {
					addErr("block %d: missing", h)
					prev = nil
					continue
				}
				blk, err := decodeBlock(raw)
				if err != nil {
					addErr("block %d: %v", h, err)
					prev = nil
					continue
				}
				hdr := blk.GetHeader()
				if hdr.GetHeight() != h {
					addErr("block %d: header says height %d", h, hdr.GetHeight())
				}
				if prev != nil && !bytes.Equal(hdr.GetPrevHash(), prev) {
					addErr("block %d: prev_hash %x does not match hash %x of block %d", h, hdr.GetPrevHash(), prev, h-1)
				}
				if want := chain.BlockHash(hdr); !bytes.Equal(hdr.GetHash(), want) {
					addErr("block %d: stored hash %x, header hashes to %x", h, hdr.GetHash(), want)
				}
				if want := chain.TxRoot(blk.GetTxs()); !bytes.Equal(hdr.GetTxRoot(), want) {
					addErr("block %d: tx_root %x, transactions hash to %x", h, hdr.GetTxRoot(), want)
				}
				if int(hdr.GetTxCount()) != len(blk.GetTxs()) {
					addErr("block %d: tx_count %d but %d transactions", h, hdr.GetTxCount(), len(blk.GetTxs()))
				}
				switch err := checkStoredSignature(sigs, hdr, rules.keys); {
				case err == nil:
					rep.Signed++
				case errors.Is(err, chain.ErrUnsigned) && rules.legacy():
					// Stored before this version signed blocks.
				default:
					addErr("block %d: %v", h, err)
				}
				for i, r := range blk.GetTxs() {
					id := r.GetTx().GetId()
					if id == "" {
						continue
					}
					if first, dup := seen[id]; dup {
						rep.Duplicates++
						addErr("block %d tx %d: id %q already committed at height %d", h, i, id, first)
						continue
					}
					seen[id] = h
				}
				rep.TxCount += uint64(len(blk.GetTxs()))
				// Decoded blocks own their bytes, so prev outlives the transaction.
				prev = hdr.GetHash()
			}
			return nil
		})
		if err != nil {
			return VerifyReport{}, fmt.Errorf("verify chain at height %d: %w", lo, err)
		}
	}
	rep.OK = len(rep.Errors) == 0
	return rep, nil
}

// checkStoredSignature checks the signature stored with a block.
func checkStoredSignature(sigs *bolt.Bucket, hdr *aurigraphv1.BlockHeader, keys chain.KeySet) error {
	var v []byte
	if sigs != nil {
		v = sigs.Get(be64(hdr.GetHeight()))
	}
	if len(v) != 8+ed25519.SignatureSize {
		return fmt.Errorf("%w: no signature stored", chain.ErrUnsigned)
	}
	return chain.CheckSignature(hdr, binary.BigEndian.Uint64(v), v[8:], keys)
}
