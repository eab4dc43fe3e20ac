package consensus

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ErrBlockNotFound is returned for a height the store does not hold.
var ErrBlockNotFound = errors.New("consensus: block not found")

// BlocksFile is the name of the block store inside Config.DataDir.
const BlocksFile = "blocks.db"

var (
	bucketBlocks   = []byte("blocks")   // be64 height -> Block
	bucketTxIndex  = []byte("txindex")  // tx id -> be64 height | be32 index | status byte
	bucketHashes   = []byte("hashes")   // block hash -> be64 height
	bucketMeta     = []byte("meta")     // fixed keys below
	bucketAccounts = []byte("accounts") // address -> Account
	bucketAssets   = []byte("assets")   // name -> AssetInfo
	bucketOffsets  = []byte("offsets")  // topic | 0x00 | be32 partition -> be64 next offset [| topic id]
	bucketDedup    = []byte("dedup16")  // be64 sequence -> txDigest of the id
	bucketSigs     = []byte("sigs")     // be64 height -> be64 signer | Ed25519 signature
	// bucketDedupIDs held the window as ids (be64 sequence -> tx id) before
	// digests; a store that still has it is migrated when opened.
	bucketDedupIDs = []byte("dedup")

	metaAppliedIndex = []byte("applied_index")
	metaAppliedTerm  = []byte("applied_term")
	metaHeight       = []byte("height")
	metaLastHash     = []byte("last_hash")
	metaTxCount      = []byte("tx_count")
	// metaContiguous is the highest height h such that blocks 1..h are all
	// stored. It trails metaHeight only after a raft snapshot install, until
	// block catch-up fetched the blocks in between.
	metaContiguous = []byte("contiguous_height")
	// metaGenesis holds the chain's Genesis, absent until it applied and on
	// chains begun before genesis entries.
	metaGenesis = []byte("genesis")
	// metaValidatorKeys holds a StateSnapshot with only validator_keys set.
	metaValidatorKeys = []byte("validator_keys")
	// metaSelfKey is be64 id | public key of the validator that signs what
	// this store holds, so its own signatures verify before the chain
	// registered its key, and offline.
	metaSelfKey = []byte("self_key")

	stateBuckets = [][]byte{bucketAccounts, bucketAssets, bucketOffsets, bucketDedup}
	allBuckets   = append([][]byte{bucketBlocks, bucketTxIndex, bucketHashes, bucketMeta, bucketSigs}, stateBuckets...)
)

// TxLocation says where a transaction sits in the chain.
type TxLocation struct {
	Height uint64
	Index  uint32
	Status aurigraphv1.TxStatus
}

// ChainStats summarises the chain a store holds.
type ChainStats struct {
	// Height, TxCount and LastHash describe the applied state machine: the
	// newest block the validator executed or received in a raft snapshot.
	Height   uint64 `json:"height"`
	TxCount  uint64 `json:"tx_count"`
	LastHash []byte `json:"last_hash"`
	// Contiguous is what Height() returns: every block 1..Contiguous is
	// stored. It is below Height only while blocks skipped by a raft
	// snapshot install are being fetched from peers.
	Contiguous uint64 `json:"contiguous_height"`
}

// CatchingUp reports whether blocks below Height are still missing.
func (s ChainStats) CatchingUp() bool { return s.Contiguous < s.Height }

type chainHead struct {
	height     uint64
	contiguous uint64
	txCount    uint64
	lastHash   []byte
}

// BlockStore is the durable, hash-chained block log of one validator together
// with the persisted state machine. Its read methods are safe for concurrent
// use by any number of goroutines.
type BlockStore struct {
	db       *bolt.DB
	readOnly bool
	head     atomic.Pointer[chainHead]

	// writeMu orders the applier's commits with block catch-up's fills, so
	// each computes the contiguous height from the head the other left.
	writeMu sync.Mutex

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever the head moves

	recent *recentBlocks

	// signer signs every block this store commits or fills; nil in
	// read-only stores.
	signer *blockSigner
}

// blockSigner is a validator's identity for signing the blocks it stores.
type blockSigner struct {
	id  uint64
	key ed25519.PrivateKey
}

// Signed is a stored block's signature: which validator signed its hash.
type Signed struct {
	Signer    uint64
	Signature []byte
}

func (b *blockSigner) put(sigs *bolt.Bucket, blk *aurigraphv1.Block) error {
	h := blk.GetHeader()
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+ed25519.SignatureSize), b.id)
	v = append(v, chain.SignBlock(b.key, h.GetHash())...)
	if err := sigs.Put(be64(h.GetHeight()), v); err != nil {
		return fmt.Errorf("store the signature of block %d: %w", h.GetHeight(), err)
	}
	return nil
}

