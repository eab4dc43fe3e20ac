package schemas

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// maxSafeJSONInt is the largest integer every JSON reader (including
// JavaScript's doubles) holds exactly; larger amounts are written as strings.
const maxSafeJSONInt = 1<<53 - 1

var txTypeNames = [...]string{
	aurigraphv1.TxType_TX_TYPE_TRANSFER:       "transfer",
	aurigraphv1.TxType_TX_TYPE_MINT:           "mint",
	aurigraphv1.TxType_TX_TYPE_ASSET_CREATE:   "asset_create",
	aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER: "asset_transfer",
	aurigraphv1.TxType_TX_TYPE_SET_KEY:        "set_key",
}

// TxTypeName returns the JSON name of t ("transfer", "mint", ...), or "" for
// TX_TYPE_UNSPECIFIED and values this version does not know.
func TxTypeName(t aurigraphv1.TxType) string {
	if t <= 0 || int(t) >= len(txTypeNames) {
		return ""
	}
	return txTypeNames[t]
}

// ParseTxType maps a JSON type name to its enum. It also accepts the protobuf
// enum names (TX_TYPE_TRANSFER, ...), which protobuf tooling prints.
func ParseTxType(s string) (aurigraphv1.TxType, error) {
	if t, ok := txTypeNamed([]byte(s)); ok {
		return t, nil
	}
	return aurigraphv1.TxType_TX_TYPE_UNSPECIFIED, unknownTxType(s)
}

func unknownTxType(name string) error {
	return fmt.Errorf("unknown transaction type %q: use one of transfer, mint, asset_create, asset_transfer, set_key", name)
}

// txTypeNamed is ParseTxType of a name in bytes, which it compares without
// copying them into a string.
func txTypeNamed(name []byte) (aurigraphv1.TxType, bool) {
	for t, n := range txTypeNames {
		if n != "" && (string(name) == n || string(name) == aurigraphv1.TxType(t).String()) {
			return aurigraphv1.TxType(t), true
		}
	}
	return aurigraphv1.TxType_TX_TYPE_UNSPECIFIED, false
}

// TxStatusName returns the JSON name of s ("committed" or "failed"), or ""
// for TX_STATUS_UNSPECIFIED and values this version does not know.
func TxStatusName(s aurigraphv1.TxStatus) string {
	switch s {
	case aurigraphv1.TxStatus_TX_STATUS_COMMITTED:
		return "committed"
	case aurigraphv1.TxStatus_TX_STATUS_FAILED:
		return "failed"
	}
	return ""
}

// ParseTxStatus maps a JSON status name to its enum. It also accepts the
// protobuf enum names (TX_STATUS_COMMITTED, ...).
func ParseTxStatus(s string) (aurigraphv1.TxStatus, error) {
	for _, st := range []aurigraphv1.TxStatus{aurigraphv1.TxStatus_TX_STATUS_COMMITTED, aurigraphv1.TxStatus_TX_STATUS_FAILED} {
		if s == TxStatusName(st) || s == st.String() {
			return st, nil
		}
	}
	return aurigraphv1.TxStatus_TX_STATUS_UNSPECIFIED, fmt.Errorf("unknown transaction status %q: use committed or failed", s)
}

// txJSON holds every member's raw value token so each one is decoded, and
// reported, by name.
type txJSON struct {
	ID, Type, From, To, Amount, Asset, Nonce, Payload, Timestamp, Pubkey, Sig, NewKey json.RawMessage
}

func (t *txJSON) member(key []byte) *json.RawMessage {
	switch string(key) {
	case "id":
		return &t.ID
	case "type":
		return &t.Type
	case "from":
		return &t.From
	case "to":
		return &t.To
	case "amount":
		return &t.Amount
	case "asset":
		return &t.Asset
	case "nonce":
		return &t.Nonce
	case "payload":
		return &t.Payload
	case "timestamp":
		return &t.Timestamp
	case "pubkey":
		return &t.Pubkey
	case "sig":
		return &t.Sig
	case "new_key":
		return &t.NewKey
	}
	return nil
}

