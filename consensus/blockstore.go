package consensus

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/atomicfile"
	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ErrBlockNotFound is returned for a height the store does not hold.
var ErrBlockNotFound = errors.New("consensus: block not found")

// BlocksFile is the block store's directory inside Config.DataDir.
const BlocksFile = "blocks"

// rulesFile, inside the block store, holds the chain's genesis and
// validator keys, and the key of the validator that signs what the store
// holds, so that a stopped validator's chain can be verified offline.
const rulesFile = "rules.json"

// indexDir, inside the block store, holds the transaction id index runs.
const indexDir = "index"

// TxLocation says where a transaction sits in the chain.
type TxLocation struct {
	Height uint64
	Index  uint32
	Status aurigraphv1.TxStatus
}

// A location packs a height (40 bits), a failed flag and a position in the
// block (23 bits); the position blockMarker names the block itself, for
// the entries that find blocks by hash. A block holds far fewer
// transactions than that: each counts at least chain.TxResultBytes against
// max_block_bytes.
const (
	locIndexBits = 23
	locFailed    = 1 << locIndexBits
	blockMarker  = locFailed - 1
)

func packLoc(height uint64, index int, failed bool) uint64 {
	v := height<<(locIndexBits+1) | uint64(index)
	if failed {
		v |= locFailed
	}
	return v
}

func unpackLoc(v uint64) (height uint64, index uint32, failed bool) {
	return v >> (locIndexBits + 1), uint32(v & blockMarker), v&locFailed != 0
}

