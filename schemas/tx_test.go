package schemas

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// parseTxJSONTests are well-formed transactions, which the decoder fuzz
// tests start from too.
var parseTxJSONTests = []struct {
	name string
	in   string
	want *aurigraphv1.Transaction
}{
	{
		name: "numbers",
		in:   `{"type":"transfer","from":"alice","to":"bob","amount":250,"nonce":3}`,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "alice", To: "bob", Amount: 250, Nonce: 3},
	},
	{
		name: "decimal strings and max uint64",
		in:   `{"type":"mint","to":"bob","amount":"18446744073709551615","nonce":"0"}`,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1<<64 - 1},
	},
	{
		name: "every field",
		in: `{"id":"p-1","type":"asset_transfer","from":"a","to":"b","amount":1,"asset":"GLD","nonce":9,
				"payload":"aGVsbG8=","timestamp":1700000000123,"pubkey":"0aFF","sig":"00"}`,
		want: &aurigraphv1.Transaction{Id: "p-1", Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, From: "a", To: "b",
			Amount: 1, Asset: "GLD", Nonce: 9, Payload: []byte("hello"), TimestampMs: 1700000000123,
			Pubkey: []byte{0x0a, 0xff}, Sig: []byte{0}},
	},
	{
		name: "rfc3339 timestamp and unpadded url-safe payload",
		in:   `{"type":"asset_create","from":"a","asset":"GLD","amount":5,"timestamp":"2023-11-14T22:13:20.5Z","payload":"-_8"}`,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_ASSET_CREATE, From: "a", Asset: "GLD", Amount: 5,
			TimestampMs: 1700000000500, Payload: []byte{0xfb, 0xff}},
	},
	{
		name: "timestamp as a decimal string",
		in:   `{"type":"mint","to":"b","amount":1,"timestamp":"1700000000123"}`,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "b", Amount: 1, TimestampMs: 1700000000123},
	},
	{
		name: "escapes and unicode",
		in:   `{"type":"transfer","from":"caf\u00e9\n","to":"b\"o\\b","amount":1,"asset":"\ud83d\ude00"}`,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "café\n", To: `b"o\b`, Amount: 1, Asset: "😀"},
	},
	{
		name: "empty object",
		in:   "\t{ }\r\n",
		want: &aurigraphv1.Transaction{},
	},
	{
		name: "protobuf enum name and nulls",
		in:   ` {"type":"TX_TYPE_TRANSFER","from":"a","to":"b","amount":1,"asset":null,"sig":null} `,
		want: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "a", To: "b", Amount: 1},
	},
}

