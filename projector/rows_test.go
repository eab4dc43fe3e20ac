package projector

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// testBlock builds a block at height h with n transactions; every third one failed.
func testBlock(h uint64, n int) *aurigraphv1.BlockEvent {
	const blockMs = 1_780_000_000_000
	b := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{
		Height:      h,
		Hash:        []byte{byte(h), 0xab},
		PrevHash:    []byte{byte(h - 1), 0xab},
		TxRoot:      []byte{0x01, 0x02},
		TimestampMs: blockMs + int64(h),
		Proposer:    2,
		RaftTerm:    3,
		RaftIndex:   10 + h,
		TxCount:     uint32(n),
	}}
	for i := range n {
		r := &aurigraphv1.TxResult{
			Tx: &aurigraphv1.Transaction{
				Id:          "tx-" + strconv.FormatUint(h, 10) + "-" + strconv.Itoa(i),
				Type:        aurigraphv1.TxType_TX_TYPE_TRANSFER,
				From:        "alice",
				To:          "bob",
				Amount:      uint64(i + 1),
				Nonce:       uint64(i),
				SubmittedMs: blockMs + int64(h) - 25,
			},
			Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED,
		}
		if i%3 == 2 {
			r.Status = aurigraphv1.TxStatus_TX_STATUS_FAILED
			r.Reason = "insufficient balance"
			b.Header.FailedCount++
		}
		b.Txs = append(b.Txs, r)
	}
	return &aurigraphv1.BlockEvent{Block: b, CommittedMs: blockMs + int64(h) + 5}
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckProjectable(t *testing.T) {
	noTx := testBlock(4, 1)
	noTx.Block.Txs[0].Tx = nil
	unspecified := testBlock(4, 1)
	unspecified.Block.Txs[0].Status = aurigraphv1.TxStatus_TX_STATUS_UNSPECIFIED
	tests := []struct {
		name    string
		ev      *aurigraphv1.BlockEvent
		wantErr string
	}{
		{name: "valid", ev: testBlock(4, 3)},
		{name: "empty", ev: testBlock(4, 0)},
		{name: "result without tx", ev: noTx, wantErr: "has no transaction"},
		{name: "unspecified status", ev: unspecified, wantErr: "neither committed nor failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkProjectable(tt.ev)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("checkProjectable = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPendingMapsRows(t *testing.T) {
	var p pending
	p.add(testBlock(7, 3), 6, "topic-a")
	p.add(testBlock(8, 0), 7, "topic-a")

	if p.first != 7 || p.last != 8 || p.lastOffset != 7 {
		t.Fatalf("range = %d..%d offset %d, want 7..8 offset 7", p.first, p.last, p.lastOffset)
	}
	if got := p.blocks.len(); got != 2 {
		t.Fatalf("block rows = %d, want 2", got)
	}
	if got := p.txs.len(); got != 3 {
		t.Fatalf("tx rows = %d, want 3", got)
	}
	// Every column slice must be as long as the row count, or the driver
	// would reject the batch.
	for i, c := range p.blocks.values() {
		if n := sliceLen(t, c); n != 2 {
			t.Errorf("blocks column %d has %d values, want 2", i, n)
		}
	}
	for i, c := range p.txs.values() {
		if n := sliceLen(t, c); n != 3 {
			t.Errorf("transactions column %d has %d values, want 3", i, n)
		}
	}
	if got, want := len(p.blocks.values()), strings.Count(insertBlocks, ",")+1; got != want {
		t.Errorf("blocks: %d column slices for %d insert columns", got, want)
	}
	if got, want := len(p.txs.values()), strings.Count(insertTransactions, ",")+1; got != want {
		t.Errorf("transactions: %d column slices for %d insert columns", got, want)
	}

	b := p.blocks
	if b.hash[0] != "07ab" || b.prevHash[0] != "06ab" || b.txRoot[0] != "0102" {
		t.Errorf("hex columns = %q %q %q", b.hash[0], b.prevHash[0], b.txRoot[0])
	}
	if want := time.UnixMilli(1_780_000_000_007).UTC(); !b.timestamp[0].Equal(want) || b.timestamp[0].Location() != time.UTC {
		t.Errorf("timestamp = %v, want %v in UTC", b.timestamp[0], want)
	}
	if b.raftIndex[1] != 18 || b.txCount[0] != 3 || b.failedCount[0] != 1 || b.txCount[1] != 0 {
		t.Errorf("header columns = raft_index %d tx_count %d failed %d", b.raftIndex[1], b.txCount[0], b.failedCount[0])
	}
	if !slices.Equal(b.topicOffset, []int64{6, 7}) || !slices.Equal(b.topicID, []string{"topic-a", "topic-a"}) {
		t.Errorf("record columns = offsets %v topic ids %v", b.topicOffset, b.topicID)
	}

	x := p.txs
	if !slices.Equal(x.idx, []uint32{0, 1, 2}) || !slices.Equal(x.height, []uint64{7, 7, 7}) {
		t.Errorf("idx = %v height = %v", x.idx, x.height)
	}
	if got := x.status.strings(nil, 0); !slices.Equal(got, []string{"committed", "committed", "failed"}) {
		t.Errorf("status = %v", got)
	}
	if x.reason.value(2) != "insufficient balance" || x.reason.value(0) != "" {
		t.Errorf("reason = %q", x.reason.strings(nil, 0))
	}
	if x.typ.value(0) != "transfer" || x.id.value(1) != "tx-7-1" || x.from.value(0) != "alice" || x.to.value(0) != "bob" || x.amount[2] != 3 {
		t.Errorf("tx fields = %v %v %v %v %v", x.typ.value(0), x.id.value(1), x.from.value(0), x.to.value(0), x.amount[2])
	}
	if got := x.values()[11].([]int64)[0]; got != 1_780_000_000_007-25 {
		t.Errorf("submitted = %d ms", got)
	}
	if x.latencyMs[0] != 25 {
		t.Errorf("commit latency = %d ms, want 25", x.latencyMs[0])
	}
}

func TestLatencyWithoutSubmittedTime(t *testing.T) {
	ev := testBlock(1, 1)
	ev.Block.Txs[0].Tx.SubmittedMs = 0
	var c txColumns
	c.add(ev.GetBlock())
	if c.latencyMs[0] != 0 {
		t.Fatalf("latency = %d, want 0 when the submission time is unknown", c.latencyMs[0])
	}
}

func TestTypeName(t *testing.T) {
	tests := map[aurigraphv1.TxType]string{
		aurigraphv1.TxType_TX_TYPE_TRANSFER:       "transfer",
		aurigraphv1.TxType_TX_TYPE_MINT:           "mint",
		aurigraphv1.TxType_TX_TYPE_ASSET_CREATE:   "asset_create",
		aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER: "asset_transfer",
		aurigraphv1.TxType_TX_TYPE_UNSPECIFIED:    "unspecified",
	}
	for typ, want := range tests {
		if got := typeName(typ); got != want {
			t.Errorf("typeName(%v) = %q, want %q", typ, got, want)
		}
	}
}

func sliceLen(t *testing.T, c any) int {
	t.Helper()
	switch v := c.(type) {
	case []uint64:
		return len(v)
	case []uint32:
		return len(v)
	case []int64:
		return len(v)
	case []string:
		return len(v)
	case []time.Time:
		return len(v)
	}
	t.Fatalf("unexpected column type %T", c)
	return 0
}

// FuzzDecodeBlockEvent feeds arbitrary records from the topic through the
// decoder, the projection's own checks and the row mapping: none may
// panic, and whatever is accepted must map to one row per block and one
// per transaction result.
func FuzzDecodeBlockEvent(f *testing.F) {
	f.Add([]byte("3"), mustMarshal(f, testBlock(3, 4)))
	f.Add([]byte{}, mustMarshal(f, testBlock(1, 0)))
	f.Add([]byte("x"), []byte{0x0a, 0x02, 0x0a, 0x00})
	f.Add([]byte("1"), []byte{0xff})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		ev, err := blockfeed.Decode(key, value)
		if err != nil || checkProjectable(ev) != nil {
			return
		}
		var p pending
		p.add(ev, 0, "")
		if p.blocks.len() != 1 || p.txs.len() != len(ev.GetBlock().GetTxs()) {
			t.Fatalf("mapped %d block rows and %d tx rows from %d results", p.blocks.len(), p.txs.len(), len(ev.GetBlock().GetTxs()))
		}
		for _, s := range p.txs.status.strings(nil, 0) {
			if s != "committed" && s != "failed" {
				t.Fatalf("status %q is outside the table's enum", s)
			}
		}
	})
}

func TestPendingResetKeepsRoomNotRows(t *testing.T) {
	var p pending
	p.add(testBlock(7, 3), 6, "topic-a")
	p.reset()
	if p.first != 0 || p.last != 0 || p.lastHash != nil || p.blocks.len() != 0 || p.txs.len() != 0 {
		t.Fatalf("after reset: range %d..%d hash %x, %d blocks, %d txs; want an empty batch", p.first, p.last, p.lastHash, p.blocks.len(), p.txs.len())
	}
	if cap(p.txs.id.buf) == 0 || cap(p.txs.id.ends) == 0 || cap(p.txs.height) == 0 {
		t.Fatal("reset dropped the columns' room; the next batch grows them again")
	}
	p.add(testBlock(8, 2), 7, "topic-a")
	if p.first != 8 || p.txs.len() != 2 || p.txs.id.value(0) != "tx-8-0" || p.txs.id.value(1) != "tx-8-1" {
		t.Fatalf("batch after reset: first %d, %d txs, ids %q", p.first, p.txs.len(), p.txs.id.strings(nil, 0))
	}

	big := make([]string, 1, keptRows+1)
	if again(big) != nil {
		t.Fatalf("a column of %d rows' room was kept, want at most %d", cap(big), keptRows)
	}
}

// A batch's transaction rows give the collector nothing to mark or scan:
// held as Go strings and times, a second's batch was hundreds of thousands
// of pointers that every collection followed.
func TestTxColumnsHoldNoPointers(t *testing.T) {
	typ := reflect.TypeFor[txColumns]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Name == "scratch" {
			continue
		}
		if hasPointers(f.Type) {
			t.Errorf("txColumns.%s (%s) holds pointers into each row", f.Name, f.Type)
		}
	}
}

