package consensus

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/hashtab"
	"github.com/aurigraph/aurigraph/internal/offheap"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// NativeAsset is the asset MINT creates and TRANSFER moves when none is named.
const NativeAsset = "AUR"

type offsetKey struct {
	topic     string
	partition int32
}

// account is one address's state. Nearly every account holds one asset,
// so the first asset it was credited is kept in the account itself and
// only any others in a map: 64 bytes an account, where a map for every
// account made it about 300, and a snapshot copies accounts as values,
// without an allocation each.
type account struct {
	nonce uint64
	// asset and amount are the first balance, when asset is not empty;
	// more holds the others.
	asset  string
	amount uint64
	more   map[string]uint64
	// key controls a named account once registered (TX_TYPE_SET_KEY or the
	// genesis); nil for keyless accounts and for key addresses, whose key is
	// implied by the address. It is replaced, never changed in place.
	key []byte
}

func (a *account) balance(asset string) uint64 {
	if asset != "" && asset == a.asset {
		return a.amount
	}
	return a.more[asset]
}

// setBalance records amount of asset, keeping the entry even at zero, as
// an account's balances always did.
func (a *account) setBalance(asset string, amount uint64) {
	switch {
	case asset != "" && asset == a.asset:
		a.amount = amount
	case asset != "" && a.asset == "" && a.more == nil:
		a.asset, a.amount = asset, amount
	default:
		if a.more == nil {
			a.more = make(map[string]uint64, 1)
		}
		a.more[asset] = amount
	}
}

// holdsFunds reports whether any balance is above zero.
func (a *account) holdsFunds() bool {
	if a.asset != "" && a.amount > 0 {
		return true
	}
	for _, v := range a.more {
		if v > 0 {
			return true
		}
	}
	return false
}

type balance struct {
	asset  string
	amount uint64
}

// balances returns the balances in asset order.
func (a *account) balances() []balance {
	out := make([]balance, 0, len(a.more)+1)
	if a.asset != "" {
		out = append(out, balance{a.asset, a.amount})
	}
	for asset, amount := range a.more {
		out = append(out, balance{asset, amount})
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(x, y balance) int { return cmp.Compare(x.asset, y.asset) })
	}
	return out
}

// txDigest stands for a transaction id in the dedup window: the first 16
// bytes of sha256(id). A million ids as digests hold no pointers, so the
// collector never scans them, and take a third of the memory the strings
// did; two distinct ids share a digest with odds of about n²/2¹²⁹, far below
// any hardware error rate for any window that fits in memory.
type txDigest = hashtab.Key

func digestOf(id string) txDigest {
	// A conversion to []byte of an id longer than 32 bytes, as every id
	// derived from a digest is, would allocate.
	var buf [64]byte
	sum := sha256.Sum256(append(buf[:0], id...))
	return txDigest(sum[:16])
}

// dedupWindow remembers the most recent transaction ids in arrival order:
// a ring of digests for the order and a hash table of the same digests for
// membership (internal/hashtab), one cache line a lookup. The table also
// holds where each id sits in the chain (a packed location, 0 when the id
// came in a snapshot), so that the block store finds recent ids without an
// index of its own.
type dedupWindow struct {
	capacity int
	ids      []txDigest // ring buffer, oldest at head
	head     int
	size     int
	set      *hashtab.Table
}

// newDedupWindow sizes the table for the whole window at once: memory the
// window reaches after its first million ids anyway, while growing the table
// by doubling on the way there moved every id about once more, a cache miss
// each: about a quarter of the state machine's cost on a new chain. The
// ring, 16 bytes an id, is mapped off the Go heap at its full size for the
// same reason as the table's slots (see offheap); its pages are touched
// only as the window fills.
func newDedupWindow(capacity int) *dedupWindow {
	ring, free := offheap.Slice[txDigest](max(capacity, 0))
	d := &dedupWindow{capacity: capacity, ids: ring[:0], set: hashtab.New(capacity)}
	// A window is dropped whole when a snapshot replaces the state.
	runtime.AddCleanup(d, func(free func()) { free() }, free)
	return d
}