func TestParseTxJSON(t *testing.T) {
	for _, tc := range parseTxJSONTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTxJSON([]byte(tc.in))
			if err != nil {
				t.Fatalf("ParseTxJSON: %v", err)
			}
			if !proto.Equal(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// parseTxJSONErrorTests are malformed transactions, which the decoder
// fuzz tests start from too.
var parseTxJSONErrorTests = []struct {
	name, in, field, contains string
}{
	{"unknown field", `{"type":"mint","colour":"red"}`, "", "colour"},
	{"not an object", `[1]`, "", "transaction JSON"},
	{"trailing data", `{"type":"mint"} {}`, "", "after the object"},
	{"truncated", `{"type":"mint"`, "", "transaction JSON"},
	{"unknown type", `{"type":"burn"}`, "type", "burn"},
	{"type not string", `{"type":1}`, "type", "string"},
	{"from not string", `{"from":7}`, "from", "string"},
	{"negative amount", `{"amount":-1}`, "amount", "non-negative"},
	{"fraction amount", `{"amount":1.5}`, "amount", "non-negative integer"},
	{"exponent amount", `{"amount":1e3}`, "amount", "non-negative integer"},
	{"amount overflow", `{"amount":18446744073709551616}`, "amount", "64 bits"},
	{"amount string sign", `{"amount":"+1"}`, "amount", "non-negative"},
	{"amount empty string", `{"amount":""}`, "amount", "non-negative"},
	{"amount bool", `{"amount":true}`, "amount", "non-negative"},
	{"nonce overflow string", `{"nonce":"99999999999999999999"}`, "nonce", "64 bits"},
	{"timestamp garbage", `{"timestamp":"yesterday"}`, "timestamp", "RFC 3339"},
	{"timestamp before epoch", `{"timestamp":"1969-12-31T23:59:59Z"}`, "timestamp", "1970"},
	{"timestamp overflow", `{"timestamp":9223372036854775808}`, "timestamp", "Unix milliseconds"},
	{"timestamp string overflow", `{"timestamp":"9223372036854775808"}`, "timestamp", "Unix milliseconds"},
	{"timestamp bool", `{"timestamp":true}`, "timestamp", "Unix milliseconds"},
	{"payload not base64", `{"payload":"hello world"}`, "payload", "base64"},
	{"pubkey not hex", `{"pubkey":"xyz"}`, "pubkey", "hex"},
	{"sig odd hex", `{"sig":"abc"}`, "sig", "hex"},
	{"duplicate key", `{"amount":1,"amount":2}`, "", "twice"},
	{"key case differs", `{"Amount":1}`, "", "unknown field"},
	{"leading zero", `{"amount":01}`, "", "expected ','"},
	{"bare dot", `{"amount":1.}`, "", "digits must follow"},
	{"bare exponent", `{"amount":1e}`, "", "exponent"},
	{"lone minus", `{"amount":-}`, "", "invalid number"},
	{"trailing comma", `{"type":"mint",}`, "", "expected a string"},
	{"missing colon", `{"type" "mint"}`, "", "expected ':'"},
	{"missing value", `{"type":`, "", "missing value"},
	{"bad literal", `{"type":nul}`, "", "invalid literal"},
	{"object value", `{"from":{"x":1}}`, "from", "an object"},
	{"array value", `{"amount":[1]}`, "amount", "an array"},
	{"raw control char", "{\"from\":\"a\u0001b\"}", "", "control character"},
	{"bad escape", `{"from":"a\qb"}`, "", "invalid escape"},
	{"short unicode escape", `{"from":"\u12"}`, "", "4 hex digits"},
	{"unterminated string", `{"from":"abc`, "", "unterminated"},
	{"single quotes", `{'from':'a'}`, "", "expected a string"},
	{"empty input", ``, "", "expected a JSON object"},
}

func TestParseTxJSONErrors(t *testing.T) {
	for _, tc := range parseTxJSONErrorTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTxJSON([]byte(tc.in))
			if err == nil {
				t.Fatal("ParseTxJSON accepted it")
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("error %q does not mention %q", err, tc.contains)
			}
			var fe *FieldError
			if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Fatalf("error %q does not name field %q", err, tc.field)
			}
		})
	}
}

