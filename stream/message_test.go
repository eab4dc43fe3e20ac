package stream

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// A tx event's frame is the envelope every event has around the transaction
// in the one shape the REST API also writes, amounts above 2^53 included.
func TestTxFrameCarriesTheTxView(t *testing.T) {
	committed := time.UnixMilli(1700000000050)
	blk := &aurigraphv1.Block{
		Header: &aurigraphv1.BlockHeader{Height: 7, TimestampMs: 1700000000040, Proposer: 1<<53 + 5, RaftTerm: 2},
		Txs: []*aurigraphv1.TxResult{
			{Tx: &aurigraphv1.Transaction{Id: "a", Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1, Nonce: 1}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED},
			{Tx: &aurigraphv1.Transaction{Id: "b", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "bob", To: "carol", Amount: 1<<53 + 1, Nonce: 1<<63 + 3,
				SubmittedMs: 1700000000030}, Status: aurigraphv1.TxStatus_TX_STATUS_FAILED, Reason: "insufficient balance"},
		},
	}
	m := newBlockMessage(blk, committed)
	for i, r := range blk.GetTxs() {
		ev := Event{Type: MessageTx, Height: 7, TxIndex: uint32(i), msg: m}
		var f struct {
			Type        string          `json:"type"`
			ID          string          `json:"id"`
			Height      uint64          `json:"height"`
			CommittedMs int64           `json:"committed_ms"`
			Tx          json.RawMessage `json:"tx"`
		}
		if err := json.Unmarshal(ev.JSON(), &f); err != nil {
			t.Fatalf("frame %s: %v", ev.JSON(), err)
		}
		want, _ := json.Marshal(schemas.TxResultView(r, 7, uint32(i), 1700000000040))
		if f.Type != "tx" || f.ID != ev.ID() || f.Height != 7 || f.CommittedMs != committed.UnixMilli() || string(f.Tx) != string(want) {
			t.Fatalf("frame %s\nwant tx %s", ev.JSON(), want)
		}
	}
	const wantFailed = `{"type":"tx","id":"7.1","height":7,"committed_ms":1700000000050,"tx":{"id":"b","type":"transfer","from":"bob","to":"carol",` +
		`"amount":"9007199254740993","nonce":"9223372036854775811","status":"failed","reason":"insufficient balance","height":7,"index":1,` +
		`"submitted_ms":1700000000030,"block_timestamp":1700000000040}}`
	if got := string(Event{Type: MessageTx, Height: 7, TxIndex: 1, msg: m}.JSON()); got != wantFailed {
		t.Fatalf("frame\n got %s\nwant %s", got, wantFailed)
	}
	const wantBlock = `{"type":"block","id":"7","height":7,"hash":"","prev_hash":"","tx_count":0,"failed_count":0,` +
		`"proposer":"9007199254740997","raft_term":2,"timestamp":1700000000040,"committed_ms":1700000000050}`
	if got := string(Event{Type: MessageBlock, Height: 7, msg: m}.JSON()); got != wantBlock {
		t.Fatalf("block frame\n got %s\nwant %s", got, wantBlock)
	}
}

// txResults are transactions whose frames exercise every member of the
// view: signed, with payload and new key, amounts and nonces above 2^53,
// failed with a reason, characters JSON escapes, and zero values.
func txResults() []*aurigraphv1.TxResult {
	committed, failed := aurigraphv1.TxStatus_TX_STATUS_COMMITTED, aurigraphv1.TxStatus_TX_STATUS_FAILED
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 37)
	}
	return []*aurigraphv1.TxResult{
		{Tx: &aurigraphv1.Transaction{Id: "6b1d", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "aur01", To: "bob", Amount: 5, Nonce: 1,
			TimestampMs: 1700000000000, SubmittedMs: 1700000000010, Pubkey: key, Sig: append(key, key...)}, Status: committed},
		{Tx: &aurigraphv1.Transaction{Id: "p", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "a", To: "b", Amount: 1,
			Payload: []byte{0xfb, 0xff, 0x00, '<', '>', '&'}}, Status: committed},
		{Tx: &aurigraphv1.Transaction{Id: "k", Type: aurigraphv1.TxType_TX_TYPE_SET_KEY, From: "aur02", NewKey: key, Pubkey: key[:1]}, Status: committed},
		{Tx: &aurigraphv1.Transaction{Id: "big", Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "carol", Amount: 1<<53 + 1, Nonce: 1<<64 - 1,
			Asset: "gold"}, Status: committed},
		{Tx: &aurigraphv1.Transaction{Id: "f", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "bob", To: "carol", Amount: 1 << 53},
			Status: failed, Reason: `insufficient balance: "bob" <has> 0 & owes`},
		{Tx: &aurigraphv1.Transaction{Id: "\u00e9\x01", Type: aurigraphv1.TxType(99), From: "\xff"}, Status: aurigraphv1.TxStatus(42)},
		{Tx: &aurigraphv1.Transaction{}},
		{},
	}
}

