package consensus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// buildChain runs a single validator, commits three blocks and stops it,
// returning the path of its block store.
func buildChain(t *testing.T) string {
	t.Helper()
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 100), mint("m2", "bob", 1)))
	mustPropose(t, lead, batch(2, transfer("t1", "alice", "bob", 10, 1)))
	mustPropose(t, lead, batch(3, transfer("t2", "alice", "bob", 10, 2)))
	c.stop(1)
	return filepath.Join(c.dirs[1], BlocksFile)
}

// rewriteBlocks copies the block store at dir, without its index, passing
// each stored block's encoding through edit (nil drops the block), as an
// attacker or a disk fault would, bypassing the state machine. It returns
// the copy's path.
func rewriteBlocks(t *testing.T, dir string, edit func(h uint64, raw []byte) []byte) string {
	t.Helper()
	return rewriteRecords(t, dir, func(h uint64, rec []byte) []byte {
		b := edit(h, rec[sigPrefix:])
		if b == nil {
			return nil
		}
		return append(bytes.Clone(rec[:sigPrefix]), b...)
	})
}

// rewriteRecords is rewriteBlocks over whole records: the signer, the
// signature and the block.
func rewriteRecords(t *testing.T, dir string, edit func(h uint64, rec []byte) []byte) string {
	t.Helper()
	src, err := blocklog.Open(dir, blocklog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(t.TempDir(), BlocksFile)
	out, err := blocklog.Open(dst, blocklog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := out.NewWriter()
	for _, sp := range src.Spans() {
		for h := sp.First; h <= sp.Last; h++ {
			raw, aux, err := src.Read(h)
			if err != nil {
				t.Fatal(err)
			}
			rec := edit(h, raw)
			if rec == nil {
				continue
			}
			if err := w.Add(h, aux, rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	rules, err := os.ReadFile(filepath.Join(dir, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, rulesFile), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func editBlock(height uint64, change func(*aurigraphv1.Block)) func(uint64, []byte) []byte {
	return func(h uint64, raw []byte) []byte {
		if h != height {
			return raw
		}
		blk, err := decodeBlock(raw)
		if err != nil {
			panic(err)
		}
		change(blk)
		out, err := proto.Marshal(blk)
		if err != nil {
			panic(err)
		}
		return out
	}
}

func replaceBlock(height uint64, with []byte) func(uint64, []byte) []byte {
	return func(h uint64, raw []byte) []byte {
		if h == height {
			return with
		}
		return raw
	}
}

func TestVerifyChainDetectsTampering(t *testing.T) {
	path := buildChain(t)
	s, err := OpenBlockStoreReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyChain(context.Background(), s)
	s.Close()
	if err != nil || !rep.OK || rep.Height != 3 || rep.TxCount != 4 || len(rep.Errors) != 0 {
		t.Fatalf("untouched chain: %+v, %v", rep, err)
	}

	tests := []struct {
		name    string
		edit    func(uint64, []byte) []byte
		wantErr string
		dups    int
	}{
		{"amount changed", editBlock(2, func(b *aurigraphv1.Block) { b.Txs[0].Tx.Amount = 1_000_000 }), "block 2: tx_root", 0},
		{"header rewritten", editBlock(2, func(b *aurigraphv1.Block) { b.Header.TimestampMs++ }), "block 2: stored hash", 0},
		{"header rehashed", editBlock(2, func(b *aurigraphv1.Block) {
			b.Header.TimestampMs++
			b.Header.Hash = chain.BlockHash(b.Header)
		}), "block 3: prev_hash", 0},
		{"tx replayed", editBlock(3, func(b *aurigraphv1.Block) {
			b.Txs[0].Tx.Id = "t1"
			b.Header.TxRoot = chain.TxRoot(b.Txs)
			b.Header.Hash = chain.BlockHash(b.Header)
		}), `id "t1" already committed at height 2`, 1},
		{"block deleted", replaceBlock(2, nil), "block 2: missing", 0},
		{"garbage", replaceBlock(1, []byte{0xff, 0xff}), "block 1: decode stored block", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenBlockStoreReadOnly(rewriteBlocks(t, path, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := VerifyChain(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || rep.Duplicates != tc.dups || !strings.Contains(strings.Join(rep.Errors, "\n"), tc.wantErr) {
				t.Fatalf("report %+v, want an error containing %q", rep, tc.wantErr)
			}
		})
	}
}

func TestBlockStoreReads(t *testing.T) {
	path := buildChain(t)
	s, err := OpenBlockStoreReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(4); !errors.Is(err, ErrBlockNotFound) {
		t.Fatalf("Get(4) = %v, want ErrBlockNotFound", err)
	}
	latest, err := s.Latest()
	if err != nil || latest.GetHeader().GetHeight() != 3 {
		t.Fatalf("Latest = %v, %v", latest, err)
	}
	st := s.Stats()
	if st.Height != 3 || st.TxCount != 4 || string(st.LastHash) != string(latest.GetHeader().GetHash()) {
		t.Fatalf("Stats = %+v", st)
	}
	if _, ok, err := s.LookupTx("nope"); ok || err != nil {
		t.Fatalf("LookupTx(nope) = %v, %v", ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx, 3); err != nil {
		t.Fatalf("Wait(3) = %v", err)
	}
	if err := s.Wait(ctx, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait(4) = %v, want deadline exceeded", err)
	}
}

func FuzzDecodeBlock(f *testing.F) {
	good, _ := proto.Marshal(&aurigraphv1.Block{
		Header: &aurigraphv1.BlockHeader{Height: 1, Sources: []*aurigraphv1.SourceRange{{Topic: "t"}}},
		Txs:    []*aurigraphv1.TxResult{{Tx: &aurigraphv1.Transaction{Id: "a"}}},
	})
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x08})
	f.Fuzz(func(t *testing.T, raw []byte) {
		blk, err := decodeBlock(raw)
		if err != nil {
			return
		}
		// Everything that consumes a stored block must cope with what
		// decodes (the API's JSON shape: internal/chainapi's FuzzBlockJSON).
		chain.BlockHash(blk.GetHeader())
		chain.TxRoot(blk.GetTxs())
	})
}

func FuzzRestoreSnapshot(f *testing.F) {
	g := testFSM(4)
	g.apply(batch(0, mint("a", "x", 1), txOf(tCreate, "c", "x", "", "GOLD", 5, 1)), 1, 1)
	good, _ := proto.Marshal(g.snapshot())
	f.Add(good)
	f.Add([]byte{})
	newer := g.snapshot()
	newer.FormatVersion = SnapshotFormatRead + 1
	tooNew, _ := proto.Marshal(newer)
	f.Add(tooNew)
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := DecodeSnapshot(raw, 1)
		if err != nil {
			return
		}
		h := testFSM(4)
		h.restore(s)
		h.snapshot()
		h.apply(batch(0, mint("z", "x", 1), transfer("y", "x", "w", 1, 9)), 1, 2)
	})
}

// Blocks are found by hash, with the index as written and with one
// rebuilt from the blocks when opened.
func TestBlockStoreFindsBlocksByHash(t *testing.T) {
	indexed := buildChain(t)
	unindexed := rewriteBlocks(t, indexed, func(_ uint64, raw []byte) []byte { return raw })
	for name, path := range map[string]string{"indexed as written": indexed, "indexed when opened": unindexed} {
		t.Run(name, func(t *testing.T) {
			s, err := openBlockStore(path, false, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for h := uint64(1); h <= s.Height(); h++ {
				want, err := s.Get(h)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.GetByHash(want.GetHeader().GetHash())
				if err != nil || got.GetHeader().GetHeight() != h {
					t.Fatalf("GetByHash(hash of %d) = %v, %v", h, got.GetHeader().GetHeight(), err)
				}
			}
			if _, err := s.GetByHash(make([]byte, 32)); !errors.Is(err, ErrBlockNotFound) {
				t.Fatalf("unknown hash: err = %v, want ErrBlockNotFound", err)
			}
		})
	}
}
