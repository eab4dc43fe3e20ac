package consensus

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aurigraph/aurigraph/internal/blocklog"
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

// VerifyChain walks blocks 1..Height and checks that every block is present,
// decodes, links to its predecessor (block 1 to the chain's genesis),
// carries the hash of its own header and the Merkle root of its
// transactions, is signed by a key its signer held at that height, and
// that no transaction id appears twice. Height is read once; blocks up to
// it never change, and the walk reads them one at a time beside the
// applier's appends.
func VerifyChain(ctx context.Context, s *BlockStore) (VerifyReport, error) {
	rep := VerifyReport{Errors: []string{}}
	addErr := func(format string, args ...any) {
		if len(rep.Errors) < maxVerifyErrors {
			rep.Errors = append(rep.Errors, fmt.Sprintf(format, args...))
		}
	}
	rep.Height = s.Stats().Height
	rules := newFSM(0)
	if err := rules.loadRules(s); err != nil {
		return VerifyReport{}, fmt.Errorf("verify chain: read rules: %w", err)
	}
	seen := make(map[txDigest]uint64)
	prev := rules.anchor
	if prev == nil {
		prev = chain.ZeroHash
	}
	for h := uint64(1); h <= rep.Height; h++ {
		if h%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return VerifyReport{}, fmt.Errorf("verify chain at height %d: %w", h, err)
			}
		}
		raw, _, err := s.log.Read(h)
		switch {
		case errors.Is(err, blocklog.ErrNotFound):
			addErr("block %d: missing", h)
			prev = nil
			continue
		case err != nil:
			addErr("block %d: %v", h, err)
			prev = nil
			continue
		case len(raw) < sigPrefix:
			addErr("block %d: record of %d bytes is too short", h, len(raw))
			prev = nil
			continue
		}
		blk, err := decodeBlock(raw[sigPrefix:])
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
		switch err := checkStoredSignature(raw, hdr, rules.keys); {
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
			d := digestOf(id)
			if first, dup := seen[d]; dup {
				rep.Duplicates++
				addErr("block %d tx %d: id %q already committed at height %d", h, i, id, first)
				continue
			}
			seen[d] = h
		}
		rep.TxCount += uint64(len(blk.GetTxs()))
		prev = hdr.GetHash()
	}
	rep.OK = len(rep.Errors) == 0
	return rep, nil
}

// checkStoredSignature checks the signature stored with a block, at the
// start of its record.
func checkStoredSignature(raw []byte, hdr *aurigraphv1.BlockHeader, keys chain.KeySet) error {
	signer := binary.BigEndian.Uint64(raw)
	if signer == 0 {
		return fmt.Errorf("%w: no signature stored", chain.ErrUnsigned)
	}
	return chain.CheckSignature(hdr, signer, raw[8:sigPrefix], keys)
}
