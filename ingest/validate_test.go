package ingest

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	transfer      = aurigraphv1.TxType_TX_TYPE_TRANSFER
	mint          = aurigraphv1.TxType_TX_TYPE_MINT
	assetCreate   = aurigraphv1.TxType_TX_TYPE_ASSET_CREATE
	assetTransfer = aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER
	setKey        = aurigraphv1.TxType_TX_TYPE_SET_KEY
)

func TestValidate(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signed := &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 1}
	schemas.SignTx(signed, key)
	tampered := proto.Clone(signed).(*aurigraphv1.Transaction)
	tampered.Amount = 2

	tests := []struct {
		name  string
		tx    *aurigraphv1.Transaction
		field string // "" = valid
	}{
		{"transfer", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 1}, ""},
		{"transfer of asset", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 1, Asset: "GLD"}, ""},
		{"mint", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1}, ""},
		{"mint with issuer", &aurigraphv1.Transaction{Type: mint, From: "treasury", To: "b", Amount: 1}, ""},
		{"asset create", &aurigraphv1.Transaction{Type: assetCreate, From: "a", Asset: "GLD", Amount: 100}, ""},
		{"asset transfer", &aurigraphv1.Transaction{Type: assetTransfer, From: "a", To: "b", Asset: "GLD", Amount: 1}, ""},
		{"mint of a created asset", &aurigraphv1.Transaction{Type: mint, From: "a", To: "b", Amount: 1, Asset: "GLD"}, ""},
		{"set_key", &aurigraphv1.Transaction{Type: setKey, From: "a", NewKey: make([]byte, 32)}, ""},
		{"signed", signed, ""},
		{"producer id", &aurigraphv1.Transaction{Id: "order-42", Type: mint, To: "b", Amount: 1}, ""},
		{"limits", &aurigraphv1.Transaction{Id: strings.Repeat("i", 128), Type: transfer, From: strings.Repeat("a", 128),
			To: "~!", Amount: 1, Payload: make([]byte, 4096)}, ""},

		{"nil", nil, "transaction"},
		{"unspecified type", &aurigraphv1.Transaction{From: "a", To: "b", Amount: 1}, "type"},
		{"unknown type", &aurigraphv1.Transaction{Type: 9, From: "a", To: "b", Amount: 1}, "type"},
		{"transfer without from", &aurigraphv1.Transaction{Type: transfer, To: "b", Amount: 1}, "from"},
		{"transfer without to", &aurigraphv1.Transaction{Type: transfer, From: "a", Amount: 1}, "to"},
		{"zero amount", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b"}, "amount"},
		{"set_key with an amount", &aurigraphv1.Transaction{Type: setKey, From: "a", NewKey: make([]byte, 32), Amount: 1}, "amount"},
		{"set_key without new_key", &aurigraphv1.Transaction{Type: setKey, From: "a"}, "new_key"},
		{"set_key with a short new_key", &aurigraphv1.Transaction{Type: setKey, From: "a", NewKey: make([]byte, 31)}, "new_key"},
		{"set_key with a recipient", &aurigraphv1.Transaction{Type: setKey, From: "a", To: "b", NewKey: make([]byte, 32)}, "to"},
		{"new_key on a transfer", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 1, NewKey: make([]byte, 32)}, "new_key"},
		{"asset create without asset", &aurigraphv1.Transaction{Type: assetCreate, From: "a", Amount: 1}, "asset"},
		{"asset create with recipient", &aurigraphv1.Transaction{Type: assetCreate, From: "a", To: "b", Asset: "G", Amount: 1}, "to"},
		{"asset transfer without asset", &aurigraphv1.Transaction{Type: assetTransfer, From: "a", To: "b", Amount: 1}, "asset"},
		{"address too long", &aurigraphv1.Transaction{Type: transfer, From: strings.Repeat("a", 129), To: "b", Amount: 1}, "from"},
		{"address with space", &aurigraphv1.Transaction{Type: transfer, From: "a b", To: "b", Amount: 1}, "from"},
		{"address not ascii", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "bé", Amount: 1}, "to"},
		{"asset control char", &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Asset: "G\n", Amount: 1}, "asset"},
		{"id too long", &aurigraphv1.Transaction{Id: strings.Repeat("i", 129), Type: mint, To: "b", Amount: 1}, "id"},
		{"payload too big", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1, Payload: make([]byte, 4097)}, "payload"},
		{"negative timestamp", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1, TimestampMs: -1}, "timestamp"},
		{"pubkey without sig", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1, Pubkey: make([]byte, 32)}, "sig"},
		{"short pubkey", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1, Pubkey: []byte{1}, Sig: make([]byte, 64)}, "pubkey"},
		{"short sig", &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 1, Pubkey: make([]byte, 32), Sig: []byte{1}}, "sig"},
		{"tampered", tampered, "sig"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.tx)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ie *InvalidTxError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("Validate = %v, want an error about %q", err, tc.field)
			}
			if ie.Reason == "" {
				t.Fatal("error has no reason")
			}
		})
	}
}

