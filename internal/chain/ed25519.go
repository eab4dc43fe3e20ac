package chain

import (
	"crypto/ed25519"

	"filippo.io/edwards25519"
	"github.com/hdevalence/ed25519consensus"
)

// VerifyEd25519 reports whether sig is pub's Ed25519 signature over msg, by the
// rules of ZIP 215 (github.com/hdevalence/ed25519consensus): the encodings
// of the public key and of R may be non-canonical, s must be reduced, and
// the cofactored equation [8][s]B = [8]R + [8][k]A decides; and a key of
// small order never verifies (UsableKey). Every signature the chain
// checks (transactions, validator key proofs, blocks) is checked by it. Every signature crypto/ed25519
// accepts from a key not of small order is accepted; a few it rejects are
// accepted too: those with a non-canonical R or key encoding, or whose R
// carries a small-order component the cofactor clears. No signer following
// RFC 8032 makes either. What matters is that the rule is exact and the
// same for one signature and for a batch, so every validator decides alike
// however it verifies.
func VerifyEd25519(pub, msg, sig []byte) bool {
	return UsableKey(pub) && len(sig) == ed25519.SignatureSize && ed25519consensus.Verify(pub, msg, sig)
}

// UsableKey refuses what is not a public key of Ed25519's size, and the
// encodings of the eight points of small order: ZIP 215 accepts a
// signature by such a key over any message from anyone, whose
// private key nobody holds. Funds sent to its address would be anybody's.
func UsableKey(pub []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	_, small := smallOrder[[32]byte(pub)]
	return !small
}

// smallOrder holds every encoding that decodes to a point of small order:
// the eight multiples of a point of order 8, canonical or not (y + p for the
// smallest y, the sign bit set where x is 0).
var smallOrder = func() map[[32]byte]struct{} {
	t, err := new(edwards25519.Point).SetBytes([]byte{
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
	})
	if err != nil {
		panic("chain: the point of order 8 does not decode: " + err.Error())
	}
	var points []*edwards25519.Point
	p := edwards25519.NewIdentityPoint()
	for range 8 {
		points = append(points, new(edwards25519.Point).Set(p))
		p.Add(p, t)
	}
	// p = 2^255 - 19, little endian.
	prime := [32]byte{0: 0xed, 31: 0x7f}
	for i := 1; i < 31; i++ {
		prime[i] = 0xff
	}
	out := map[[32]byte]struct{}{}
	for _, pt := range points {
		enc := [32]byte(pt.Bytes())
		y := enc
		y[31] &= 0x7f
		candidates := [][32]byte{enc, y}
		// y + p still below 2^255: a non-canonical encoding of y.
		var sum [32]byte
		carry := 0
		for i := range 32 {
			v := int(y[i]) + int(prime[i]) + carry
			sum[i], carry = byte(v), v>>8
		}
		if carry == 0 && sum[31]&0x80 == 0 {
			candidates = append(candidates, sum)
		}
		for _, c := range candidates {
			for _, sign := range []byte{0, 0x80} {
				c[31] = c[31]&0x7f | sign
				if q, err := new(edwards25519.Point).SetBytes(c[:]); err == nil && q.Equal(pt) == 1 {
					out[c] = struct{}{}
				}
			}
		}
	}
	return out
}()