// setSigner makes the store sign every block it stores as validator id.
func (s *BlockStore) setSigner(id uint64, key ed25519.PrivateKey) error {
	v := binary.BigEndian.AppendUint64(nil, id)
	v = append(v, key.Public().(ed25519.PublicKey)...)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaSelfKey, v) }); err != nil {
		return fmt.Errorf("record the validator key of the block store: %w", err)
	}
	s.signer = &blockSigner{id: id, key: key}
	return nil
}

// Signature returns the stored signature of the block at height.
func (s *BlockStore) Signature(height uint64) (Signed, error) {
	var out Signed
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSigs)
		if b == nil {
			return fmt.Errorf("signature of block %d: %w", height, ErrBlockNotFound)
		}
		v := b.Get(be64(height))
		if v == nil {
			return fmt.Errorf("signature of block %d: %w", height, ErrBlockNotFound)
		}
		if len(v) != 8+ed25519.SignatureSize {
			return fmt.Errorf("signature of block %d is %d bytes, want %d", height, len(v), 8+ed25519.SignatureSize)
		}
		out = Signed{Signer: binary.BigEndian.Uint64(v), Signature: bytes.Clone(v[8:])}
		return nil
	})
	return out, err
}

func openBlockStore(path string, readOnly bool) (*BlockStore, error) {
	opts := &bolt.Options{Timeout: time.Second, ReadOnly: readOnly, NoFreelistSync: true}
	db, err := bolt.Open(path, 0o600, opts)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open block store %s: %w: another process holds it; stop the validator using this directory first", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open block store %s: %w", path, err)
	}
	s := &BlockStore{db: db, readOnly: readOnly, changed: make(chan struct{}), recent: newRecentBlocks()}
	if !readOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			unindexed := tx.Bucket(bucketHashes) == nil
			for _, b := range allBuckets {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return fmt.Errorf("create bucket %s: %w", b, err)
				}
			}
			if unindexed {
				if err := indexBlockHashes(tx); err != nil {
					return err
				}
			}
			return migrateDedupIDs(tx)
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("initialise block store %s: %w", path, err)
		}
	}
	head := &chainHead{lastHash: append([]byte(nil), chain.ZeroHash...)}
	err = db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil {
			return nil
		}
		head.height = getU64(m, metaHeight)
		head.txCount = getU64(m, metaTxCount)
		if h := m.Get(metaLastHash); h != nil {
			head.lastHash = bytes.Clone(h)
		}
		if m.Get(metaContiguous) != nil {
			head.contiguous = getU64(m, metaContiguous)
		} else {
			// Stores written before the contiguous height was recorded.
			head.contiguous = scanContiguous(tx.Bucket(bucketBlocks), 0, head.height)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read block store head %s: %w", path, err)
	}
	s.head.Store(head)
	return s, nil
}

// OpenBlockStoreReadOnly opens a block store file for offline inspection. It
// fails while a validator holds the file open for writing.
func OpenBlockStoreReadOnly(path string) (*BlockStore, error) {
	return openBlockStore(path, true)
}

// Close releases the underlying file.
func (s *BlockStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close block store %s: %w", s.db.Path(), err)
	}
	return nil
}

// Height returns the contiguous height: every block from 1 to Height can be
// read with Get, 0 before the first. Readers that tail the chain (Wait, then
// Get each height up to Height) therefore never meet a hole. Normally this is
// the newest applied block; after a raft snapshot install it stays at the
// last block held before the install until block catch-up has filled the
// range up to the snapshot, then jumps to the applied height. Stats reports
// both.
func (s *BlockStore) Height() uint64 { return s.head.Load().contiguous }

// Stats returns the applied height, committed transaction count and newest
// block hash of the state machine, and the contiguous height.
func (s *BlockStore) Stats() ChainStats {
	h := s.head.Load()
	return ChainStats{Height: h.height, TxCount: h.txCount, LastHash: bytes.Clone(h.lastHash), Contiguous: h.contiguous}
}