// hasPointers reports whether values of t's elements hold pointers: a
// slice of them is one the collector scans.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return elemHasPointers(t.Elem())
	case reflect.Struct:
		return anyField(t, hasPointers)
	}
	return elemHasPointers(t)
}

// elemHasPointers reports whether a value of t, stored in place, holds a
// pointer.
func elemHasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return elemHasPointers(t.Elem())
	case reflect.Struct:
		return anyField(t, elemHasPointers)
	}
	return false
}

func anyField(t reflect.Type, has func(reflect.Type) bool) bool {
	for i := range t.NumField() {
		if has(t.Field(i).Type) {
			return true
		}
	}
	return false
}

// value is row i of c.
func (c *strColumn) value(i int) string { return c.strings(nil, i)[0] }

// Rows read back from a column are the rows added, from any row on, and
// stay so however the column grew.
func TestStrColumnReadsBackWhatWasAdded(t *testing.T) {
	var c strColumn
	var want []string
	for i := range 1000 {
		v := strings.Repeat("x", i%7) + fmt.Sprint(i)
		if i%5 == 0 {
			v = ""
		}
		c.add(v)
		want = append(want, v)
	}
	for _, from := range []int{0, 1, 499, 999, 1000} {
		if got := c.strings(nil, from); !slices.Equal(got, want[from:]) {
			t.Fatalf("strings from %d differ from what was added", from)
		}
	}
	c.reset()
	c.add("again")
	if got := c.strings(nil, 0); !slices.Equal(got, []string{"again"}) {
		t.Fatalf("after reset: %q", got)
	}
}
