package sigcache

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"runtime"
	"testing"

	"filippo.io/edwards25519"
	"github.com/hdevalence/ed25519consensus"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func signed(n int) []Item {
	items := make([]Item, n)
	for i := range items {
		seed := sha256.Sum256([]byte(fmt.Sprintf("key %d", i%7)))
		key := ed25519.NewKeyFromSeed(seed[:])
		digest := sha256.Sum256([]byte(fmt.Sprintf("tx %d", i)))
		items[i] = Item{Pub: key.Public().(ed25519.PublicKey), Digest: digest[:], Sig: ed25519.Sign(key, digest[:])}
	}
	return items
}

// zip215Only is a signature crypto/ed25519 rejects and ZIP 215 accepts:
// made with a real key, but with a point of order 8 added to its R, which
// the cofactored equation clears and the standard library's does not.
func zip215Only(t *testing.T) Item {
	seed := sha256.Sum256([]byte("torsion signer"))
	h := sha512.Sum512(seed[:])
	a, err := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
	if err != nil {
		t.Fatal(err)
	}
	pub := new(edwards25519.Point).ScalarBaseMult(a).Bytes()
	rb := sha512.Sum512([]byte("nonce"))
	r, err := new(edwards25519.Scalar).SetUniformBytes(rb[:])
	if err != nil {
		t.Fatal(err)
	}
	torsion, err := new(edwards25519.Point).SetBytes(orderEight)
	if err != nil {
		t.Fatal(err)
	}
	R := new(edwards25519.Point).ScalarBaseMult(r)
	R.Add(R, torsion)
	digest := sha256.Sum256([]byte("a message"))
	kh := sha512.New()
	kh.Write(R.Bytes())
	kh.Write(pub)
	kh.Write(digest[:])
	k, err := new(edwards25519.Scalar).SetUniformBytes(kh.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	sc := new(edwards25519.Scalar).MultiplyAdd(k, a, r)
	return Item{Pub: pub, Digest: digest[:], Sig: append(R.Bytes(), sc.Bytes()...)}
}

var orderEight, _ = hex.DecodeString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")

// TestSmallOrderKeyNeverVerifies: the all-zero key, a point of order 4,
// with the all-zero signature satisfies ZIP 215's equation for any message;
// it verifies neither alone, nor in a batch, nor through the cache.
func TestSmallOrderKeyNeverVerifies(t *testing.T) {
	pub, sig := make([]byte, 32), make([]byte, 64)
	digest := sha256.Sum256([]byte("any message"))
	if !ed25519consensus.Verify(pub, digest[:], sig) {
		t.Fatal("ZIP 215 refuses the all-zero signature by the all-zero key; the test no longer shows what is refused")
	}
	ok := []bool{true, true}
	good := signed(1)[0]
	VerifyBatch([]Item{{pub, digest[:], sig}, good}, ok)
	if Verify(pub, digest[:], sig) || ok[0] || !ok[1] || New(4, nil).Verify(pub, digest[:], sig) {
		t.Fatalf("a forged signature verified (batch %v)", ok)
	}
}

// TestVerifyBatchFindsEachBadSignature: a batch answers for every signature
// as Verify does one by one, whether it holds none, one or many bad ones,
// cached or not.
func TestVerifyBatchFindsEachBadSignature(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		bad  []int
	}{
		{"one good", 1, nil},
		{"one bad", 1, []int{0}},
		{"a full chunk, all good", batchChunk, nil},
		{"two chunks and a bit, one bad", 2*batchChunk + 3, []int{batchChunk + 5}},
		{"bad in every chunk", 3*batchChunk + 1, []int{0, batchChunk, 2*batchChunk + 7, 3 * batchChunk}},
		{"a block on every core, bad ones scattered", 16*batchChunk + 77, []int{1, 300, 301, 2000, 4095, 16*batchChunk + 76}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := signed(tc.n)
			want := make([]bool, tc.n)
			for i := range want {
				want[i] = true
			}
			for _, i := range tc.bad {
				items[i].Sig = append([]byte(nil), items[i].Sig...)
				items[i].Sig[5] ^= 1
				want[i] = false
			}
			for name, verify := range map[string]func([]Item, []bool){
				"plain": VerifyBatch,
				"cache": New(1024, nil).VerifyBatch,
			} {
				got := make([]bool, tc.n)
				verify(items, got)
				for i := range got {
					if got[i] != want[i] || got[i] != Verify(items[i].Pub, items[i].Digest, items[i].Sig) {
						t.Fatalf("%s: item %d: batch says %v, want %v", name, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestRuleIsZIP215: the accepted set differs from crypto/ed25519's only as
// documented, and single, batch and cached verification agree on it.
func TestRuleIsZIP215(t *testing.T) {
	odd := zip215Only(t)
	if ed25519.Verify(odd.Pub, odd.Digest, odd.Sig) {
		t.Fatal("crypto/ed25519 accepts the non-canonical signature; the test no longer shows the difference")
	}
	good := signed(3)
	items := append([]Item{odd}, good...)
	ok := make([]bool, len(items))
	VerifyBatch(items, ok)
	c := New(16, nil)
	for i, it := range items {
		if !ok[i] || !Verify(it.Pub, it.Digest, it.Sig) || !c.Verify(it.Pub, it.Digest, it.Sig) {
			t.Fatalf("item %d: batch %v, single %v", i, ok[i], Verify(it.Pub, it.Digest, it.Sig))
		}
	}
	// s not reduced is refused by both rules.
	big := append([]byte(nil), good[0].Sig...)
	big[63] |= 0xf0
	if Verify(good[0].Pub, good[0].Digest, big) {
		t.Fatal("a signature with s >= L verified")
	}
}

func TestCacheCountsHitsAndMisses(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := New(16, reg)
	items := signed(10)
	ok := make([]bool, len(items))
	c.VerifyBatch(items, ok)
	c.VerifyBatch(items[:4], ok[:4])
	if !c.Verify(items[7].Pub, items[7].Digest, items[7].Sig) {
		t.Fatal("a remembered signature did not verify")
	}
	forged := append([]byte(nil), items[7].Sig...)
	forged[0] ^= 1
	if c.Verify(items[7].Pub, items[7].Digest, forged) {
		t.Fatal("a forged signature over a remembered digest verified")
	}
	if h, m := testutil.ToFloat64(c.hits), testutil.ToFloat64(c.misses); h != 5 || m != 11 {
		t.Fatalf("hits %v misses %v, want 5 and 11", h, m)
	}
}

// TestEmptyCacheHoldsNoGeneration guards a validator's memory: a cache of
// the default size that has seen no signature must not hold a generation's
// worth of map.
func TestEmptyCacheHoldsNoGeneration(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := New(DefaultSize, nil)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("an empty cache of %d allocated %d bytes, want under 1 MiB", DefaultSize, grew)
	}
	items := signed(3)
	ok := make([]bool, len(items))
	c.VerifyBatch(items, ok)
	for i := range items {
		if !ok[i] || !c.Verify(items[i].Pub, items[i].Digest, items[i].Sig) {
			t.Fatalf("signature %d not verified and remembered", i)
		}
	}
}

// BenchmarkVerify compares verifying 256 signatures one by one (the
// standard library's rule and ZIP 215's) with verifying them in batches,
// and verifies a block's worth, 4,096, as a follower's state machine does:
// with -cpu 1,2 it shows what spreading the batches over the cores gains.
func BenchmarkVerify(b *testing.B) {
	items := signed(256)
	ok := make([]bool, len(items))
	block := signed(4096)
	blockOK := make([]bool, len(block))
	for _, bc := range []struct {
		name string
		run  func()
	}{
		{"crypto_ed25519_one_by_one", func() {
			for i, it := range items {
				ok[i] = ed25519.Verify(it.Pub, it.Digest, it.Sig)
			}
		}},
		{"zip215_one_by_one", func() {
			for i, it := range items {
				ok[i] = Verify(it.Pub, it.Digest, it.Sig)
			}
		}},
		{"zip215_batches", func() { VerifyBatch(items, ok) }},
		{"zip215_batches_block", func() { VerifyBatch(block, blockOK) }},
	} {
		n := len(items)
		if bc.name == "zip215_batches_block" {
			n = len(block)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.run()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