// prefetch brings into cache the slots that adding ids will touch: theirs,
// and those of the ids they will evict.
func (d *dedupWindow) prefetch(ids []txDigest) {
	if d.capacity <= 0 {
		return
	}
	d.set.Prefetch(ids)
	if d.size == d.capacity {
		// The ring from head on: the next ids to go, oldest first.
		n := min(len(ids), d.size)
		first := d.ids[d.head:min(d.head+n, d.capacity)]
		d.set.Prefetch(first)
		d.set.Prefetch(d.ids[:n-len(first)])
	}
}

// location returns where id sits, if the window holds it and knows.
func (d *dedupWindow) location(id txDigest) (uint64, bool) {
	loc, ok := d.set.Get(id)
	return loc, ok && loc != 0
}

// setLocation records where an id the window holds sits.
func (d *dedupWindow) setLocation(id txDigest, loc uint64) {
	if d.capacity > 0 {
		d.set.Put(id, loc)
	}
}

// add records id at loc unless the window holds it, evicting the oldest id
// when full, and reports whether it added.
func (d *dedupWindow) add(id txDigest, loc uint64) bool {
	if d.capacity <= 0 {
		return true
	}
	if !d.set.Insert(id, loc) {
		return false
	}
	if d.size == d.capacity {
		d.set.Delete(d.ids[d.head])
		d.ids[d.head] = id
		d.head = (d.head + 1) % d.capacity
		return true
	}
	if len(d.ids) < d.capacity {
		d.ids = append(d.ids, id)
	} else {
		d.ids[(d.head+d.size)%d.capacity] = id
	}
	d.size++
	return true
}

// ordered returns the remembered digests, oldest first, concatenated.
func (d *dedupWindow) ordered() []byte {
	out := make([]byte, 0, d.size*len(txDigest{}))
	for i := 0; i < d.size; i++ {
		id := d.ids[(d.head+i)%len(d.ids)]
		out = append(out, id[:]...)
	}
	return out
}

// fsmChanges is what applied entries changed since the block store last
// took them (see changeSet).
type fsmChanges struct {
	blocks []builtBlock
	// rules is set when the genesis or the validator keys changed.
	rules bool
	// restored is set when the state was replaced by a raft snapshot's.
	restored bool
}

// fsm is the deterministic replicated state machine. Every validator feeds it
// the same committed batches in the same order and so builds the same blocks.
// It is not safe for concurrent use; Node guards it.
type fsm struct {
	accounts map[string]*account
	// slab holds the accounts the map points to, in the order they were
	// created, in chunks that never move; names holds their addresses in
	// the same order. A snapshot copies accounts from them, at the speed of
	// memory, where walking the map costs a cache miss an account.
	slab    [][]account
	names   []string
	assets  map[string]*aurigraphv1.AssetInfo
	offsets map[offsetKey]int64
	// topicIDs is the broker's id of each topic the offsets were recorded
	// against; see checkSources.
	topicIDs     map[string][]byte
	dedup        *dedupWindow
	height       uint64
	lastHash     []byte
	txCount      uint64
	appliedIndex uint64
	appliedTerm  uint64

	// genesis holds the chain's rules; nil until the genesis entry applied
	// (a chain begun before genesis entries gets chain.LegacyGenesis).
	genesis *aurigraphv1.Genesis
	// anchor is what block 1 links to: the genesis's hash, or ZeroHash on a
	// chain begun before genesis entries. Validator key proofs sign it.
	anchor []byte
	// issuers are the genesis's issuer addresses.
	issuers map[string]struct{}
	// keys are the validators' block-signing keys.
	keys *chain.Keys
	// alerts are the user-defined alert rules and their transitions.
	alerts *alerting.State
	// sigs verifies transaction signatures; it may remember what it verified
	// before, which is what makes the state machine's check cheap for
	// transactions this process's ingest already verified.
	sigs SignatureVerifier

	changes fsmChanges
	// recent are the accounts lookup found last.
	recent [2]recentAccount
	// arena holds the encoded bodies of the blocks in changes.
	arena []byte
}

