package consensus

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/internal/atomicfile"
	"github.com/aurigraph/aurigraph/internal/backup"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// A backup holds a raft snapshot, its metadata and its data apart so the
// data streams out of memory without a copy, and the block log records up
// to the snapshot's height.
const (
	partSnapshotMeta = "raft-snapshot.meta"
	partSnapshotData = "raft-snapshot.data"
	partBlocks       = "blocks"
)

// backupLimits bound what a restore reads: the state is held in memory,
// as the validator holds it, and the blocks are streamed to disk.
var backupLimits = backup.Limits{PartBytes: map[string]int64{
	partSnapshotMeta: 1 << 20,
	partSnapshotData: 16 << 30,
	partBlocks:       1 << 42,
}}

// ErrBackupNotReady is returned by WriteBackup while the validator has no
// consistent image to give: no raft snapshot yet, or blocks below its
// snapshot still being fetched from peers. Retry later, or ask another
// validator.
var ErrBackupNotReady = errors.New("consensus: this validator cannot give a backup yet")

// ErrBackupBusy is returned by WriteBackup while another backup of the
// validator streams: each holds the snapshot it started from, which raft
// may have replaced since, so backups one after the other could otherwise
// keep as many whole states in memory as there are streams, and as many
// walks of the block log competing with the applier for the disk. Retry
// once it ended.
var ErrBackupBusy = errors.New("consensus: another backup of this validator is streaming")

// WriteBackup writes a backup of the validator to w: its newest raft
// snapshot (the state at one applied index, with the configuration and
// member addresses of that index) and every block up to the snapshot's
// height, as its block log holds them. The snapshot is read from the file
// raft keeps it in and blocks below the applied height never change, so
// the backup takes no lock the applier waits on: the validator applies on
// while it streams. The backup holds no private key. One backup
// streams at a time (ErrBackupBusy). It returns the manifest written last.
func (n *Node) WriteBackup(ctx context.Context, w io.Writer) (backup.Manifest, error) {
	if !n.backupStreaming.CompareAndSwap(false, true) {
		n.m.backups.WithLabelValues("busy").Inc()
		return backup.Manifest{}, fmt.Errorf("%w; retry once it ended", ErrBackupBusy)
	}
	defer n.backupStreaming.Store(false)
	m, err := n.writeBackup(ctx, w)
	switch {
	case err == nil:
		n.m.backups.WithLabelValues("ok").Inc()
		n.m.lastBackup.SetToCurrentTime()
	case errors.Is(err, ErrBackupNotReady):
		n.m.backups.WithLabelValues("not_ready").Inc()
	default:
		n.m.backups.WithLabelValues("failed").Inc()
	}
	return m, err
}

