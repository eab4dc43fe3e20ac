package consensus

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func testKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

func addrOf(k ed25519.PrivateKey) string { return schemas.AddressOf(k.Public().(ed25519.PublicKey)) }

func pubOf(k ed25519.PrivateKey) []byte { return []byte(k.Public().(ed25519.PublicKey)) }

// signed completes tx as a producer would: signed by key, with its derived id.
func signed(tx *aurigraphv1.Transaction, key ed25519.PrivateKey) *aurigraphv1.Transaction {
	schemas.SignTx(tx, key)
	tx.Id = schemas.TxID(tx)
	return tx
}

// unsigned gives tx its derived id.
func unsigned(tx *aurigraphv1.Transaction) *aurigraphv1.Transaction {
	tx.Id = schemas.TxID(tx)
	return tx
}

// applyOne applies tx in a batch of its own and returns its result.
func applyOne(t *testing.T, f *fsm, tx *aurigraphv1.Transaction) *aurigraphv1.TxResult {
	t.Helper()
	start := f.offsets[offsetKey{testTopic, 0}]
	blk, err := f.apply(batch(start, tx), 1, uint64(start+2))
	if err != nil {
		t.Fatalf("apply %v: %v", tx, err)
	}
	if blk == nil || len(blk.GetTxs()) != 1 {
		t.Fatalf("apply %v: block %v", tx, blk)
	}
	return blk.GetTxs()[0]
}

func balanceOf(f *fsm, addr, asset string) uint64 {
	if a := f.accounts[addr]; a != nil {
		return a.balance(asset)
	}
	return 0
}