type recentAccount struct {
	addr string
	acct *account
}

// SignatureVerifier verifies Ed25519 signatures over transaction digests by
// the rule of sigcache.Verify (ZIP 215), which every validator must share.
// One that also has sigcache.Cache's VerifyBatch gets each applied batch's
// signatures at once.
type SignatureVerifier interface {
	Verify(pub, digest, sig []byte) bool
}

type batchVerifier interface {
	VerifyBatch(items []sigcache.Item, ok []bool)
}

// plainVerifier remembers nothing.
type plainVerifier struct{}

func (plainVerifier) Verify(pub, digest, sig []byte) bool { return sigcache.Verify(pub, digest, sig) }

func (plainVerifier) VerifyBatch(items []sigcache.Item, ok []bool) { sigcache.VerifyBatch(items, ok) }

func newFSM(dedupWindowSize int) *fsm {
	return &fsm{
		accounts: make(map[string]*account),
		assets:   make(map[string]*aurigraphv1.AssetInfo),
		offsets:  make(map[offsetKey]int64),
		topicIDs: make(map[string][]byte),
		dedup:    newDedupWindow(dedupWindowSize),
		lastHash: append([]byte(nil), chain.ZeroHash...),
		issuers:  make(map[string]struct{}),
		keys:     &chain.Keys{},
		alerts:   alerting.NewState(),
		sigs:     plainVerifier{},
	}
}

// checkSources reports whether every range of b starts exactly where the
// replicated state says that partition continues. This is what makes a batch
// from a deposed leader, or a replayed proposal, harmless.
//
// Offsets only mean something within one topic: a topic deleted and created
// again under its name starts over at offset 0 with a new broker id. So the
// state records the id of the topic it consumed from (the first id a range
// brings) and refuses ranges from any other, unless a range names the
// recorded id in replaces_topic_id: an operator accepted the new topic, and
// every partition of it starts again at 0.
func (f *fsm) checkSources(b *aurigraphv1.Batch) error {
	seen := make(map[offsetKey]struct{}, len(b.GetSources()))
	// The id each topic has once the ranges before the current one apply.
	ids := make(map[string][]byte)
	switched, ranged := make(map[string]bool), make(map[string]bool)
	for _, r := range b.GetSources() {
		k := offsetKey{r.GetTopic(), r.GetPartition()}
		if _, dup := seen[k]; dup {
			return fmt.Errorf("%w: %s/%d appears twice in one batch", ErrStaleOffsets, k.topic, k.partition)
		}
		seen[k] = struct{}{}
		if r.GetEndOffset() < r.GetStartOffset() {
			return fmt.Errorf("%w: %s/%d range [%d,%d) is inverted", ErrStaleOffsets, k.topic, k.partition, r.GetStartOffset(), r.GetEndOffset())
		}
		recorded, ok := ids[k.topic]
		if !ok {
			recorded = f.topicIDs[k.topic]
		}
		if replaces := r.GetReplacesTopicId(); len(replaces) > 0 {
			was := recorded
			if len(was) == 0 {
				was = noTopicID
			}
			switch {
			case switched[k.topic] || ranged[k.topic]:
				return fmt.Errorf("%w: %s is replaced after other ranges of it in one batch", ErrStaleOffsets, k.topic)
			case !bytes.Equal(replaces, was):
				return fmt.Errorf("%w: %s/%d replaces topic id %x, but the offsets were recorded against %x", ErrTopicChanged, k.topic, k.partition, replaces, recorded)
			case len(r.GetTopicId()) == 0 || bytes.Equal(r.GetTopicId(), recorded):
				return fmt.Errorf("%w: %s/%d replaces topic id %x with %x", ErrStaleOffsets, k.topic, k.partition, replaces, r.GetTopicId())
			case r.GetStartOffset() != 0:
				return fmt.Errorf("%w: %s/%d starts the replacing topic at %d, not 0", ErrStaleOffsets, k.topic, k.partition, r.GetStartOffset())
			}
			switched[k.topic] = true
			ids[k.topic] = r.GetTopicId()
			continue
		}
		ranged[k.topic] = true
		if len(recorded) > 0 && !bytes.Equal(r.GetTopicId(), recorded) {
			return fmt.Errorf("%w: %s/%d comes from topic id %x, but the offsets were recorded against %x", ErrTopicChanged, k.topic, k.partition, r.GetTopicId(), recorded)
		}
		if len(recorded) == 0 && len(r.GetTopicId()) > 0 {
			ids[k.topic] = r.GetTopicId()
		}
		want := f.offsets[k]
		if switched[k.topic] {
			want = 0
		}
		if r.GetStartOffset() != want {
			return fmt.Errorf("%w: %s/%d starts at %d, state expects %d", ErrStaleOffsets, k.topic, k.partition, r.GetStartOffset(), want)
		}
	}
	return nil
}