func (n *Node) writeBackup(ctx context.Context, w io.Writer) (backup.Manifest, error) {
	snap, err := n.NewestSnapshot()
	if errors.Is(err, raftnode.ErrNoSnapshot) {
		return backup.Manifest{}, fmt.Errorf("%w: it takes its first raft snapshot after --snapshot-entries applied entries", ErrBackupNotReady)
	}
	if err != nil {
		return backup.Manifest{}, err
	}
	head, err := snapshotHead(snap.Data)
	if err != nil {
		return backup.Manifest{}, fmt.Errorf("backup: raft snapshot at index %d: %w", snap.Metadata.Index, err)
	}
	if have := n.blocks.Height(); have < head.height {
		return backup.Manifest{}, fmt.Errorf("%w: it holds blocks up to %d of its snapshot's %d, the rest is being fetched from peers", ErrBackupNotReady, have, head.height)
	}
	if head.height > 0 {
		stored, err := n.blocks.storedHash(head.height)
		if err != nil {
			return backup.Manifest{}, fmt.Errorf("backup: %w", err)
		}
		if !bytes.Equal(stored, head.hash) {
			return backup.Manifest{}, fmt.Errorf("backup: block %d has hash %x, the raft snapshot at index %d says %x: run aurigraph verify on this validator", head.height, stored, snap.Metadata.Index, head.hash)
		}
	}
	m := backup.Manifest{
		NodeID: n.ID(), AppliedIndex: snap.Metadata.Index, AppliedTerm: snap.Metadata.Term,
		Height: head.height, HeadHash: hex.EncodeToString(head.hash), TxCount: head.txCount, Created: time.Now().UTC(),
	}
	if g, err := n.Genesis(); err == nil {
		m.ChainID, m.GenesisHash = g.GetChainId(), hex.EncodeToString(chain.GenesisHash(g))
	}
	meta, err := snap.Metadata.Marshal()
	if err != nil {
		return backup.Manifest{}, fmt.Errorf("backup: encode snapshot metadata: %w", err)
	}
	bw := backup.NewWriter(w)
	for _, p := range []struct {
		name string
		data []byte
	}{{partSnapshotMeta, meta}, {partSnapshotData, snap.Data}} {
		pw, err := bw.Part(p.name)
		if err != nil {
			return backup.Manifest{}, err
		}
		if _, err := pw.Write(p.data); err != nil {
			return backup.Manifest{}, fmt.Errorf("backup: %w", err)
		}
	}
	pw, err := bw.Part(partBlocks)
	if err != nil {
		return backup.Manifest{}, err
	}
	for h := uint64(1); h <= head.height; h++ {
		if h%256 == 0 {
			if err := ctx.Err(); err != nil {
				return backup.Manifest{}, fmt.Errorf("backup at block %d: %w", h, err)
			}
		}
		payload, aux, err := n.blocks.log.Read(h)
		if err != nil {
			return backup.Manifest{}, fmt.Errorf("backup: read block %d: %w", h, err)
		}
		if err := backup.WriteRecord(pw, backup.Record{Height: h, Aux: aux, Payload: payload}); err != nil {
			return backup.Manifest{}, fmt.Errorf("backup: write block %d: %w", h, err)
		}
	}
	return bw.Close(m)
}

// stateHead is what a state snapshot says of the chain's head.
type stateHead struct {
	height, txCount uint64
	hash            []byte
}

// snapshotHead reads the height, head hash and transaction count of
// encoded snapshot state (fields 1 to 3 of StateSnapshot) without decoding
// the accounts.
func snapshotHead(data []byte) (stateHead, error) {
	var h stateHead
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return h, fmt.Errorf("decode state snapshot: %w", protowire.ParseError(n))
		}
		data = data[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			h.height, n = protowire.ConsumeVarint(data)
		case num == 2 && typ == protowire.BytesType:
			var v []byte
			v, n = protowire.ConsumeBytes(data)
			h.hash = bytes.Clone(v)
		case num == 3 && typ == protowire.VarintType:
			h.txCount, n = protowire.ConsumeVarint(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return h, fmt.Errorf("decode state snapshot field %d: %w", num, protowire.ParseError(n))
		}
		data = data[n:]
	}
	return h, nil
}

// RestoreOptions configures RestoreBackup.
type RestoreOptions struct {
	// File is the backup, as WriteBackup wrote it.
	File string
	// DataDir is the data directory to fill, for the validator started
	// with it afterwards: missing, or empty but for lost+found (the root
	// of a new volume).
	DataDir string
	// NodeID is the restored validator's id: one the cluster never used
	// (SeedStorage says why), registered with AddMember before it starts.
	NodeID uint64
	// Force restores into a DataDir that holds other files; they are moved
	// into a directory inside it, named in RestoreResult.Replaced, for the
	// operator to delete.
	Force bool
	// Logger receives progress; nil means slog.Default().
	Logger *slog.Logger
}

// RestoreResult is what RestoreBackup did.
type RestoreResult struct {
	Manifest backup.Manifest
	// Replaced is where Force moved what DataDir held, "" if nothing.
	Replaced string
	// Verified is the chain check of the restored blocks.
	Verified VerifyReport
}

// Inside the data dir, restoreStaging holds a restore until it is
// complete, and replacedPrefix names where Force moves the old content.
// Both stay on the data dir's file system (a new volume is often mounted
// there), so moving them is a rename.
const (
	restoreStaging = ".restoring"
	replacedPrefix = ".replaced-"
)