// TestSignedChainRules: on a chain that requires signatures, only the key
// that controls an account moves its funds, only issuers mint, and only an
// asset's creator grows its supply; a transaction breaking a rule fails
// with its reason and moves nothing, whoever proposed it.
func TestSignedChainRules(t *testing.T) {
	issuer, alice, mallory := testKey("issuer"), testKey("alice"), testKey("mallory")
	treasury := testKey("treasury")
	g := chain.DefaultGenesis()
	g.RequireSignatures = true
	g.Issuers = []*aurigraphv1.Issuer{{Address: addrOf(issuer)}, {Address: "treasury", Pubkey: pubOf(treasury)}}
	mint := aurigraphv1.TxType_TX_TYPE_MINT
	transfer := aurigraphv1.TxType_TX_TYPE_TRANSFER
	setKey := aurigraphv1.TxType_TX_TYPE_SET_KEY
	create := aurigraphv1.TxType_TX_TYPE_ASSET_CREATE

	type step struct {
		name   string
		tx     *aurigraphv1.Transaction
		reason string // "" means committed
	}
	steps := []step{
		{"issuer mints to alice's key address",
			signed(&aurigraphv1.Transaction{Type: mint, From: addrOf(issuer), To: addrOf(alice), Amount: 100, Nonce: 1}, issuer), ""},
		{"named issuer mints with its genesis key",
			signed(&aurigraphv1.Transaction{Type: mint, From: "treasury", To: addrOf(alice), Amount: 5, Nonce: 1}, treasury), ""},
		{"a non-issuer cannot mint",
			signed(&aurigraphv1.Transaction{Type: mint, From: addrOf(mallory), To: addrOf(mallory), Amount: 1e12, Nonce: 1}, mallory), "is not an issuer"},
		{"mallory cannot mint in an issuer's name",
			signed(&aurigraphv1.Transaction{Type: mint, From: addrOf(issuer), To: addrOf(mallory), Amount: 1e12, Nonce: 2}, mallory), "does not control"},
		{"mallory cannot spend alice's address",
			signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: addrOf(mallory), Amount: 50, Nonce: 1}, mallory), "does not control"},
		{"an unsigned transfer is refused",
			unsigned(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: addrOf(mallory), Amount: 50, Nonce: 1}), "unsigned"},
		{"a tampered transaction does not verify",
			func() *aurigraphv1.Transaction {
				tx := signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: addrOf(mallory), Amount: 1, Nonce: 1}, alice)
				tx.Amount = 99
				tx.Id = schemas.TxID(tx)
				return tx
			}(), "does not verify"},
		{"an id that is not the derived one",
			func() *aurigraphv1.Transaction {
				tx := signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: addrOf(mallory), Amount: 1, Nonce: 1}, alice)
				tx.Id = "pay-42"
				return tx
			}(), "is not the transaction's id"},
		{"funds only go to someone's key",
			signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: "bob", Amount: 1, Nonce: 1}, alice), "has no key"},
		{"bob registers his name with his key",
			signed(&aurigraphv1.Transaction{Type: setKey, From: "bob", NewKey: pubOf(testKey("bob")), Nonce: 1}, testKey("bob")), ""},
		{"nobody else can take bob's name now",
			signed(&aurigraphv1.Transaction{Type: setKey, From: "bob", NewKey: pubOf(mallory), Nonce: 2}, mallory), "sign with its current key"},
		{"alice pays bob",
			signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: "bob", Amount: 30, Nonce: 1}, alice), ""},
		{"mallory cannot spend bob's account",
			signed(&aurigraphv1.Transaction{Type: transfer, From: "bob", To: addrOf(mallory), Amount: 1, Nonce: 2}, mallory), "does not control account bob"},
		{"bob rotates his key",
			signed(&aurigraphv1.Transaction{Type: setKey, From: "bob", NewKey: pubOf(testKey("bob2")), Nonce: 2}, testKey("bob")), ""},
		{"the old key no longer controls bob",
			signed(&aurigraphv1.Transaction{Type: transfer, From: "bob", To: addrOf(alice), Amount: 1, Nonce: 3}, testKey("bob")), "does not control account bob"},
		{"the new key does",
			signed(&aurigraphv1.Transaction{Type: transfer, From: "bob", To: addrOf(alice), Amount: 1, Nonce: 3}, testKey("bob2")), ""},
		{"a key address's key cannot change",
			signed(&aurigraphv1.Transaction{Type: setKey, From: addrOf(alice), NewKey: pubOf(mallory), Nonce: 2}, alice), "cannot change"},
		{"alice creates an asset",
			signed(&aurigraphv1.Transaction{Type: create, From: addrOf(alice), Asset: "GOLD", Amount: 10, Nonce: 2}, alice), ""},
		{"only its creator mints more of it",
			signed(&aurigraphv1.Transaction{Type: mint, From: addrOf(mallory), To: addrOf(mallory), Asset: "GOLD", Amount: 10, Nonce: 3}, mallory), "creator of asset"},
		{"its creator does",
			signed(&aurigraphv1.Transaction{Type: mint, From: addrOf(alice), To: addrOf(alice), Asset: "GOLD", Amount: 15, Nonce: 3}, alice), ""},
		{"a timestamp far in the future",
			signed(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: "bob", Amount: 1, Nonce: 4,
				TimestampMs: 253402300799000}, alice), "ahead of the block time"},
	}
	f := newChainFSM(100, g)
	for _, s := range steps {
		res := applyOne(t, f, s.tx)
		switch {
		case s.reason == "" && res.GetStatus() != aurigraphv1.TxStatus_TX_STATUS_COMMITTED:
			t.Errorf("%s: failed with %q, want committed", s.name, res.GetReason())
		case s.reason != "" && (res.GetStatus() != aurigraphv1.TxStatus_TX_STATUS_FAILED || !strings.Contains(res.GetReason(), s.reason)):
			t.Errorf("%s: %v %q, want failed with a reason containing %q", s.name, res.GetStatus(), res.GetReason(), s.reason)
		}
	}
	for _, c := range []struct {
		who, asset string
		want       uint64
	}{
		{addrOf(alice), NativeAsset, 100 + 5 - 30 + 1},
		{"bob", NativeAsset, 30 - 1},
		{addrOf(mallory), NativeAsset, 0},
		{addrOf(alice), "GOLD", 25},
		{addrOf(mallory), "GOLD", 0},
	} {
		if got := balanceOf(f, c.who, c.asset); got != c.want {
			t.Errorf("%s holds %d %s, want %d", c.who, got, c.asset, c.want)
		}
	}
	if got := f.assets["GOLD"].GetSupply(); got != 25 {
		t.Errorf("GOLD supply %d, want 25", got)
	}
}

