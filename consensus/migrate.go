package consensus

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/atomicfile"
	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// boltBlocksFile is the bbolt block store of earlier versions, which also
// held the state machine and a transaction index written with every block.
const boltBlocksFile = "blocks.db"

// migrateBoltStore moves the chain of an earlier version's bbolt store in
// dataDir into a block log, once: blocks with their signatures, the chain's
// rules and the member addresses. The state machine's tables are not
// carried over: the newest raft snapshot and the WAL after it, which that
// version kept as this one does, rebuild the state. The log is written
// under another name and renamed when complete, so a crash midway leaves
// the old store to migrate again; the old store goes once the new one is
// in place.
func migrateBoltStore(dataDir string, log *slog.Logger) error {
	old := filepath.Join(dataDir, boltBlocksFile)
	if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	dst := filepath.Join(dataDir, BlocksFile)
	if _, err := os.Stat(dst); err == nil {
		// Migrated; the crash came before the old store was removed.
		return removeMigrated(old, dataDir)
	}
	start := time.Now()
	tmp := dst + ".migrating"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("migrate %s: %w", old, err)
	}
	db, err := bolt.Open(old, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("migrate %s: open it: %w (another process may hold it)", old, err)
	}
	defer db.Close()
	blocks, err := copyBoltChain(db, tmp, dataDir)
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("migrate %s to a block log: %w", old, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("migrate %s: %w", old, err)
	}
	if err := atomicfile.SyncDir(dataDir); err != nil {
		return fmt.Errorf("migrate %s: %w", old, err)
	}
	db.Close()
	if err := removeMigrated(old, dataDir); err != nil {
		return err
	}
	log.Info("migrated the bbolt block store to a block log", "blocks", blocks, "took", time.Since(start))
	return nil
}

func removeMigrated(old, dataDir string) error {
	if err := os.Remove(old); err != nil {
		return fmt.Errorf("remove the migrated %s: %w", old, err)
	}
	return atomicfile.SyncDir(dataDir)
}

// Buckets and keys of the bbolt store.
var (
	boltBlocks  = []byte("blocks")  // be64 height -> Block
	boltMeta    = []byte("meta")    // keys below
	boltSigs    = []byte("sigs")    // be64 height -> be64 signer | signature
	boltMembers = []byte("members") // be64 id -> raft address

	boltHeight        = []byte("height")
	boltTxCount       = []byte("tx_count")
	boltGenesis       = []byte("genesis")
	boltValidatorKeys = []byte("validator_keys")
	boltSelfKey       = []byte("self_key")
)

// copyBoltChain writes db's blocks to a block log in dir and its members
// to dataDir's raftnode.MembersFile, and returns how many blocks it copied.
func copyBoltChain(db *bolt.DB, dir, dataDir string) (int, error) {
	bl, err := blocklog.Open(dir, blocklog.Options{})
	if err != nil {
		return 0, err
	}
	defer bl.Close()
	copied := 0
	err = db.View(func(tx *bolt.Tx) error {
		meta, blocks := tx.Bucket(boltMeta), tx.Bucket(boltBlocks)
		if meta == nil || blocks == nil {
			return errors.New("not a block store: buckets missing")
		}
		counts, err := txCountsAfter(blocks, u64(meta.Get(boltHeight)), u64(meta.Get(boltTxCount)))
		if err != nil {
			return err
		}
		sigs := tx.Bucket(boltSigs)
		w := bl.NewWriter()
		c := blocks.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			h := binary.BigEndian.Uint64(k)
			prefix := noSignature
			if sigs != nil {
				if sv := sigs.Get(k); len(sv) == sigPrefix {
					prefix = sv
				}
			}
			if err := w.Add(h, counts[h], prefix, v); err != nil {
				return err
			}
			copied++
			if copied%1024 == 0 {
				if err := w.Flush(); err != nil {
					return err
				}
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		r := storedRules{Genesis: meta.Get(boltGenesis), ValidatorKeys: meta.Get(boltValidatorKeys)}
		if v := meta.Get(boltSelfKey); len(v) > 8 {
			r.SelfID, r.SelfKey = binary.BigEndian.Uint64(v), v[8:]
		}
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, rulesFile), raw); err != nil {
			return err
		}
		if mb := tx.Bucket(boltMembers); mb != nil {
			members := map[uint64]string{}
			if err := mb.ForEach(func(k, v []byte) error {
				if len(k) == 8 {
					members[binary.BigEndian.Uint64(k)] = string(v)
				}
				return nil
			}); err != nil {
				return err
			}
			if err := raftnode.WriteMembers(dataDir, members); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return copied, bl.Sync()
}

// txCountsAfter gives each stored block the chain's transaction count after
// it: counted up from height 1 while the blocks are contiguous, and down
// from the applied head's count above a gap (blocks a snapshot install
// skipped and catch-up had not fetched yet).
func txCountsAfter(blocks *bolt.Bucket, height, total uint64) (map[uint64]uint64, error) {
	sizes := map[uint64]uint64{}
	c := blocks.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n, err := headerTxCount(v)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", binary.BigEndian.Uint64(k), err)
		}
		sizes[binary.BigEndian.Uint64(k)] = n
	}
	out := make(map[uint64]uint64, len(sizes))
	var sum uint64
	h := uint64(1)
	for ; ; h++ {
		n, ok := sizes[h]
		if !ok {
			break
		}
		sum += n
		out[h] = sum
	}
	after := total
	for top := height; top >= h && top > 0; top-- {
		n, ok := sizes[top]
		if !ok {
			continue
		}
		out[top] = after
		after -= min(after, n)
	}
	return out, nil
}

// headerTxCount reads tx_count from an encoded block's header.
func headerTxCount(raw []byte) (uint64, error) {
	num, typ, n := protowire.ConsumeTag(raw)
	if n < 0 || num != 1 || typ != protowire.BytesType {
		return 0, errors.New("encoding does not start with its header")
	}
	v, m := protowire.ConsumeBytes(raw[n:])
	if m < 0 {
		return 0, errors.New("header cut short")
	}
	var hd aurigraphv1.BlockHeader
	if err := proto.Unmarshal(v, &hd); err != nil {
		return 0, err
	}
	return uint64(hd.GetTxCount()), nil
}

func u64(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