// FieldError reports which JSON field of a transaction was malformed.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// ParseTxJSON decodes one transaction in its JSON shape (one object,
// unknown or repeated keys rejected, null meaning absent):
//
//	{
//	  "id":        "optional producer id, string",
//	  "type":      "transfer" | "mint" | "asset_create" | "asset_transfer" | "set_key",
//	  "from":      "sender address",
//	  "to":        "recipient address",
//	  "amount":    12 or "12"   (non-negative integer that fits uint64),
//	  "asset":     "optional asset name",
//	  "nonce":     7 or "7"     (non-negative integer that fits uint64),
//	  "payload":   "base64 bytes (standard or URL-safe alphabet, padding optional)",
//	  "timestamp": 1700000000000 or "1700000000000" (Unix ms) or "2023-11-14T22:13:20.000Z" (RFC 3339),
//	  "pubkey":    "hex bytes",
//	  "sig":       "hex bytes",
//	  "new_key":   "hex bytes (set_key only)"
//	}
//
// The payload is base64 rather than free text because it carries arbitrary
// bytes, and a rule of "base64 when it happens to decode" would silently
// change what a producer meant; the protobuf JSON mapping writes bytes fields
// the same way.
//
// ParseTxJSON checks syntax only (types, encodings, ranges); whether the
// fields make sense for the transaction type is ingest's job. The returned
// transaction's id is left empty when the JSON has none.
func ParseTxJSON(b []byte) (*aurigraphv1.Transaction, error) {
	tx := &aurigraphv1.Transaction{}
	if err := parseTxJSON(b, tx, nil); err != nil {
		return nil, err
	}
	return tx, nil
}

// parseTxJSON is ParseTxJSON filling tx, which is empty, with its strings
// and bytes taken from mem, or from the heap when mem is nil: the one
// decoder behind both ParseTxJSON and TxDecoder, so that they cannot drift
// apart.
func parseTxJSON(b []byte, tx *aurigraphv1.Transaction, mem *arena) error {
	var raw txJSON
	if err := scanTxObject(b, &raw); err != nil {
		return err
	}
	var err error
	if tx.Id, err = jsonString("id", raw.ID, mem); err != nil {
		return err
	}
	typ, err := jsonText("type", raw.Type)
	if err != nil {
		return err
	}
	if len(typ) > 0 {
		var ok bool
		if tx.Type, ok = txTypeNamed(typ); !ok {
			return &FieldError{Field: "type", Err: unknownTxType(string(typ))}
		}
	}
	if tx.From, err = jsonString("from", raw.From, mem); err != nil {
		return err
	}
	if tx.To, err = jsonString("to", raw.To, mem); err != nil {
		return err
	}
	if tx.Asset, err = jsonString("asset", raw.Asset, mem); err != nil {
		return err
	}
	if tx.Amount, err = jsonUint("amount", raw.Amount); err != nil {
		return err
	}
	if tx.Nonce, err = jsonUint("nonce", raw.Nonce); err != nil {
		return err
	}
	if tx.TimestampMs, err = jsonTimestamp(raw.Timestamp); err != nil {
		return err
	}
	payload, err := jsonText("payload", raw.Payload)
	if err != nil {
		return err
	}
	if tx.Payload, err = decodeBase64(payload, mem); err != nil {
		return &FieldError{Field: "payload", Err: err}
	}
	if tx.Pubkey, err = jsonHex("pubkey", raw.Pubkey, mem); err != nil {
		return err
	}
	if tx.Sig, err = jsonHex("sig", raw.Sig, mem); err != nil {
		return err
	}
	if tx.NewKey, err = jsonHex("new_key", raw.NewKey, mem); err != nil {
		return err
	}
	return nil
}

func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func jsonString(field string, raw json.RawMessage, mem *arena) (string, error) {
	text, err := jsonText(field, raw)
	return mem.string(text), err
}