// TestTrustedChainProtectsKeyedAccounts: where the topic is trusted,
// unsigned transactions are believed, except from accounts that have a key.
func TestTrustedChainProtectsKeyedAccounts(t *testing.T) {
	alice := testKey("alice")
	f := testFSM(100)
	mint := aurigraphv1.TxType_TX_TYPE_MINT
	transfer := aurigraphv1.TxType_TX_TYPE_TRANSFER
	for _, s := range []struct {
		name   string
		tx     *aurigraphv1.Transaction
		reason string
	}{
		{"open minting without issuers", unsigned(&aurigraphv1.Transaction{Type: mint, To: "acct-1", Amount: 10, Nonce: 1}), ""},
		{"unsigned transfer between names", unsigned(&aurigraphv1.Transaction{Type: transfer, From: "acct-1", To: addrOf(alice), Amount: 4, Nonce: 1}), ""},
		{"a key's address still needs its key", unsigned(&aurigraphv1.Transaction{Type: transfer, From: addrOf(alice), To: "acct-1", Amount: 1, Nonce: 1}), "sign with that key"},
		{"acct-1 takes a key", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_SET_KEY, From: "acct-1", NewKey: pubOf(testKey("one")), Nonce: 2}, testKey("one")), ""},
		{"then unsigned spending stops", unsigned(&aurigraphv1.Transaction{Type: transfer, From: "acct-1", To: "acct-2", Amount: 1, Nonce: 3}), "has a registered key"},
	} {
		res := applyOne(t, f, s.tx)
		if s.reason == "" && res.GetStatus() != aurigraphv1.TxStatus_TX_STATUS_COMMITTED ||
			s.reason != "" && !strings.Contains(res.GetReason(), s.reason) {
			t.Errorf("%s: %v %q, want reason %q", s.name, res.GetStatus(), res.GetReason(), s.reason)
		}
	}
	g := chain.DefaultGenesis()
	g.Issuers = []*aurigraphv1.Issuer{{Address: "mint-desk"}}
	f = newChainFSM(100, g)
	if res := applyOne(t, f, unsigned(&aurigraphv1.Transaction{Type: mint, From: "acct-9", To: "acct-9", Amount: 1, Nonce: 1})); !strings.Contains(res.GetReason(), "not an issuer") {
		t.Errorf("mint by a non-issuer on a chain with issuers: %v %q", res.GetStatus(), res.GetReason())
	}
}

// TestAdmitRefusesWhatCanNeverApply: the ingest-side check agrees with the
// state machine on what can never apply, and lets through what could.
func TestAdmitRefusesWhatCanNeverApply(t *testing.T) {
	issuer, alice, mallory := testKey("issuer"), testKey("alice"), testKey("mallory")
	g := chain.DefaultGenesis()
	g.RequireSignatures = true
	g.Issuers = []*aurigraphv1.Issuer{{Address: addrOf(issuer)}}
	f := newChainFSM(100, g)
	now := time.Now().UnixMilli()
	for _, c := range []struct {
		name  string
		tx    *aurigraphv1.Transaction
		field string
	}{
		{"issuer mint", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: addrOf(issuer), To: addrOf(alice), Amount: 1, Nonce: 1}, issuer), ""},
		{"non-issuer mint", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: addrOf(mallory), To: addrOf(mallory), Amount: 1, Nonce: 1}, mallory), "from"},
		{"foreign signer", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: addrOf(alice), To: addrOf(mallory), Amount: 1, Nonce: 1}, mallory), "pubkey"},
		{"unsigned", unsigned(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: addrOf(alice), To: addrOf(mallory), Amount: 1, Nonce: 1}), "sig"},
		{"far future", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: addrOf(alice), To: addrOf(mallory), Amount: 1, Nonce: 1, TimestampMs: now + time.Hour.Milliseconds()}, alice), "timestamp"},
		{"keyless name may be registering", signed(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "carol", To: addrOf(alice), Amount: 1, Nonce: 2}, testKey("carol")), ""},
	} {
		field, reason := f.admit(c.tx, now)
		if field != c.field {
			t.Errorf("%s: admit = %q %q, want field %q", c.name, field, reason, c.field)
		}
	}
}