// Get returns the block at height, or an error wrapping ErrBlockNotFound.
// Recent blocks are shared with every other caller: treat them as read-only.
func (s *BlockStore) Get(height uint64) (*aurigraphv1.Block, error) {
	if blk := s.recent.get(height); blk != nil {
		return blk, nil
	}
	var blk *aurigraphv1.Block
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBlocks)
		if b == nil {
			return fmt.Errorf("block %d: %w", height, ErrBlockNotFound)
		}
		raw := b.Get(be64(height))
		if raw == nil {
			return fmt.Errorf("block %d: %w", height, ErrBlockNotFound)
		}
		var err error
		blk, err = decodeBlock(raw)
		if err != nil {
			return fmt.Errorf("block %d: %w", height, err)
		}
		return nil
	})
	return blk, err
}

// Latest returns the block at Height(), or an error wrapping ErrBlockNotFound
// on an empty chain.
func (s *BlockStore) Latest() (*aurigraphv1.Block, error) {
	h := s.Height()
	if h == 0 {
		return nil, fmt.Errorf("chain is empty: %w", ErrBlockNotFound)
	}
	return s.Get(h)
}

// GetByHash returns the block whose header hash is hash, or an error
// wrapping ErrBlockNotFound.
func (s *BlockStore) GetByHash(hash []byte) (*aurigraphv1.Block, error) {
	var height uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketHashes); b != nil {
			if v := b.Get(hash); len(v) == 8 {
				height = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up block hash %x: %w", hash, err)
	}
	if height == 0 {
		return nil, fmt.Errorf("block hash %x: %w", hash, ErrBlockNotFound)
	}
	return s.Get(height)
}

// indexBlockHashes fills the hash index of a store written before it
// existed, once, when the store is opened.
func indexBlockHashes(tx *bolt.Tx) error {
	hashes := tx.Bucket(bucketHashes)
	c := tx.Bucket(bucketBlocks).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		blk, err := decodeBlock(v)
		if err != nil {
			return fmt.Errorf("index block hashes: block %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if err := hashes.Put(blk.GetHeader().GetHash(), bytes.Clone(k)); err != nil {
			return fmt.Errorf("index block hashes: block %d: %w", binary.BigEndian.Uint64(k), err)
		}
	}
	return nil
}

// LookupTx finds a transaction by id.
func (s *BlockStore) LookupTx(id string) (TxLocation, bool, error) {
	var loc TxLocation
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTxIndex)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		if len(v) != 13 {
			return fmt.Errorf("tx index entry for %q is %d bytes, want 13", id, len(v))
		}
		loc = TxLocation{
			Height: binary.BigEndian.Uint64(v[:8]),
			Index:  binary.BigEndian.Uint32(v[8:12]),
			Status: aurigraphv1.TxStatus(v[12]),
		}
		found = true
		return nil
	})
	if err != nil {
		return TxLocation{}, false, fmt.Errorf("look up tx %q: %w", id, err)
	}
	return loc, found, nil
}

// Wait returns once Height() reaches height, or with ctx's error.
func (s *BlockStore) Wait(ctx context.Context, height uint64) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if s.Height() >= height {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for height %d (at %d): %w", height, s.Height(), ctx.Err())
		}
	}
}

