package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestUintJSON(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want string
	}{
		{0, `0`},
		{1<<53 - 1, `9007199254740991`},
		{1 << 53, `"9007199254740992"`},
		{1<<53 + 1, `"9007199254740993"`},
		{1<<64 - 1, `"18446744073709551615"`},
	} {
		got, err := json.Marshal(Uint(tc.v))
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%d) = %s, %v; want %s", tc.v, got, err, tc.want)
		}
		var back Uint
		if err := json.Unmarshal(got, &back); err != nil || uint64(back) != tc.v {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d", got, back, err, tc.v)
		}
	}
	for in, want := range map[string]uint64{`42`: 42, `"42"`: 42, `"9007199254740993"`: 1<<53 + 1, `9007199254740993`: 1<<53 + 1, `null`: 7} {
		u := Uint(7)
		if err := json.Unmarshal([]byte(in), &u); err != nil || uint64(u) != want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d", in, u, err, want)
		}
	}
	for _, in := range []string{`-1`, `1.5`, `1e3`, `"abc"`, `""`, `"-1"`, `18446744073709551616`, `"18446744073709551616"`, `true`, `{}`} {
		var u Uint
		if err := json.Unmarshal([]byte(in), &u); err == nil {
			t.Errorf("Unmarshal(%s) accepted %d", in, u)
		}
	}
}

func TestAppendInt(t *testing.T) {
	for v, want := range map[int64]string{0: `0`, -1: `-1`, 1<<53 - 1: `9007199254740991`, -(1<<53 - 1): `-9007199254740991`,
		1 << 53: `"9007199254740992"`, -(1 << 53): `"-9007199254740992"`, -1 << 63: `"-9223372036854775808"`} {
		if got := string(AppendInt(nil, v)); got != want {
			t.Errorf("AppendInt(%d) = %s, want %s", v, got, want)
		}
	}
}

func TestTxViewJSON(t *testing.T) {
	big := &aurigraphv1.TxResult{
		Tx: &aurigraphv1.Transaction{Id: "t1", Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, From: "alice", To: "<bob>", Amount: 1<<53 + 1,
			Asset: "GLD", Nonce: 1<<60 + 7, Payload: []byte("hi"), TimestampMs: 1700000000000, Pubkey: []byte{0xab}, Sig: []byte{0xcd}, SubmittedMs: 1700000000010},
		Status: aurigraphv1.TxStatus_TX_STATUS_FAILED, Reason: "insufficient balance",
	}
	for _, tc := range []struct {
		name string
		v    TxView
		want string
	}{
		{"result with amounts above 2^53", TxResultView(big, 42, 0, 1700000000020),
			`{"id":"t1","type":"asset_transfer","from":"alice","to":"\u003cbob\u003e","amount":"9007199254740993","asset":"GLD",` +
				`"nonce":"1152921504606846983","payload":"aGk=","timestamp":1700000000000,"pubkey":"ab","sig":"cd",` +
				`"status":"failed","reason":"insufficient balance","height":42,"index":0,"submitted_ms":1700000000010,"block_timestamp":1700000000020}`},
		{"submission shape", TxViewOf(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_SET_KEY, From: "a", NewKey: []byte{1}}),
			`{"type":"set_key","from":"a","amount":0,"nonce":0,"new_key":"01"}`},
		{"pending: only id and status", TxView{ID: "p", Status: "pending"}, `{"id":"p","status":"pending"}`},
		{"unknown type", TxViewOf(&aurigraphv1.Transaction{Id: "u", Type: 99}), `{"id":"u","type":"unspecified","amount":0,"nonce":0}`},
		{"escapes and unicode", TxView{ID: "é\n\"&\xff\u2028", Type: "mint"},
			`{"id":"é\n\"\u0026\ufffd\u2028","type":"mint","amount":0,"nonce":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			if ref := referenceJSON(t, tc.v); !bytes.Equal(got, ref) {
				t.Fatalf("AppendJSON %s\nencoding/json %s", got, ref)
			}
			var back TxView
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			var again TxView
			if b, _ := json.Marshal(back); json.Unmarshal(b, &again) != nil || again != back {
				t.Fatalf("decoded, written and decoded again: %+v, was %+v", again, back)
			}
		})
	}
}

// MarshalTxJSON writes the view of what a transaction is, which ParseTxJSON
// reads back: the submission shape and the views are one shape.
func TestMarshalTxJSONIsTxView(t *testing.T) {
	tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1<<64 - 1, Nonce: 1 << 53, SubmittedMs: 5}
	b, err := MarshalTxJSON(tx)
	if err != nil {
		t.Fatal(err)
	}
	v := TxViewOf(tx)
	if want, _ := json.Marshal(v); !bytes.Equal(b, want) {
		t.Fatalf("MarshalTxJSON %s, TxViewOf %s", b, want)
	}
	if strings.Contains(string(b), "submitted_ms") {
		t.Fatalf("the submission shape has no submitted_ms: %s", b)
	}
}

// referenceJSON is what encoding/json writes for v under AppendJSON's rules
// of which members are present.
func referenceJSON(t *testing.T, v TxView) []byte {
	t.Helper()
	type ref struct {
		ID             string          `json:"id,omitempty"`
		Type           string          `json:"type,omitempty"`
		From           string          `json:"from,omitempty"`
		To             string          `json:"to,omitempty"`
		Amount         *Uint           `json:"amount,omitempty"`
		Asset          string          `json:"asset,omitempty"`
		Nonce          *Uint           `json:"nonce,omitempty"`
		Payload        string          `json:"payload,omitempty"`
		Timestamp      json.RawMessage `json:"timestamp,omitempty"`
		Pubkey         string          `json:"pubkey,omitempty"`
		Sig            string          `json:"sig,omitempty"`
		NewKey         string          `json:"new_key,omitempty"`
		Status         string          `json:"status,omitempty"`
		Reason         string          `json:"reason,omitempty"`
		Height         *Uint           `json:"height,omitempty"`
		Index          *uint32         `json:"index,omitempty"`
		SubmittedMs    json.RawMessage `json:"submitted_ms,omitempty"`
		BlockTimestamp json.RawMessage `json:"block_timestamp,omitempty"`
	}
	ms := func(n int64) json.RawMessage {
		if n == 0 {
			return nil
		}
		return AppendInt(nil, n)
	}
	r := ref{ID: v.ID, Status: v.Status, Reason: v.Reason, SubmittedMs: ms(v.SubmittedMs), BlockTimestamp: ms(v.BlockTimestamp)}
	if v.Type != "" {
		r.Type, r.From, r.To, r.Amount, r.Asset, r.Nonce = v.Type, v.From, v.To, &v.Amount, v.Asset, &v.Nonce
		r.Payload, r.Timestamp, r.Pubkey, r.Sig, r.NewKey = v.Payload, ms(v.Timestamp), v.Pubkey, v.Sig, v.NewKey
	}
	if v.Height != 0 {
		r.Height, r.Index = &v.Height, &v.Index
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzTxView(f *testing.F) {
	for _, s := range []string{
		`{"id":"t1","type":"transfer","from":"a","to":"b","amount":"9007199254740993","nonce":1,"status":"committed","height":3,"index":0}`,
		`{"id":"p","status":"pending"}`,
		`{"type":"mint","amount":18446744073709551615,"nonce":"18446744073709551615","timestamp":-5,"submitted_ms":1,"block_timestamp":2}`,
		`{"id":"\u003c\ud83d\ude00\"","type":"x","payload":"AA==","reason":"r\n"}`,
		`{"amount":-1}`, `{"amount":1.5}`, `{"height":"abc"}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v TxView
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		out := v.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, b)
		}
		if ref := referenceJSON(t, v); !bytes.Equal(out, ref) {
			t.Fatalf("AppendJSON %s\nencoding/json %s", out, ref)
		}
		var back TxView
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("own output %s: %v", out, err)
		}
		if again := back.AppendJSON(nil); !bytes.Equal(again, out) {
			t.Fatalf("round trip changed %s into %s", out, again)
		}
	})
}

