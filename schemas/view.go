package schemas

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Uint is an unsigned 64-bit integer of the API's JSON: a number up to
// 2^53-1, the largest every JSON reader (including JavaScript's doubles)
// holds exactly, and a decimal string above. It decodes either form.
type Uint uint64

// MarshalJSON writes u as AppendUint does.
func (u Uint) MarshalJSON() ([]byte, error) { return AppendUint(nil, uint64(u)), nil }

// UnmarshalJSON reads a JSON integer or a string of decimal digits that fits
// in 64 bits; null leaves u unchanged.
func (u *Uint) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := parseUint(b)
	if err != nil {
		return err
	}
	*u = Uint(v)
	return nil
}

// AppendUint appends v as a JSON number up to 2^53-1 and as a decimal string
// above.
func AppendUint(dst []byte, v uint64) []byte {
	if v > maxSafeJSONInt {
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, v, 10)
		return append(dst, '"')
	}
	return strconv.AppendUint(dst, v, 10)
}

// AppendInt appends v as a JSON number within ±(2^53-1) and as a decimal
// string beyond, the signed twin of AppendUint.
func AppendInt(dst []byte, v int64) []byte {
	if v > maxSafeJSONInt || v < -maxSafeJSONInt {
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, v, 10)
		return append(dst, '"')
	}
	return strconv.AppendInt(dst, v, 10)
}

// TxView is a transaction as every JSON face of the API writes it: the REST
// reads of a transaction, of blocks and of account and asset histories, the
// live streams' tx events (WebSocket and SSE) and the exports of
// transactions. The fields of what the transaction is have the names and
// encodings of the submission shape (ParseTxJSON); the outcome follows
// where the face knows it. An example, with an amount above 2^53:
//
//	{"id":"6b1d…","type":"transfer","from":"alice","to":"bob","amount":"9007199254740993",
//	 "nonce":7,"timestamp":1763900000000,"status":"committed","height":42,"index":3,
//	 "submitted_ms":1763900000012,"block_timestamp":1763900000031}
//
// MarshalJSON writes the fields in that order and leaves out those that are
// empty or zero, except amount and nonce, which are there whenever type is.
// A transaction known only by id (pending) has no type and so only id and
// status. height and index come together, whenever height is set.
type TxView struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	From string `json:"from"`
	To   string `json:"to"`
	// Amount and Nonce are numbers up to 2^53-1 and decimal strings above.
	Amount Uint   `json:"amount"`
	Asset  string `json:"asset"`
	Nonce  Uint   `json:"nonce"`
	// Payload is standard base64 with padding.
	Payload string `json:"payload"`
	// Timestamp is the producer's time, Unix milliseconds.
	Timestamp int64 `json:"timestamp"`
	// Pubkey, Sig and NewKey are lowercase hex.
	Pubkey string `json:"pubkey"`
	Sig    string `json:"sig"`
	NewKey string `json:"new_key"`

	// Status is "pending", "committed" or "failed"; Reason says why a
	// transaction failed.
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Height and Index place the transaction in the chain.
	Height Uint   `json:"height"`
	Index  uint32 `json:"index"`
	// SubmittedMs is when the transactions topic took it, Unix milliseconds.
	SubmittedMs int64 `json:"submitted_ms"`
	// BlockTimestamp is the timestamp of the block that holds it, Unix
	// milliseconds: when the chain committed it.
	BlockTimestamp int64 `json:"block_timestamp"`
}

// TxViewOf is what tx is, without an outcome. submitted_ms, which the
// transactions topic sets, is left to TxResultView, so that TxViewOf of a
// submitted transaction writes the submission shape.
func TxViewOf(tx *aurigraphv1.Transaction) TxView {
	v := txViewText(tx)
	v.Pubkey = hex.EncodeToString(tx.GetPubkey())
	v.Sig = hex.EncodeToString(tx.GetSig())
	v.NewKey = hex.EncodeToString(tx.GetNewKey())
	if len(tx.GetPayload()) > 0 {
		v.Payload = base64.StdEncoding.EncodeToString(tx.GetPayload())
	}
	return v
}

// txViewText is TxViewOf without the byte fields, which need encoding.
func txViewText(tx *aurigraphv1.Transaction) TxView {
	return TxView{
		ID:        tx.GetId(),
		Type:      cmp.Or(TxTypeName(tx.GetType()), "unspecified"),
		From:      tx.GetFrom(),
		To:        tx.GetTo(),
		Amount:    Uint(tx.GetAmount()),
		Asset:     tx.GetAsset(),
		Nonce:     Uint(tx.GetNonce()),
		Timestamp: tx.GetTimestampMs(),
	}
}

// TxResultView is the transaction of r with its outcome, at position index
// of the block at height made at blockTimestampMs.
func TxResultView(r *aurigraphv1.TxResult, height uint64, index uint32, blockTimestampMs int64) TxView {
	v := TxViewOf(r.GetTx())
	v.setOutcome(r, height, index, blockTimestampMs)
	return v
}