// RestoreBackup fills opts.DataDir from a backup, for a new validator that
// joins the cluster under opts.NodeID. It reads the file twice: once to
// check its format, every checksum against the manifest and the limits on
// every part, writing nothing; then to write the block log, a new
// block-signing key and a raft log that starts at the backup's snapshot
// with no vote (raftnode.SeedStorage) into a staging directory inside
// DataDir. It restores the state from the snapshot as the validator will,
// checks that the state's head is the last block, verifies the whole chain
// (VerifyChain), and only then moves the files into DataDir, the raft log
// last: a validator started on a directory a crash left half moved finds
// blocks without a raft log and refuses to start.
func RestoreBackup(ctx context.Context, opts RestoreOptions) (RestoreResult, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.NodeID == 0 {
		return RestoreResult{}, errors.New("restore: the new validator's id is required (1 or more, never used in the cluster)")
	}
	if opts.DataDir == "" {
		return RestoreResult{}, errors.New("restore: the data directory to create is required")
	}
	dir := filepath.Clean(opts.DataDir)
	existing, err := restoreTarget(dir, opts.Force)
	if err != nil {
		return RestoreResult{}, err
	}
	m, err := verifyBackupFile(opts.File)
	if err != nil {
		return RestoreResult{}, err
	}
	if m.NodeID == opts.NodeID {
		return RestoreResult{}, fmt.Errorf("restore: the backup was taken from validator %d; restoring it under the same id could make the cluster elect two leaders in one term: pick an id never used in the cluster, add it with aurigraph cluster add and remove %d", m.NodeID, m.NodeID)
	}
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, os.ErrNotExist)
	staging := filepath.Join(dir, restoreStaging)
	fail := func(err error) (RestoreResult, error) {
		os.RemoveAll(staging)
		if created {
			os.Remove(dir)
		}
		return RestoreResult{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fail(fmt.Errorf("restore: %w", err))
	}
	if err := os.RemoveAll(staging); err != nil {
		return fail(fmt.Errorf("restore: clear %s left by an earlier attempt: %w", staging, err))
	}
	if err := os.Mkdir(staging, 0o750); err != nil {
		return fail(fmt.Errorf("restore: %w", err))
	}
	rep, err := restoreInto(ctx, staging, opts, m)
	if err != nil {
		return fail(err)
	}
	res := RestoreResult{Manifest: *m, Verified: rep}
	if len(existing) > 0 {
		res.Replaced = filepath.Join(dir, replacedPrefix+time.Now().UTC().Format("20060102T150405Z"))
		if err := moveEntries(dir, res.Replaced, existing); err != nil {
			return fail(fmt.Errorf("restore: move what %s held aside: %w", dir, err))
		}
	}
	if err := moveStaged(staging, dir); err != nil {
		return RestoreResult{}, fmt.Errorf("restore: move the restored files into %s: %w; start over with --force", dir, err)
	}
	return res, nil
}

// restoreTarget returns what dir holds that a restore would replace, and
// refuses to replace anything without force. lost+found, on the root of a
// volume, and a staging directory an earlier attempt left do not count.
func restoreTarget(dir string, force bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	var held []string
	for _, e := range entries {
		if name := e.Name(); name != "lost+found" && name != restoreStaging {
			held = append(held, name)
		}
	}
	if len(held) > 0 && !force {
		return nil, fmt.Errorf("restore: %s is not empty (it holds %s): restore into an empty directory, or give --force to move what it holds aside", dir, held[0])
	}
	return held, nil
}

// moveEntries moves the named entries of dir into the new directory to.
func moveEntries(dir, to string, names []string) error {
	if err := os.Mkdir(to, 0o750); err != nil {
		return err
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(to, name)); err != nil {
			return err
		}
	}
	return atomicfile.SyncDir(dir)
}

// moveStaged moves the restored files from staging into dir, the raft log
// last, and removes staging.
func moveStaged(staging, dir string) error {
	entries, err := os.ReadDir(staging)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Name() != raftnode.WALDir {
			names = append(names, e.Name())
		}
	}
	names = append(names, raftnode.WALDir)
	for _, name := range names {
		if err := os.Rename(filepath.Join(staging, name), filepath.Join(dir, name)); err != nil {
			return err
		}
		if err := atomicfile.SyncDir(dir); err != nil {
			return err
		}
	}
	return os.Remove(staging)
}

// verifyBackupFile reads the whole backup in path, checking it against its
// manifest, and returns the manifest.
func verifyBackupFile(path string) (*backup.Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	m, err := VerifyBackup(f)
	if err != nil {
		return nil, fmt.Errorf("restore from %s: %w", path, err)
	}
	return m, nil
}