// noTopicID is what replaces_topic_id names when the state recorded no id
// for the topic: Kafka never gives a topic the all-zero id.
var noTopicID = make([]byte, 16)

// recordSource moves the offsets of r's partition past r, after
// checkSources accepted the batch.
func (f *fsm) recordSource(r *aurigraphv1.SourceRange) {
	topic := r.GetTopic()
	if len(r.GetReplacesTopicId()) > 0 {
		for k := range f.offsets {
			if k.topic == topic {
				delete(f.offsets, k)
			}
		}
	}
	if id := r.GetTopicId(); len(id) > 0 && !bytes.Equal(id, f.topicIDs[topic]) {
		f.topicIDs[topic] = bytes.Clone(id)
	}
	f.offsets[offsetKey{topic, r.GetPartition()}] = r.GetEndOffset()
}

func (f *fsm) nonceOf(addr string) uint64 {
	if a := f.lookup(addr); a != nil {
		return a.nonce
	}
	return 0
}

// lookup returns addr's account, nil when it has none. A transaction reads
// its sender's and recipient's accounts several times over (nonce,
// authority, balances); the two most recent lookups are kept, so the map
// is asked about each once. Accounts are never removed or replaced, so
// what is kept stays right.
func (f *fsm) lookup(addr string) *account {
	for i := range f.recent {
		if r := &f.recent[i]; r.acct != nil && r.addr == addr {
			return r.acct
		}
	}
	a := f.accounts[addr]
	if a != nil {
		f.recent[1] = f.recent[0]
		f.recent[0] = recentAccount{addr, a}
	}
	return a
}

func (f *fsm) account(addr string) *account {
	a := f.lookup(addr)
	if a == nil {
		a = f.newAccount(addr)
	}
	return a
}

// accountChunk is how many accounts one chunk of the slab holds (256 KiB).
const accountChunk = 4096

// newAccount adds an empty account for addr, which has none. The state
// keeps its own copy of addr: a decoded transaction's strings share the
// memory of its whole raft entry (decodeBatch), which an account living
// for the chain's life would otherwise keep.
func (f *fsm) newAccount(addr string) *account {
	addr = strings.Clone(addr)
	n := len(f.slab)
	if n == 0 || len(f.slab[n-1]) == accountChunk {
		f.slab = append(f.slab, make([]account, 0, accountChunk))
		n++
	}
	chunk := append(f.slab[n-1], account{})
	f.slab[n-1] = chunk
	a := &chunk[len(chunk)-1]
	f.accounts[addr] = a
	f.names = append(f.names, addr)
	return a
}

// heldAsset is asset as the state holds it: the native asset's name, a
// created asset's own, or a copy of one not created yet. A balance keyed by
// the transaction's string would keep its raft entry's memory (decodeBatch),
// and writing a map entry stores the key it was written with.
func (f *fsm) heldAsset(asset string) string {
	if asset == NativeAsset {
		return NativeAsset
	}
	if info := f.assets[asset]; info != nil {
		return info.GetName()
	}
	return strings.Clone(asset)
}

