package consensus

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func txOf(typ aurigraphv1.TxType, id, from, to, asset string, amount, nonce uint64) *aurigraphv1.Transaction {
	return &aurigraphv1.Transaction{Id: id, Type: typ, From: from, To: to, Asset: asset, Amount: amount, Nonce: nonce}
}

const (
	tMint    = aurigraphv1.TxType_TX_TYPE_MINT
	tXfer    = aurigraphv1.TxType_TX_TYPE_TRANSFER
	tCreate  = aurigraphv1.TxType_TX_TYPE_ASSET_CREATE
	tAssetTx = aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER
)

func TestFSMTransactionRules(t *testing.T) {
	// Every case starts from: alice holds 100 AUR at nonce 0, and owns asset
	// GOLD (supply 50) created at nonce 1.
	setup := []*aurigraphv1.Transaction{
		txOf(tMint, "s1", "", "alice", "", 100, 0),
		txOf(tCreate, "s2", "alice", "", "GOLD", 50, 1),
	}
	tests := []struct {
		name    string
		tx      *aurigraphv1.Transaction
		reason  string
		balance map[string]map[string]uint64 // addr -> asset -> amount after
		nonce   uint64                       // alice's nonce after
	}{
		{"mint", txOf(tMint, "x", "", "bob", "", 7, 0), "", map[string]map[string]uint64{"bob": {"AUR": 7}}, 1},
		{"mint zero", txOf(tMint, "x", "", "bob", "", 0, 0), "amount must be positive", nil, 1},
		{"mint no recipient", txOf(tMint, "x", "", "", "", 3, 0), "missing recipient", nil, 1},
		{"transfer", txOf(tXfer, "x", "alice", "bob", "", 30, 2), "", map[string]map[string]uint64{"alice": {"AUR": 70}, "bob": {"AUR": 30}}, 2},
		{"transfer named native asset", txOf(tXfer, "x", "alice", "bob", "AUR", 30, 5), "", map[string]map[string]uint64{"alice": {"AUR": 70}}, 5},
		{"transfer created asset", txOf(tXfer, "x", "alice", "bob", "GOLD", 5, 2), "", map[string]map[string]uint64{"bob": {"GOLD": 5}}, 2},
		{"transfer insufficient", txOf(tXfer, "x", "alice", "bob", "", 101, 2), "insufficient balance", map[string]map[string]uint64{"alice": {"AUR": 100}}, 1},
		{"transfer from empty account", txOf(tXfer, "x", "bob", "alice", "", 1, 1), "insufficient balance", nil, 1},
		{"transfer nonce replay", txOf(tXfer, "x", "alice", "bob", "", 1, 1), "nonce too low: got 1, want > 1", nil, 1},
		{"transfer unknown asset", txOf(tXfer, "x", "alice", "bob", "SILVER", 1, 2), `unknown asset "SILVER"`, nil, 1},
		{"transfer no recipient", txOf(tXfer, "x", "alice", "", "", 1, 2), "missing recipient", nil, 1},
		{"transfer no sender", txOf(tXfer, "x", "", "bob", "", 1, 2), "missing sender", nil, 1},
		{"asset create exists", txOf(tCreate, "x", "alice", "", "GOLD", 1, 2), `asset "GOLD" already exists`, nil, 1},
		{"asset create native", txOf(tCreate, "x", "alice", "", "AUR", 1, 2), `asset "AUR" already exists`, nil, 1},
		{"asset create", txOf(tCreate, "x", "bob", "", "SILVER", 9, 1), "", map[string]map[string]uint64{"bob": {"SILVER": 9}}, 1},
		{"asset transfer", txOf(tAssetTx, "x", "alice", "bob", "GOLD", 50, 2), "", map[string]map[string]uint64{"alice": {"GOLD": 0}, "bob": {"GOLD": 50}}, 2},
		{"asset transfer unknown", txOf(tAssetTx, "x", "alice", "bob", "SILVER", 1, 2), `unknown asset "SILVER"`, nil, 1},
		{"asset transfer insufficient", txOf(tAssetTx, "x", "alice", "bob", "GOLD", 51, 2), "insufficient balance", nil, 1},
		{"unknown type", txOf(aurigraphv1.TxType_TX_TYPE_UNSPECIFIED, "x", "alice", "bob", "", 1, 2), "unknown transaction type 0", nil, 1},
		{"missing id", txOf(tMint, "", "", "bob", "", 1, 0), "missing transaction id", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := testFSM(100)
			if _, err := f.apply(&aurigraphv1.Batch{Txs: setup}, 1, 1); err != nil {
				t.Fatal(err)
			}
			blk, err := f.apply(&aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{tc.tx}}, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			res := blk.GetTxs()[0]
			if res.GetReason() != tc.reason {
				t.Fatalf("reason %q, want %q", res.GetReason(), tc.reason)
			}
			wantStatus := aurigraphv1.TxStatus_TX_STATUS_COMMITTED
			if tc.reason != "" {
				wantStatus = aurigraphv1.TxStatus_TX_STATUS_FAILED
			}
			if res.GetStatus() != wantStatus || blk.GetHeader().GetFailedCount() != boolToU32(tc.reason != "") {
				t.Fatalf("status %v failed_count %d", res.GetStatus(), blk.GetHeader().GetFailedCount())
			}
			for addr, assets := range tc.balance {
				for asset, want := range assets {
					var got uint64
					if a := f.accounts[addr]; a != nil {
						got = a.balance(asset)
					}
					if got != want {
						t.Fatalf("%s %s balance %d, want %d", addr, asset, got, want)
					}
				}
			}
			if got := f.nonceOf("alice"); got != tc.nonce {
				t.Fatalf("alice nonce %d, want %d", got, tc.nonce)
			}
		})
	}
}