func mustProto(t testing.TB, tx *aurigraphv1.Transaction) []byte {
	t.Helper()
	b, err := proto.Marshal(tx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRecord(t *testing.T) {
	plain := &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 5, Nonce: 1}
	withID := &aurigraphv1.Transaction{Type: mint, To: "b", Amount: 5}
	withID.Id = schemas.TxID(withID)
	foreign := &aurigraphv1.Transaction{Id: "mine", Type: mint, To: "b", Amount: 5}
	// A protobuf record whose 123-byte id makes it begin "\n{": whitespace
	// then a brace, as if it were indented JSON. No derived id is that long.
	braced := &aurigraphv1.Transaction{Id: strings.Repeat("x", 123), Type: mint, To: "b", Amount: 5}
	unknown := protowire.AppendTag(mustProto(t, plain), 99, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 1)

	tests := []struct {
		name    string
		value   []byte
		want    *aurigraphv1.Transaction
		wantErr string
	}{
		{"json", []byte(`{"type":"transfer","from":"a","to":"b","amount":5,"nonce":1}`), plain, ""},
		{"json with whitespace", []byte(" \n\t{\"type\":\"transfer\",\"from\":\"a\",\"to\":\"b\",\"amount\":\"5\",\"nonce\":1}\n"), plain, ""},
		{"json with its derived id", []byte(`{"id":"` + withID.Id + `","type":"mint","to":"b","amount":5}`), withID, ""},
		{"json with an id of its own choosing", []byte(`{"id":"mine","type":"mint","to":"b","amount":5}`), nil, "is not this transaction's id"},
		{"protobuf", mustProto(t, plain), plain, ""},
		{"protobuf with its derived id", mustProto(t, withID), withID, ""},
		{"protobuf with an id of its own choosing", mustProto(t, foreign), nil, "is not this transaction's id"},
		{"protobuf that looks like json", mustProto(t, braced), nil, "is not this transaction's id"},
		{"empty", nil, nil, "no value"},
		{"blank", []byte("  \n"), nil, "no value"},
		{"bad json", []byte(`{"type":"transfer","amount":-5}`), nil, "amount"},
		{"garbage", []byte{0xff, 0xff, 0xff}, nil, "neither"},
		{"unknown protobuf field", unknown, nil, "unknown field 99"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeRecord(tc.value)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DecodeRecord = %v, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeRecord: %v", err)
			}
			want := proto.Clone(tc.want).(*aurigraphv1.Transaction)
			if want.Id == "" {
				want.Id = schemas.TxID(want)
			}
			if !proto.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
		})
	}
}

func TestDecodeRecordSameIDForBothEncodings(t *testing.T) {
	fromJSON, err := DecodeRecord([]byte(`{"type":"transfer","from":"a","to":"b","amount":5,"nonce":1,"payload":"AQI="}`))
	if err != nil {
		t.Fatal(err)
	}
	fromProto, err := DecodeRecord(mustProto(t, &aurigraphv1.Transaction{Type: transfer, From: "a", To: "b", Amount: 5, Nonce: 1, Payload: []byte{1, 2}}))
	if err != nil {
		t.Fatal(err)
	}
	if fromJSON.Id != fromProto.Id {
		t.Fatalf("JSON id %s != protobuf id %s", fromJSON.Id, fromProto.Id)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"type":"transfer","from":"a","to":"b","amount":5,"nonce":1}`))
	f.Add([]byte(` {"type":"mint","to":"b","amount":"5","timestamp":"2024-01-01T00:00:00Z"}`))
	f.Add(mustProto(f, &aurigraphv1.Transaction{Type: assetCreate, From: "a", Asset: "G", Amount: 1, Payload: []byte{1}}))
	f.Add(mustProto(f, &aurigraphv1.Transaction{Id: strings.Repeat("x", 123), Type: mint, To: "b", Amount: 5}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, value []byte) {
		tx, err := DecodeRecord(value)
		if err != nil {
			return
		}
		if tx.GetId() == "" {
			t.Fatal("decoded transaction has no id")
		}
		// The signature check trusts the digest decodeRecord returns.
		if _, digest, _ := decodeRecord(value, nil); digest != schemas.TxDigest(tx) {
			t.Fatalf("decodeRecord digest %x, transaction's %x", digest, schemas.TxDigest(tx))
		}
		if Validate(tx) != nil {
			return
		}
		// A valid transaction must survive the trip producers take through
		// the submission edge: protobuf with its id set.
		again, err := DecodeRecord(mustProto(t, tx))
		if err != nil {
			t.Fatalf("re-decoding %v: %v", tx, err)
		}
		if !proto.Equal(tx, again) {
			t.Fatalf("protobuf round trip changed %v into %v", tx, again)
		}
	})
}

func BenchmarkDecodeRecord(b *testing.B) {
	tx := &aurigraphv1.Transaction{Type: transfer, From: "alice-0001", To: "bob-0002", Amount: 250, Nonce: 17,
		TimestampMs: 1700000000000, Payload: []byte("invoice 2024-117")}
	pb := mustProto(b, tx)
	js, err := schemas.MarshalTxJSON(tx)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		value []byte
	}{{"json", js}, {"protobuf", pb}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.value)))
			for b.Loop() {
				if _, err := DecodeRecord(c.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	unsigned := &aurigraphv1.Transaction{Id: "x", Type: assetTransfer, From: "alice-0001", To: "bob-0002", Asset: "GLD", Amount: 250, Nonce: 17}
	signed := proto.Clone(unsigned).(*aurigraphv1.Transaction)
	schemas.SignTx(signed, key)
	for _, c := range []struct {
		name string
		tx   *aurigraphv1.Transaction
	}{{"unsigned", unsigned}, {"ed25519", signed}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Validate(c.tx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
