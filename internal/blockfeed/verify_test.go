package blockfeed

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// testChain is five blocks signed by three validators.
func testChain(t testing.TB) *chaintest.Chain {
	t.Helper()
	c := chaintest.New("blockfeed-test", 3)
	for h := range 5 {
		c.Append([]*aurigraphv1.TxResult{chaintest.Mint("tx-"+strconv.Itoa(h), "alice", uint64(h+1))}, 1_780_000_000_000+int64(h))
	}
	return c
}

type record struct {
	key   string
	value []byte
}

func eventRecord(t testing.TB, ev *aurigraphv1.BlockEvent) record {
	t.Helper()
	raw, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return record{key: strconv.FormatUint(ev.GetBlock().GetHeader().GetHeight(), 10), value: raw}
}

func TestVerifierAcceptsOnlyTheNextValidBlock(t *testing.T) {
	c := testChain(t)
	real := func(h uint64) *aurigraphv1.BlockEvent { return c.Event(h, 1) }
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged", "mallory", 999_999_999_999)}
	stranger := chaintest.Key("not a validator")
	relinked := func(h uint64) *aurigraphv1.BlockEvent {
		b := proto.Clone(real(h).GetBlock()).(*aurigraphv1.Block)
		b.Header.PrevHash = chaintest.Hash("elsewhere")
		chaintest.Seal(b)
		return &aurigraphv1.BlockEvent{Block: b, Signer: 1, Signature: chain.SignBlock(c.PrivateKey(1), b.GetHeader().GetHash())}
	}
	tampered := proto.Clone(real(2)).(*aurigraphv1.BlockEvent)
	tampered.Block.Txs[0].Tx.Amount = 999_999_999_999
	mislabelled := eventRecord(t, real(2))
	mislabelled.key = "3"

	tests := []struct {
		name     string
		start    Position
		insecure bool
		records  func() []record
		// accepted heights and the reasons of the loud rejections, in order
		accepted []uint64
		reasons  []string
		quiet    int
	}{
		{
			name: "the chain in order",
			records: func() []record {
				return []record{eventRecord(t, real(1)), eventRecord(t, real(2)), eventRecord(t, real(3))}
			},
			accepted: []uint64{1, 2, 3},
		},
		{
			name: "forgeries at the next height, then the real block",
			records: func() []record {
				return []record{
					eventRecord(t, real(1)),
					eventRecord(t, chaintest.Forge(real(2), mint, 1, nil)),             // unsigned
					eventRecord(t, chaintest.Forge(real(2), mint, 1, stranger)),        // a key validator 1 does not hold
					eventRecord(t, chaintest.Forge(real(2), mint, 7, c.PrivateKey(1))), // a validator the set does not have
					eventRecord(t, relinked(2)),                                        // signed, but linked elsewhere
					eventRecord(t, tampered),                                           // content changed under a real signature
					mislabelled,                                                        // an older real block keyed as the next height
					{key: "2", value: []byte("\xff\xff not a block")},                  // undecodable
					eventRecord(t, chaintest.Forge(real(3), mint, 1, c.PrivateKey(1))), // ahead
					eventRecord(t, real(2)),
					eventRecord(t, real(2)), // replayed
					eventRecord(t, real(3)),
				}
			},
			accepted: []uint64{1, 2, 3},
			reasons: []string{ReasonUnsigned, ReasonBadSignature, ReasonUnknownSigner, ReasonBadLink, ReasonMalformed,
				ReasonUndecodable, ReasonUndecodable, ReasonAhead, ReasonDuplicate},
		},
		{
			name:     "block 1 must link to the genesis",
			records:  func() []record { return []record{eventRecord(t, relinked(1)), eventRecord(t, real(1))} },
			accepted: []uint64{1},
			reasons:  []string{ReasonBadLink},
		},
		{
			name:  "a start in the middle of the chain takes the next block on its signature",
			start: Position{Height: 2},
			records: func() []record {
				return []record{eventRecord(t, chaintest.Forge(real(3), mint, 1, nil)), eventRecord(t, real(3)), eventRecord(t, real(4))}
			},
			accepted: []uint64{3, 4},
			reasons:  []string{ReasonUnsigned},
		},
		{
			name:  "heights below the start are caught up with quietly",
			start: Position{Height: 2, Hash: c.Block(2).GetHeader().GetHash()},
			records: func() []record {
				return []record{eventRecord(t, real(1)), eventRecord(t, real(2)), eventRecord(t, real(3))}
			},
			accepted: []uint64{3},
			quiet:    2,
		},
		{
			name:     "without verification, links and hashes still count",
			insecure: true,
			records: func() []record {
				return []record{eventRecord(t, chaintest.Forge(real(1), mint, 0, nil)), eventRecord(t, real(2)), eventRecord(t, relinked(2))}
			},
			accepted: []uint64{1},
			reasons:  []string{ReasonBadLink, ReasonBadLink},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := Anchor{GenesisHash: c.GenesisHash(), Keys: c.Keys()}
			if tt.insecure {
				an = Anchor{}
			}
			v := NewVerifier(tt.start)
			var accepted []uint64
			var reasons []string
			quiet := 0
			for i, rec := range tt.records() {
				ev, rej := v.Check([]byte(rec.key), rec.value, int64(i), an)
				switch {
				case rej == nil:
					accepted = append(accepted, ev.GetBlock().GetHeader().GetHeight())
				case rej.Quiet:
					quiet++
				default:
					reasons = append(reasons, rej.Reason)
				}
			}
			if !slices.Equal(accepted, tt.accepted) || !slices.Equal(reasons, tt.reasons) || quiet != tt.quiet {
				t.Fatalf("accepted %v, rejected %v (%d quietly); want %v, %v (%d)", accepted, reasons, quiet, tt.accepted, tt.reasons, tt.quiet)
			}
			if got := v.Position(); len(tt.accepted) > 0 {
				last := tt.accepted[len(tt.accepted)-1]
				if got.Height != last || (!tt.insecure && !bytes.Equal(got.Hash, c.Block(last).GetHeader().GetHash())) {
					t.Fatalf("position %+v after accepting %d", got, last)
				}
			}
		})
	}
}

