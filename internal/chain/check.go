package chain

import (
	"bytes"
	"errors"
	"fmt"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Reasons a block or block event is refused. Consumers count refusals by
// these, so each names one kind of fault.
var (
	// ErrMalformed: the block does not hash to what it claims (header hash,
	// Merkle root or counts), so no signature can vouch for it.
	ErrMalformed = errors.New("malformed block")
	// ErrUnsigned: the event carries no signature.
	ErrUnsigned = errors.New("unsigned block")
	// ErrUnknownSigner: no key of the named validator may sign at that height.
	ErrUnknownSigner = errors.New("block signed by an unknown validator key")
	// ErrBadSignature: the signature does not verify with the signer's keys.
	ErrBadSignature = errors.New("block signature does not verify")
)

// CheckBlock verifies that a block stands on its own: the header carries its
// own hash, the Merkle root of its transactions and their counts.
func CheckBlock(b *aurigraphv1.Block) error {
	h := b.GetHeader()
	if h == nil {
		return fmt.Errorf("%w: no header", ErrMalformed)
	}
	if want := BlockHash(h); !bytes.Equal(h.GetHash(), want) {
		return fmt.Errorf("%w: block %d claims hash %x, its header hashes to %x", ErrMalformed, h.GetHeight(), h.GetHash(), want)
	}
	if want := TxRoot(b.GetTxs()); !bytes.Equal(h.GetTxRoot(), want) {
		return fmt.Errorf("%w: block %d claims tx_root %x, its transactions hash to %x", ErrMalformed, h.GetHeight(), h.GetTxRoot(), want)
	}
	if int(h.GetTxCount()) != len(b.GetTxs()) {
		return fmt.Errorf("%w: block %d claims %d transactions and holds %d", ErrMalformed, h.GetHeight(), h.GetTxCount(), len(b.GetTxs()))
	}
	var failed uint32
	for _, r := range b.GetTxs() {
		if r.GetStatus() == aurigraphv1.TxStatus_TX_STATUS_FAILED {
			failed++
		}
	}
	if failed != h.GetFailedCount() {
		return fmt.Errorf("%w: block %d claims %d failed transactions and holds %d", ErrMalformed, h.GetHeight(), h.GetFailedCount(), failed)
	}
	return nil
}

// CheckSignature verifies that signer's sig over the block hash was made
// with a key keys allows signer at that height.
func CheckSignature(h *aurigraphv1.BlockHeader, signer uint64, sig []byte, keys KeySet) error {
	if len(sig) == 0 {
		return fmt.Errorf("%w: block %d", ErrUnsigned, h.GetHeight())
	}
	pubs := keys.BlockKeys(signer, h.GetHeight())
	if len(pubs) == 0 {
		return fmt.Errorf("%w: validator %d holds no key for block %d", ErrUnknownSigner, signer, h.GetHeight())
	}
	for _, pub := range pubs {
		if VerifyBlockSignature(pub, h.GetHash(), sig) {
			return nil
		}
	}
	return fmt.Errorf("%w: block %d by validator %d", ErrBadSignature, h.GetHeight(), signer)
}

// VerifyEvent checks a block event as a consumer of the blocks topic must:
// the block is well formed and signed by a validator allowed to at its
// height. Whether it links to the block before it is the caller's to check,
// since only the caller knows that block.
func VerifyEvent(ev *aurigraphv1.BlockEvent, keys KeySet) error {
	if err := CheckBlock(ev.GetBlock()); err != nil {
		return err
	}
	return CheckSignature(ev.GetBlock().GetHeader(), ev.GetSigner(), ev.GetSignature(), keys)
}