// A new chain has its genesis and every validator's key as soon as it has
// a leader, before any transaction: a gateway or projector that verifies
// blocks must not wait for the first one to learn whom to trust.
func TestNewChainHasItsGenesisAndKeysBeforeAnyTransaction(t *testing.T) {
	g := chain.DefaultGenesis()
	g.ChainId = "no-traffic"
	c := newCluster(t, 3, func(cfg *Config) { cfg.Genesis = g })
	c.leader()
	waitFor(t, "the genesis and three keys on every validator, with nothing proposed", func() bool {
		for _, n := range c.nodes {
			if a, err := n.Anchor(); err != nil || a.Keys.Len() != 3 {
				return false
			}
		}
		return true
	})
	for id, n := range c.nodes {
		if got, err := n.Genesis(); err != nil || got.GetChainId() != "no-traffic" {
			t.Fatalf("validator %d genesis = %v, %v", id, got, err)
		}
		if h := n.Blocks().Height(); h != 0 {
			t.Fatalf("validator %d holds %d blocks; the genesis and keys are not blocks", id, h)
		}
	}
}

// Before a chain has its genesis, a validator cuts batches to the genesis
// it would propose rather than to no limit at all, so the first batches
// fit the block size the chain is about to have.
func TestMaxBlockBytesBeforeTheGenesisIsTheConfiguredOne(t *testing.T) {
	g := chain.DefaultGenesis()
	g.MaxBlockBytes = 200_000
	// Elections take 10 ticks: long enough to look before there is a leader.
	c := newCluster(t, 3, func(cfg *Config) { cfg.Genesis = g; cfg.TickInterval = time.Second })
	for id, n := range c.nodes {
		if _, err := n.Genesis(); err == nil {
			t.Fatalf("validator %d applied a genesis before its election could time out", id)
		}
		if got := n.MaxBlockBytes(); got != 200_000 {
			t.Fatalf("validator %d before the genesis: MaxBlockBytes = %d, want the configured 200000", id, got)
		}
	}
}

// TestGenesisIsTheChainsFirstEntry: a new cluster applies its configured
// genesis before any batch, block 1 links to the genesis's hash, every
// validator registers its key, and every stored block's signature verifies.
func TestGenesisIsTheChainsFirstEntry(t *testing.T) {
	g := chain.DefaultGenesis()
	g.ChainId = "rules-test"
	c := newCluster(t, 3, func(cfg *Config) { cfg.Genesis = g })
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
	c.waitHeight(1)
	waitFor(t, "every validator's key registered on every validator", func() bool {
		for _, n := range c.nodes {
			if a, err := n.Anchor(); err != nil || a.Keys.Len() != 3 {
				return false
			}
		}
		return true
	})
	for id, n := range c.nodes {
		got, err := n.Genesis()
		if err != nil || got.GetChainId() != "rules-test" {
			t.Fatalf("validator %d genesis = %v, %v", id, got, err)
		}
		blk, err := n.Blocks().Get(1)
		if err != nil {
			t.Fatal(err)
		}
		if string(blk.GetHeader().GetPrevHash()) != string(chain.GenesisHash(g)) {
			t.Fatalf("validator %d: block 1 links to %x, not the genesis", id, blk.GetHeader().GetPrevHash())
		}
		sig, err := n.Blocks().Signature(1)
		if err != nil || sig.Signer != id {
			t.Fatalf("validator %d: signature of block 1 = %+v, %v", id, sig, err)
		}
		a, _ := n.Anchor()
		if err := chain.CheckSignature(blk.GetHeader(), sig.Signer, sig.Signature, a.Keys); err != nil {
			t.Fatalf("validator %d: %v", id, err)
		}
		rep, err := VerifyChain(context.Background(), n.Blocks())
		if err != nil || !rep.OK || rep.Signed != 1 {
			t.Fatalf("validator %d: VerifyChain = %+v, %v", id, rep, err)
		}
	}
	// Another genesis proposed later changes nothing.
	other := chain.DefaultGenesis()
	other.ChainId = "late"
	f := lead.fsmCopyGenesis()
	if err := lead.proposeRules(context.Background(), &aurigraphv1.Batch{Genesis: other}); err != nil {
		t.Fatal(err)
	}
	mustPropose(t, lead, batch(1, mint("m2", "alice", 1)))
	if now := lead.fsmCopyGenesis(); now != f {
		t.Fatalf("genesis changed from %q to %q", f, now)
	}
}

