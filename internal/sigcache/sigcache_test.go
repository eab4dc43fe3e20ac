package sigcache

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"

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

// zip215Only is a signature crypto/ed25519 rejects and ZIP 215 accepts: the
// identity as public key and as R, R encoded non-canonically (y = p+1), s = 0.
func zip215Only() Item {
	pub := make([]byte, 32)
	pub[0] = 1
	sig := make([]byte, 64)
	sig[0] = 0xee
	for i := 1; i < 31; i++ {
		sig[i] = 0xff
	}
	sig[31] = 0x7f
	digest := sha256.Sum256([]byte("anything"))
	return Item{Pub: pub, Digest: digest[:], Sig: sig}
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
	odd := zip215Only()
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

// BenchmarkVerify compares verifying 256 signatures one by one (the
// standard library's rule and ZIP 215's) with verifying them in batches.
func BenchmarkVerify(b *testing.B) {
	items := signed(256)
	ok := make([]bool, len(items))
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
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.run()
			}
			b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
