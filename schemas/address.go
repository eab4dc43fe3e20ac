package schemas

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
)

// AddressPrefix starts every address derived from a public key.
const AddressPrefix = "aur"

// addressHashBytes is how much of sha256(pubkey) an address keeps: 160 bits,
// as many blockchains do, so finding a second key for an address costs 2^160.
const addressHashBytes = 20

// AddressLen is the length of an address derived from a key.
const AddressLen = len(AddressPrefix) + 2*addressHashBytes

// AddressOf returns the account address controlled by pub: "aur" followed by
// the lowercase hex of the first 20 bytes of sha256(pub). Such an account
// needs no registration: only the holder of the key can sign for it.
func AddressOf(pub ed25519.PublicKey) string {
	var buf [AddressLen]byte
	return string(appendAddress(buf[:0], pub))
}

// IsAddressOf reports whether addr is AddressOf(pub), without building the
// address: a state machine checks it for every signed transaction from a
// key's address.
func IsAddressOf(pub ed25519.PublicKey, addr string) bool {
	var buf [AddressLen]byte
	return len(addr) == AddressLen && string(appendAddress(buf[:0], pub)) == addr
}

func appendAddress(b []byte, pub ed25519.PublicKey) []byte {
	sum := sha256.Sum256(pub)
	b = append(b, AddressPrefix...)
	return hex.AppendEncode(b, sum[:addressHashBytes])
}

// IsKeyAddress reports whether s has the form of an address derived from a
// key. Such names are reserved: no key can be registered to one, so a named
// account can never be mistaken for, or shadow, a key's address.
func IsKeyAddress(s string) bool {
	if len(s) != AddressLen || s[:len(AddressPrefix)] != AddressPrefix {
		return false
	}
	for _, c := range []byte(s[len(AddressPrefix):]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
