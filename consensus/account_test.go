package consensus

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// A snapshot written from the state's image is the deterministic encoding
// of the snapshot message, byte for byte, for accounts of one asset, of
// several, with balances moved down to zero, and with keys; restoring it
// gives the same state back.
func TestSnapshotEncoding(t *testing.T) {
	f := testFSM(100)
	f.credit("alice", NativeAsset, 100)
	f.credit("alice", "GOLD", 7)
	f.credit("alice", "SILVER", 3)
	f.credit("bob", "GOLD", 5)
	if reason := f.move("bob", "carol", "GOLD", 5); reason != "" {
		t.Fatal(reason)
	}
	f.account("dave").key = bytes.Repeat([]byte{9}, 32)
	f.account("erin").nonce = 42
	f.credit("erin", NativeAsset, 1)
	f.assets["GOLD"] = &aurigraphv1.AssetInfo{Name: "GOLD", Owner: "alice", Supply: 12}
	f.offsets[offsetKey{testTopic, 0}] = 17
	f.height, f.txCount = 3, 9
	f.dedup.add(digestOf("tx-1"), 0)

	raw, err := f.image().encode()
	if err != nil {
		t.Fatal(err)
	}
	var msg aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	again, err := chain.Deterministic.Marshal(&msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Fatalf("snapshot bytes differ from the deterministic encoding of the message they hold:\n%x\n%x", raw, again)
	}
	want := map[string][]string{
		"alice": {"AUR=100", "GOLD=7", "SILVER=3"},
		"bob":   {"GOLD=0"},
		"carol": {"GOLD=5"},
		"dave":  nil,
		"erin":  {"AUR=1"},
	}
	if len(msg.GetAccounts()) != len(want) {
		t.Fatalf("%d accounts, want %d", len(msg.GetAccounts()), len(want))
	}
	for i, a := range msg.GetAccounts() {
		if i > 0 && msg.GetAccounts()[i-1].GetAddress() >= a.GetAddress() {
			t.Fatalf("accounts not in address order: %v", msg.GetAccounts())
		}
		var got []string
		for _, b := range a.GetBalances() {
			got = append(got, fmt.Sprintf("%s=%d", b.GetAsset(), b.GetAmount()))
		}
		if fmt.Sprint(got) != fmt.Sprint(want[a.GetAddress()]) {
			t.Fatalf("%s balances %v, want %v", a.GetAddress(), got, want[a.GetAddress()])
		}
	}

	g := testFSM(100)
	g.restore(&msg)
	raw2, err := g.image().encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, raw2) {
		t.Fatal("a restored state writes another snapshot")
	}
	if g.accounts["dave"].key == nil || g.accounts["erin"].nonce != 42 || g.accounts["bob"].balance("GOLD") != 0 {
		t.Fatalf("restored accounts differ: %+v %+v", *g.accounts["dave"], *g.accounts["erin"])
	}
}

// Taking a snapshot holds up the applier only while the state is copied:
// the copy of the accounts must not allocate for each of them, as building
// a protobuf message for each did (three allocations an account, seconds
// with millions of accounts, the raft loop stalled behind it).
func TestSnapshotImageAllocations(t *testing.T) {
	f := testFSM(100)
	for i := range 50_000 {
		f.credit(fmt.Sprintf("acct-%06d", i), NativeAsset, uint64(i+1))
	}
	allocs := testing.AllocsPerRun(3, func() { f.image() })
	if allocs > 100 {
		t.Fatalf("copying 50000 accounts for a snapshot took %.0f allocations", allocs)
	}
}

// An account of one asset takes well under the 300-odd bytes a map of
// balances for each account cost.
func TestAccountMemory(t *testing.T) {
	const n = 100_000
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("acct-%06d", i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f := testFSM(0)
	for _, a := range addrs {
		f.credit(a, NativeAsset, 1)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	runtime.KeepAlive(f)
	if per > 150 {
		t.Fatalf("%.0f bytes of heap an account of one asset", per)
	}
	t.Logf("%.0f bytes of heap an account of one asset, map entry included", per)
}

// BenchmarkSnapshotImage is what taking a snapshot holds the applier for
// with a million accounts: the copy; the encoding runs beside the applier.
func BenchmarkSnapshotImage(b *testing.B) {
	f := testFSM(100)
	for i := range 1_000_000 {
		f.credit(fmt.Sprintf("acct-%07d", i), NativeAsset, uint64(i+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		f.image()
	}
}
