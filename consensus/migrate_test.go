package consensus

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// writeBoltStore writes the chain of the block store at dir, and the
// members in membersPath, in the layout of the bbolt store earlier
// versions kept at path.
func writeBoltStore(t *testing.T, dir, membersPath, path string) {
	t.Helper()
	src, err := blocklog.Open(dir, blocklog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var rules storedRules
	raw, err := os.ReadFile(filepath.Join(dir, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	members := map[string]string{}
	raw, err = os.ReadFile(membersPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	be := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	err = db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]*bolt.Bucket{}
		for _, name := range []string{"blocks", "txindex", "hashes", "meta", "accounts", "assets", "offsets", "dedup16", "sigs", "members"} {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			buckets[name] = b
		}
		tip, txCount := src.Tip()
		for h := uint64(1); h <= tip; h++ {
			rec, _, err := src.Read(h)
			if err != nil {
				return err
			}
			if err := buckets["blocks"].Put(be(h), rec[sigPrefix:]); err != nil {
				return err
			}
			if err := buckets["sigs"].Put(be(h), rec[:sigPrefix]); err != nil {
				return err
			}
		}
		meta := buckets["meta"]
		for k, v := range map[string][]byte{
			"height": be(tip), "tx_count": be(txCount), "contiguous_height": be(tip), "applied_index": be(1), "applied_term": be(1),
			"genesis": rules.Genesis, "validator_keys": rules.ValidatorKeys,
			"self_key": append(be(rules.SelfID), rules.SelfKey...),
		} {
			if err := meta.Put([]byte(k), v); err != nil {
				return err
			}
		}
		for id, addr := range members {
			n, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				return err
			}
			if err := buckets["members"].Put(be(n), []byte(addr)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigratesBoltStore: a validator whose data dir holds the bbolt block
// store of an earlier version opens it as a block log, once: every block
// with its signature, found by height, hash and transaction id, the state
// rebuilt from its snapshot and WAL, and the chain goes on. The snapshots
// make it matter: the WAL no longer holds the entries of the oldest blocks.
func TestMigratesBoltStore(t *testing.T) {
	c := newCluster(t, 1, func(cfg *Config) { cfg.SnapshotEntries = 2 })
	lead := c.leader()
	var off int64
	commitMints(t, lead, &off, 8)
	before := lead.Blocks().Stats()
	dir := c.dirs[1]
	// Snapshots are written in the background: without one above the first
	// blocks the WAL alone would rebuild them.
	waitFor(t, "a snapshot above the first blocks", func() bool {
		s, err := snap.New(zap.NewNop(), filepath.Join(dir, "snap")).Load()
		var st aurigraphv1.StateSnapshot
		return err == nil && proto.Unmarshal(s.Data, &st) == nil && st.GetHeight() >= 4
	})
	c.stop(1)
	writeBoltStore(t, filepath.Join(dir, BlocksFile), filepath.Join(dir, raftnode.MembersFile), filepath.Join(dir, boltBlocksFile))
	for _, p := range []string{BlocksFile, raftnode.MembersFile} {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}

	n := c.start(1)
	if _, err := os.Stat(filepath.Join(dir, boltBlocksFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the bbolt store is still there after the migration: %v", err)
	}
	waitFor(t, "the migrated chain's head", func() bool { return n.Blocks().Stats().Height >= before.Height })
	rep, err := VerifyChain(context.Background(), n.Blocks())
	if err != nil || !rep.OK || rep.Height != before.Height || rep.TxCount != before.TxCount || rep.Signed != before.Height {
		t.Fatalf("VerifyChain after the migration = %+v, %v; before it the chain was %+v", rep, err, before)
	}
	for h := uint64(1); h <= before.Height; h++ {
		blk, err := n.Blocks().Get(h)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := n.Blocks().GetByHash(blk.GetHeader().GetHash()); err != nil || got.GetHeader().GetHeight() != h {
			t.Fatalf("GetByHash of block %d: %v", h, err)
		}
		id := blk.GetTxs()[0].GetTx().GetId()
		if loc, ok, err := n.Blocks().LookupTx(id); err != nil || !ok || loc.Height != h {
			t.Fatalf("LookupTx(%s) = %+v %v %v, want height %d", id, loc, ok, err, h)
		}
	}
	if got := n.Members(); len(got) != 1 || got[0].RaftAddress != c.peers[1] {
		t.Fatalf("members after the migration: %+v", got)
	}
	// The rebuilt state goes on where the old one was: m0 is a duplicate.
	waitFor(t, "leadership", func() bool { lead, _ := n.Leader(); return lead })
	mustPropose(t, n, batch(off, mint("m0", "alice", 1), mint("fresh", "alice", 1)))
	blk, err := n.Blocks().Latest()
	if err != nil || len(blk.GetTxs()) != 1 || blk.GetTxs()[0].GetTx().GetId() != "fresh" {
		t.Fatalf("block after the migration: %v, %v", blk, err)
	}
	// Opened again, nothing is migrated twice.
	c.stop(1)
	n = c.start(1)
	if st := n.Blocks().Stats(); st.Height != before.Height+1 {
		t.Fatalf("height %d after a second restart, want %d", st.Height, before.Height+1)
	}
}

// TestBlocksCutFromTheLogAreRebuilt: blocks are appended to the block log
// without a sync, so a power cut can lose the newest ones (and leave half a
// record), but never blocks a snapshot covers. A validator that lost them
// rebuilds them from its WAL when it starts: the same chain, signed,
// indexed, verified.
func TestBlocksCutFromTheLogAreRebuilt(t *testing.T) {
	c := newCluster(t, 1, func(cfg *Config) { cfg.SnapshotEntries = 4 })
	lead := c.leader()
	var off int64
	commitMints(t, lead, &off, 12)
	// The chain's own entries (its genesis, the validator's key, a new
	// term's empty entry) shift where snapshots fall: commit until the
	// newest block lies past the newest snapshot, so the WAL has blocks to
	// rebuild.
	before := lead.Blocks().Stats()
	snap := c.stopWithSnapshot(c.dirs[1], func(snap uint64) bool { return snap < before.Height }, func() {
		lead = c.leader()
		commitMints(t, lead, &off, 1)
		before = lead.Blocks().Stats()
	})
	dir := filepath.Join(c.dirs[1], BlocksFile)
	// Cut the newest segment back to the middle of the record after the
	// snapshot's height, as a crash before the page cache reached the disk
	// would.
	bl, err := blocklog.Open(dir, blocklog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	segs := bl.Spans()
	bl.Close()
	last := segs[len(segs)-1]
	if last.First > snap+1 {
		t.Fatalf("the newest segment starts at %d, above the first block to cut %d", last.First, snap+1)
	}
	seg := filepath.Join(dir, fmt.Sprintf("%020d.seg", last.First))
	keep := recordEnd(t, dir, snap) + 10
	if err := os.Truncate(seg, keep); err != nil {
		t.Fatal(err)
	}

	n := c.start(1)
	waitFor(t, "the cut blocks rebuilt", func() bool { return n.Blocks().Height() >= before.Height })
	rep, err := VerifyChain(context.Background(), n.Blocks())
	if err != nil || !rep.OK || rep.Height != before.Height || rep.Signed != before.Height || rep.TxCount != before.TxCount {
		t.Fatalf("VerifyChain after the rebuild = %+v, %v; before %+v", rep, err, before)
	}
	if got := n.Blocks().Stats(); !bytes.Equal(got.LastHash, before.LastHash) {
		t.Fatalf("last hash %x after the rebuild, %x before", got.LastHash, before.LastHash)
	}
	if loc, ok, err := n.Blocks().LookupTx(fmt.Sprintf("m%d", off-1)); err != nil || !ok || loc.Height != before.Height {
		t.Fatalf("LookupTx of the newest transaction = %+v %v %v", loc, ok, err)
	}
}

// recordEnd is the offset in its segment right after block h's record.
func recordEnd(t *testing.T, dir string, h uint64) int64 {
	t.Helper()
	bl, err := blocklog.Open(dir, blocklog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	segs := bl.Spans()
	first := segs[len(segs)-1].First
	var end int64
	for height := first; height <= h; height++ {
		raw, _, err := bl.Read(height)
		if err != nil {
			t.Fatal(err)
		}
		end += int64(24 + len(raw))
	}
	return end
}
