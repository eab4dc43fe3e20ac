package chain

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Domain prefixes keep a signature made for one purpose from ever verifying
// for another: a block hash, a key proof and a transaction digest are all
// 32-byte values signed with Ed25519 keys.
const (
	blockDomain        = "aurigraph-block-v1"
	validatorKeyDomain = "aurigraph-validator-key-v1"
)

func blockMessage(hash []byte) []byte {
	return append([]byte(blockDomain), hash...)
}

// SignBlock returns key's signature over a block hash.
func SignBlock(key ed25519.PrivateKey, hash []byte) []byte {
	return ed25519.Sign(key, blockMessage(hash))
}

// VerifyBlockSignature reports whether sig is pub's signature over hash, by
// the rule the chain verifies every signature with (VerifyEd25519).
func VerifyBlockSignature(pub ed25519.PublicKey, hash, sig []byte) bool {
	return VerifyEd25519(pub, blockMessage(hash), sig)
}

func keyProofMessage(genesisHash []byte, id uint64, pub []byte) []byte {
	msg := make([]byte, 0, len(validatorKeyDomain)+len(genesisHash)+8+len(pub))
	msg = append(msg, validatorKeyDomain...)
	msg = append(msg, genesisHash...)
	msg = binary.BigEndian.AppendUint64(msg, id)
	return append(msg, pub...)
}

// ProveKey returns validator id's registration of key on the chain whose
// genesis hashes to genesisHash.
func ProveKey(key ed25519.PrivateKey, genesisHash []byte, id uint64) *aurigraphv1.ValidatorKey {
	pub := key.Public().(ed25519.PublicKey)
	return &aurigraphv1.ValidatorKey{
		Id:     id,
		Pubkey: append([]byte(nil), pub...),
		Proof:  ed25519.Sign(key, keyProofMessage(genesisHash, id, pub)),
	}
}

// CheckKeyProof reports whether vk proves possession of its key for its
// validator on the chain whose genesis hashes to genesisHash.
func CheckKeyProof(vk *aurigraphv1.ValidatorKey, genesisHash []byte) error {
	switch {
	case vk.GetId() == 0:
		return errors.New("validator key: id 0 is not a validator")
	case len(vk.GetPubkey()) != ed25519.PublicKeySize:
		return fmt.Errorf("validator key of %d: public key has %d bytes, want %d", vk.GetId(), len(vk.GetPubkey()), ed25519.PublicKeySize)
	case len(vk.GetProof()) != ed25519.SignatureSize ||
		!VerifyEd25519(vk.GetPubkey(), keyProofMessage(genesisHash, vk.GetId(), vk.GetPubkey()), vk.GetProof()):
		return fmt.Errorf("validator key of %d: the proof does not verify for this chain", vk.GetId())
	}
	return nil
}

// LoadOrCreateKey reads the Ed25519 private key in path (PEM, PKCS #8, as
// `openssl genpkey -algorithm ed25519` writes), or creates one there, readable
// by the owner only, when the file does not exist.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	return ParseKey(raw, path)
}

// ParseKey decodes a PEM PKCS #8 Ed25519 private key; name says where it
// came from in errors.
func ParseKey(raw []byte, name string) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("key %s: not a PEM \"PRIVATE KEY\" block (create one with `aurigraph keygen` or `openssl genpkey -algorithm ed25519`)", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key %s: a %T, want an Ed25519 key", name, k)
	}
	return key, nil
}

// MarshalKey encodes key as PEM PKCS #8.
func MarshalKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// createKey writes a new key to a temporary file and links it into place, so
// a crash leaves either no key or a whole one, and two processes racing to
// create it end up with the same key.
func createKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key for %s: %w", path, err)
	}
	raw, err := MarshalKey(key)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key dir %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return nil, fmt.Errorf("create key %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write key %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("sync key %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("close key %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKey(path)
		}
		return nil, fmt.Errorf("install key %s: %w", path, err)
	}
	return key, nil
}