// VerifyBackup reads a whole backup from r, checking its format, the size
// of each part and its checksum against the manifest, and the manifest's
// own fields; it returns the manifest.
func VerifyBackup(r io.Reader) (*backup.Manifest, error) {
	br, err := backup.NewReader(r, backupLimits)
	if err != nil {
		return nil, err
	}
	for {
		_, part, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, err
		}
	}
	m, _ := br.Manifest()
	for name := range backupLimits.PartBytes {
		if _, ok := m.Part(name); !ok {
			return nil, fmt.Errorf("%w: part %q is missing", backup.ErrFormat, name)
		}
	}
	if m.AppliedIndex == 0 || m.NodeID == 0 {
		return nil, fmt.Errorf("%w: the manifest names no applied index or validator", backup.ErrFormat)
	}
	return m, nil
}

// restoreInto writes the backup's content into the empty directory dir.
func restoreInto(ctx context.Context, dir string, opts RestoreOptions, m *backup.Manifest) (VerifyReport, error) {
	f, err := os.Open(opts.File)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	br, err := backup.NewReader(f, backupLimits)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("restore from %s: %w", opts.File, err)
	}
	key, err := chain.LoadOrCreateKey(filepath.Join(dir, KeyFile))
	if err != nil {
		return VerifyReport{}, fmt.Errorf("restore: create the validator's block-signing key: %w", err)
	}
	c, err := openChain(ChainConfig{DataDir: dir, ID: opts.NodeID, Key: key, DedupWindow: 1_000_000, Signatures: plainVerifier{}, Logger: opts.Logger}, newMetrics(nil, opts.NodeID))
	if err != nil {
		return VerifyReport{}, fmt.Errorf("restore: %w", err)
	}
	defer c.Close()
	var snap raftpb.Snapshot
	for {
		name, part, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return VerifyReport{}, fmt.Errorf("restore from %s: %w", opts.File, err)
		}
		switch name {
		case partSnapshotMeta:
			raw, err := io.ReadAll(part)
			if err != nil {
				return VerifyReport{}, fmt.Errorf("restore from %s: %w", opts.File, err)
			}
			if err := snap.Metadata.Unmarshal(raw); err != nil {
				return VerifyReport{}, fmt.Errorf("restore from %s: %w: snapshot metadata: %v", opts.File, backup.ErrFormat, err)
			}
		case partSnapshotData:
			// The first pass checked the size against the limit and the
			// manifest: one allocation of it, not ReadAll's doublings.
			p, _ := m.Part(partSnapshotData)
			snap.Data = make([]byte, p.Size)
			if _, err := io.ReadFull(part, snap.Data); err != nil {
				return VerifyReport{}, fmt.Errorf("restore from %s: %w", opts.File, err)
			}
		case partBlocks:
			if err := importBlocks(ctx, c.blocks, backup.NewRecordReader(part), m.Height); err != nil {
				return VerifyReport{}, fmt.Errorf("restore from %s: %w", opts.File, err)
			}
		}
	}
	if snap.Metadata.Index != m.AppliedIndex || snap.Metadata.Term != m.AppliedTerm {
		return VerifyReport{}, fmt.Errorf("restore from %s: %w: the snapshot is at index %d term %d, the manifest says %d term %d", opts.File, backup.ErrFormat, snap.Metadata.Index, snap.Metadata.Term, m.AppliedIndex, m.AppliedTerm)
	}
	if err := c.Restore(snap.Data, snap.Metadata.Index, snap.Metadata.Term, false); err != nil {
		return VerifyReport{}, fmt.Errorf("restore: the backup's state does not load: %w", err)
	}
	c.mu.RLock()
	g := c.fsm.genesis
	used := slices.ContainsFunc(c.fsm.keys.Records(), func(r chain.KeyRecord) bool { return r.ID == opts.NodeID })
	c.mu.RUnlock()
	// A validator removed before the backup was taken is in neither the
	// snapshot's configuration nor its addresses, which SeedStorage checks,
	// but the key registry keeps every validator that ever signed.
	if used {
		return VerifyReport{}, fmt.Errorf("restore: validator %d was a member of this chain (it registered a block-signing key): under its id it could vote a second time in a term it already voted in; restore under an id never used in the cluster", opts.NodeID)
	}
	if g != nil && (g.GetChainId() != m.ChainID || hex.EncodeToString(chain.GenesisHash(g)) != m.GenesisHash) {
		return VerifyReport{}, fmt.Errorf("restore from %s: %w: the state is of chain %q (genesis %x), the manifest says another chain, %q (genesis %s)", opts.File, backup.ErrFormat, g.GetChainId(), chain.GenesisHash(g), m.ChainID, m.GenesisHash)
	}
	st := c.blocks.Stats()
	if st.Height != m.Height || hex.EncodeToString(st.LastHash) != m.HeadHash || st.Contiguous != m.Height {
		return VerifyReport{}, fmt.Errorf("restore from %s: %w: the state is at height %d (hash %x) with blocks up to %d, the manifest says height %d hash %s", opts.File, backup.ErrFormat, st.Height, st.LastHash, st.Contiguous, m.Height, m.HeadHash)
	}
	if m.Height > 0 {
		stored, err := c.blocks.storedHash(m.Height)
		if err != nil || !bytes.Equal(stored, st.LastHash) {
			return VerifyReport{}, fmt.Errorf("restore from %s: %w: block %d is not the state's head %x (%v)", opts.File, backup.ErrFormat, m.Height, st.LastHash, err)
		}
		if aux, err := c.blocks.log.Aux(m.Height); err != nil || aux != st.TxCount {
			return VerifyReport{}, fmt.Errorf("restore from %s: %w: the blocks count %d transactions, the state %d (%v)", opts.File, backup.ErrFormat, aux, st.TxCount, err)
		}
	}
	rep, err := VerifyChain(ctx, c.blocks)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("restore: %w", err)
	}
	if !rep.OK {
		return rep, fmt.Errorf("restore from %s: the backup's chain does not verify: %v", opts.File, rep.Errors)
	}
	if err := c.blocks.Sync(); err != nil {
		return VerifyReport{}, fmt.Errorf("restore: %w", err)
	}
	if err := raftnode.SeedStorage(dir, opts.NodeID, snap, opts.Logger); err != nil {
		return VerifyReport{}, fmt.Errorf("restore: %w", err)
	}
	return rep, nil
}