func (f *fsm) credit(addr, asset string, amount uint64) string {
	asset = f.heldAsset(asset)
	a := f.account(addr)
	have := a.balance(asset)
	if have > math.MaxUint64-amount {
		return "balance overflow"
	}
	a.setBalance(asset, have+amount)
	return ""
}

func (f *fsm) move(from, to, asset string, amount uint64) string {
	switch {
	case from == "":
		return "missing sender"
	case to == "":
		return "missing recipient"
	case amount == 0:
		return "amount must be positive"
	}
	src := f.lookup(from)
	if src == nil || src.balance(asset) < amount {
		return "insufficient balance"
	}
	asset = f.heldAsset(asset)
	if from == to {
		return ""
	}
	dst := f.account(to)
	if dst.balance(asset) > math.MaxUint64-amount {
		return "balance overflow"
	}
	src.setBalance(asset, src.balance(asset)-amount)
	dst.setBalance(asset, dst.balance(asset)+amount)
	return ""
}

// restoreAccount adds the account p describes.
func (f *fsm) restoreAccount(p *aurigraphv1.Account) {
	a := f.newAccount(p.GetAddress())
	a.nonce, a.key = p.GetNonce(), p.GetKey()
	for _, b := range p.GetBalances() {
		a.setBalance(b.GetAsset(), b.GetAmount())
	}
}

// stateImage is the whole state at one applied index, copied so that it
// can be encoded while the state machine applies on: everything but the
// accounts as the snapshot message, the accounts as copies of the slab.
type stateImage struct {
	rest  *aurigraphv1.StateSnapshot
	names []string
	slab  [][]account
}

// image copies the state. Taking a snapshot holds up the applier for this
// copy alone, so it copies the accounts' memory as it is, not the map
// account by account into protobuf messages (three allocations each): with
// millions of accounts that held the applier, and with it the raft loop,
// for seconds.
func (f *fsm) image() *stateImage {
	img := &stateImage{
		rest: &aurigraphv1.StateSnapshot{
			Height:          f.height,
			LastHash:        f.lastHash,
			TxCount:         f.txCount,
			RecentTxDigests: f.dedup.ordered(),
			AppliedIndex:    f.appliedIndex,
			AppliedTerm:     f.appliedTerm,
			Assets:          make([]*aurigraphv1.AssetInfo, 0, len(f.assets)),
			Offsets:         make([]*aurigraphv1.PartitionOffset, 0, len(f.offsets)),
			ValidatorKeys:   f.keys.Proto(),
			FormatVersion:   SnapshotFormatWrite,
			Alerts:          f.alerts.Proto(),
		},
		names: slices.Clone(f.names),
		slab:  make([][]account, len(f.slab)),
	}
	if !f.legacy() {
		img.rest.Genesis = f.genesis
	}
	for i, chunk := range f.slab {
		img.slab[i] = slices.Clone(chunk)
		for j := range img.slab[i] {
			// Keys are replaced, never changed in place; other balances
			// are changed in place.
			if a := &img.slab[i][j]; a.more != nil {
				a.more = maps.Clone(a.more)
			}
		}
	}
	// Asset records are never modified once created.
	for _, a := range f.assets {
		img.rest.Assets = append(img.rest.Assets, a)
	}
	for k, v := range f.offsets {
		img.rest.Offsets = append(img.rest.Offsets, &aurigraphv1.PartitionOffset{Topic: k.topic, Partition: k.partition, NextOffset: v, TopicId: f.topicIDs[k.topic]})
	}
	return img
}