// Encoding a block's frames straight into its buffer writes the bytes the
// envelope around the view every other face writes would: the id as Event.ID
// has it and the transaction as schemas.TxResultView marshals.
func TestTxFramesAreTheViewsBytes(t *testing.T) {
	for _, hd := range []*aurigraphv1.BlockHeader{
		{Height: 7, TimestampMs: 1700000000040},
		{Height: 1<<53 + 9, TimestampMs: -1},
		{Height: 1<<64 - 1},
	} {
		for _, committed := range []time.Time{{}, time.UnixMilli(1700000000050)} {
			blk := &aurigraphv1.Block{Header: hd, Txs: txResults()}
			m := newBlockMessage(blk, committed)
			for i, r := range blk.GetTxs() {
				ev := Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(i), msg: m}
				want := []byte(`{"type":"tx","id":`)
				want = schemas.AppendString(want, strconv.FormatUint(hd.GetHeight(), 10)+"."+strconv.Itoa(i))
				want = schemas.AppendUint(append(want, `,"height":`...), hd.GetHeight())
				if !committed.IsZero() {
					want = schemas.AppendInt(append(want, `,"committed_ms":`...), committed.UnixMilli())
				}
				view, err := json.Marshal(schemas.TxResultView(r, hd.GetHeight(), uint32(i), hd.GetTimestampMs()))
				if err != nil {
					t.Fatal(err)
				}
				want = append(append(append(want, `,"tx":`...), view...), '}')
				if got := ev.JSON(); !bytes.Equal(got, want) {
					t.Errorf("height %d tx %d committed %v:\n got %s\nwant %s", hd.GetHeight(), i, committed, got, want)
				}
				if got, want := ev.ID(), strconv.FormatUint(hd.GetHeight(), 10)+"."+strconv.Itoa(i); got != want {
					t.Errorf("ID() = %q, want %q", got, want)
				}
			}
		}
	}
}

// A block's events, JSON and protobuf, cost a few allocations per block
// however many transactions it holds: they are made once for every
// subscriber, and a validator makes them for every block it commits.
func TestBlockEventsAllocatePerBlock(t *testing.T) {
	blk := signedTransfers(1000)
	for _, tc := range []struct {
		name   string
		encode func(*Message)
	}{
		{"json", (*Message).encodeJSON},
		{"proto", (*Message).encodeProto},
	} {
		allocs := testing.AllocsPerRun(5, func() { tc.encode(newBlockMessage(blk, time.UnixMilli(1700000000050))) })
		if allocs > 40 {
			t.Errorf("%s: %v allocations for a block of %d transactions, want at most 40", tc.name, allocs, len(blk.GetTxs()))
		}
	}
}

// The protobuf events carved out of shared arrays are the events each
// transaction's own would be.
func TestTxEventsAreEachTransactions(t *testing.T) {
	hd := &aurigraphv1.BlockHeader{Height: 1<<53 + 9, TimestampMs: 1700000000040}
	blk := &aurigraphv1.Block{Header: hd, Txs: txResults()}
	m := newBlockMessage(blk, time.UnixMilli(1700000000050))
	for i, r := range blk.GetTxs() {
		want := &aurigraphv1.StreamEvent{
			Type: aurigraphv1.EventType_EVENT_TYPE_TX, Height: hd.GetHeight(), CommittedMs: 1700000000050,
			Id: strconv.FormatUint(hd.GetHeight(), 10) + "." + strconv.Itoa(i),
			Event: &aurigraphv1.StreamEvent_Tx{Tx: &aurigraphv1.TxEvent{
				Index: uint32(i), Tx: r.GetTx(), Status: r.GetStatus(), Reason: r.GetReason(),
			}},
		}
		if got := (Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(i), msg: m}).Proto(); !proto.Equal(got, want) {
			t.Errorf("tx %d:\n got %v\nwant %v", i, got, want)
		}
	}
}