// jsonText returns the text of a JSON string member, unescaped: a slice of
// raw itself unless it has escapes or non-ASCII characters, so the caller
// decides where, and whether, the text is copied.
func jsonText(field string, raw json.RawMessage) ([]byte, error) {
	if isAbsent(raw) {
		return nil, nil
	}
	if raw[0] != '"' {
		return nil, &FieldError{Field: field, Err: errors.New("must be a JSON string")}
	}
	if text, ok := plainString(raw); ok {
		return text, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &FieldError{Field: field, Err: err}
	}
	return []byte(s), nil
}

// plainString returns the contents of a JSON string token (already checked
// by the decoder) when it needs no unescaping, which is the common case and
// spares a second pass through encoding/json.
func plainString(raw []byte) ([]byte, bool) {
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			return nil, false
		}
	}
	return body, true
}

// digitsOnly reports whether text is one or more ASCII decimal digits.
func digitsOnly(text []byte) bool {
	for _, c := range text {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(text) > 0
}

// jsonUint accepts a JSON integer literal or a string of decimal digits;
// strings exist because many JSON writers round integers above 2^53.
func jsonUint(field string, raw json.RawMessage) (uint64, error) {
	if isAbsent(raw) {
		return 0, nil
	}
	v, err := parseUint(raw)
	if err != nil {
		return 0, &FieldError{Field: field, Err: err}
	}
	return v, nil
}

func jsonTimestamp(raw json.RawMessage) (int64, error) {
	if isAbsent(raw) {
		return 0, nil
	}
	if raw[0] == '"' {
		text, err := jsonText("timestamp", raw)
		if err != nil {
			return 0, err
		}
		if digitsOnly(text) {
			return jsonUintTimestamp(raw)
		}
		s := string(text)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, &FieldError{Field: "timestamp", Err: fmt.Errorf("%q is not RFC 3339 (e.g. 2024-05-01T12:00:00Z) or Unix milliseconds", s)}
		}
		if t.UnixMilli() < 0 {
			return 0, &FieldError{Field: "timestamp", Err: fmt.Errorf("%q is before 1970-01-01T00:00:00Z", s)}
		}
		return t.UnixMilli(), nil
	}
	return jsonUintTimestamp(raw)
}

func jsonUintTimestamp(raw json.RawMessage) (int64, error) {
	v, err := jsonUint("timestamp", raw)
	if err != nil || v > 1<<63-1 {
		return 0, &FieldError{Field: "timestamp", Err: fmt.Errorf("%s is neither Unix milliseconds (a non-negative integer) nor an RFC 3339 string", raw)}
	}
	return int64(v), nil
}

func jsonHex(field string, raw json.RawMessage, mem *arena) ([]byte, error) {
	text, err := jsonText(field, raw)
	if err != nil || len(text) == 0 {
		return nil, err
	}
	b := mem.alloc(hex.DecodedLen(len(text)))
	n, err := hex.Decode(b, text)
	if err != nil {
		return nil, &FieldError{Field: field, Err: fmt.Errorf("not hex: %w", err)}
	}
	return b[:n:n], nil
}

// The payload's encodings, made once: WithPadding and Strict each return a
// new Encoding on the heap.
var (
	base64Std    = base64.StdEncoding.Strict()
	base64StdRaw = base64.StdEncoding.WithPadding(base64.NoPadding).Strict()
	base64URL    = base64.URLEncoding.Strict()
	base64URLRaw = base64.URLEncoding.WithPadding(base64.NoPadding).Strict()
)

func decodeBase64(text []byte, mem *arena) ([]byte, error) {
	if len(text) == 0 {
		return nil, nil
	}
	url := bytes.ContainsAny(text, "-_")
	var enc *base64.Encoding
	switch {
	case url && len(text)%4 != 0:
		enc = base64URLRaw
	case url:
		enc = base64URL
	case len(text)%4 != 0:
		enc = base64StdRaw
	default:
		enc = base64Std
	}
	b := mem.alloc(enc.DecodedLen(len(text)))
	n, err := enc.Decode(b, text)
	if err != nil {
		return nil, fmt.Errorf("not base64 (encode the payload bytes as base64): %w", err)
	}
	return b[:n:n], nil
}