// encode writes the image as the StateSnapshot message in its canonical
// order, so two validators at the same applied index write byte-identical
// snapshots: the bytes the deterministic marshalling of that message
// would write, with each account encoded straight from its copy.
func (img *stateImage) encode() ([]byte, error) {
	canonicalize(img.rest)
	order := make([]int32, len(img.names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(img.names[x], img.names[y]) })
	// Fields are written in number order: those before the accounts (4),
	// the accounts, those after.
	head := &aurigraphv1.StateSnapshot{Height: img.rest.GetHeight(), LastHash: img.rest.GetLastHash(), TxCount: img.rest.GetTxCount()}
	// The fields after the accounts are written from the image itself, the
	// head's cleared meanwhile: a copy would double the largest allocation
	// of a snapshot (the dedup window's digests, megabytes) on every
	// validator at once, and with it the collector's work.
	tail := img.rest
	tail.Height, tail.LastHash, tail.TxCount = 0, nil, 0
	defer func() { tail.Height, tail.LastHash, tail.TxCount = head.Height, head.LastHash, head.TxCount }()
	out, err := chain.Deterministic.Marshal(head)
	if err != nil {
		return nil, err
	}
	var acct []byte
	for _, i := range order {
		acct = appendAccount(acct[:0], img.names[i], &img.slab[i/accountChunk][i%accountChunk])
		out = protowire.AppendTag(out, 4, protowire.BytesType)
		out = protowire.AppendBytes(out, acct)
	}
	// Room for the tail up front: growing into it would copy the state,
	// megabytes, once more while both copies are live.
	return chain.Deterministic.MarshalAppend(slices.Grow(out, chain.Deterministic.Size(tail)), tail)
}

// appendAccount appends the account a of addr as an Account message.
func appendAccount(b []byte, addr string, a *account) []byte {
	if addr != "" {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, addr)
	}
	if a.nonce != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, a.nonce)
	}
	for _, bal := range a.balances() {
		size := 0
		if bal.asset != "" {
			size += protowire.SizeTag(1) + protowire.SizeBytes(len(bal.asset))
		}
		if bal.amount != 0 {
			size += protowire.SizeTag(2) + protowire.SizeVarint(bal.amount)
		}
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		if bal.asset != "" {
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendString(b, bal.asset)
		}
		if bal.amount != 0 {
			b = protowire.AppendTag(b, 2, protowire.VarintType)
			b = protowire.AppendVarint(b, bal.amount)
		}
	}
	if len(a.key) > 0 {
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, a.key)
	}
	return b
}

// canonicalize sorts a state copy into its canonical order.
func canonicalize(s *aurigraphv1.StateSnapshot) {
	slices.SortFunc(s.Accounts, func(a, b *aurigraphv1.Account) int { return cmp.Compare(a.GetAddress(), b.GetAddress()) })
	slices.SortFunc(s.Assets, func(a, b *aurigraphv1.AssetInfo) int { return cmp.Compare(a.GetName(), b.GetName()) })
	slices.SortFunc(s.Offsets, func(a, b *aurigraphv1.PartitionOffset) int {
		return cmp.Or(cmp.Compare(a.GetTopic(), b.GetTopic()), cmp.Compare(a.GetPartition(), b.GetPartition()))
	})
}

// restore replaces the whole state with s.
func (f *fsm) restore(s *aurigraphv1.StateSnapshot) {
	fresh := newFSM(f.dedup.capacity)
	fresh.sigs = f.sigs
	*f = *fresh
	f.changes.restored, f.changes.rules = true, true
	for _, a := range s.GetAccounts() {
		f.restoreAccount(a)
	}
	for _, a := range s.GetAssets() {
		f.assets[a.GetName()] = a
	}
	for _, o := range s.GetOffsets() {
		f.offsets[offsetKey{o.GetTopic(), o.GetPartition()}] = o.GetNextOffset()
		if id := o.GetTopicId(); len(id) > 0 {
			f.topicIDs[o.GetTopic()] = id
		}
	}
	digests := make([]txDigest, 0, len(s.GetRecentTxDigests())/len(txDigest{})+len(s.GetRecentTxIds()))
	// Snapshots of earlier versions carry the ids themselves.
	for _, id := range s.GetRecentTxIds() {
		digests = append(digests, digestOf(id))
	}
	for raw := s.GetRecentTxDigests(); len(raw) >= len(txDigest{}); raw = raw[len(txDigest{}):] {
		digests = append(digests, txDigest(raw[:len(txDigest{})]))
	}
	if len(digests) > f.dedup.capacity {
		digests = digests[len(digests)-f.dedup.capacity:]
	}
	for _, d := range digests {
		f.dedup.add(d, 0)
	}
	f.height = s.GetHeight()
	if len(s.GetLastHash()) > 0 {
		f.lastHash = s.GetLastHash()
	}
	f.txCount = s.GetTxCount()
	f.appliedIndex = s.GetAppliedIndex()
	f.appliedTerm = s.GetAppliedTerm()
	f.installRules(s.GetGenesis(), s.GetValidatorKeys())
	f.alerts = alerting.Restore(s.GetAlerts())
}

