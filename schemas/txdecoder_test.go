package schemas

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// FuzzTxDecoder: a TxDecoder reads every input as ParseTxJSON does, with
// the same errors, over many inputs in a row, a failed one leaving nothing
// behind in the next, and what it decoded stays as it was decoded.
func FuzzTxDecoder(f *testing.F) {
	for _, tc := range parseTxJSONTests {
		f.Add([]byte(tc.in))
	}
	for _, tc := range parseTxJSONErrorTests {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"type":"set_key","from":"a","pubkey":"` + string(bytes.Repeat([]byte("ab"), 32)) + `","new_key":"00ff","payload":"AQID"}`))
	f.Add([]byte(`{"id":"\u0041","amount":"\u0031","nonce":"0012","timestamp":"\u0031","payload":"` + string(bytes.Repeat([]byte("A"), 3*arenaMaxShared)) + `"}`))
	next := []byte(`{"type":"asset_transfer","from":"a","to":"b","amount":3,"asset":"G","nonce":1}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		// A slab of two is used up, and another made, within one input.
		dec := NewTxDecoder(2)
		var got, want []*aurigraphv1.Transaction
		for _, in := range [][]byte{b, next, b, b, next} {
			tx, err := dec.ParseTxJSON(in)
			ref, refErr := ParseTxJSON(in)
			if !reflect.DeepEqual(err, refErr) {
				t.Fatalf("TxDecoder error %v, ParseTxJSON error %v", err, refErr)
			}
			if (tx == nil) != (ref == nil) || !proto.Equal(tx, ref) {
				t.Fatalf("TxDecoder read %v, ParseTxJSON %v", tx, ref)
			}
			if tx != nil {
				got, want = append(got, tx), append(want, ref)
			}
		}
		for i := range got {
			if !proto.Equal(got[i], want[i]) {
				t.Fatalf("transaction %d changed into %v after later decodes, was %v", i, got[i], want[i])
			}
		}
	})
}

// TestTxDecoderKeepsFieldsApart: appending to or overwriting one
// transaction's byte fields leaves every other decoded transaction, and its
// strings, as they were.
func TestTxDecoderKeepsFieldsApart(t *testing.T) {
	dec := NewTxDecoder(4)
	var txs, clones []*aurigraphv1.Transaction
	for i := range 8 {
		tx, err := dec.ParseTxJSON(fmt.Appendf(nil, `{"id":"tx-%d","type":"set_key","from":"a%d","payload":"AQID","pubkey":"0a0b","sig":"0c0d","new_key":"0e0f"}`, i, i))
		if err != nil {
			t.Fatal(err)
		}
		txs, clones = append(txs, tx), append(clones, proto.Clone(tx).(*aurigraphv1.Transaction))
	}
	for i, tx := range txs {
		for _, field := range []*[]byte{&tx.Payload, &tx.Pubkey, &tx.Sig, &tx.NewKey} {
			if cap(*field) != len(*field) {
				t.Fatalf("transaction %d: a byte field of length %d has capacity %d", i, len(*field), cap(*field))
			}
			for j := range *field {
				(*field)[j] = 0xee
			}
			*field = append(*field, bytes.Repeat([]byte{0xff}, 64)...)
		}
		for j, other := range txs {
			if j != i && !proto.Equal(other, clones[j]) {
				t.Fatalf("changing transaction %d changed transaction %d into %v, was %v", i, j, other, clones[j])
			}
		}
		clones[i] = proto.Clone(tx).(*aurigraphv1.Transaction)
	}
}

// TestTxDecoderAllocations: a span of typical records, unsigned 150-byte
// transfers with a payload, costs a few allocations in all rather than
// about ten a transaction.
func TestTxDecoderAllocations(t *testing.T) {
	const n = 256
	records := make([][]byte, n)
	for i := range records {
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "run-max-p0-a" + strconv.Itoa(i%64),
			To: "run-max-p1-a" + strconv.Itoa(i%64), Amount: 1, Nonce: uint64(1000 + i), Payload: make([]byte, 36)}
		b, err := MarshalTxJSON(tx)
		if err != nil {
			t.Fatal(err)
		}
		records[i] = b
	}
	perTx := testing.AllocsPerRun(20, func() {
		dec := NewTxDecoder(n)
		for _, b := range records {
			if _, err := dec.ParseTxJSON(b); err != nil {
				t.Fatal(err)
			}
		}
	}) / n
	if perTx > 0.05 {
		t.Errorf("TxDecoder: %.3f allocations a transaction, want at most 0.05", perTx)
	}
	t.Logf("%.3f allocations a transaction", perTx)
}

// TestParseUintDoesNotAllocate: every amount, nonce and timestamp of every
// record is read in place.
func TestParseUintDoesNotAllocate(t *testing.T) {
	for _, in := range []string{`7`, `18446744073709551615`, `"42"`, `"18446744073709551615"`} {
		raw := []byte(in)
		if n := testing.AllocsPerRun(100, func() {
			if _, err := parseUint(raw); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("parseUint(%s): %v allocations, want none", in, n)
		}
	}
}