// AppendTxResultJSON, which encodes the byte fields straight into its
// buffer, writes the view TxResultView makes, after what dst holds, and
// allocates nothing for a plain transaction into a buffer with room.
func TestAppendTxResultJSONIsTheView(t *testing.T) {
	key := bytes.Repeat([]byte{0x9f, 0x01}, 16)
	results := []*aurigraphv1.TxResult{
		{Tx: &aurigraphv1.Transaction{Id: "s", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "a", To: "b", Amount: 3, Nonce: 1,
			TimestampMs: 1700000000000, Pubkey: key, Sig: append(key, key...), SubmittedMs: 9}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED},
		{Tx: &aurigraphv1.Transaction{Id: "p", Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, Asset: "GLD", Payload: []byte{0xfb, 0xff, '<', '&'}}},
		{Tx: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_SET_KEY, From: "a", NewKey: key}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED},
		{Tx: &aurigraphv1.Transaction{Id: "big", Type: aurigraphv1.TxType_TX_TYPE_MINT, Amount: 1<<64 - 1, Nonce: 1<<53 + 1},
			Status: aurigraphv1.TxStatus_TX_STATUS_FAILED, Reason: "nonce <too> \"low\" & \xff"},
		{Tx: &aurigraphv1.Transaction{Type: 99, Payload: []byte{}, Pubkey: []byte{}}, Status: 42},
		{},
	}
	for _, r := range results {
		for _, height := range []uint64{0, 7, 1<<53 + 1} {
			view := TxResultView(r, height, 3, 1700000000020)
			want := view.AppendJSON([]byte("prefix "))
			if got := AppendTxResultJSON([]byte("prefix "), r, height, 3, 1700000000020); !bytes.Equal(got, want) {
				t.Errorf("tx %q height %d:\n got %s\nwant %s", r.GetTx().GetId(), height, got, want)
			}
		}
	}
	// Strings JSON must escape take encoding/json's way, which allocates;
	// the signed transfer has none.
	signed := results[0]
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(20, func() { AppendTxResultJSON(buf, signed, 7, 3, 1700000000020) }); n != 0 {
		t.Errorf("%v allocations into a buffer with room, want 0", n)
	}
}