// installRules sets the rules persisted state carries, once its height is
// known: its genesis, or the legacy rules for a chain that has blocks but
// was begun before genesis entries.
func (f *fsm) installRules(g *aurigraphv1.Genesis, keys []*aurigraphv1.ValidatorKeyRecord) {
	f.keys = chain.KeysFromProto(keys)
	switch {
	case g != nil:
		f.setGenesis(g, chain.GenesisHash(g))
	case f.height > 0:
		f.setGenesis(chain.LegacyGenesis(), chain.ZeroHash)
	}
}

// legacy reports whether the chain was begun before genesis entries.
func (f *fsm) legacy() bool {
	return f.genesis != nil && bytes.Equal(f.anchor, chain.ZeroHash)
}

// nextOffsets returns the next offset of every known partition of topic.
func (f *fsm) nextOffsets(topic string) map[int32]int64 {
	out := make(map[int32]int64)
	for k, v := range f.offsets {
		if k.topic == topic {
			out[k.partition] = v
		}
	}
	return out
}

// takeChanges hands what changed since the last call to the block store,
// with the applied head.
func (f *fsm) takeChanges() (*changeSet, error) {
	cs := &changeSet{
		blocks:   f.changes.blocks,
		height:   f.height,
		txCount:  f.txCount,
		lastHash: f.lastHash,
		restored: f.changes.restored,
	}
	if f.changes.rules {
		r, err := f.storedRules()
		if err != nil {
			return nil, err
		}
		cs.rules = r
	}
	f.changes = fsmChanges{}
	return cs, nil
}

// storedRules encodes the genesis and validator keys for the block store's
// rules file.
func (f *fsm) storedRules() (*storedRules, error) {
	r := &storedRules{}
	if f.genesis != nil && !f.legacy() {
		raw, err := chain.Deterministic.Marshal(f.genesis)
		if err != nil {
			return nil, fmt.Errorf("encode genesis: %w", err)
		}
		r.Genesis = raw
	}
	raw, err := chain.Deterministic.Marshal(&aurigraphv1.StateSnapshot{ValidatorKeys: f.keys.Proto()})
	if err != nil {
		return nil, fmt.Errorf("encode validator keys: %w", err)
	}
	r.ValidatorKeys = raw
	return r, nil
}

// loadRules fills f with a block store's rules alone, at the store's
// applied height, its keys joined by the store's own validator's key
// (registered or not).
func (f *fsm) loadRules(s *BlockStore) error {
	r, err := s.chainRules()
	if err != nil {
		return err
	}
	f.height = s.Stats().Height
	f.installRules(r.genesis, r.keys)
	if r.selfKey != nil {
		// A key other than the registered one is refused here, and the
		// blocks it signed are reported as not verifying.
		_, _ = f.keys.Register(r.selfID, r.selfKey)
	}
	return nil
}

// persist commits what changed to s, as the applier does after each Ready,
// and returns the blocks written.
func (f *fsm) persist(s *BlockStore) ([]*aurigraphv1.Block, error) {
	cs, err := f.takeChanges()
	if err != nil {
		return nil, err
	}
	return s.commit(cs)
}
