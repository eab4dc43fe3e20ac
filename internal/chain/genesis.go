package chain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Genesis defaults and bounds.
const (
	// DefaultMaxBlockBytes leaves room under Kafka's default record limit
	// (max.message.bytes 1048588) for the event around a block, its record
	// headers and the batch framing, uncompressed.
	DefaultMaxBlockBytes = 960 << 10
	// MinMaxBlockBytes fits the largest legal transaction many times over.
	MinMaxBlockBytes = 64 << 10
	// MaxMaxBlockBytes bounds what one raft entry and one record may carry.
	MaxMaxBlockBytes = 64 << 20
	// DefaultTimestampSkew is how far ahead of its block's time a
	// transaction's own timestamp may be.
	DefaultTimestampSkew = 5 * time.Minute
	maxTimestampSkew     = 24 * time.Hour
	maxChainIDLen        = 64
	genesisDomain        = "aurigraph-genesis-v1"
)

// DefaultGenesis is the trusted-topic chain `aurigraph dev` starts without a
// genesis file: unsigned transactions are believed and anyone the topic
// trusts may mint.
func DefaultGenesis() *aurigraphv1.Genesis {
	return &aurigraphv1.Genesis{
		ChainId:            "aurigraph-dev",
		MaxBlockBytes:      DefaultMaxBlockBytes,
		MaxTimestampSkewMs: DefaultTimestampSkew.Milliseconds(),
	}
}

// LegacyGenesis stands for the rules of a chain begun before genesis
// entries: the trusted topic, open minting, and block 1 linked to ZeroHash.
func LegacyGenesis() *aurigraphv1.Genesis {
	g := DefaultGenesis()
	g.ChainId = ""
	return g
}

// GenesisHash is sha256 over a domain prefix and g's deterministic
// encoding: block 1's prev_hash on a chain with a genesis entry.
func GenesisHash(g *aurigraphv1.Genesis) []byte {
	b, err := Deterministic.Marshal(g)
	if err != nil {
		panic(fmt.Sprintf("chain: marshal genesis: %v", err))
	}
	sum := sha256.Sum256(append([]byte(genesisDomain), b...))
	return sum[:]
}

// CheckGenesis reports the first rule g breaks.
func CheckGenesis(g *aurigraphv1.Genesis) error {
	if len(g.GetChainId()) > maxChainIDLen {
		return fmt.Errorf("genesis: chain_id has %d bytes, at most %d", len(g.GetChainId()), maxChainIDLen)
	}
	for i := 0; i < len(g.GetChainId()); i++ {
		if c := g.GetChainId()[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("genesis: chain_id byte %d is not printable ASCII without spaces", i)
		}
	}
	if n := g.GetMaxBlockBytes(); n < MinMaxBlockBytes || n > MaxMaxBlockBytes {
		return fmt.Errorf("genesis: max_block_bytes %d is outside [%d, %d]", n, MinMaxBlockBytes, MaxMaxBlockBytes)
	}
	if s := g.GetMaxTimestampSkewMs(); s < 0 || s > maxTimestampSkew.Milliseconds() {
		return fmt.Errorf("genesis: max_timestamp_skew of %d ms is outside [0, %s]", s, maxTimestampSkew)
	}
	seen := make(map[string]bool)
	for i, is := range g.GetIssuers() {
		addr, pub := is.GetAddress(), is.GetPubkey()
		switch {
		case addr == "" || len(addr) > 128:
			return fmt.Errorf("genesis: issuers[%d].address must have 1 to 128 characters", i)
		case seen[addr]:
			return fmt.Errorf("genesis: issuer %s is listed twice", addr)
		case len(pub) != 0 && len(pub) != ed25519.PublicKeySize:
			return fmt.Errorf("genesis: issuers[%d].pubkey has %d bytes, want an Ed25519 key (%d)", i, len(pub), ed25519.PublicKeySize)
		case schemas.IsKeyAddress(addr) && len(pub) != 0 && schemas.AddressOf(pub) != addr:
			return fmt.Errorf("genesis: issuers[%d]: address %s is not the address of pubkey %x (which is %s); leave pubkey out for a key's address", i, addr, pub, schemas.AddressOf(pub))
		case g.GetRequireSignatures() && !schemas.IsKeyAddress(addr) && len(pub) == 0:
			return fmt.Errorf("genesis: issuer %s is a named account without a pubkey: with require_signatures nobody could sign for it; give its pubkey or use a key's address (aurigraph keygen prints one)", addr)
		}
		for j := 0; j < len(addr); j++ {
			if c := addr[j]; c <= ' ' || c > '~' {
				return fmt.Errorf("genesis: issuers[%d].address byte %d is not printable ASCII without spaces", i, j)
			}
		}
		seen[addr] = true
	}
	return nil
}