// importBlocks appends the records of a backup's blocks part, which must
// be blocks 1 to height in order, to the empty store s, indexing each.
func importBlocks(ctx context.Context, s *BlockStore, rr *backup.RecordReader, height uint64) error {
	want := uint64(1)
	for ; ; want++ {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if rec.Height != want {
			return fmt.Errorf("%w: block %d where block %d belongs", backup.ErrFormat, rec.Height, want)
		}
		if len(rec.Payload) < sigPrefix {
			return fmt.Errorf("%w: block %d: record of %d bytes is too short", backup.ErrFormat, rec.Height, len(rec.Payload))
		}
		blk, err := decodeBlock(rec.Payload[sigPrefix:])
		if err != nil {
			return fmt.Errorf("%w: block %d: %v", backup.ErrFormat, rec.Height, err)
		}
		if blk.GetHeader().GetHeight() != rec.Height {
			return fmt.Errorf("%w: the record of height %d holds block %d", backup.ErrFormat, rec.Height, blk.GetHeader().GetHeight())
		}
		// The restored validator signs what it stores, as it does the
		// blocks it fetches from peers: VerifyChain then checks every hash
		// link up to the state's head before the directory is used.
		sig := s.signer.sign(blk.GetHeader().GetHash())
		if err := s.w.Add(rec.Height, rec.Aux, sig, rec.Payload[sigPrefix:]); err != nil {
			return fmt.Errorf("store block %d: %w", rec.Height, err)
		}
		s.index(blk, nil)
		if rec.Height%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("restore at block %d: %w", rec.Height, err)
			}
			if err := s.w.Flush(); err != nil {
				return fmt.Errorf("store blocks up to %d: %w", rec.Height, err)
			}
		}
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("store blocks up to %d: %w", want-1, err)
	}
	if want-1 != height {
		return fmt.Errorf("%w: the backup holds blocks up to %d, its state is at height %d", backup.ErrFormat, want-1, height)
	}
	return nil
}
