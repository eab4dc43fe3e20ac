package consensus

import (
	"crypto/ed25519"
	"fmt"
	"runtime"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeBatchCases are entries of every shape the applier meets, and some
// it should never meet.
func decodeBatchCases(t testing.TB) map[string][]byte {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	full := &aurigraphv1.Transaction{
		Id: "ab12", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "alice", To: "bob", Amount: 1<<64 - 1,
		Asset: "AUR", Nonce: 7, Payload: []byte{0, 1, 2}, TimestampMs: -5, Pubkey: key.Public().(ed25519.PublicKey),
		Sig: make([]byte, ed25519.SignatureSize), SubmittedMs: 1234, NewKey: []byte{9},
	}
	_, transfers := txgen.NewTransfers(50)
	withUnknown := protowire.AppendTag(mustMarshal(t, full), 99, protowire.VarintType)
	withUnknown = protowire.AppendVarint(withUnknown, 3)
	cases := map[string][]byte{
		"empty":     nil,
		"transfers": mustMarshal(t, transfers),
		"every transaction field": mustMarshal(t, &aurigraphv1.Batch{
			Proposer: 2, TimestampMs: 99, ProposalId: 5, FormatVersion: 1,
			Sources: []*aurigraphv1.SourceRange{{Topic: "tx", Partition: 3, StartOffset: 1, EndOffset: 9, TopicId: []byte{1}}},
			Txs:     []*aurigraphv1.Transaction{full, {}, {Id: "x"}},
		}),
		"genesis":                   mustMarshal(t, &aurigraphv1.Batch{Genesis: &aurigraphv1.Genesis{ChainId: "c"}}),
		"validator key":             mustMarshal(t, &aurigraphv1.Batch{ValidatorKey: &aurigraphv1.ValidatorKey{Id: 3}}),
		"unknown batch field":       protowire.AppendVarint(protowire.AppendTag(mustMarshal(t, transfers), 77, protowire.VarintType), 1),
		"unknown transaction field": protowire.AppendBytes(protowire.AppendTag(nil, batchTxs, protowire.BytesType), withUnknown),
		"string field as varint": protowire.AppendBytes(protowire.AppendTag(nil, batchTxs, protowire.BytesType),
			protowire.AppendVarint(protowire.AppendTag(nil, txFrom, protowire.VarintType), 1)),
		"invalid UTF-8": protowire.AppendBytes(protowire.AppendTag(nil, batchTxs, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, txID, protowire.BytesType), []byte{0xff, 0xfe})),
		"cut short": mustMarshal(t, transfers)[:40],
		"enum out of int32": protowire.AppendBytes(protowire.AppendTag(nil, batchTxs, protowire.BytesType),
			protowire.AppendVarint(protowire.AppendTag(nil, txType, protowire.VarintType), 1<<40+3)),
	}
	return cases
}

// checkDecodeBatch fails unless decodeBatch and proto.Unmarshal agree on
// data: the same message, or both an error.
func checkDecodeBatch(t *testing.T, data []byte) {
	t.Helper()
	var want, got aurigraphv1.Batch
	wantErr := proto.Unmarshal(data, &want)
	gotErr := decodeBatch(data, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("decodeBatch error %v, proto.Unmarshal error %v", gotErr, wantErr)
	}
	if wantErr == nil && !proto.Equal(&want, &got) {
		t.Fatalf("decodeBatch gave\n%v\nproto.Unmarshal gave\n%v", &got, &want)
	}
}

func TestDecodeBatchMatchesProto(t *testing.T) {
	for name, data := range decodeBatchCases(t) {
		t.Run(name, func(t *testing.T) { checkDecodeBatch(t, data) })
	}
}

func FuzzDecodeBatch(f *testing.F) {
	for _, data := range decodeBatchCases(f) {
		f.Add(data)
	}
	f.Fuzz(checkDecodeBatch)
}

// TestDecodeBatchKeepsNeighboursApart checks that the transactions, which
// alias the entry, cannot write over each other: appending to one's bytes
// copies them.
func TestDecodeBatchKeepsNeighboursApart(t *testing.T) {
	data := mustMarshal(t, &aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{
		{Id: "first", Payload: []byte("one")}, {Id: "second", Payload: []byte("two")},
	}})
	var b aurigraphv1.Batch
	if err := decodeBatch(data, &b); err != nil {
		t.Fatal(err)
	}
	_ = append(b.Txs[0].Payload, "XXXXXXXX"...)
	if b.Txs[0].Id != "first" || string(b.Txs[0].Payload) != "one" || b.Txs[1].Id != "second" || string(b.Txs[1].Payload) != "two" {
		t.Fatalf("decoded batch changed: %v", &b)
	}
}