func (s *BlockStore) publishHead(h *chainHead) {
	s.head.Store(h)
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func decodeBlock(raw []byte) (*aurigraphv1.Block, error) {
	blk := &aurigraphv1.Block{}
	if err := proto.Unmarshal(raw, blk); err != nil {
		return nil, fmt.Errorf("decode stored block: %w", err)
	}
	if blk.GetHeader() == nil {
		return nil, errors.New("decode stored block: header missing")
	}
	return blk, nil
}

// loadState fills f from the persisted state machine.
func (s *BlockStore) loadState(f *fsm) error {
	return s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		f.appliedIndex = getU64(m, metaAppliedIndex)
		f.appliedTerm = getU64(m, metaAppliedTerm)
		f.height = getU64(m, metaHeight)
		f.txCount = getU64(m, metaTxCount)
		if h := m.Get(metaLastHash); h != nil {
			f.lastHash = bytes.Clone(h)
		}
		if err := readRules(m, f); err != nil {
			return err
		}
		err := tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			var a aurigraphv1.Account
			if err := proto.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode account %q: %w", k, err)
			}
			f.accounts[string(k)] = accountFromProto(&a)
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketAssets).ForEach(func(k, v []byte) error {
			a := &aurigraphv1.AssetInfo{}
			if err := proto.Unmarshal(v, a); err != nil {
				return fmt.Errorf("decode asset %q: %w", k, err)
			}
			f.assets[string(k)] = a
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketOffsets).ForEach(func(k, v []byte) error {
			key, err := decodeOffsetKey(k)
			if err != nil {
				return err
			}
			// The topic id follows once the chain has recorded one.
			if len(v) < 8 {
				return fmt.Errorf("offset of %s/%d is %d bytes, want at least 8", key.topic, key.partition, len(v))
			}
			f.offsets[key] = int64(binary.BigEndian.Uint64(v))
			if len(v) > 8 {
				f.topicIDs[key.topic] = bytes.Clone(v[8:])
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The persisted window can be longer than a newly configured smaller
		// one; keeping the newest ids matches what the window would hold.
		// The window is the newest capacity sequence numbers; entries below
		// them (left by a larger window configured before) are not part of it.
		c := tx.Bucket(bucketDedup).Cursor()
		var minSeq uint64
		if lastKey, _ := c.Last(); lastKey != nil {
			if next := binary.BigEndian.Uint64(lastKey) + 1; next > uint64(f.dedup.capacity) {
				minSeq = next - uint64(f.dedup.capacity)
			}
			firstKey, _ := c.First()
			f.dedup.reserve(int(min(binary.BigEndian.Uint64(lastKey)-binary.BigEndian.Uint64(firstKey)+1, uint64(f.dedup.capacity))))
		}
		var last uint64
		var any bool
		for k, v := c.Seek(be64(minSeq)); k != nil; k, v = c.Next() {
			last, any = binary.BigEndian.Uint64(k), true
			if len(v) != len(txDigest{}) {
				return fmt.Errorf("dedup window entry %d is %d bytes, want %d", last, len(v), len(txDigest{}))
			}
			f.dedup.add(txDigest(v))
		}
		if any {
			f.dedup.next = last + 1
		}
		return nil
	})
}

// commit persists what f changed since the last commit, or the whole state
// when full is set (after a snapshot restore), in one bolt transaction, then
// publishes the new head to readers.
func (s *BlockStore) commit(f *fsm, full bool) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ch := &f.changes
	prev := s.head.Load()
	// Applied blocks extend the contiguous chain only if it reached the old
	// tip; a snapshot install never does, it leaves the hole to catch-up.
	contiguous := prev.contiguous
	if !full && contiguous == prev.height {
		contiguous = f.height
	}
	contiguous = min(contiguous, f.height)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if full {
			for _, name := range stateBuckets {
				if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
					return fmt.Errorf("reset bucket %s: %w", name, err)
				}
				if _, err := tx.CreateBucket(name); err != nil {
					return fmt.Errorf("reset bucket %s: %w", name, err)
				}
			}
		}
		blocks, idx, hashes, sigs := tx.Bucket(bucketBlocks), tx.Bucket(bucketTxIndex), tx.Bucket(bucketHashes), tx.Bucket(bucketSigs)
		// Heights only grow: let bolt fill pages instead of splitting them in half.
		blocks.FillPercent = 1
		sigs.FillPercent = 1
		var index []txIndexEntry
		for i, blk := range ch.blocks {
			raw, err := chain.EncodeBlock(blk, ch.bodies[i])
			if err != nil {
				return fmt.Errorf("encode block %d: %w", blk.GetHeader().GetHeight(), err)
			}
			if err := blocks.Put(be64(blk.GetHeader().GetHeight()), raw); err != nil {
				return fmt.Errorf("store block %d: %w", blk.GetHeader().GetHeight(), err)
			}
			if err := hashes.Put(blk.GetHeader().GetHash(), be64(blk.GetHeader().GetHeight())); err != nil {
				return fmt.Errorf("index the hash of block %d: %w", blk.GetHeader().GetHeight(), err)
			}
			if s.signer != nil {
				if err := s.signer.put(sigs, blk); err != nil {
					return err
				}
			}
			for i, r := range blk.GetTxs() {
				if r.GetTx().GetId() != "" {
					index = append(index, txIndexEntry{id: r.GetTx().GetId(), height: blk.GetHeader().GetHeight(), idx: uint32(i), status: byte(r.GetStatus())})
				}
			}
		}
		if err := putTxIndex(idx, index); err != nil {
			return err
		}

		accounts, assets, offsets, dedup := tx.Bucket(bucketAccounts), tx.Bucket(bucketAssets), tx.Bucket(bucketOffsets), tx.Bucket(bucketDedup)
		putAccount := func(addr string) error {
			raw, err := chain.Deterministic.Marshal(accountProto(addr, f.accounts[addr]))
			if err != nil {
				return fmt.Errorf("encode account %q: %w", addr, err)
			}
			return accounts.Put([]byte(addr), raw)
		}
		putAsset := func(name string) error {
			raw, err := chain.Deterministic.Marshal(f.assets[name])
			if err != nil {
				return fmt.Errorf("encode asset %q: %w", name, err)
			}
			return assets.Put([]byte(name), raw)
		}
		putOffset := func(k offsetKey) error {
			next, ok := f.offsets[k]
			if !ok {
				// A replaced topic's partitions start over.
				return offsets.Delete(encodeOffsetKey(k))
			}
			return offsets.Put(encodeOffsetKey(k), append(be64(uint64(next)), f.topicIDs[k.topic]...))
		}
		if full {
			for addr := range f.accounts {
				if err := putAccount(addr); err != nil {
					return err
				}
			}
			for name := range f.assets {
				if err := putAsset(name); err != nil {
					return err
				}
			}
			for k := range f.offsets {
				if err := putOffset(k); err != nil {
					return err
				}
			}
			first := f.dedup.next - uint64(f.dedup.size)
			all := f.dedup.ordered()
			for i := 0; len(all) > 0; i++ {
				if err := dedup.Put(be64(first+uint64(i)), all[:len(txDigest{}):len(txDigest{})]); err != nil {
					return fmt.Errorf("store dedup window: %w", err)
				}
				all = all[len(txDigest{}):]
			}
		} else {
			for addr := range ch.accounts {
				if err := putAccount(addr); err != nil {
					return err
				}
			}
			for name := range ch.assets {
				if err := putAsset(name); err != nil {
					return err
				}
			}
			for k := range ch.offsets {
				if err := putOffset(k); err != nil {
					return err
				}
			}
			// Adds first: an id can be added and evicted within one commit,
			// and deleting it before it was put would leave it on disk.
			// Sequence numbers only grow, like heights.
			dedup.FillPercent = 1
			// bolt keeps values until commit: one backing array for all.
			digests := make([]txDigest, len(ch.dedupAdded))
			for i, e := range ch.dedupAdded {
				digests[i] = e.id
				if err := dedup.Put(be64(e.seq), digests[i][:]); err != nil {
					return fmt.Errorf("store dedup window: %w", err)
				}
			}
			for _, seq := range ch.dedupEvicted {
				if err := dedup.Delete(be64(seq)); err != nil {
					return fmt.Errorf("trim dedup window: %w", err)
				}
			}
		}

		m := tx.Bucket(bucketMeta)
		if full || ch.rules {
			if err := putRules(m, f); err != nil {
				return err
			}
		}
		for _, kv := range []struct {
			k []byte
			v []byte
		}{
			{metaAppliedIndex, be64(f.appliedIndex)},
			{metaAppliedTerm, be64(f.appliedTerm)},
			{metaHeight, be64(f.height)},
			{metaTxCount, be64(f.txCount)},
			{metaLastHash, f.lastHash},
			{metaContiguous, be64(contiguous)},
		} {
			if err := m.Put(kv.k, kv.v); err != nil {
				return fmt.Errorf("store %s: %w", kv.k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("persist applied state at index %d: %w", f.appliedIndex, err)
	}
	if full {
		s.recent.reset()
	}
	s.recent.add(ch.blocks)
	ch.reset()
	s.publishHead(&chainHead{height: f.height, contiguous: contiguous, txCount: f.txCount, lastHash: bytes.Clone(f.lastHash)})
	return nil
}

// readRules loads the chain's genesis and validator keys into f, whose
// height must be set.
func readRules(m *bolt.Bucket, f *fsm) error {
	var g *aurigraphv1.Genesis
	if raw := m.Get(metaGenesis); raw != nil {
		g = &aurigraphv1.Genesis{}
		if err := proto.Unmarshal(raw, g); err != nil {
			return fmt.Errorf("decode the chain's genesis: %w", err)
		}
	}
	var keys aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(m.Get(metaValidatorKeys), &keys); err != nil {
		return fmt.Errorf("decode validator keys: %w", err)
	}
	f.installRules(g, keys.GetValidatorKeys())
	return nil
}

// anchor is what block 1 links to: the hash of the chain's genesis, or
// ZeroHash for a chain begun before genesis entries.
func (s *BlockStore) anchor() ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(metaGenesis)
		if raw == nil {
			out = bytes.Clone(chain.ZeroHash)
			return nil
		}
		var g aurigraphv1.Genesis
		if err := proto.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("decode the chain's genesis: %w", err)
		}
		out = chain.GenesisHash(&g)
		return nil
	})
	return out, err
}

