package consensus

import (
	"crypto/ed25519"
	"fmt"
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

// The entry's buffer may be reused by whoever handed it over, and a
// consumer appending to one transaction's bytes must not write into
// another's.
func TestDecodeBatchOwnsItsBytes(t *testing.T) {
	data := mustMarshal(t, &aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{
		{Id: "first", Payload: []byte("one")}, {Id: "second", Payload: []byte("two")},
	}})
	var b aurigraphv1.Batch
	if err := decodeBatch(data, &b); err != nil {
		t.Fatal(err)
	}
	clear(data)
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
		// The copy, the transactions, their pointers and a source range with
		// its strings: the same whatever the number of transactions.
		if allocs > 8 {
			t.Errorf("decoding a batch of %d transactions made %.0f allocations, want at most 8", n, allocs)
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