func boolToU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func TestFSMBlocksChainAndOffsets(t *testing.T) {
	f := testFSM(3)
	b1, err := f.apply(batch(0, mint("a", "x", 1), mint("b", "x", 1)), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	h := b1.GetHeader()
	if h.GetHeight() != 1 || string(h.GetPrevHash()) != string(chain.GenesisHash(chain.DefaultGenesis())) || h.GetRaftTerm() != 2 || h.GetRaftIndex() != 10 ||
		h.GetTimestampMs() != 1_700_000_000_000 || string(h.GetHash()) != string(chain.BlockHash(h)) || string(h.GetTxRoot()) != string(chain.TxRoot(b1.GetTxs())) {
		t.Fatalf("block 1 header %+v", h)
	}
	b2, err := f.apply(batch(2, mint("c", "x", 1), mint("c", "x", 1)), 2, 11)
	if err != nil {
		t.Fatal(err)
	}
	if string(b2.GetHeader().GetPrevHash()) != string(h.GetHash()) || len(b2.GetTxs()) != 1 {
		t.Fatalf("block 2 = %v", b2)
	}
	// The window holds 3 ids (a, b, c); a fourth evicts "a", which may then
	// commit again.
	if _, err := f.apply(batch(4, mint("d", "x", 1)), 2, 12); err != nil {
		t.Fatal(err)
	}
	b4, err := f.apply(batch(5, mint("a", "x", 1), mint("d", "x", 1)), 2, 13)
	if err != nil || len(b4.GetTxs()) != 1 || b4.GetTxs()[0].GetTx().GetId() != "a" {
		t.Fatalf("after eviction: %v, %v", b4, err)
	}
	tests := []struct {
		name    string
		sources []*aurigraphv1.SourceRange
		wantErr bool
	}{
		{"same partition twice", []*aurigraphv1.SourceRange{{Topic: "t", StartOffset: 0, EndOffset: 1}, {Topic: "t", StartOffset: 1, EndOffset: 2}}, true},
		{"inverted", []*aurigraphv1.SourceRange{{Topic: "t", StartOffset: 0, EndOffset: -1}}, true},
		{"behind", []*aurigraphv1.SourceRange{{Topic: testTopic, StartOffset: 6, EndOffset: 8}}, true},
		{"two partitions", []*aurigraphv1.SourceRange{{Topic: testTopic, StartOffset: 7, EndOffset: 8}, {Topic: testTopic, Partition: 1, StartOffset: 0, EndOffset: 4}}, false},
	}
	for _, tc := range tests {
		before := f.snapshot()
		_, err := f.apply(&aurigraphv1.Batch{Sources: tc.sources}, 2, 20)
		if gotErr := errors.Is(err, ErrStaleOffsets); gotErr != tc.wantErr {
			t.Fatalf("%s: err %v, want stale %v", tc.name, err, tc.wantErr)
		}
		if tc.wantErr && !proto.Equal(before, f.snapshot()) {
			t.Fatalf("%s: rejected batch changed state", tc.name)
		}
	}
	if got := f.nextOffsets(testTopic); got[0] != 8 || got[1] != 4 || len(got) != 2 {
		t.Fatalf("nextOffsets = %v", got)
	}
}

func TestFSMSnapshotRoundTrip(t *testing.T) {
	f := testFSM(4)
	for i := range 6 {
		if _, err := f.apply(batch(int64(i), mint(fmt.Sprintf("m%d", i), fmt.Sprintf("acct%d", i%3), uint64(i+1))), 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	f.apply(&aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{txOf(tCreate, "c", "acct1", "", "GOLD", 5, 1)}}, 1, 7)
	f.appliedIndex, f.appliedTerm = 7, 1
	snap := f.snapshot()
	raw, err := chain.Deterministic.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var decoded aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	g := testFSM(4)
	g.restore(&decoded)
	raw2, _ := chain.Deterministic.Marshal(g.snapshot())
	if string(raw) != string(raw2) {
		t.Fatal("snapshot -> restore -> snapshot is not byte-identical")
	}
	if d := digestOf("m3"); len(snap.GetRecentTxDigests()) != 4*len(d) || !bytes.Equal(snap.GetRecentTxDigests()[:len(d)], d[:]) {
		t.Fatalf("dedup window %x, want the digests of the 4 newest ids oldest first", snap.GetRecentTxDigests())
	}
	// The restored machine keeps building the same chain.
	b1, _ := f.apply(batch(6, mint("n", "z", 1)), 2, 8)
	b2, _ := g.apply(batch(6, mint("n", "z", 1)), 2, 8)
	if string(b1.GetHeader().GetHash()) != string(b2.GetHeader().GetHash()) {
		t.Fatal("restored state machine diverged")
	}
}

func TestTxRoot(t *testing.T) {
	leaf := func(id string) *aurigraphv1.TxResult {
		return &aurigraphv1.TxResult{Tx: &aurigraphv1.Transaction{Id: id}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}
	}
	a, b, c := leaf("a"), leaf("b"), leaf("c")
	if got := chain.TxRoot(nil); string(got) != string(chain.ZeroHash) {
		t.Fatalf("empty root %x", got)
	}
	roots := map[string][]byte{
		"a": chain.TxRoot([]*aurigraphv1.TxResult{a}), "ab": chain.TxRoot([]*aurigraphv1.TxResult{a, b}),
		"ba": chain.TxRoot([]*aurigraphv1.TxResult{b, a}), "abc": chain.TxRoot([]*aurigraphv1.TxResult{a, b, c}),
		"abcc": chain.TxRoot([]*aurigraphv1.TxResult{a, b, c, c}),
	}
	seen := map[string]string{}
	for name, r := range roots {
		if name == "abcc" {
			continue
		}
		if other, dup := seen[string(r)]; dup {
			t.Fatalf("roots of %s and %s collide", name, other)
		}
		seen[string(r)] = name
	}
	// Odd levels pair the last node with itself.
	if string(roots["abc"]) != string(roots["abcc"]) {
		t.Fatal("odd level does not duplicate the last node")
	}
	if string(chain.TxRoot([]*aurigraphv1.TxResult{a, b})) != string(roots["ab"]) {
		t.Fatal("TxRoot is not deterministic")
	}
}

// TestRestoreSnapshotOfEarlierVersion: a snapshot that carries the dedup
// window as ids and no genesis (as earlier versions wrote it) still
// deduplicates them, under the rules chains of that version ran by.
func TestRestoreSnapshotOfEarlierVersion(t *testing.T) {
	f := testFSM(3)
	f.restore(&aurigraphv1.StateSnapshot{RecentTxIds: []string{"old-1", "old-2", "old-3", "old-4"}, AppliedIndex: 5, Height: 1, LastHash: make([]byte, 32)})
	blk, err := f.apply(batch(0, mint("old-1", "a", 1), mint("old-4", "a", 1), mint("new", "a", 1)), 1, 6)
	if err != nil {
		t.Fatal(err)
	}
	// old-1 fell out of a window of 3; old-4 is still in it.
	var ids []string
	for _, r := range blk.GetTxs() {
		ids = append(ids, r.GetTx().GetId())
	}
	if strings.Join(ids, ",") != "old-1,new" {
		t.Fatalf("committed %v, want old-1 and new (old-4 is a duplicate)", ids)
	}
}

// TestFSMSnapshotCarriesAlerts checks that alert rules, their state and
// history travel in the snapshot, so a validator restored from one holds
// the same alerts, and that a refused alert entry refuses the batch.
func TestFSMSnapshotCarriesAlerts(t *testing.T) {
	f := testFSM(4)
	rule := &aurigraphv1.AlertRule{Id: "00000000000000aa", Metric: "tps", Condition: "<", Threshold: 1, WindowMs: 1000}
	for i, e := range []*aurigraphv1.AlertEntry{
		{PutRule: rule, Create: true},
		{Transition: &aurigraphv1.AlertTransition{RuleId: rule.GetId(), Firing: true}},
	} {
		if _, err := f.apply(&aurigraphv1.Batch{TimestampMs: 5, Alert: e}, 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	stale := &aurigraphv1.AlertEntry{Transition: &aurigraphv1.AlertTransition{RuleId: rule.GetId(), Firing: false}}
	if _, err := f.apply(&aurigraphv1.Batch{Alert: stale}, 1, 3); !errors.Is(err, ErrRejected) {
		t.Fatalf("stale transition: %v, want ErrRejected", err)
	}
	snap := f.snapshot()
	raw, err := chain.Deterministic.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var decoded aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	g := testFSM(4)
	g.restore(&decoded)
	got := g.alerts.Proto()
	if len(got.GetRules()) != 1 || !got.GetRules()[0].GetFiring() || len(got.GetHistory()) != 1 || got.GetNextTransition() != 2 {
		t.Fatalf("restored alerts %v", got)
	}
	if !proto.Equal(got, f.alerts.Proto()) {
		t.Fatal("restored alerts differ")
	}
}

// TestDedupWindowLivesOffTheHeap: a full-size window puts neither its table
// nor its ring on the collector's heap, where they would raise its goal.
func TestDedupWindowLivesOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := newDedupWindow(1_000_000)
	for i := range 100_000 {
		d.add(digestOf(strconv.Itoa(i)), 0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Fatalf("a window of a million ids holding 100000 put %d bytes on the heap, want its ring and table off it", grew)
	}
	if got := len(d.ordered()); got != 100_000*len(txDigest{}) {
		t.Fatalf("ordered() = %d bytes, want the 100000 digests", got)
	}
}

// TestDigestOfDoesNotAllocate: the state machine digests every id of every
// batch, and the ids derived from a transaction's digest are 64 bytes long.
func TestDigestOfDoesNotAllocate(t *testing.T) {
	id := strings.Repeat("ab", 32)
	if n := testing.AllocsPerRun(100, func() { digestOf(id) }); n != 0 {
		t.Errorf("digestOf: %v allocations, want none", n)
	}
	if digestOf(id) != txDigest(func() []byte { s := sha256.Sum256([]byte(id)); return s[:16] }()) {
		t.Error("digestOf is not the first 16 bytes of sha256(id)")
	}
}
