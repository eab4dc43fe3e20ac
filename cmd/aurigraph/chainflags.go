package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// chainFlags are the rules a new chain starts with, for dev and node. A
// chain keeps the rules it was created with; these only matter the first
// time.
type chainFlags struct {
	genesisFile       string
	requireSignatures bool
	issuers           []string
}

// requireSignaturesUsage documents --require-signatures for dev and node.
const requireSignaturesUsage = "accept only transactions signed by the key that controls their sender: unsigned ones are dead-lettered, or answered 400 over REST, and a new chain records the rule in its genesis, so its state machine enforces it too. " +
	"Without it " + schemas.TopicTransactions + " is trusted: every producer that can write to it is authenticated and vouches for the senders it names (see SECURITY.md)"

func (c *chainFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&c.genesisFile, "genesis", "", "the rules a new chain starts with, a JSON file (see SECURITY.md: chain_id, require_signatures, issuers, max_block_bytes, max_timestamp_skew); without it they come from --require-signatures and --issuer")
	fl.BoolVar(&c.requireSignatures, "require-signatures", false, requireSignaturesUsage)
	fl.StringArrayVar(&c.issuers, "issuer", nil, "an account that may mint "+consensus.NativeAsset+" on a new chain, ADDRESS or NAME=PUBKEY_HEX (repeatable; ignored with --genesis)")
}

// genesis returns the genesis a new chain starts with. keyDir, when set,
// is where dev keeps an issuer key it makes for a signed chain that names
// no issuer, so that someone can mint.
func (c chainFlags) genesis(keyDir string, log *slog.Logger) (*aurigraphv1.Genesis, error) {
	if c.genesisFile != "" {
		g, err := chain.LoadGenesis(c.genesisFile)
		if err != nil {
			return nil, fmt.Errorf("--genesis: %w", err)
		}
		if c.requireSignatures && !g.GetRequireSignatures() {
			log.Warn("--require-signatures is set but the genesis does not require signatures: ingest refuses unsigned transactions, the state machine would accept them from keyless accounts")
		}
		return g, nil
	}
	g := chain.DefaultGenesis()
	g.RequireSignatures = c.requireSignatures
	for _, spec := range c.issuers {
		addr, pubHex, named := strings.Cut(spec, "=")
		is := &aurigraphv1.Issuer{Address: addr}
		if named {
			pub, err := hex.DecodeString(pubHex)
			if err != nil {
				return nil, fmt.Errorf("--issuer %s: the public key is not hex: %w", spec, err)
			}
			is.Pubkey = pub
		}
		g.Issuers = append(g.Issuers, is)
	}
	if g.RequireSignatures && len(g.Issuers) == 0 && keyDir != "" {
		path := filepath.Join(keyDir, "issuer.key")
		key, err := chain.LoadOrCreateKey(path)
		if err != nil {
			return nil, fmt.Errorf("issuer key for a signed chain: %w", err)
		}
		addr := schemas.AddressOf(key.Public().(ed25519.PublicKey))
		g.Issuers = append(g.Issuers, &aurigraphv1.Issuer{Address: addr})
		log.Info("a new signed chain mints through this issuer; sign mints from it with its key", "issuer", addr, "key", path)
	}
	if err := chain.CheckGenesis(g); err != nil {
		return nil, fmt.Errorf("chain rules from --require-signatures and --issuer: %w", err)
	}
	return g, nil
}