// ChainStats summarises the chain a store holds.
type ChainStats struct {
	// Height, TxCount and LastHash describe the newest block the validator
	// executed or received in a raft snapshot.
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

// BlockStore is one validator's chain: its blocks in an append-only log
// (internal/blocklog), each with the validator's signature, and an index of
// transaction ids and block hashes. It holds no state of the state machine:
// that is rebuilt from the newest raft snapshot and the WAL after it, which
// also rebuilds any block a crash cut from the log's tail. Its read methods
// are safe for concurrent use by any number of goroutines.
type BlockStore struct {
	dir      string
	log      *blocklog.Log
	ix       *blocklog.Index
	w        *blocklog.Writer
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
	// rules is what rulesFile holds.
	rulesMu sync.Mutex
	rules   storedRules

	// scratch is the applier's reusable buffer for index entries.
	scratch []blocklog.Entry
	// window finds an id in the state machine's dedup window, where the
	// ids of the blocks since the last index run are; nil without one.
	window func(txDigest) (loc uint64, ok bool)
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

// A record's payload is the signer (8 bytes, 0 for none), the signature (64
// bytes, zero for none) and the block's deterministic encoding; its aux
// value is the chain's transaction count after the block.
const sigPrefix = 8 + ed25519.SignatureSize

func (b *blockSigner) sign(hash []byte) []byte {
	out := binary.BigEndian.AppendUint64(make([]byte, 0, sigPrefix), b.id)
	return append(out, chain.SignBlock(b.key, hash)...)
}

var noSignature = make([]byte, sigPrefix)

// storedRules is rulesFile's content.
type storedRules struct {
	// Genesis is its deterministic encoding; absent until it applied and on
	// chains begun before genesis entries.
	Genesis []byte `json:"genesis,omitempty"`
	// ValidatorKeys is a StateSnapshot with only validator_keys set.
	ValidatorKeys []byte `json:"validator_keys,omitempty"`
	// SelfID and SelfKey name the validator that signs what this store
	// holds, so its own signatures verify before the chain registered its
	// key, and offline.
	SelfID  uint64 `json:"self_id,omitempty"`
	SelfKey []byte `json:"self_key,omitempty"`
}

// setSigner makes the store sign every block it stores as validator id.
func (s *BlockStore) setSigner(id uint64, key ed25519.PrivateKey) error {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	r := s.rules
	r.SelfID, r.SelfKey = id, key.Public().(ed25519.PublicKey)
	if err := s.writeRules(r); err != nil {
		return fmt.Errorf("record the validator key of the block store: %w", err)
	}
	s.signer = &blockSigner{id: id, key: key}
	return nil
}

// writeRules replaces rulesFile atomically; it changes a few times in a
// chain's life, so it is synced each time.
func (s *BlockStore) writeRules(r storedRules) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if old, err := json.Marshal(s.rules); err == nil && bytes.Equal(old, raw) {
		// Restarts and snapshot restores hand the same rules again.
		return nil
	}
	if err := atomicfile.WriteFile(filepath.Join(s.dir, rulesFile), raw); err != nil {
		return err
	}
	s.rules = r
	return nil
}

// Signature returns the stored signature of the block at height.
func (s *BlockStore) Signature(height uint64) (Signed, error) {
	if raw, ok := s.recent.signature(height); ok {
		return parseSignature(height, raw)
	}
	raw, _, err := s.log.Read(height)
	if errors.Is(err, blocklog.ErrNotFound) {
		return Signed{}, fmt.Errorf("signature of block %d: %w", height, ErrBlockNotFound)
	}
	if err != nil {
		return Signed{}, fmt.Errorf("signature of block %d: %w", height, err)
	}
	return parseSignature(height, raw)
}

// parseSignature reads the signature prefix of the stored record of the
// block at height.
func parseSignature(height uint64, raw []byte) (Signed, error) {
	if len(raw) < sigPrefix {
		return Signed{}, fmt.Errorf("signature of block %d: record of %d bytes is too short", height, len(raw))
	}
	signer := binary.BigEndian.Uint64(raw)
	if signer == 0 {
		return Signed{}, fmt.Errorf("signature of block %d: %w", height, ErrBlockNotFound)
	}
	return Signed{Signer: signer, Signature: bytes.Clone(raw[8:sigPrefix])}, nil
}

// openBlockStore opens the store in dir. runEntries is the index's run size
// (blocklog.Index), at most half the dedup window so that ids leave the
// window only once their run is written; 0 means blocklog's default. The
// index logs to logger (nil: slog.Default()).
func openBlockStore(dir string, readOnly bool, runEntries int, logger *slog.Logger) (*BlockStore, error) {
	log, err := blocklog.Open(dir, blocklog.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, fmt.Errorf("open block store %s: %w", dir, err)
	}
	s := &BlockStore{dir: dir, log: log, readOnly: readOnly, changed: make(chan struct{}), recent: newRecentBlocks()}
	s.w = log.NewWriter()
	fail := func(err error) (*BlockStore, error) {
		s.Close()
		return nil, fmt.Errorf("open block store %s: %w", dir, err)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, rulesFile)); err == nil {
		if err := json.Unmarshal(raw, &s.rules); err != nil {
			return fail(fmt.Errorf("decode %s: %w", rulesFile, err))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	ixDir := filepath.Join(dir, indexDir)
	if !readOnly {
		if err := os.MkdirAll(ixDir, 0o750); err != nil {
			return fail(err)
		}
	}
	if _, err := os.Stat(ixDir); err == nil {
		if s.ix, err = blocklog.OpenIndex(ixDir, runEntries, readOnly, blocklog.IndexLogger(logger)); err != nil {
			return fail(err)
		}
	} else if s.ix, err = blocklog.OpenIndex(dir, 0, true, blocklog.IndexLogger(logger)); err != nil {
		return fail(err)
	}
	head := &chainHead{lastHash: bytes.Clone(chain.ZeroHash), contiguous: log.Contiguous()}
	if tip, txCount := log.Tip(); tip > 0 {
		blk, err := s.readBlock(tip)
		if err != nil {
			return fail(err)
		}
		head.height, head.txCount, head.lastHash = tip, txCount, blk.GetHeader().GetHash()
	}
	s.head.Store(head)
	if err := s.indexUncovered(); err != nil {
		return fail(err)
	}
	return s, nil
}

// indexUncovered adds to the index the blocks no index run on disk covers:
// those since the last run was written, or of a run a crash damaged.
func (s *BlockStore) indexUncovered() error {
	covered := s.ix.Covered()
	for _, span := range s.log.Spans() {
		for h := span.First; h <= span.Last; h++ {
			for len(covered) > 0 && covered[0].Last < h {
				covered = covered[1:]
			}
			if len(covered) > 0 && covered[0].First <= h {
				h = min(covered[0].Last, span.Last)
				continue
			}
			blk, err := s.readBlock(h)
			if err != nil {
				// Nothing to index in it; VerifyChain reports it.
				continue
			}
			s.index(blk, nil)
		}
	}
	return nil
}

// index adds blk to the index: its hash, searchable at once, and each
// transaction id, keyed as the dedup window keys them. Ids of blocks the
// state machine just built (keys given) are found in its dedup window until
// their run is written, so they are added quietly.
func (s *BlockStore) index(blk *aurigraphv1.Block, keys []txDigest) {
	h := blk.GetHeader().GetHeight()
	s.ix.Add(h, []blocklog.Entry{{Key: blocklog.Key(blk.GetHeader().GetHash()[:16]), Loc: packLoc(h, blockMarker, false)}})
	entries := s.txEntries(blk, keys)
	if keys != nil && s.window != nil {
		s.ix.AddQuiet(h, entries)
	} else {
		s.ix.Add(h, entries)
	}
}

// txEntries lists the index entries of blk's transaction ids.
func (s *BlockStore) txEntries(blk *aurigraphv1.Block, keys []txDigest) []blocklog.Entry {
	h := blk.GetHeader().GetHeight()
	out := s.scratch[:0]
	for i, r := range blk.GetTxs() {
		var k txDigest
		switch {
		case keys != nil:
			k = keys[i]
		case r.GetTx().GetId() != "":
			k = digestOf(r.GetTx().GetId())
		}
		if k == (txDigest{}) {
			continue
		}
		out = append(out, blocklog.Entry{Key: blocklog.Key(k), Loc: packLoc(h, i, r.GetStatus() == aurigraphv1.TxStatus_TX_STATUS_FAILED)})
	}
	s.scratch = out
	return out
}

// OpenBlockStoreReadOnly opens a stopped validator's block store (its
// DataDir/blocks) for offline inspection.
func OpenBlockStoreReadOnly(dir string) (*BlockStore, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("open block store: %w", err)
	}
	return openBlockStore(dir, true, 0, nil)
}

// Close waits for index runs being written and releases the files.
func (s *BlockStore) Close() error {
	var errs []error
	if s.ix != nil {
		errs = append(errs, s.ix.Close())
	}
	if err := s.log.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close block store %s: %w", s.dir, err))
	}
	return errors.Join(errs...)
}