func (n *Node) fsmCopyGenesis() string {
	g, _ := n.Genesis()
	return g.GetChainId()
}

// TestVerifyChainChecksSignatures: a block whose stored signature was
// replaced, or that another key signed, fails verification.
func TestVerifyChainChecksSignatures(t *testing.T) {
	path := buildChain(t)
	mallory := testKey("mallory")
	blk := mustBlock(t, path, 2)
	forged := rewriteRecords(t, path, func(h uint64, rec []byte) []byte {
		if h != 2 {
			return rec
		}
		out := binary.BigEndian.AppendUint64(nil, 1)
		out = append(out, chain.SignBlock(mallory, blk.GetHeader().GetHash())...)
		return append(out, rec[sigPrefix:]...)
	})
	s, err := OpenBlockStoreReadOnly(forged)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := VerifyChain(context.Background(), s)
	if err != nil || rep.OK || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "block 2: "+chain.ErrBadSignature.Error()) {
		t.Fatalf("VerifyChain of a chain with a forged signature = %+v, %v", rep, err)
	}
}

func mustBlock(t *testing.T, path string, height uint64) *aurigraphv1.Block {
	t.Helper()
	s, err := OpenBlockStoreReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.Get(height)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnappliedLogReadsPending: a transaction in the raft log but not yet
// applied when a validator restarts reads as pending, not unknown.
func TestUnappliedLogReadsPending(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m0", "alice", 1)))
	var leadID uint64
	for id, n := range c.nodes {
		if n == lead {
			leadID = id
		}
	}
	for _, f := range c.followers(lead) {
		c.stop(f.ID())
	}
	tx := unsigned(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "bob", Amount: 1, Nonce: 7})
	last := lead.LastIndex()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := lead.ProposeAsync(ctx, batch(1, tx)); err != nil {
		t.Skipf("the leader stepped down before the proposal (loaded machine): %v", err)
	}
	waitFor(t, "the proposal in the leader's log", func() bool { return lead.LastIndex() > last })
	c.stop(leadID)
	n := c.start(leadID)
	// The API reads an id the store lacks but the log holds as pending.
	if _, found, err := n.Blocks().LookupTx(tx.GetId()); found || err != nil || !n.InLog(tx.GetId()) {
		t.Fatalf("after restart: stored %v (%v), in the log %v; want only in the log", found, err, n.InLog(tx.GetId()))
	}
	if n.InLog("never-sent") {
		t.Fatal("an unknown id reads as in the log")
	}
	// Back with its peers, the entry commits, or is replaced if a peer
	// without it was elected (it was never acknowledged); either way it
	// stops being pending once the validator applied past it.
	for id := range c.dirs {
		if id != leadID {
			c.start(id)
		}
	}
	newLead := c.leader()
	mustPropose(t, newLead, batch(newLead.fsmNextOffset(), mint("after", "carol", 1)))
	waitFor(t, "the restarted validator applied past its old log", func() bool { return n.Status().Applied > last+1 })
	if n.InLog(tx.GetId()) {
		t.Fatal("once the cluster is back, the id still reads as only in the log")
	}
}

func (n *Node) fsmNextOffset() int64 {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.offsets[offsetKey{testTopic, 0}]
}