func TestDecodeRefusesWhatIsNotABlockRecord(t *testing.T) {
	c := testChain(t)
	good := eventRecord(t, c.Event(2, 1))
	tests := []struct {
		name, key string
		value     []byte
		ok        bool
	}{
		{name: "block record", key: "2", value: good.value, ok: true},
		{name: "no key", value: good.value},
		{name: "key with a sign", key: "+2", value: good.value},
		{name: "key with leading zero", key: "02", value: good.value},
		{name: "key of another height", key: "3", value: good.value},
		{name: "height zero", key: "0", value: good.value},
		{name: "not protobuf", key: "2", value: []byte{0xff, 0xff}},
		{name: "no header", key: "2", value: []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.key), tt.value)
			if (err == nil) != tt.ok {
				t.Fatalf("Decode = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// FuzzDecode feeds the decoder of records anyone can write: it must never
// panic, and what it accepts is a block of the height its key names.
func FuzzDecode(f *testing.F) {
	c := testChain(f)
	for h := uint64(1); h <= 3; h++ {
		rec := eventRecord(f, c.Event(h, 1))
		f.Add([]byte(rec.key), rec.value)
	}
	f.Add([]byte("18446744073709551615"), []byte{0x0a, 0x02, 0x0a, 0x00})
	f.Add([]byte("1"), []byte{0xff})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		ev, err := Decode(key, value)
		if err != nil {
			return
		}
		if strconv.FormatUint(ev.GetBlock().GetHeader().GetHeight(), 10) != string(key) {
			t.Fatalf("key %q accepted for block %d", key, ev.GetBlock().GetHeader().GetHeight())
		}
		v := NewVerifier(Position{})
		_, _ = v.Check(key, value, 0, Anchor{GenesisHash: c.GenesisHash(), Keys: c.Keys()})
	})
}

// BenchmarkVerifierCheck measures what verifying costs a reader per block
// of 2,000 transactions (the Merkle root, the link and the signature) next
// to decoding the record alone, which every reader did before.
func BenchmarkVerifierCheck(b *testing.B) {
	c := chaintest.New("blockfeed-bench", 3)
	txs := make([]*aurigraphv1.TxResult, 2000)
	for i := range txs {
		txs[i] = chaintest.Mint("tx-"+strconv.Itoa(i), "acct-"+strconv.Itoa(i%97), uint64(i+1))
	}
	c.Append(txs, 1_780_000_000_000)
	rec := eventRecord(b, c.Event(1, 1))
	an := Anchor{GenesisHash: c.GenesisHash(), Keys: c.Keys()}
	perTx := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(txs)), "ns/tx")
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode([]byte(rec.key), rec.value); err != nil {
				b.Fatal(err)
			}
		}
		perTx(b)
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if _, rej := NewVerifier(Position{}).Check([]byte(rec.key), rec.value, 0, an); rej != nil {
				b.Fatal(rej)
			}
		}
		perTx(b)
	})
}
