package ingest

import (
	"crypto/sha256"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Chain is what ingest asks of the chain's applied state before a
// transaction enters the log or a batch; a validator (consensus.Node)
// answers it from its own state, which may trail the chain a little: the
// state machine decides in the end.
type Chain interface {
	// Admit names the field of tx that can never apply for lack of
	// authority, and why (a signer that does not control the sender, a mint
	// by a non-issuer, unsigned where the chain requires signatures, a
	// timestamp too far ahead), or returns "" for both.
	Admit(tx *aurigraphv1.Transaction) (field, reason string)
	// Existing reports the block height of a transaction already in the
	// chain, and whether it failed there.
	Existing(id string) (height uint64, failed, ok bool)
	// MaxBlockBytes is the chain's largest encoded block (its genesis's
	// max_block_bytes), 0 while unknown.
	MaxBlockBytes() int
}

// checker is what a transaction must pass to enter the log or a batch:
// Validate's rules with sigs verifying signatures, a signature where
// required, and the chain's admission when one is known.
type checker struct {
	sigs       SignatureVerifier
	requireSig bool
	chain      Chain
}

func newChecker(sigs SignatureVerifier, requireSig bool, chain Chain) checker {
	if sigs == nil {
		sigs = plainVerifier{}
	}
	return checker{sigs: sigs, requireSig: requireSig, chain: chain}
}

func (c checker) check(tx *aurigraphv1.Transaction) error {
	if err := validate(tx, c.sigs); err != nil {
		return err
	}
	return c.admit(tx)
}

// checkAll is check for each of txs whose errs entry is nil, setting it,
// with their signatures verified in batches: a batch costs about half as
// much a signature as checking them one by one (sigcache.VerifyBatch), and
// decides the same. digests, when not nil, holds each transaction's
// schemas.TxDigest, as checkID found it; otherwise checkAll computes them.
func (c checker) checkAll(txs []*aurigraphv1.Transaction, digests [][sha256.Size]byte, errs []error) {
	var items []sigcache.Item
	var at []int
	for i, tx := range txs {
		if errs[i] != nil {
			continue
		}
		if errs[i] = validateFields(tx); errs[i] != nil || len(tx.GetSig()) == 0 {
			continue
		}
		if digests == nil {
			// One allocation for the digests the items point into, not one
			// each.
			digests = make([][sha256.Size]byte, len(txs))
			for j := i; j < len(txs); j++ {
				if errs[j] == nil && len(txs[j].GetSig()) > 0 {
					digests[j] = schemas.TxDigest(txs[j])
				}
			}
		}
		items = append(items, sigcache.Item{Pub: tx.GetPubkey(), Digest: digests[i][:], Sig: tx.GetSig()})
		at = append(at, i)
	}
	ok := make([]bool, len(items))
	if bv, batch := c.sigs.(batchVerifier); batch {
		bv.VerifyBatch(items, ok)
	} else {
		for j, it := range items {
			ok[j] = c.sigs.Verify(it.Pub, it.Digest, it.Sig)
		}
	}
	for j, i := range at {
		if !ok[j] {
			errs[i] = errBadSignature
		}
	}
	for i, tx := range txs {
		if errs[i] == nil {
			errs[i] = c.admit(tx)
		}
	}
}

// admit is what check asks beyond Validate: a signature where required,
// and the chain's admission.
func (c checker) admit(tx *aurigraphv1.Transaction) error {
	if c.requireSig {
		if err := RequireSignature(tx); err != nil {
			return err
		}
	}
	if c.chain != nil {
		if field, reason := c.chain.Admit(tx); reason != "" {
			return &InvalidTxError{Field: field, Reason: reason}
		}
	}
	return nil
}