// loadRules fills f with the stored chain's rules alone, its keys joined by
// the store's own validator's key (registered or not).
func (s *BlockStore) loadRules(f *fsm) error {
	return s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		f.height = getU64(m, metaHeight)
		if err := readRules(m, f); err != nil {
			return err
		}
		if v := m.Get(metaSelfKey); len(v) == 8+ed25519.PublicKeySize {
			// A key other than the registered one is refused here, and the
			// blocks it signed are reported as not verifying.
			_, _ = f.keys.Register(binary.BigEndian.Uint64(v), bytes.Clone(v[8:]))
		}
		return nil
	})
}

// putRules stores the chain's genesis and validator keys.
func putRules(m *bolt.Bucket, f *fsm) error {
	if f.genesis != nil && !f.legacy() {
		raw, err := chain.Deterministic.Marshal(f.genesis)
		if err != nil {
			return fmt.Errorf("encode genesis: %w", err)
		}
		if err := m.Put(metaGenesis, raw); err != nil {
			return fmt.Errorf("store genesis: %w", err)
		}
	}
	raw, err := chain.Deterministic.Marshal(&aurigraphv1.StateSnapshot{ValidatorKeys: f.keys.Proto()})
	if err != nil {
		return fmt.Errorf("encode validator keys: %w", err)
	}
	if err := m.Put(metaValidatorKeys, raw); err != nil {
		return fmt.Errorf("store validator keys: %w", err)
	}
	return nil
}

