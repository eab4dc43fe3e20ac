package ingest

import (
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
