package ingest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Limits a transaction must respect to enter the log.
const (
	MaxAddressLen = 128
	MaxAssetLen   = 128
	MaxIDLen      = 128
	MaxPayloadLen = 4 << 10
)

// InvalidTxError says which field of a transaction broke which rule.
type InvalidTxError struct {
	Field  string
	Reason string
}

func (e *InvalidTxError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, format string, args ...any) error {
	return &InvalidTxError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

type presence uint8

const (
	forbidden presence = iota
	optional
	required
)

// fieldRules lists, per type, whether from, to, asset, amount and new_key
// are expected. Mint names its issuer (or the asset's creator) in from, which
// only a chain with a trusted topic and no issuers lets it leave out;
// asset_create has no recipient; set_key moves nothing.
var fieldRules = map[aurigraphv1.TxType]struct{ from, to, asset, amount, newKey presence }{
	aurigraphv1.TxType_TX_TYPE_TRANSFER:       {from: required, to: required, asset: optional, amount: required},
	aurigraphv1.TxType_TX_TYPE_MINT:           {from: optional, to: required, asset: optional, amount: required},
	aurigraphv1.TxType_TX_TYPE_ASSET_CREATE:   {from: required, to: forbidden, asset: required, amount: required},
	aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER: {from: required, to: required, asset: required, amount: required},
	aurigraphv1.TxType_TX_TYPE_SET_KEY:        {from: required, to: forbidden, asset: forbidden, amount: forbidden, newKey: required},
}

// SignatureVerifier verifies Ed25519 signatures over transaction digests;
// sigcache.Cache is one that remembers what it verified.
type SignatureVerifier interface {
	Verify(pub, digest, sig []byte) bool
}

// batchVerifier is a SignatureVerifier that checks many signatures at once,
// as sigcache.Cache does.
type batchVerifier interface {
	VerifyBatch(items []sigcache.Item, ok []bool)
}

// plainVerifier verifies by the chain's rule (sigcache.Verify, ZIP 215) and
// remembers nothing.
type plainVerifier struct{}

func (plainVerifier) Verify(pub, digest, sig []byte) bool { return sigcache.Verify(pub, digest, sig) }

func (plainVerifier) VerifyBatch(items []sigcache.Item, ok []bool) { sigcache.VerifyBatch(items, ok) }

// Validate checks what can be decided from the transaction alone: fields the
// type needs are present and well formed, sizes are within limits, and a
// signature, when present, verifies. Balances, nonces and who controls an
// account are the state machine's job. The id is checked by CheckID.
//
// A signature is optional; when sig is set, pubkey must be a 32-byte Ed25519
// key and sig its 64-byte signature over schemas.TxDigest(tx).
func Validate(tx *aurigraphv1.Transaction) error { return validate(tx, plainVerifier{}) }

// ValidateAll is Validate for each of txs, their signatures verified in
// batches, which takes about half the time of verifying them one by one.
func ValidateAll(txs []*aurigraphv1.Transaction) []error {
	errs := make([]error, len(txs))
	newChecker(nil, false, nil).checkAll(txs, nil, errs)
	return errs
}

func validate(tx *aurigraphv1.Transaction, sigs SignatureVerifier) error {
	if err := validateFields(tx); err != nil {
		return err
	}
	return verifySignature(tx, sigs)
}

// validateFields is Validate without verifying the signature: its shape is
// checked, the verification itself is left to verifySignature, or to a
// batch of them.
func validateFields(tx *aurigraphv1.Transaction) error {
	if tx == nil {
		return invalid("transaction", "missing")
	}
	rules, ok := fieldRules[tx.GetType()]
	if !ok {
		return invalid("type", "must be one of transfer, mint, asset_create, asset_transfer, set_key (got %v)", tx.GetType())
	}
	name := schemas.TxTypeName(tx.GetType())
	if id := tx.GetId(); id != "" {
		if err := checkToken("id", id, MaxIDLen); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		field string
		value string
		rule  presence
		max   int
	}{
		{"from", tx.GetFrom(), rules.from, MaxAddressLen},
		{"to", tx.GetTo(), rules.to, MaxAddressLen},
		{"asset", tx.GetAsset(), rules.asset, MaxAssetLen},
	} {
		switch {
		case f.value == "" && f.rule == required:
			return invalid(f.field, "required for %s transactions", name)
		case f.value != "" && f.rule == forbidden:
			return invalid(f.field, "must be empty for %s transactions", name)
		case f.value != "":
			if err := checkToken(f.field, f.value, f.max); err != nil {
				return err
			}
		}
	}
	switch {
	case rules.amount == required && tx.GetAmount() == 0:
		return invalid("amount", "must be greater than zero")
	case rules.amount == forbidden && tx.GetAmount() != 0:
		return invalid("amount", "must be empty for %s transactions", name)
	case rules.newKey == forbidden && len(tx.GetNewKey()) != 0:
		return invalid("new_key", "must be empty for %s transactions", name)
	case rules.newKey == required && len(tx.GetNewKey()) != ed25519.PublicKeySize:
		return invalid("new_key", "must be a %d-byte Ed25519 public key (got %d bytes)", ed25519.PublicKeySize, len(tx.GetNewKey()))
	}
	if n := len(tx.GetPayload()); n > MaxPayloadLen {
		return invalid("payload", "%d bytes exceeds the %d-byte limit", n, MaxPayloadLen)
	}
	if tx.GetTimestampMs() < 0 {
		return invalid("timestamp", "must not be before 1970 (got %d ms)", tx.GetTimestampMs())
	}
	return signatureShape(tx)
}

// CheckID sets the id of a transaction without one to the id derived from
// its content (schemas.TxID), and refuses any other id: ids are derived so
// that nobody can claim one another sender's transaction would get.
func CheckID(tx *aurigraphv1.Transaction) error {
	_, err := checkID(tx, nil)
	return err
}

// checkID is CheckID returning the digest the id derives from, which the
// signature check needs next. An id it sets is taken from dec, with the
// memory of the transaction dec decoded (from the heap when dec is nil).
func checkID(tx *aurigraphv1.Transaction, dec *schemas.TxDecoder) ([sha256.Size]byte, error) {
	digest := schemas.TxDigest(tx)
	var buf [2 * sha256.Size]byte
	derived := hex.AppendEncode(buf[:0], digest[:])
	switch id := tx.GetId(); {
	case id == "":
		tx.Id = dec.String(derived)
	case id == string(derived):
	default:
		return digest, invalid("id", "%q is not this transaction's id %s: ids are the hex sha256 of the canonical encoding (schemas.TxID), so leave it out or send that value", id, string(derived))
	}
	return digest, nil
}

// RequireSignature rejects a transaction without a signature. Ingest applies
// it to topics whose producers are not trusted (authenticated) to vouch for
// the senders they name; Validate has already checked any signature given.
func RequireSignature(tx *aurigraphv1.Transaction) error {
	if len(tx.GetSig()) == 0 {
		return invalid("sig", "required: this pipeline accepts only signed transactions; sign sha256 of the canonical encoding (schemas.TxDigest) with Ed25519 and set pubkey and sig")
	}
	return nil
}

// signatureShape checks that a signature, when there is one, comes with a
// key and both have Ed25519's sizes.
func signatureShape(tx *aurigraphv1.Transaction) error {
	pub, sig := tx.GetPubkey(), tx.GetSig()
	switch {
	case len(sig) == 0 && len(pub) == 0:
		return nil
	case len(sig) == 0:
		return invalid("sig", "required when pubkey is set")
	case len(pub) != ed25519.PublicKeySize:
		return invalid("pubkey", "must be a %d-byte Ed25519 public key (got %d bytes)", ed25519.PublicKeySize, len(pub))
	case len(sig) != ed25519.SignatureSize:
		return invalid("sig", "must be a %d-byte Ed25519 signature (got %d bytes)", ed25519.SignatureSize, len(sig))
	}
	return nil
}

// verifySignature verifies the signature of a transaction whose shape
// signatureShape accepted.
func verifySignature(tx *aurigraphv1.Transaction, sigs SignatureVerifier) error {
	if len(tx.GetSig()) == 0 {
		return nil
	}
	sum := schemas.TxDigest(tx)
	if !sigs.Verify(tx.GetPubkey(), sum[:], tx.GetSig()) {
		return errBadSignature
	}
	return nil
}

var errBadSignature = invalid("sig", "does not verify: sign sha256 of the canonical encoding (schemas.TxDigest) with the key in pubkey")

// checkToken enforces printable ASCII without spaces, so ids, addresses and
// asset names are unambiguous in logs, URLs and SQL.
func checkToken(field, s string, maxLen int) error {
	if len(s) > maxLen {
		return invalid(field, "%d bytes exceeds the %d-byte limit", len(s), maxLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return invalid(field, "byte %d (0x%02x) is not printable ASCII; use characters '!' to '~'", i, c)
		}
	}
	return nil
}

// ErrEmptyRecord is returned by DecodeRecord for a record without a value.
var ErrEmptyRecord = errors.New("record has no value")

// DecodeRecord decodes a log record value: JSON (schemas.ParseTxJSON) when it
// starts with '{' after leading whitespace, otherwise a protobuf Transaction.
// The two cannot be confused: '{' as the first protobuf byte would be field
// 15 with the deprecated group wire type, which Transaction does not have.
// Protobuf records with fields this version does not know are rejected, so
// the chain holds exactly what was validated. The id is set to
// schemas.TxID when the record has none, and must be that when it has one
// (CheckID). DecodeRecord does not Validate.
func DecodeRecord(value []byte) (*aurigraphv1.Transaction, error) {
	tx, _, err := decodeRecord(value, nil)
	return tx, err
}

// decodeRecord is DecodeRecord returning the transaction's digest too. A
// JSON transaction is taken from dec (from the heap when dec is nil).
func decodeRecord(value []byte, dec *schemas.TxDecoder) (*aurigraphv1.Transaction, [sha256.Size]byte, error) {
	var digest [sha256.Size]byte
	trimmed := bytes.TrimLeft(value, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, digest, ErrEmptyRecord
	}
	var tx *aurigraphv1.Transaction
	if trimmed[0] == '{' {
		var jsonErr error
		tx, jsonErr = dec.ParseTxJSON(trimmed)
		if jsonErr != nil {
			// Whitespace bytes are also protobuf tags ('\n' is field 1, the
			// id), so a protobuf record may look like indented JSON.
			if len(trimmed) == len(value) {
				return nil, digest, jsonErr
			}
			var protoErr error
			if tx, protoErr = decodeProto(value); protoErr != nil {
				return nil, digest, jsonErr
			}
		}
	} else {
		var err error
		if tx, err = decodeProto(value); err != nil {
			return nil, digest, err
		}
	}
	digest, err := checkID(tx, dec)
	if err != nil {
		return nil, digest, err
	}
	return tx, digest, nil
}

func decodeProto(value []byte) (*aurigraphv1.Transaction, error) {
	tx := &aurigraphv1.Transaction{}
	if err := proto.Unmarshal(value, tx); err != nil {
		return nil, fmt.Errorf("record is neither a JSON object nor a protobuf Transaction: %w", err)
	}
	if unknown := tx.ProtoReflect().GetUnknown(); len(unknown) > 0 {
		num, _, _ := protowire.ConsumeTag(unknown)
		return nil, fmt.Errorf("protobuf Transaction has unknown field %d: the producer uses a newer schema than this validator", num)
	}
	return tx, nil
}