// MarshalTxJSON writes tx in the JSON shape ParseTxJSON reads, which is
// TxView without an outcome: amount and nonce as numbers up to 2^53-1 and as
// decimal strings above, the timestamp as Unix milliseconds, the payload as
// padded standard base64, keys as lowercase hex. submitted_ms is not part of
// the shape and is not written.
func MarshalTxJSON(tx *aurigraphv1.Transaction) ([]byte, error) {
	if tx == nil {
		return nil, errors.New("marshal transaction: nil transaction")
	}
	if TxTypeName(tx.GetType()) == "" {
		return nil, fmt.Errorf("marshal transaction: type %v has no JSON name", tx.GetType())
	}
	if tx.GetTimestampMs() < 0 {
		return nil, fmt.Errorf("marshal transaction: negative timestamp %d", tx.GetTimestampMs())
	}
	v := TxViewOf(tx)
	return v.AppendJSON(nil), nil
}

// TxDigest returns sha256 of the canonical encoding of tx.
//
// The canonical encoding is the deterministic protobuf encoding
// (proto.MarshalOptions{Deterministic: true}) of a Transaction holding only
// type, from, to, amount, asset, nonce, payload, timestamp_ms, pubkey and
// new_key: id (derived from it), sig (signs it) and submitted_ms (set by the
// log, not the producer) are left out, as are unknown fields. Transaction has no maps,
// so that encoding is fields in ascending number order with proto3 defaults
// omitted: a pure function of the field values, which AppendCanonicalTx
// writes directly.
func TxDigest(tx *aurigraphv1.Transaction) [sha256.Size]byte {
	// Ingest and every validator digest every signed transaction: the
	// encoding is built on the stack, without proto.Marshal's reflection
	// and the copy of tx it needed on the heap.
	var buf [256]byte
	return sha256.Sum256(AppendCanonicalTx(buf[:0], tx))
}

// AppendCanonicalTx appends the canonical encoding of tx (see TxDigest) to b.
// A string field that is not valid UTF-8, which neither the JSON nor the
// protobuf decoder lets through, is encoded with its invalid bytes replaced
// by U+FFFD, the way JSON would have read it.
func AppendCanonicalTx(b []byte, tx *aurigraphv1.Transaction) []byte {
	if t := tx.GetType(); t != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(t)))
	}
	b = appendCanonicalString(b, 3, tx.GetFrom())
	b = appendCanonicalString(b, 4, tx.GetTo())
	b = appendCanonicalVarint(b, 5, tx.GetAmount())
	b = appendCanonicalString(b, 6, tx.GetAsset())
	b = appendCanonicalVarint(b, 7, tx.GetNonce())
	b = appendCanonicalBytes(b, 8, tx.GetPayload())
	b = appendCanonicalVarint(b, 9, uint64(tx.GetTimestampMs()))
	b = appendCanonicalBytes(b, 10, tx.GetPubkey())
	return appendCanonicalBytes(b, 13, tx.GetNewKey())
}

func appendCanonicalVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendCanonicalString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendCanonicalBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// TxID is the id of a transaction whose producer set none: lowercase hex of
// TxDigest.
func TxID(tx *aurigraphv1.Transaction) string {
	sum := TxDigest(tx)
	var buf [2 * sha256.Size]byte
	return string(hex.AppendEncode(buf[:0], sum[:]))
}

// SignTx sets tx.pubkey to key's public key and tx.sig to the Ed25519
// signature of TxDigest(tx), the scheme ingest verifies.
func SignTx(tx *aurigraphv1.Transaction, key ed25519.PrivateKey) {
	tx.Pubkey = append([]byte(nil), key.Public().(ed25519.PublicKey)...)
	sum := TxDigest(tx)
	tx.Sig = ed25519.Sign(key, sum[:])
}