// Sync makes every block stored so far durable; the raft loop calls it
// before a snapshot lets the WAL entries that built them go.
func (s *BlockStore) Sync() error { return s.log.Sync() }

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
	return s.readBlock(height)
}

func (s *BlockStore) readBlock(height uint64) (*aurigraphv1.Block, error) {
	raw, _, err := s.log.Read(height)
	if errors.Is(err, blocklog.ErrNotFound) {
		return nil, fmt.Errorf("block %d: %w", height, ErrBlockNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	if len(raw) < sigPrefix {
		return nil, fmt.Errorf("block %d: record of %d bytes is too short", height, len(raw))
	}
	blk, err := decodeBlock(raw[sigPrefix:])
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", height, err)
	}
	return blk, nil
}

// storedHash returns the hash in the stored header of block h, decoding the
// header alone.
func (s *BlockStore) storedHash(h uint64) ([]byte, error) {
	raw, _, err := s.log.Read(h)
	if err != nil {
		return nil, err
	}
	if len(raw) < sigPrefix {
		return nil, fmt.Errorf("block %d: record of %d bytes is too short", h, len(raw))
	}
	raw = raw[sigPrefix:]
	num, typ, n := protowire.ConsumeTag(raw)
	if n < 0 || num != 1 || typ != protowire.BytesType {
		return nil, fmt.Errorf("block %d: stored encoding does not start with its header", h)
	}
	v, m := protowire.ConsumeBytes(raw[n:])
	if m < 0 {
		return nil, fmt.Errorf("block %d: stored header cut short", h)
	}
	var hd aurigraphv1.BlockHeader
	if err := proto.Unmarshal(v, &hd); err != nil {
		return nil, fmt.Errorf("block %d: decode stored header: %w", h, err)
	}
	return hd.GetHash(), nil
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
	if len(hash) == chain.HashSize {
		loc, ok, err := s.ix.Lookup(blocklog.Key(hash[:16]))
		if err != nil {
			return nil, fmt.Errorf("block hash %x: %w", hash, err)
		}
		if ok {
			if h, idx, _ := unpackLoc(loc); idx == blockMarker {
				blk, err := s.Get(h)
				if err == nil && bytes.Equal(blk.GetHeader().GetHash(), hash) {
					return blk, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("block hash %x: %w", hash, ErrBlockNotFound)
}

// LookupTx finds a transaction by id: an id of the dedup window where the
// state machine's window says, an older one with a binary search of each
// index run on disk (see blocklog.Index).
func (s *BlockStore) LookupTx(id string) (TxLocation, bool, error) {
	d := digestOf(id)
	var loc uint64
	ok := false
	if s.window != nil {
		loc, ok = s.window(d)
	}
	if !ok {
		var err error
		if loc, ok, err = s.ix.Lookup(blocklog.Key(d)); err != nil {
			return TxLocation{}, false, fmt.Errorf("transaction %q: %w", id, err)
		}
	}
	if !ok {
		return TxLocation{}, false, nil
	}
	h, idx, failed := unpackLoc(loc)
	if idx == blockMarker {
		return TxLocation{}, false, nil
	}
	out := TxLocation{Height: h, Index: idx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}
	if failed {
		out.Status = aurigraphv1.TxStatus_TX_STATUS_FAILED
	}
	return out, true, nil
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

// builtBlock is a block the state machine built, with its transactions
// already encoded (chain.TxRootAndBody) and each id's dedup key.
type builtBlock struct {
	blk  *aurigraphv1.Block
	body []byte
	keys []txDigest
}

// changeSet is what one group of applied entries changed, for the block
// store: the blocks built, the applied head after them, and the chain's
// rules when they changed.
type changeSet struct {
	blocks   []builtBlock
	height   uint64
	txCount  uint64
	lastHash []byte
	// rules is set when the genesis or the validator keys changed.
	rules *storedRules
	// restored says the state came whole from a raft snapshot: the applied
	// head jumps past blocks that catch-up fetches later.
	restored bool
}

// commit appends the blocks of cs, signed, and publishes the new head. It
// returns the blocks it wrote: blocks the log already holds (the state
// machine replaying the WAL after a restart) must be the same blocks, and
// are not written again.
func (s *BlockStore) commit(cs *changeSet) ([]*aurigraphv1.Block, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	prev := s.head.Load()
	tip, _ := s.log.Tip()
	txCount := cs.txCount - cs.txTotal()
	var added []*aurigraphv1.Block
	var cached []recentBlock
	for _, b := range cs.blocks {
		hd := b.blk.GetHeader()
		h := hd.GetHeight()
		txCount += uint64(len(b.blk.GetTxs()))
		if s.log.Has(h) {
			stored, err := s.storedHash(h)
			if err != nil {
				return nil, fmt.Errorf("compare block %d with the stored one: %w", h, err)
			}
			if !bytes.Equal(stored, hd.GetHash()) {
				return nil, fmt.Errorf("block %d built again from the raft log has hash %x, but the store holds %x: the state machine diverged from its own chain; restore this validator's data dir or start it empty to resync from its peers", h, hd.GetHash(), stored)
			}
			continue
		}
		header, err := chain.EncodeBlockHeader(b.blk)
		if err != nil {
			return nil, fmt.Errorf("encode block %d: %w", h, err)
		}
		sig := noSignature
		if s.signer != nil {
			sig = s.signer.sign(hd.GetHash())
		}
		if h < tip {
			// A hole below the tip that replay reaches: only when blocks
			// were lost from the middle of the log, which nothing here does.
			rec := slices.Concat(sig, header, b.body)
			if err := s.log.Fill([]blocklog.Record{{Height: h, Aux: txCount, Payload: rec}}); err != nil {
				return nil, err
			}
		} else if err := s.w.Add(h, txCount, sig, header, b.body); err != nil {
			return nil, err
		}
		added = append(added, b.blk)
		cached = append(cached, recentBlock{blk: b.blk, sig: sig})
		s.index(b.blk, b.keys)
	}
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("persist blocks up to height %d: %w", cs.height, err)
	}
	if cs.rules != nil {
		s.rulesMu.Lock()
		r := *cs.rules
		r.SelfID, r.SelfKey = s.rules.SelfID, s.rules.SelfKey
		err := s.writeRules(r)
		s.rulesMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("persist the chain's rules: %w", err)
		}
	}
	if cs.restored {
		s.recent.reset()
	}
	s.recent.add(cached)
	next := &chainHead{height: cs.height, txCount: cs.txCount, lastHash: bytes.Clone(cs.lastHash), contiguous: s.log.Contiguous()}
	if cs.height < prev.height {
		// Replaying entries whose blocks the log already holds.
		next.height, next.txCount, next.lastHash = prev.height, prev.txCount, prev.lastHash
	}
	next.contiguous = min(next.contiguous, next.height)
	s.publishHead(next)
	return added, nil
}

func (cs *changeSet) txTotal() uint64 {
	var n uint64
	for _, b := range cs.blocks {
		n += uint64(len(b.blk.GetTxs()))
	}
	return n
}

// anchor is what block 1 links to: the hash of the chain's genesis, or
// ZeroHash for a chain begun before genesis entries.
func (s *BlockStore) anchor() ([]byte, error) {
	s.rulesMu.Lock()
	raw := s.rules.Genesis
	s.rulesMu.Unlock()
	if raw == nil {
		return bytes.Clone(chain.ZeroHash), nil
	}
	var g aurigraphv1.Genesis
	if err := proto.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("decode the chain's genesis: %w", err)
	}
	return chain.GenesisHash(&g), nil
}

// storedChainRules is what the store holds of the chain's rules, decoded:
// its genesis (nil on a chain begun before genesis entries, or before it
// applied), the registered validator keys, and the store's own validator's
// key.
type storedChainRules struct {
	genesis *aurigraphv1.Genesis
	keys    []*aurigraphv1.ValidatorKeyRecord
	selfID  uint64
	selfKey ed25519.PublicKey
}

// chainRules returns the chain's rules as the store holds them.
func (s *BlockStore) chainRules() (storedChainRules, error) {
	s.rulesMu.Lock()
	r := s.rules
	s.rulesMu.Unlock()
	var out storedChainRules
	if r.Genesis != nil {
		out.genesis = &aurigraphv1.Genesis{}
		if err := proto.Unmarshal(r.Genesis, out.genesis); err != nil {
			return out, fmt.Errorf("decode the chain's genesis: %w", err)
		}
	}
	var keys aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(r.ValidatorKeys, &keys); err != nil {
		return out, fmt.Errorf("decode validator keys: %w", err)
	}
	out.keys = keys.GetValidatorKeys()
	if r.SelfID != 0 && len(r.SelfKey) == ed25519.PublicKeySize {
		out.selfID, out.selfKey = r.SelfID, bytes.Clone(r.SelfKey)
	}
	return out, nil
}

// changedCh returns a channel closed at the next head change.
func (s *BlockStore) changedCh() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}