// migrateDedupIDs rewrites a dedup window stored as ids, by a version
// before digests, as digests under the same sequence numbers.
func migrateDedupIDs(tx *bolt.Tx) error {
	old := tx.Bucket(bucketDedupIDs)
	if old == nil {
		return nil
	}
	dst := tx.Bucket(bucketDedup)
	err := old.ForEach(func(k, v []byte) error {
		d := digestOf(string(v))
		return dst.Put(bytes.Clone(k), d[:])
	})
	if err != nil {
		return fmt.Errorf("migrate the dedup window to digests: %w", err)
	}
	if err := tx.DeleteBucket(bucketDedupIDs); err != nil {
		return fmt.Errorf("migrate the dedup window to digests: %w", err)
	}
	return nil
}

// txIndexEntry is one row of the transaction index: id → where it is.
type txIndexEntry struct {
	id     string
	height uint64
	idx    uint32
	status byte
}

// putTxIndex writes entries in id order. Ids are random, so in arrival
// order every put would descend to a different leaf; sorted, consecutive
// puts land on the same pages while they are still in memory.
func putTxIndex(b *bolt.Bucket, entries []txIndexEntry) error {
	// Stable: should an id repeat, the later row still wins, as in block order.
	slices.SortStableFunc(entries, func(x, y txIndexEntry) int { return strings.Compare(x.id, y.id) })
	// bolt keeps references to keys and values until the transaction
	// commits: one backing array each, not one allocation per row.
	const locLen = 13
	locs := make([]byte, locLen*len(entries))
	keyLen := 0
	for _, e := range entries {
		keyLen += len(e.id)
	}
	keys := make([]byte, 0, keyLen)
	for i, e := range entries {
		loc := locs[i*locLen : (i+1)*locLen : (i+1)*locLen]
		binary.BigEndian.PutUint64(loc[:8], e.height)
		binary.BigEndian.PutUint32(loc[8:12], e.idx)
		loc[12] = e.status
		start := len(keys)
		keys = append(keys, e.id...)
		if err := b.Put(keys[start:len(keys):len(keys)], loc); err != nil {
			return fmt.Errorf("index tx %q: %w", e.id, err)
		}
	}
	return nil
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func getU64(b *bolt.Bucket, key []byte) uint64 {
	if b == nil {
		return 0
	}
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func encodeOffsetKey(k offsetKey) []byte {
	out := make([]byte, 0, len(k.topic)+5)
	out = append(out, k.topic...)
	out = append(out, 0)
	return binary.BigEndian.AppendUint32(out, uint32(k.partition))
}

func decodeOffsetKey(b []byte) (offsetKey, error) {
	if len(b) < 5 || b[len(b)-5] != 0 {
		return offsetKey{}, fmt.Errorf("malformed offset key %x", b)
	}
	return offsetKey{topic: string(b[:len(b)-5]), partition: int32(binary.BigEndian.Uint32(b[len(b)-4:]))}, nil
}

// changedCh returns a channel closed at the next head change.
func (s *BlockStore) changedCh() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}