// AppendTxResultJSON appends TxResultView(r, height, index,
// blockTimestampMs) as AppendJSON writes it, with the byte fields encoded
// straight into dst: a live stream writes every transaction of every block
// once, and the view's strings would be garbage as soon as they were copied.
func AppendTxResultJSON(dst []byte, r *aurigraphv1.TxResult, height uint64, index uint32, blockTimestampMs int64) []byte {
	v := txViewText(r.GetTx())
	v.setOutcome(r, height, index, blockTimestampMs)
	return v.appendJSON(dst, r.GetTx())
}

func (v *TxView) setOutcome(r *aurigraphv1.TxResult, height uint64, index uint32, blockTimestampMs int64) {
	v.Status = cmp.Or(TxStatusName(r.GetStatus()), "unknown")
	v.Reason = r.GetReason()
	v.Height, v.Index = Uint(height), index
	v.SubmittedMs = r.GetTx().GetSubmittedMs()
	v.BlockTimestamp = blockTimestampMs
}

// MarshalJSON writes v as AppendJSON does.
func (v TxView) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends v's JSON encoding to dst: the bytes encoding/json
// would write for the fields present, without its reflection, because every
// transaction of every block passes through here.
func (v *TxView) AppendJSON(dst []byte) []byte { return v.appendJSON(dst, nil) }

// appendJSON is AppendJSON, taking each byte field from v when v has it
// and otherwise from raw, encoded here; raw is nil for a view built by
// TxViewOf, and a view built by txViewText has none of them.
func (v *TxView) appendJSON(dst []byte, raw *aurigraphv1.Transaction) []byte {
	b := append(dst, '{')
	start := len(b)
	b = appendStringMember(b, start, "id", v.ID)
	if v.Type != "" {
		b = appendStringMember(b, start, "type", v.Type)
		b = appendStringMember(b, start, "from", v.From)
		b = appendStringMember(b, start, "to", v.To)
		b = AppendUint(appendKey(b, start, "amount"), uint64(v.Amount))
		b = appendStringMember(b, start, "asset", v.Asset)
		b = AppendUint(appendKey(b, start, "nonce"), uint64(v.Nonce))
		b = appendBytesMember(b, start, "payload", v.Payload, raw.GetPayload(), base64.StdEncoding.AppendEncode)
		b = appendIntMember(b, start, "timestamp", v.Timestamp)
		b = appendBytesMember(b, start, "pubkey", v.Pubkey, raw.GetPubkey(), hex.AppendEncode)
		b = appendBytesMember(b, start, "sig", v.Sig, raw.GetSig(), hex.AppendEncode)
		b = appendBytesMember(b, start, "new_key", v.NewKey, raw.GetNewKey(), hex.AppendEncode)
	}
	b = appendStringMember(b, start, "status", v.Status)
	b = appendStringMember(b, start, "reason", v.Reason)
	if v.Height != 0 {
		b = AppendUint(appendKey(b, start, "height"), uint64(v.Height))
		b = strconv.AppendUint(appendKey(b, start, "index"), uint64(v.Index), 10)
	}
	b = appendIntMember(b, start, "submitted_ms", v.SubmittedMs)
	b = appendIntMember(b, start, "block_timestamp", v.BlockTimestamp)
	return append(b, '}')
}

// appendKey appends `"key":`, after a comma unless it is the object's first
// member, which starts at start.
func appendKey(b []byte, start int, key string) []byte {
	if len(b) > start {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendStringMember(b []byte, start int, key, s string) []byte {
	if s == "" {
		return b
	}
	return AppendString(appendKey(b, start, key), s)
}

// appendBytesMember appends the member from text, the field already
// encoded, or else from raw, encoded by enc. Base64 and hex need no JSON
// escaping, so both ways write the same bytes.
func appendBytesMember(b []byte, start int, key, text string, raw []byte, enc func(dst, src []byte) []byte) []byte {
	switch {
	case text != "":
		return AppendString(appendKey(b, start, key), text)
	case len(raw) > 0:
		b = append(appendKey(b, start, key), '"')
		b = enc(b, raw)
		return append(b, '"')
	}
	return b
}

func appendIntMember(b []byte, start int, key string, n int64) []byte {
	if n == 0 {
		return b
	}
	return AppendInt(appendKey(b, start, key), n)
}

// AppendString appends s as a JSON string exactly as encoding/json writes
// it (HTML characters escaped, invalid UTF-8 replaced), so that a view
// written here and one inside a value encoding/json writes are the same
// bytes.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// parseUint reads a JSON integer literal or a JSON string of decimal digits
// that fits in 64 bits; raw is one JSON value, already checked to be valid.
// It reads the digits where they are: every amount, nonce and timestamp of
// every record passes through here.
func parseUint(raw []byte) (uint64, error) {
	text := raw
	if len(raw) > 0 && raw[0] == '"' {
		var ok bool
		if text, ok = plainString(raw); !ok {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return 0, err
			}
			text = []byte(s)
		}
	}
	if !digitsOnly(text) {
		return 0, fmt.Errorf("%s is not a non-negative integer (write digits only, e.g. 42 or \"42\")", raw)
	}
	var v uint64
	for _, c := range text {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, fmt.Errorf("%s does not fit in 64 bits (max 18446744073709551615)", raw)
		}
		v = v*10 + d
	}
	return v, nil
}