func TestMarshalTxJSONRoundTrip(t *testing.T) {
	txs := []*aurigraphv1.Transaction{
		{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "a", To: "b", Amount: 1},
		{Id: "x", Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, From: "a", To: "b", Amount: 1 << 60, Asset: "GLD",
			Nonce: 1<<53 - 1, Payload: []byte{0, 1, 2, 0xff}, TimestampMs: 1, Pubkey: []byte{1}, Sig: []byte{2}},
	}
	for _, tx := range txs {
		b, err := MarshalTxJSON(tx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseTxJSON(b)
		if err != nil {
			t.Fatalf("ParseTxJSON(%s): %v", b, err)
		}
		if !proto.Equal(got, tx) {
			t.Fatalf("round trip of %s: got %v want %v", b, got, tx)
		}
	}
	b, _ := MarshalTxJSON(txs[1])
	if !strings.Contains(string(b), `"amount":"1152921504606846976"`) || !strings.Contains(string(b), `"nonce":9007199254740991`) {
		t.Fatalf("integers above 2^53-1 must be strings, others numbers: %s", b)
	}
	if _, err := MarshalTxJSON(&aurigraphv1.Transaction{}); err == nil {
		t.Fatal("MarshalTxJSON accepted an unspecified type")
	}
}

func TestTxID(t *testing.T) {
	base := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "alice", To: "bob", Amount: 250, Nonce: 3}
	// Pinned so a change to the canonical encoding, which would re-key every
	// stored transaction, cannot pass unnoticed. It is sha256 of the bytes
	// 10 01 1a 05 "alice" 22 03 "bob" 28 fa 01 38 03, encoded by hand.
	const golden = "6b1dfe4cc764c933f86358f610be2682a9c4ba460cecffb2421854c6eebf0e72"
	id := TxID(base)
	if len(id) != 64 || strings.ToLower(id) != id {
		t.Fatalf("TxID = %q, want 64 lowercase hex digits", id)
	}
	if id != golden {
		t.Fatalf("TxID = %s, want pinned %s", id, golden)
	}
	ignored := proto.Clone(base).(*aurigraphv1.Transaction)
	ignored.Id, ignored.Sig, ignored.SubmittedMs = "other", []byte{1, 2}, 99
	if TxID(ignored) != id {
		t.Fatal("id, sig and submitted_ms must not change the id")
	}
	for name, mutate := range map[string]func(*aurigraphv1.Transaction){
		"amount":  func(tx *aurigraphv1.Transaction) { tx.Amount++ },
		"nonce":   func(tx *aurigraphv1.Transaction) { tx.Nonce++ },
		"pubkey":  func(tx *aurigraphv1.Transaction) { tx.Pubkey = []byte{1} },
		"payload": func(tx *aurigraphv1.Transaction) { tx.Payload = []byte{0} },
		"time":    func(tx *aurigraphv1.Transaction) { tx.TimestampMs = 1 },
	} {
		m := proto.Clone(base).(*aurigraphv1.Transaction)
		mutate(m)
		if TxID(m) == id {
			t.Errorf("changing %s kept the id", name)
		}
	}
	bad := proto.Clone(base).(*aurigraphv1.Transaction)
	bad.From = "al\xffice"
	if TxID(bad) == id || TxID(bad) != TxID(proto.Clone(bad).(*aurigraphv1.Transaction)) {
		t.Fatal("invalid UTF-8 must hash deterministically and differently")
	}
}

// TestCanonicalTxMatchesProto holds the hand-written canonical encoding to
// its definition, the deterministic protobuf encoding of the digested
// fields, for every field set or left at its default, extreme values,
// negative numbers and strings that are not UTF-8.
func TestCanonicalTxMatchesProto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "alice", "aur" + strings.Repeat("0f", 20), "\xff\xfeal", strings.Repeat("x", 300), "é"}
	byts := [][]byte{nil, {}, {0}, make([]byte, 32), make([]byte, 200)}
	nums := []uint64{0, 1, 127, 128, 1<<63 - 1, 1 << 63, ^uint64(0)}
	types := []aurigraphv1.TxType{0, 1, 5, -1, 1<<31 - 1}
	for range 5000 {
		tx := &aurigraphv1.Transaction{
			Id:          strs[r.IntN(len(strs))],
			Type:        types[r.IntN(len(types))],
			From:        strs[r.IntN(len(strs))],
			To:          strs[r.IntN(len(strs))],
			Amount:      nums[r.IntN(len(nums))],
			Asset:       strs[r.IntN(len(strs))],
			Nonce:       nums[r.IntN(len(nums))],
			Payload:     byts[r.IntN(len(byts))],
			TimestampMs: int64(nums[r.IntN(len(nums))]),
			Pubkey:      byts[r.IntN(len(byts))],
			Sig:         byts[r.IntN(len(byts))],
			SubmittedMs: int64(nums[r.IntN(len(nums))]),
			NewKey:      byts[r.IntN(len(byts))],
		}
		c := &aurigraphv1.Transaction{
			Type: tx.GetType(), From: strings.ToValidUTF8(tx.GetFrom(), "\uFFFD"), To: strings.ToValidUTF8(tx.GetTo(), "\uFFFD"),
			Amount: tx.GetAmount(), Asset: strings.ToValidUTF8(tx.GetAsset(), "\uFFFD"), Nonce: tx.GetNonce(),
			Payload: tx.GetPayload(), TimestampMs: tx.GetTimestampMs(), Pubkey: tx.GetPubkey(), NewKey: tx.GetNewKey(),
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendCanonicalTx(nil, tx); !bytes.Equal(got, want) {
			t.Fatalf("canonical encoding of %v:\n got %x\nwant %x", tx, got, want)
		}
	}
}

