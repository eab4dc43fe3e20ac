package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// buildChain runs a single validator, commits three blocks and stops it,
// returning the path of its blocks.db.
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

// tamper rewrites stored blocks directly in bolt, as an attacker or a disk
// fault would, bypassing the state machine.
func tamper(t *testing.T, path string, edit func(blocks *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return edit(tx.Bucket(bucketBlocks)) }); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src string) string {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), BlocksFile)
	if err := os.WriteFile(dst, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func editBlock(height uint64, change func(*aurigraphv1.Block)) func(*bolt.Bucket) error {
	return func(b *bolt.Bucket) error {
		blk, err := decodeBlock(b.Get(be64(height)))
		if err != nil {
			return err
		}
		change(blk)
		raw, err := proto.Marshal(blk)
		if err != nil {
			return err
		}
		return b.Put(be64(height), raw)
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
		edit    func(*bolt.Bucket) error
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
		{"block deleted", func(b *bolt.Bucket) error { return b.Delete(be64(2)) }, "block 2: missing", 0},
		{"garbage", func(b *bolt.Bucket) error { return b.Put(be64(1), []byte{0xff, 0xff}) }, "block 1: decode stored block", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := copyFile(t, path)
			tamper(t, path, tc.edit)
			s, err := OpenBlockStoreReadOnly(path)
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
		// Everything that consumes a stored block must cope with what decodes.
		chain.BlockHash(blk.GetHeader())
		chain.TxRoot(blk.GetTxs())
		BlockJSON(blk)
	})
}

func FuzzRestoreSnapshot(f *testing.F) {
	g := testFSM(4)
	g.apply(batch(0, mint("a", "x", 1), txOf(tCreate, "c", "x", "", "GOLD", 5, 1)), 1, 1)
	good, _ := proto.Marshal(g.snapshot())
	f.Add(good)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s aurigraphv1.StateSnapshot
		if err := proto.Unmarshal(raw, &s); err != nil {
			return
		}
		h := testFSM(4)
		h.restore(&s)
		h.snapshot()
		h.apply(batch(0, mint("z", "x", 1), transfer("y", "x", "w", 1, 9)), 1, 2)
	})
}

// TestDedupWindowPersistedExactly checks the persisted dedup window holds
// exactly the ids the in-memory one does, also when one commit adds more ids
// than the window keeps (ids added and evicted within the same commit).
func TestDedupWindowPersistedExactly(t *testing.T) {
	tests := []struct {
		name    string
		window  int
		batches [][]string // each inner slice is applied and committed together
	}{
		{"one per commit", 3, [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}}},
		{"more than the window in one commit", 2, [][]string{{"a", "b", "c", "d", "e"}}},
		{"overflow after restart-free fill", 3, [][]string{{"a", "b"}, {"c", "d", "e", "f", "g"}, {"h"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := openBlockStore(filepath.Join(t.TempDir(), BlocksFile), false)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			f := testFSM(tc.window)
			var off int64
			for i, ids := range tc.batches {
				var txs []*aurigraphv1.Transaction
				for _, id := range ids {
					txs = append(txs, mint(id, "alice", 1))
				}
				if _, err := f.apply(batch(off, txs...), 1, uint64(i+1)); err != nil {
					t.Fatal(err)
				}
				off += int64(len(txs))
				f.appliedIndex = uint64(i + 1)
				if err := s.commit(f, false); err != nil {
					t.Fatal(err)
				}
			}
			var stored []byte
			if err := s.db.View(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketDedup).ForEach(func(_, v []byte) error {
					stored = append(stored, v...)
					return nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			if want := f.dedup.ordered(); !bytes.Equal(stored, want) {
				t.Fatalf("persisted dedup window %x, in memory %x", stored, want)
			}
			last := tc.batches[len(tc.batches)-1]
			if d := digestOf(last[len(last)-1]); !bytes.Equal(stored[len(stored)-len(d):], d[:]) {
				t.Fatalf("newest persisted digest is not that of %q", last[len(last)-1])
			}
		})
	}
}

// growCtx grows the block store's file from inside VerifyChain's second
// cancellation check, i.e. in the middle of the walk, and reports whether
// that write had to wait for the walk to finish.
type growCtx struct {
	context.Context
	s       *BlockStore
	calls   int
	blocked bool
}

func (c *growCtx) Err() error {
	if c.calls++; c.calls != 2 {
		return nil
	}
	done := make(chan error, 1)
	go func() {
		done <- c.s.db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("scratch"))
			if err != nil {
				return err
			}
			// Larger than the current mapping: bolt must remap the file,
			// which waits for every open read transaction.
			return b.Put([]byte("big"), make([]byte, 32<<20))
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			panic(err)
		}
	case <-time.After(5 * time.Second):
		c.blocked = true
	}
	return nil
}

// TestVerifyChainDoesNotStallWriters checks a chain walk does not hold one
// read transaction for its whole length: while one is open bolt cannot grow
// its mapping, so the raft loop's next commit that needs room would wait for
// the walk, and a long GET /chain/verify would stall consensus.
func TestVerifyChainDoesNotStallWriters(t *testing.T) {
	s, err := openBlockStore(filepath.Join(t.TempDir(), BlocksFile), false)
	if err != nil {
		t.Fatal(err)
	}
	signStore(t, s)
	defer s.Close()
	f := testFSM(10)
	const height = 2*verifyChunk + 1
	for i := range int64(height) {
		if _, err := f.apply(batch(i, mint(fmt.Sprintf("m%d", i), "alice", 1)), 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		if (i+1)%500 == 0 || i+1 == height {
			if err := s.commit(f, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx := &growCtx{Context: context.Background(), s: s}
	rep, err := VerifyChain(ctx, s)
	if err != nil || !rep.OK || rep.Height != height || rep.TxCount != height {
		t.Fatalf("VerifyChain = %+v, %v", rep, err)
	}
	if ctx.calls < 2 {
		t.Fatalf("VerifyChain checked its context %d times over %d blocks", ctx.calls, height)
	}
	if ctx.blocked {
		t.Fatal("a commit that grows the file waited for VerifyChain to finish")
	}
}

// Blocks are found by hash, also in a store written before the hash index
// existed, which is indexed when opened.
func TestBlockStoreFindsBlocksByHash(t *testing.T) {
	indexed := buildChain(t)
	unindexed := copyFile(t, indexed)
	db, err := bolt.Open(unindexed, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketHashes) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for name, path := range map[string]string{"indexed as written": indexed, "indexed when opened": unindexed} {
		t.Run(name, func(t *testing.T) {
			s, err := openBlockStore(path, false)
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
