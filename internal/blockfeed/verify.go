package blockfeed

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Why a record is skipped: the reason label of
// aurigraph_<subsystem>_blocks_rejected_total.
const (
	// ReasonUndecodable: the key is not a height, the value not a block
	// event, or the two disagree.
	ReasonUndecodable = "undecodable"
	// ReasonMalformed: the block does not hash to what it claims.
	ReasonMalformed = "malformed"
	// ReasonUnsigned: no signature.
	ReasonUnsigned = "unsigned"
	// ReasonUnknownSigner: signed by a validator key the consumer does not
	// know for that height.
	ReasonUnknownSigner = "unknown_signer"
	// ReasonBadSignature: the signature does not verify.
	ReasonBadSignature = "bad_signature"
	// ReasonBadLink: prev_hash is not the hash of the block accepted at the
	// height before (block 1: the chain's genesis hash).
	ReasonBadLink = "bad_link"
	// ReasonDuplicate: a height already accepted.
	ReasonDuplicate = "duplicate"
	// ReasonAhead: a height beyond the next one; the next is still missing.
	ReasonAhead = "ahead"
)

// Reasons lists every reason, for metrics that show zeros from the start.
var Reasons = []string{ReasonUndecodable, ReasonMalformed, ReasonUnsigned, ReasonUnknownSigner,
	ReasonBadSignature, ReasonBadLink, ReasonDuplicate, ReasonAhead}

// Position is where a reader of the topic stands: the last block it
// accepted and where to read on.
type Position struct {
	// Height is the last accepted height, 0 before block 1.
	Height uint64
	// Hash is that block's hash. When nil above height 0 the previous block
	// is unknown (a reader starting in the middle of the chain), and the
	// next block is accepted on its signature alone. At height 0 the
	// anchor's genesis hash stands for it.
	Hash []byte
	// Offset is the next offset to read. It is a hint: Open never starts
	// below Height, the lowest offset where height Height+1 can be.
	Offset int64
	// TopicID is the broker's id of the topic Offset belongs to; an offset
	// of another topic (deleted and created again) is not used.
	TopicID []byte
}

// Anchor is what one round of checks trusts: the hash block 1 must link to
// and the keys blocks must be signed with.
type Anchor struct {
	GenesisHash []byte
	// Keys checks signatures; nil only for readers explicitly running
	// without verification, which then also accept any link of block 1.
	Keys chain.KeySet
	// Version grows whenever the keys change, whoever refreshed them: a
	// reader that skipped a block for a key it lacked reads it again once
	// the version moved past the one it judged with.
	Version uint64
}

// Rejection says why a record was skipped.
type Rejection struct {
	Reason string
	// Height the record claims, 0 when it does not decode.
	Height uint64
	Err    error
	// Quiet marks a record of a height at or below where the reader
	// started: met while catching up from a lower bound, not an offence.
	Quiet bool
}

func (r *Rejection) Error() string { return r.Reason + ": " + r.Err.Error() }

// Verifier accepts the first valid record of each next height, in order.
// It is not safe for concurrent use.
type Verifier struct {
	pos   Position
	floor uint64
}

// NewVerifier starts after pos.
func NewVerifier(pos Position) *Verifier {
	return &Verifier{pos: pos, floor: pos.Height}
}

// Position is the last accepted block and the offset after it.
func (v *Verifier) Position() Position { return v.pos }

// Next is the height the verifier waits for.
func (v *Verifier) Next() uint64 { return v.pos.Height + 1 }

// Check judges the record at offset and, when it is the next block and
// valid under an, accepts it and moves on. Cheap checks come first, so that
// a flood of junk costs no signature verifications.
func (v *Verifier) Check(key, value []byte, offset int64, an Anchor) (*aurigraphv1.BlockEvent, *Rejection) {
	ev, err := Decode(key, value)
	if err != nil {
		return nil, &Rejection{Reason: ReasonUndecodable, Err: err}
	}
	hdr := ev.GetBlock().GetHeader()
	h := hdr.GetHeight()
	switch next := v.Next(); {
	case h < next:
		return nil, &Rejection{Reason: ReasonDuplicate, Height: h, Quiet: h <= v.floor,
			Err: fmt.Errorf("block %d is already accepted (next is %d)", h, next)}
	case h > next:
		return nil, &Rejection{Reason: ReasonAhead, Height: h,
			Err: fmt.Errorf("block %d is ahead of the next height %d", h, next)}
	}
	if err := chain.CheckBlock(ev.GetBlock()); err != nil {
		return nil, &Rejection{Reason: ReasonMalformed, Height: h, Err: err}
	}
	prev := v.pos.Hash
	if v.pos.Height == 0 {
		prev = an.GenesisHash
	}
	if prev != nil && !bytes.Equal(hdr.GetPrevHash(), prev) {
		what := fmt.Sprintf("the hash of block %d", h-1)
		if h == 1 {
			what = "the chain's genesis hash"
		}
		return nil, &Rejection{Reason: ReasonBadLink, Height: h,
			Err: fmt.Errorf("block %d links to %x, not to %s %x", h, hdr.GetPrevHash(), what, prev)}
	}
	if an.Keys != nil {
		if err := chain.CheckSignature(hdr, ev.GetSigner(), ev.GetSignature(), an.Keys); err != nil {
			return nil, &Rejection{Reason: signatureReason(err), Height: h, Err: err}
		}
	}
	v.pos = Position{Height: h, Hash: hdr.GetHash(), Offset: offset + 1, TopicID: v.pos.TopicID}
	return ev, nil
}

func signatureReason(err error) string {
	switch {
	case errors.Is(err, chain.ErrUnsigned):
		return ReasonUnsigned
	case errors.Is(err, chain.ErrUnknownSigner):
		return ReasonUnknownSigner
	default:
		return ReasonBadSignature
	}
}