// TestHotPathsDoNotAllocate holds the digest and the address check every
// validator runs for every signed transaction to no allocation.
func TestHotPathsDoNotAllocate(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: AddressOf(pub), To: "bob", Amount: 250, Nonce: 3}
	SignTx(tx, key)
	if n := testing.AllocsPerRun(100, func() { TxDigest(tx) }); n != 0 {
		t.Errorf("TxDigest: %v allocations, want none", n)
	}
	if n := testing.AllocsPerRun(100, func() { IsAddressOf(pub, tx.GetFrom()) }); n != 0 {
		t.Errorf("IsAddressOf: %v allocations, want none", n)
	}
	other := []byte(AddressOf(pub))
	other[AddressLen-1] ^= 1
	if !IsAddressOf(pub, tx.GetFrom()) || IsAddressOf(pub, "bob") || IsAddressOf(pub, string(other)) {
		t.Error("IsAddressOf disagrees with AddressOf")
	}
}

func TestSignTx(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1}
	SignTx(tx, key)
	sum := TxDigest(tx)
	if !ed25519.Verify(tx.GetPubkey(), sum[:], tx.GetSig()) {
		t.Fatal("signature does not verify over TxDigest")
	}
}

func TestTxTypeNames(t *testing.T) {
	for _, typ := range []aurigraphv1.TxType{1, 2, 3, 4} {
		name := TxTypeName(typ)
		got, err := ParseTxType(name)
		if err != nil || got != typ {
			t.Fatalf("ParseTxType(TxTypeName(%v)) = %v, %v", typ, got, err)
		}
	}
	if TxTypeName(0) != "" || TxTypeName(99) != "" {
		t.Fatal("unspecified and unknown types must have no name")
	}
	if _, err := ParseTxType("TX_TYPE_UNSPECIFIED"); err == nil {
		t.Fatal("unspecified type must not parse")
	}
}

func FuzzParseTxJSON(f *testing.F) {
	for _, s := range []string{
		`{"type":"transfer","from":"alice","to":"bob","amount":250,"nonce":3}`,
		`{"type":"mint","to":"b","amount":"18446744073709551615","timestamp":"2023-11-14T22:13:20Z","payload":"AA=="}`,
		`{"id":"x","type":"asset_create","from":"a","asset":"G","amount":1,"pubkey":"00","sig":"ff"}`,
		`{"amount":1e3}`, `[]`, `{"type":null}`, `{"payload":"-_8"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := ParseTxJSON(b)
		if err != nil {
			return
		}
		// Whatever the scanner accepts, encoding/json must read the same way.
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		var ref map[string]any
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("encoding/json rejects accepted %q: %v", b, err)
		}
		for key, got := range map[string]string{"id": tx.Id, "from": tx.From, "to": tx.To, "asset": tx.Asset} {
			if want, _ := ref[key].(string); want != got {
				t.Fatalf("%s = %q, encoding/json reads %q", key, got, want)
			}
		}
		if tx.GetType() == aurigraphv1.TxType_TX_TYPE_UNSPECIFIED {
			return
		}
		out, err := MarshalTxJSON(tx)
		if err != nil {
			t.Fatalf("MarshalTxJSON of parsed %v: %v", tx, err)
		}
		again, err := ParseTxJSON(out)
		if err != nil {
			t.Fatalf("ParseTxJSON(%s) of own output: %v", out, err)
		}
		if !proto.Equal(tx, again) {
			t.Fatalf("round trip changed %v into %v", tx, again)
		}
		if TxID(tx) != TxID(again) {
			t.Fatal("round trip changed the id")
		}
	})
}
