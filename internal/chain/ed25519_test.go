package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// TestSmallOrderKeysNeverVerify: ZIP 215 alone accepts a signature made of
// small-order points (R the identity or a point of small order, s = 0) for
// a key of small order, over any message; no encoding of such a key
// verifies here.
func TestSmallOrderKeysNeverVerify(t *testing.T) {
	if len(smallOrder) < 8 {
		t.Fatalf("%d small-order encodings, want at least the 8 canonical ones", len(smallOrder))
	}
	digest := sha256.Sum256([]byte("any message"))
	accepted := 0
	for enc := range smallOrder {
		for r := range smallOrder {
			sig := append(r[:], make([]byte, 32)...)
			if !ed25519consensus.Verify(enc[:], digest[:], sig) {
				continue
			}
			accepted++
			if VerifyEd25519(enc[:], digest[:], sig) {
				t.Fatalf("key %x: a forged signature verified", enc)
			}
		}
	}
	if accepted == 0 {
		t.Fatal("ZIP 215 refused every forgery; the test no longer shows what is refused")
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	if !VerifyEd25519(key.Public().(ed25519.PublicKey), digest[:], ed25519.Sign(key, digest[:])) {
		t.Fatal("a real signature did not verify")
	}
}
