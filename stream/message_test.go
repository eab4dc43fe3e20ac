package stream

import (
	"encoding/json"
	"testing"
	"time"

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