func TestDecodeBatchAllocations(t *testing.T) {
	gen, _ := txgen.NewTransfers(1000)
	for _, n := range []int{1, 1000} {
		data := mustMarshal(t, gen.Batch(n))
		allocs := testing.AllocsPerRun(20, func() {
			var b aurigraphv1.Batch
			if err := decodeBatch(data, &b); err != nil {
				t.Fatal(err)
			}
		})
		// The transactions, their pointers and a source range with its
		// strings: the same whatever the number of transactions.
		if allocs > 7 {
			t.Errorf("decoding a batch of %d transactions made %.0f allocations, want at most 7", n, allocs)
		}
	}
}

func BenchmarkDecodeBatch(b *testing.B) {
	gen, _ := txgen.NewTransfers(1000)
	data := mustMarshal(b, gen.Batch(benchBatchSize))
	for _, dec := range []struct {
		name string
		fn   func([]byte, *aurigraphv1.Batch) error
	}{
		{"proto", func(d []byte, m *aurigraphv1.Batch) error { return proto.Unmarshal(d, m) }},
		{"decodeBatch", decodeBatch},
	} {
		b.Run(fmt.Sprintf("%s/txs=%d", dec.name, benchBatchSize), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var m aurigraphv1.Batch
				if err := dec.fn(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The state keeps accounts and assets for the chain's life; were they
// keyed by a decoded transaction's strings, each would keep its whole raft
// entry's memory (decodeBatch), and memory would grow with the log.
func TestStateKeepsNoRaftEntries(t *testing.T) {
	f := testFSM(1 << 16)
	const batches, payload = 100, 256 << 10
	apply := func(i int) {
		from, to, asset := fmt.Sprintf("maker-%d", i), fmt.Sprintf("taker-%d", i), fmt.Sprintf("AS%d", i)
		data := mustMarshal(t, &aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{
			{Id: fmt.Sprintf("mint-%d", i), Type: aurigraphv1.TxType_TX_TYPE_MINT, To: from, Amount: 5, Payload: make([]byte, payload)},
			{Id: fmt.Sprintf("create-%d", i), Type: aurigraphv1.TxType_TX_TYPE_ASSET_CREATE, From: from, Asset: asset, Amount: 10, Nonce: 1},
			{Id: fmt.Sprintf("send-%d", i), Type: aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER, From: from, To: to, Asset: asset, Amount: 1, Nonce: 2},
			{Id: fmt.Sprintf("mint-more-%d", i), Type: aurigraphv1.TxType_TX_TYPE_MINT, From: from, To: to, Asset: asset, Amount: 1, Nonce: 3},
		}})
		var b aurigraphv1.Batch
		if err := decodeBatch(data, &b); err != nil {
			t.Fatal(err)
		}
		blk, err := f.apply(&b, 1, uint64(i+2))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range blk.GetTxs() {
			if r.GetStatus() != aurigraphv1.TxStatus_TX_STATUS_COMMITTED {
				t.Fatalf("batch %d: %s failed: %s", i, r.GetTx().GetId(), r.GetReason())
			}
		}
		// What the block store would take, dropped: the store keeps
		// blocks of its own, which this test is not about.
		f.appliedIndex = uint64(i + 2)
		if _, err := f.takeChanges(); err != nil {
			t.Fatal(err)
		}
	}
	apply(0)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := 1; i <= batches; i++ {
		apply(i)
	}
	// The state grew by a few accounts and assets a batch; the entries
	// were 25 MiB.
	if grown := int64(heap()) - int64(before); grown > batches*payload/4 {
		t.Fatalf("the heap grew by %d bytes over %d batches of %d-byte entries: the state keeps their memory", grown, batches, payload)
	}
	if got := f.lookup("taker-7").balance("AS7"); got != 2 {
		t.Fatalf("taker-7 holds %d AS7, want 2", got)
	}
}

// A block that kept few of its batch's transactions does not keep the
// batch's memory either.
func TestMostlyDuplicateBlockOwnsItsTransactions(t *testing.T) {
	f := testFSM(1 << 10)
	gen, setup := txgen.NewTransfers(10)
	if _, err := f.apply(setup, 1, 1); err != nil {
		t.Fatal(err)
	}
	first := gen.Batch(10)
	if _, err := f.apply(first, 1, 2); err != nil {
		t.Fatal(err)
	}
	// The same transactions again, and one new, without source ranges.
	again := &aurigraphv1.Batch{Txs: append(proto.Clone(first).(*aurigraphv1.Batch).GetTxs(), gen.Batch(1).GetTxs()...)}
	var b aurigraphv1.Batch
	if err := decodeBatch(mustMarshal(t, again), &b); err != nil {
		t.Fatal(err)
	}
	blk, err := f.apply(&b, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.GetTxs()) != 1 {
		t.Fatalf("block kept %d transactions, want the 1 new one", len(blk.GetTxs()))
	}
	if kept := blk.GetTxs()[0].GetTx(); kept == b.Txs[len(b.Txs)-1] {
		t.Fatal("the block kept the decoded transaction, which shares the entry's memory")
	} else if !proto.Equal(kept, b.Txs[len(b.Txs)-1]) {
		t.Fatalf("the block's copy %v differs from the transaction %v", kept, b.Txs[len(b.Txs)-1])
	}
}