// genesisJSON is the genesis file's shape.
type genesisJSON struct {
	ChainID           string       `json:"chain_id"`
	RequireSignatures bool         `json:"require_signatures"`
	Issuers           []issuerJSON `json:"issuers"`
	MaxBlockBytes     uint64       `json:"max_block_bytes,omitempty"`
	MaxTimestampSkew  string       `json:"max_timestamp_skew,omitempty"`
}

type issuerJSON struct {
	Address string `json:"address"`
	Pubkey  string `json:"pubkey,omitempty"`
}

// ParseGenesis decodes a genesis file:
//
//	{
//	  "chain_id": "my-chain",
//	  "require_signatures": true,
//	  "issuers": [{"address": "aur..."}, {"address": "treasury", "pubkey": "<hex Ed25519 key>"}],
//	  "max_block_bytes": 983040,
//	  "max_timestamp_skew": "5m"
//	}
//
// Omitted limits take their defaults; unknown keys are refused.
func ParseGenesis(raw []byte) (*aurigraphv1.Genesis, error) {
	var in genesisJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	g := &aurigraphv1.Genesis{
		ChainId:            in.ChainID,
		RequireSignatures:  in.RequireSignatures,
		MaxBlockBytes:      in.MaxBlockBytes,
		MaxTimestampSkewMs: DefaultTimestampSkew.Milliseconds(),
	}
	if g.MaxBlockBytes == 0 {
		g.MaxBlockBytes = DefaultMaxBlockBytes
	}
	if in.MaxTimestampSkew != "" {
		d, err := time.ParseDuration(in.MaxTimestampSkew)
		if err != nil {
			return nil, fmt.Errorf("genesis: max_timestamp_skew %q: %w (write e.g. \"5m\")", in.MaxTimestampSkew, err)
		}
		g.MaxTimestampSkewMs = d.Milliseconds()
	}
	for i, is := range in.Issuers {
		var pub []byte
		if is.Pubkey != "" {
			var err error
			if pub, err = hex.DecodeString(is.Pubkey); err != nil {
				return nil, fmt.Errorf("genesis: issuers[%d].pubkey is not hex: %w", i, err)
			}
		}
		g.Issuers = append(g.Issuers, &aurigraphv1.Issuer{Address: is.Address, Pubkey: pub})
	}
	if err := CheckGenesis(g); err != nil {
		return nil, err
	}
	return g, nil
}

// LoadGenesis reads and checks a genesis file.
func LoadGenesis(path string) (*aurigraphv1.Genesis, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read genesis: %w", err)
	}
	g, err := ParseGenesis(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// MarshalGenesis writes g in the genesis file's shape.
func MarshalGenesis(g *aurigraphv1.Genesis) ([]byte, error) {
	out := genesisJSON{
		ChainID:           g.GetChainId(),
		RequireSignatures: g.GetRequireSignatures(),
		Issuers:           []issuerJSON{},
		MaxBlockBytes:     g.GetMaxBlockBytes(),
		MaxTimestampSkew:  (time.Duration(g.GetMaxTimestampSkewMs()) * time.Millisecond).String(),
	}
	for _, is := range g.GetIssuers() {
		out.Issuers = append(out.Issuers, issuerJSON{Address: is.GetAddress(), Pubkey: hex.EncodeToString(is.GetPubkey())})
	}
	return json.MarshalIndent(out, "", "  ")
}
