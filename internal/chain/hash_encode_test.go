package chain

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestEncodeBlockMatchesMarshal: a stored block built from the encodings the
// Merkle root already made must be byte for byte what marshalling the block
// gives, or hashes and signatures checked against stored blocks would break.
func TestEncodeBlockMatchesMarshal(t *testing.T) {
	committed, failed := aurigraphv1.TxStatus_TX_STATUS_COMMITTED, aurigraphv1.TxStatus_TX_STATUS_FAILED
	full := &aurigraphv1.Transaction{
		Id: "f", Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, From: "alice", To: "bob", Amount: 1 << 60,
		Asset: "GOLD", Nonce: 1<<64 - 1, Payload: bytes.Repeat([]byte{0xff}, 20_000), TimestampMs: -1,
		Pubkey: bytes.Repeat([]byte{1}, 32), Sig: bytes.Repeat([]byte{2}, 64), SubmittedMs: 1_700_000_000_000,
	}
	many := make([]*aurigraphv1.TxResult, 300)
	for i := range many {
		many[i] = &aurigraphv1.TxResult{Tx: &aurigraphv1.Transaction{Id: fmt.Sprintf("t%d", i), Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "alice", To: "bob", Amount: uint64(i), Nonce: uint64(i + 1)}, Status: committed}
		if i%7 == 0 {
			many[i].Status, many[i].Reason = failed, strings.Repeat("insufficient balance ", i%5+1)
		}
	}
	tests := []struct {
		name string
		txs  []*aurigraphv1.TxResult
	}{
		{"one mint", []*aurigraphv1.TxResult{{Tx: &aurigraphv1.Transaction{Id: "m", Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "alice", Amount: 5}, Status: committed}}},
		{"every field, a 20 KB payload", []*aurigraphv1.TxResult{{Tx: full, Status: committed}, {Tx: &aurigraphv1.Transaction{Id: "m", Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1}, Status: committed}}},
		{"an empty transaction", []*aurigraphv1.TxResult{{Tx: &aurigraphv1.Transaction{}, Status: failed, Reason: "missing transaction id"}}},
		{"a result without a transaction", []*aurigraphv1.TxResult{{}}},
		{"300, some failed with reasons", many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, body := TxRootAndBody(tc.txs, true)
			if !bytes.Equal(root, TxRoot(tc.txs)) {
				t.Fatal("TxRootAndBody's root differs from TxRoot's")
			}
			h := &aurigraphv1.BlockHeader{
				Height: 1 << 40, PrevHash: bytes.Repeat([]byte{9}, 32), TxRoot: root, TimestampMs: 1_700_000_000_123,
				Proposer: 3, RaftTerm: 7, RaftIndex: 1 << 33, TxCount: uint32(len(tc.txs)), FailedCount: 1,
				Sources: []*aurigraphv1.SourceRange{{Topic: "aurigraph.tx.v1", Partition: 5, StartOffset: 10, EndOffset: 310}},
			}
			h.Hash = BlockHash(h)
			blk := &aurigraphv1.Block{Header: h, Txs: tc.txs}
			got, err := EncodeBlock(blk, body)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Deterministic.Marshal(blk)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodeBlock gives %d bytes, Marshal %d, and they differ", len(got), len(want))
			}
			back := &aurigraphv1.Block{}
			if err := proto.Unmarshal(got, back); err != nil || back.GetHeader().GetHeight() != h.GetHeight() || len(back.GetTxs()) != len(tc.txs) {
				t.Fatalf("decoded back: %v, %v", back, err)
			}
		})
	}
}

// FuzzAppendTxResult: the direct encoding of a transaction result is the
// generic deterministic one, byte for byte, for whatever a raft entry can
// carry, unknown fields included.
func FuzzAppendTxResult(f *testing.F) {
	f.Add("id", int32(1), "alice", "bob", uint64(5), "GOLD", uint64(7), []byte("p"), int64(-1), []byte{1}, []byte{2}, int64(9), []byte{3}, int32(2), "reason", []byte(nil))
	f.Add("", int32(-3), "", "", uint64(0), "", uint64(0), []byte(nil), int64(0), []byte(nil), []byte(nil), int64(0), []byte(nil), int32(0), "", []byte{0x78, 0x01})
	f.Fuzz(func(t *testing.T, id string, typ int32, from, to string, amount uint64, asset string, nonce uint64, payload []byte,
		ts int64, pub, sig []byte, submitted int64, newKey []byte, status int32, reason string, unknown []byte) {
		r := &aurigraphv1.TxResult{
			Tx: &aurigraphv1.Transaction{Id: id, Type: aurigraphv1.TxType(typ), From: from, To: to, Amount: amount, Asset: asset,
				Nonce: nonce, Payload: payload, TimestampMs: ts, Pubkey: pub, Sig: sig, SubmittedMs: submitted, NewKey: newKey},
			Status: aurigraphv1.TxStatus(status), Reason: reason,
		}
		if len(unknown) > 0 {
			r.Tx.ProtoReflect().SetUnknown(unknown)
		}
		want, err := Deterministic.Marshal(r)
		if err != nil {
			return // not valid UTF-8: such a transaction never decodes from an entry
		}
		if got, want := TxSize(r.Tx), proto.Size(r.Tx); got != want {
			t.Fatalf("TxSize = %d, proto.Size %d", got, want)
		}
		got, err := appendTxResult([]byte{0xee}, r)
		if err != nil || !bytes.Equal(got[1:], want) || got[0] != 0xee {
			t.Fatalf("appendTxResult = %x, %v; proto gives %x", got, err, want)
		}
		if err := proto.Unmarshal(want, &aurigraphv1.TxResult{}); err == nil {
			nilTx := &aurigraphv1.TxResult{Status: r.Status, Reason: r.Reason}
			want, _ := Deterministic.Marshal(nilTx)
			if got, _ := appendTxResult(nil, nilTx); !bytes.Equal(got, want) {
				t.Fatalf("without a transaction: %x, proto gives %x", got, want)
			}
		}
	})
}
