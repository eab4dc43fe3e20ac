package chain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// KeySet says which keys may have signed a block: the keys validator id held
// while height was within its membership.
type KeySet interface {
	BlockKeys(id, height uint64) []ed25519.PublicKey
}

// KeyRecord is one validator key and the heights it may sign.
type KeyRecord struct {
	ID     uint64
	Pubkey ed25519.PublicKey
	// RetiredAt is 0 while the validator is a member, else the chain height
	// when it was removed; it signs no block above it.
	RetiredAt uint64
}

func (r KeyRecord) signs(height uint64) bool {
	return r.RetiredAt == 0 || height <= r.RetiredAt
}

// Keys is the registry of validator keys, in registration order. The zero
// value is empty and ready. Its methods are not safe for concurrent use with
// Register or Retire; readers elsewhere get a Clone.
type Keys struct {
	records []KeyRecord
}

// ErrKeyConflict means a validator that already has a key registered another.
var ErrKeyConflict = errors.New("validator already has a different key; remove it from the membership and add it again to change keys")

// Register records vk's key for its validator. Registering the key the
// validator already has is a no-op (changed is false).
func (k *Keys) Register(id uint64, pub ed25519.PublicKey) (changed bool, err error) {
	if cur, ok := k.Active(id); ok {
		if bytes.Equal(cur, pub) {
			return false, nil
		}
		return false, fmt.Errorf("register key %x for validator %d: %w", pub, id, ErrKeyConflict)
	}
	k.records = append(k.records, KeyRecord{ID: id, Pubkey: slices.Clone(pub)})
	return true, nil
}

// Retire ends validator id's current key at height, when it leaves.
func (k *Keys) Retire(id, height uint64) (changed bool) {
	for i := range k.records {
		if r := &k.records[i]; r.ID == id && r.RetiredAt == 0 {
			r.RetiredAt = max(height, 1)
			changed = true
		}
	}
	return changed
}

// Active returns validator id's current key.
func (k *Keys) Active(id uint64) (ed25519.PublicKey, bool) {
	for _, r := range k.records {
		if r.ID == id && r.RetiredAt == 0 {
			return r.Pubkey, true
		}
	}
	return nil, false
}

// BlockKeys implements KeySet.
func (k *Keys) BlockKeys(id, height uint64) []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, r := range k.records {
		if r.ID == id && r.signs(height) {
			out = append(out, r.Pubkey)
		}
	}
	return out
}

// Records returns a copy of the registry's records.
func (k *Keys) Records() []KeyRecord {
	out := slices.Clone(k.records)
	for i := range out {
		out[i].Pubkey = slices.Clone(out[i].Pubkey)
	}
	return out
}

// Clone returns an independent copy.
func (k *Keys) Clone() *Keys { return &Keys{records: k.Records()} }

// Len is the number of records.
func (k *Keys) Len() int { return len(k.records) }

// Proto encodes the registry for a state snapshot.
func (k *Keys) Proto() []*aurigraphv1.ValidatorKeyRecord {
	out := make([]*aurigraphv1.ValidatorKeyRecord, len(k.records))
	for i, r := range k.records {
		out[i] = &aurigraphv1.ValidatorKeyRecord{Id: r.ID, Pubkey: slices.Clone(r.Pubkey), RetiredAtHeight: r.RetiredAt}
	}
	return out
}

// KeysFromProto decodes a registry from a state snapshot.
func KeysFromProto(recs []*aurigraphv1.ValidatorKeyRecord) *Keys {
	k := &Keys{records: make([]KeyRecord, 0, len(recs))}
	for _, r := range recs {
		k.records = append(k.records, KeyRecord{ID: r.GetId(), Pubkey: slices.Clone(r.GetPubkey()), RetiredAt: r.GetRetiredAtHeight()})
	}
	return k
}

// KeysDocument is the JSON shape of a chain's trust anchor, as
// GET /api/v12/validators/keys serves it and --validator-keys files hold it:
// the genesis hash block 1 links to and every validator key.
type KeysDocument struct {
	GenesisHash string          `json:"genesis_hash"`
	Keys        []KeyRecordJSON `json:"keys"`
}

// KeyRecordJSON is one KeyRecord in JSON.
type KeyRecordJSON struct {
	ID        uint64 `json:"id"`
	Pubkey    string `json:"pubkey"`
	RetiredAt uint64 `json:"retired_at_height,omitempty"`
}

// Document returns the registry with genesisHash as a KeysDocument.
func (k *Keys) Document(genesisHash []byte) KeysDocument {
	doc := KeysDocument{GenesisHash: hex.EncodeToString(genesisHash), Keys: make([]KeyRecordJSON, 0, len(k.records))}
	for _, r := range k.records {
		doc.Keys = append(doc.Keys, KeyRecordJSON{ID: r.ID, Pubkey: hex.EncodeToString(r.Pubkey), RetiredAt: r.RetiredAt})
	}
	return doc
}

// Anchor is a consumer's trust in a chain: the genesis hash block 1 must
// link to, and the keys blocks must be signed with.
type Anchor struct {
	GenesisHash []byte
	Keys        *Keys
}

// ParseAnchor decodes a KeysDocument, checking every field.
func ParseAnchor(raw []byte) (Anchor, error) {
	var doc KeysDocument
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Anchor{}, fmt.Errorf("validator keys document: %w", err)
	}
	gh, err := hex.DecodeString(doc.GenesisHash)
	if err != nil || len(gh) != HashSize {
		return Anchor{}, fmt.Errorf("validator keys document: genesis_hash %q is not %d hex-encoded bytes", doc.GenesisHash, HashSize)
	}
	keys := &Keys{}
	for i, r := range doc.Keys {
		pub, err := hex.DecodeString(r.Pubkey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return Anchor{}, fmt.Errorf("validator keys document: keys[%d].pubkey is not a hex-encoded %d-byte Ed25519 key", i, ed25519.PublicKeySize)
		}
		if r.ID == 0 {
			return Anchor{}, fmt.Errorf("validator keys document: keys[%d].id must be a validator id (1 or more)", i)
		}
		keys.records = append(keys.records, KeyRecord{ID: r.ID, Pubkey: pub, RetiredAt: r.RetiredAt})
	}
	return Anchor{GenesisHash: gh, Keys: keys}, nil
}

// LoadAnchor reads a KeysDocument file.
func LoadAnchor(path string) (Anchor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Anchor{}, fmt.Errorf("read validator keys: %w", err)
	}
	a, err := ParseAnchor(raw)
	if err != nil {
		return Anchor{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
