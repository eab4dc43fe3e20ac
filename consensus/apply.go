package consensus

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ErrRejected means the state machine refused a batch as a whole for a
// reason other than its offsets: the chain has no genesis yet, the block
// would be too large, or a genesis or validator-key entry broke a rule.
// Nothing of the batch applied.
var ErrRejected = errors.New("consensus: the state machine rejected the batch")

// ErrBlockTooLarge (wrapping ErrRejected) means the block built from a batch
// could exceed the chain's max_block_bytes: propose fewer or smaller
// transactions per batch (chain.BlockBound says how many fit).
var ErrBlockTooLarge = fmt.Errorf("%w: the block could exceed the chain's max_block_bytes", ErrRejected)

// apply executes one committed batch at raft position (term, index). It
// returns the block built, nil when the batch
// built none (everything deduplicated, or a genesis or key entry), or an
// error wrapping ErrStaleOffsets or ErrRejected when the batch was refused
// as a whole, in which case nothing changed.
func (f *fsm) apply(b *aurigraphv1.Batch, term, index uint64) (*aurigraphv1.Block, error) {
	switch {
	case b.GetGenesis() != nil:
		return nil, f.applyGenesisEntry(b)
	case b.GetValidatorKey() != nil:
		return nil, fmt.Errorf("%w: a validator key entry needs the membership; apply it with applyValidatorKey", ErrRejected)
	case b.GetAlert() != nil:
		return nil, f.applyAlert(b)
	}
	if f.genesis == nil {
		return nil, fmt.Errorf("%w: the chain has no genesis yet (the leader proposes it before any batch)", ErrRejected)
	}
	if err := f.checkSources(b); err != nil {
		return nil, err
	}
	if bound := chain.BlockBound(b.GetSources(), b.GetTxs()); bound > int(f.genesis.GetMaxBlockBytes()) {
		return nil, fmt.Errorf("%w: %d transactions could build a block of %d bytes, the chain allows %d",
			ErrBlockTooLarge, len(b.GetTxs()), bound, f.genesis.GetMaxBlockBytes())
	}
	for _, r := range b.GetSources() {
		f.recordSource(r)
	}

	txs := b.GetTxs()
	results := make([]*aurigraphv1.TxResult, 0, len(txs))
	digests := make([]txDigest, len(txs))
	for i, tx := range txs {
		if id := tx.GetId(); id != "" {
			digests[i] = digestOf(id)
		}
	}
	sigs := f.checkSignatures(txs)
	// After the signatures: digesting a batch of signed transactions and
	// looking them up in the signature cache evicted the slots prefetched
	// before, and the dedup window paid a cache miss an id again.
	f.dedup.prefetch(digests)
	keys := digests[:0]
	// One allocation for the block's results rather than one each.
	backing := make([]aurigraphv1.TxResult, len(txs))
	var failed uint32
	height := f.height + 1
	for i, tx := range txs {
		id := tx.GetId()
		digest := digests[i]
		if id != "" && !f.dedup.add(digest, packLoc(height, len(results), false)) {
			continue
		}
		keys = append(keys, digest)
		res := &backing[len(results)]
		res.Tx, res.Status = tx, aurigraphv1.TxStatus_TX_STATUS_COMMITTED
		if id == "" {
			res.Status, res.Reason = aurigraphv1.TxStatus_TX_STATUS_FAILED, "missing transaction id"
		} else if reason := f.execute(tx, b.GetTimestampMs(), sigAt(sigs, i)); reason != "" {
			// Bounded so that ingest can bound the block before it is built.
			res.Status, res.Reason = aurigraphv1.TxStatus_TX_STATUS_FAILED, schemas.BoundReason(reason)
			f.dedup.setLocation(digest, packLoc(height, len(results), true))
		}
		if res.Status == aurigraphv1.TxStatus_TX_STATUS_FAILED {
			failed++
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		return nil, nil
	}
	if len(results)*2 < len(txs) {
		// Most of the batch was already in the chain: the block would keep
		// the whole entry's memory (decodeBatch) in every cache holding it
		// for the few it kept, so those get memory of their own.
		for _, r := range results {
			r.Tx = ownedTx(r.Tx)
		}
	}

	// The bodies of a Ready's blocks share one buffer, reused once the
	// block store has written them.
	if len(f.changes.blocks) == 0 {
		f.arena = f.arena[:0]
	}
	start := len(f.arena)
	root, arena := chain.TxRootAppendBody(f.arena, results)
	body := arena[start:]
	f.arena = arena
	h := &aurigraphv1.BlockHeader{
		Height:      f.height + 1,
		PrevHash:    f.lastHash,
		TxRoot:      root,
		TimestampMs: b.GetTimestampMs(),
		Proposer:    b.GetProposer(),
		RaftTerm:    term,
		RaftIndex:   index,
		TxCount:     uint32(len(results)),
		FailedCount: failed,
		Sources:     b.GetSources(),
	}
	h.Hash = chain.BlockHash(h)
	blk := &aurigraphv1.Block{Header: h, Txs: results}
	f.height = h.Height
	f.lastHash = h.Hash
	f.txCount += uint64(len(results))
	f.changes.blocks = append(f.changes.blocks, builtBlock{blk: blk, body: body, keys: keys})
	return blk, nil
}

// ownedTx is a copy of tx sharing no memory with it, strings included,
// which proto.Clone would share.
func ownedTx(tx *aurigraphv1.Transaction) *aurigraphv1.Transaction {
	raw, err := proto.Marshal(tx)
	if err != nil {
		return tx
	}
	out := &aurigraphv1.Transaction{}
	if proto.Unmarshal(raw, out) != nil {
		return tx
	}
	return out
}

func (f *fsm) applyGenesisEntry(b *aurigraphv1.Batch) error {
	if len(b.GetTxs()) > 0 || len(b.GetSources()) > 0 {
		return fmt.Errorf("%w: a genesis entry carries transactions or sources", ErrRejected)
	}
	if f.genesis != nil || f.height > 0 {
		return fmt.Errorf("%w: the chain already has its genesis", ErrRejected)
	}
	if err := chain.CheckGenesis(b.GetGenesis()); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	f.setGenesis(b.GetGenesis(), chain.GenesisHash(b.GetGenesis()))
	f.lastHash = f.anchor
	f.changes.rules = true
	for _, is := range f.genesis.GetIssuers() {
		if len(is.GetPubkey()) > 0 && !schemas.IsKeyAddress(is.GetAddress()) {
			f.account(is.GetAddress()).key = bytes.Clone(is.GetPubkey())
		}
	}
	return nil
}

// applyAlert changes the user-defined alerts at the batch's time.
func (f *fsm) applyAlert(b *aurigraphv1.Batch) error {
	if len(b.GetTxs()) > 0 || len(b.GetSources()) > 0 {
		return fmt.Errorf("%w: an alert entry carries transactions or sources", ErrRejected)
	}
	if _, err := f.alerts.Apply(b.GetAlert(), b.GetTimestampMs()); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return nil
}

// setGenesis installs g's rules; anchor is what block 1 links to.
func (f *fsm) setGenesis(g *aurigraphv1.Genesis, anchor []byte) {
	f.genesis, f.anchor = g, anchor
	clear(f.issuers)
	for _, is := range g.GetIssuers() {
		f.issuers[is.GetAddress()] = struct{}{}
	}
}

// applyValidatorKey registers a validator's block-signing key; member says
// whether that validator is in the configuration at this log position.
func (f *fsm) applyValidatorKey(vk *aurigraphv1.ValidatorKey, member bool) error {
	if f.genesis == nil {
		return fmt.Errorf("%w: the chain has no genesis yet", ErrRejected)
	}
	if !member {
		return fmt.Errorf("%w: validator %d is not a member", ErrRejected, vk.GetId())
	}
	if err := chain.CheckKeyProof(vk, f.anchor); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	changed, err := f.keys.Register(vk.GetId(), vk.GetPubkey())
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	f.changes.rules = f.changes.rules || changed
	return nil
}

// retireValidator ends a removed validator's key at the current height.
func (f *fsm) retireValidator(id uint64) {
	if f.keys.Retire(id, f.height) {
		f.changes.rules = true
	}
}

// execute applies one transaction to the state and returns why it failed,
// or "" on success. State is only touched on success. blockTime is the
// batch's timestamp, the leader's clock when it proposed.
func (f *fsm) execute(tx *aurigraphv1.Transaction, blockTime int64, sig sigCheck) string {
	signer, reason := f.authenticate(tx, sig)
	if reason != "" {
		return reason
	}
	if skew := f.genesis.GetMaxTimestampSkewMs(); tx.GetTimestampMs() > blockTime+skew {
		return fmt.Sprintf("timestamp %d is %d ms ahead of the block time %d; the chain allows %d ms",
			tx.GetTimestampMs(), tx.GetTimestampMs()-blockTime, blockTime, skew)
	}
	from, to, amount := tx.GetFrom(), tx.GetTo(), tx.GetAmount()
	if from != "" {
		if last := f.nonceOf(from); tx.GetNonce() <= last {
			return fmt.Sprintf("nonce too low: got %d, want > %d", tx.GetNonce(), last)
		}
	}
	switch tx.GetType() {
	case aurigraphv1.TxType_TX_TYPE_MINT:
		reason = f.mint(tx, signer)
	case aurigraphv1.TxType_TX_TYPE_TRANSFER:
		asset := tx.GetAsset()
		if asset == "" {
			asset = NativeAsset
		}
		switch {
		case asset != NativeAsset && f.assets[asset] == nil:
			reason = fmt.Sprintf("unknown asset %q", asset)
		default:
			reason = f.transfer(from, to, asset, amount, signer)
		}
	case aurigraphv1.TxType_TX_TYPE_ASSET_CREATE:
		asset := tx.GetAsset()
		switch {
		case from == "":
			reason = "missing sender"
		case asset == "":
			reason = "missing asset name"
		case asset == NativeAsset || f.assets[asset] != nil:
			reason = fmt.Sprintf("asset %q already exists", asset)
		case amount == 0:
			reason = "amount must be positive"
		default:
			if reason = f.authorize(from, signer); reason == "" {
				// Copies the state owns, not the raft entry's memory.
				asset, owner := strings.Clone(asset), strings.Clone(from)
				if reason = f.credit(from, asset, amount); reason == "" {
					f.assets[asset] = &aurigraphv1.AssetInfo{Name: asset, Owner: owner, Supply: amount}
				}
			}
		}
	case aurigraphv1.TxType_TX_TYPE_ASSET_TRANSFER:
		asset := tx.GetAsset()
		if f.assets[asset] == nil {
			reason = fmt.Sprintf("unknown asset %q", asset)
		} else {
			reason = f.transfer(from, to, asset, amount, signer)
		}
	case aurigraphv1.TxType_TX_TYPE_SET_KEY:
		reason = f.setKey(from, tx.GetNewKey(), signer)
	default:
		reason = fmt.Sprintf("unknown transaction type %d", tx.GetType())
	}
	if reason != "" {
		return reason
	}
	if from != "" {
		f.account(from).nonce = tx.GetNonce()
	}
	return ""
}

// sigCheck is a signed transaction's digest and whether its signature
// verified, found for a whole batch at once (checkSignatures).
type sigCheck struct {
	digest [32]byte
	ok     bool
}

// checkSignatures computes the digest of every signed transaction of txs
// and verifies their signatures in batches; unsigned ones get a zero
// sigCheck, and a batch of none nil. What a batch decides is what verifying one by one decides
// (internal/sigcache), so the outcome does not depend on how a validator
// verifies.
func (f *fsm) checkSignatures(txs []*aurigraphv1.Transaction) []sigCheck {
	var out []sigCheck
	var items []sigcache.Item
	var at []int
	for i, tx := range txs {
		if len(tx.GetSig()) == 0 {
			continue
		}
		if out == nil {
			out = make([]sigCheck, len(txs))
			items = make([]sigcache.Item, 0, len(txs)-i)
			at = make([]int, 0, len(txs)-i)
		}
		out[i].digest = schemas.TxDigest(tx)
		items = append(items, sigcache.Item{Pub: tx.GetPubkey(), Digest: out[i].digest[:], Sig: tx.GetSig()})
		at = append(at, i)
	}
	if out == nil {
		return nil
	}
	ok := make([]bool, len(items))
	if bv, batch := f.sigs.(batchVerifier); batch {
		bv.VerifyBatch(items, ok)
	} else {
		for j, it := range items {
			ok[j] = f.sigs.Verify(it.Pub, it.Digest, it.Sig)
		}
	}
	for j, i := range at {
		out[i].ok = ok[j]
	}
	return out
}

func sigAt(sigs []sigCheck, i int) sigCheck {
	if sigs == nil {
		return sigCheck{}
	}
	return sigs[i]
}

// authenticate checks a signed transaction's signature (as sig found it)
// and id and returns its signer's key; an unsigned one has no signer, which
// the chain accepts only where the topic is trusted.
func (f *fsm) authenticate(tx *aurigraphv1.Transaction, sig sigCheck) (signer []byte, reason string) {
	if len(tx.GetSig()) == 0 {
		if f.genesis.GetRequireSignatures() {
			return nil, "unsigned: this chain accepts only signed transactions"
		}
		return nil, ""
	}
	if !sig.ok {
		return nil, "signature does not verify with pubkey"
	}
	digest := sig.digest
	if id := tx.GetId(); len(id) != 2*len(digest) || !hexEqual(id, digest[:]) {
		return nil, fmt.Sprintf("id %q is not the transaction's id %x (hex sha256 of its canonical encoding)", id, digest)
	}
	return tx.GetPubkey(), ""
}

func hexEqual(s string, b []byte) bool {
	var buf [64]byte
	return len(s) == hex.EncodedLen(len(b)) && len(s) <= len(buf) && string(hex.AppendEncode(buf[:0], b)) == s
}

// authorize says why signer may not act for account from, or "" if it may:
// a key's address answers to its key, an account with a registered key to
// that key, and a keyless named account to anyone the trusted topic
// vouches for, where signatures are not required.
func (f *fsm) authorize(from string, signer []byte) string {
	if from == "" {
		return "missing sender"
	}
	reason, keyless := f.control(from, f.lookup(from), signer)
	if keyless && f.genesis.GetRequireSignatures() {
		return fmt.Sprintf("account %s has no key: register one with a set_key transaction signed by the new key", from)
	}
	return reason
}

// control says why signer does not control from (whose account is a, nil
// for none), a key's address or an account with a registered key; keyless
// reports a named account without a key instead, which only the chain's
// rules decide.
func (f *fsm) control(from string, a *account, signer []byte) (reason string, keyless bool) {
	if schemas.IsKeyAddress(from) {
		switch {
		case signer == nil:
			return fmt.Sprintf("unsigned: %s is a key's address; sign with that key", from), false
		case !schemas.IsAddressOf(signer, from):
			return fmt.Sprintf("the key of %s does not control %s", schemas.AddressOf(signer), from), false
		}
		return "", false
	}
	switch {
	case a == nil || a.key == nil:
		return "", true
	case signer == nil:
		return fmt.Sprintf("unsigned: account %s has a registered key; sign with it", from), false
	case !bytes.Equal(signer, a.key):
		return fmt.Sprintf("the key of %s does not control account %s", schemas.AddressOf(signer), from), false
	}
	return "", false
}

// mayReceive says why to may not be credited, or "": where signatures are
// required, funds go only to accounts someone controls, so none sit where
// the first to register the name could take them.
func (f *fsm) mayReceive(to string) string {
	if to == "" {
		return "missing recipient"
	}
	if !f.genesis.GetRequireSignatures() || schemas.IsKeyAddress(to) {
		return ""
	}
	if a := f.lookup(to); a != nil && a.key != nil {
		return ""
	}
	return fmt.Sprintf("recipient %s has no key: send to a key's address or to an account with a registered key", to)
}

func (f *fsm) mint(tx *aurigraphv1.Transaction, signer []byte) string {
	from, to, amount := tx.GetFrom(), tx.GetTo(), tx.GetAmount()
	if amount == 0 {
		return "amount must be positive"
	}
	if reason := f.mayReceive(to); reason != "" {
		return reason
	}
	asset := tx.GetAsset()
	native := asset == "" || asset == NativeAsset
	var info *aurigraphv1.AssetInfo
	if !native {
		if info = f.assets[asset]; info == nil {
			return fmt.Sprintf("unknown asset %q", asset)
		}
		if info.GetSupply() > math.MaxUint64-amount {
			return "supply overflow"
		}
	}
	if reason := f.mayMint(from, asset); reason != "" {
		return reason
	}
	if from != "" || len(f.issuers) > 0 {
		if reason := f.authorize(from, signer); reason != "" {
			return reason
		}
	}
	if native {
		return f.credit(to, NativeAsset, amount)
	}
	if reason := f.credit(to, asset, amount); reason != "" {
		return reason
	}
	// Asset records are shared with state copies being snapshotted: replace,
	// never modify.
	f.assets[info.GetName()] = &aurigraphv1.AssetInfo{Name: info.GetName(), Owner: info.GetOwner(), Supply: info.GetSupply() + amount}
	return ""
}

// mayMint says why from may not mint asset, whoever signs: only the
// genesis's issuers mint the native asset (a chain without issuers and
// without required signatures trusts its topic to), and only its creator a
// created asset. An asset not created yet is no reason here.
func (f *fsm) mayMint(from, asset string) string {
	if asset != "" && asset != NativeAsset {
		if info := f.assets[asset]; info != nil && info.GetOwner() != from {
			return fmt.Sprintf("only %s, the creator of asset %q, may mint it", info.GetOwner(), asset)
		}
		return ""
	}
	if len(f.issuers) == 0 {
		if f.genesis.GetRequireSignatures() {
			return "nobody may mint " + NativeAsset + ": the chain's genesis names no issuers"
		}
		return ""
	}
	if _, ok := f.issuers[from]; !ok {
		if from == "" {
			return "mint needs from: one of the chain's issuers"
		}
		return fmt.Sprintf("%s is not an issuer of %s", from, NativeAsset)
	}
	return ""
}

func (f *fsm) transfer(from, to, asset string, amount uint64, signer []byte) string {
	if reason := f.authorize(from, signer); reason != "" {
		return reason
	}
	if reason := f.mayReceive(to); reason != "" {
		return reason
	}
	return f.move(from, to, asset, amount)
}

// setKey registers the first key of a named account, signed by that key, or
// rotates it, signed by the current one.
func (f *fsm) setKey(from string, newKey, signer []byte) string {
	switch {
	case from == "":
		return "missing sender"
	case schemas.IsKeyAddress(from):
		return fmt.Sprintf("%s is a key's address: its key cannot change (move its funds to another address instead)", from)
	case signer == nil:
		return "unsigned: set_key must be signed"
	case len(newKey) != len(signer):
		return fmt.Sprintf("new_key must be a %d-byte Ed25519 public key (got %d bytes)", len(signer), len(newKey))
	}
	a := f.lookup(from)
	if a == nil || a.key == nil {
		if !bytes.Equal(newKey, signer) {
			return "registering a key: sign with the new key itself"
		}
		if a != nil && f.genesis.GetRequireSignatures() && a.holdsFunds() {
			return fmt.Sprintf("account %s holds funds and has no key: its key can only be set while the topic is trusted", from)
		}
	} else {
		if !bytes.Equal(signer, a.key) {
			return fmt.Sprintf("rotating the key of %s: sign with its current key", from)
		}
		if bytes.Equal(newKey, a.key) {
			return "new_key is already the account's key"
		}
	}
	f.account(from).key = bytes.Clone(newKey)
	return ""
}

// admit says which field of tx can never apply for lack of authority, and
// why, as far as this state shows, or "" when nothing is known against it:
// unsigned where the chain requires signatures, signed by a key that does
// not control its sender, a mint by anyone but an issuer (or an asset's
// creator), or a timestamp too far ahead of now. Its signature, when
// present, must have been verified already. What could still change before
// it applies (a key being registered, an asset created, balances, nonces)
// is left to the state machine, which decides in the end.
func (f *fsm) admit(tx *aurigraphv1.Transaction, now int64) (field, reason string) {
	g := f.genesis
	if g == nil {
		return "", ""
	}
	var signer []byte
	if len(tx.GetSig()) > 0 {
		signer = tx.GetPubkey()
	} else if g.GetRequireSignatures() {
		return "sig", "required: this chain accepts only signed transactions"
	}
	if skew := g.GetMaxTimestampSkewMs(); tx.GetTimestampMs() > now+skew {
		return "timestamp", fmt.Sprintf("%d is %d ms ahead of this validator's clock; the chain allows %d ms", tx.GetTimestampMs(), tx.GetTimestampMs()-now, skew)
	}
	from := tx.GetFrom()
	if tx.GetType() == aurigraphv1.TxType_TX_TYPE_MINT {
		if reason := f.mayMint(from, tx.GetAsset()); reason != "" {
			return "from", reason
		}
	}
	// Registration and rotation are the state machine's to judge.
	if from == "" || tx.GetType() == aurigraphv1.TxType_TX_TYPE_SET_KEY {
		return "", ""
	}
	// Read-only: admit runs beside other readers, so it leaves the lookup
	// cache alone.
	if reason, _ := f.control(from, f.accounts[from], signer); reason != "" {
		return "pubkey", reason
	}
	return "", ""
}
