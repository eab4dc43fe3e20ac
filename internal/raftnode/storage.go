package raftnode

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.etcd.io/etcd/server/v3/storage/wal/walpb"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// Storage keeps a node's raft log durable, as etcd's server keeps it in
// its WAL and snapshot files. The node calls Load once, when it starts, and
// Save and SaveSnapshot from its raft loop and its background snapshots.
type Storage interface {
	// Load returns what the storage holds, creating an empty log when it
	// holds none.
	Load() (Persisted, error)
	// Save makes the hard state and the entries durable; raft acts on them
	// only once it returned.
	Save(hs raftpb.HardState, ents []raftpb.Entry) error
	// SaveSnapshot makes durable the snapshot at meta whose data is the
	// concatenation of chunks, and lets the entries it covers go. A crash
	// must never leave entries that only the snapshot covers without it.
	// Chunks spare the caller joining its parts into one more copy of a
	// state that may be tens of megabytes.
	SaveSnapshot(meta raftpb.SnapshotMetadata, chunks ...[]byte) error
	// LoadSnapshot reads back the snapshot SaveSnapshot made durable at
	// index and term: the node keeps only its metadata in memory and reads
	// the data when a follower needs it.
	LoadSnapshot(index, term uint64) (raftpb.Snapshot, error)
	// Close releases the storage; the node calls it once it stopped.
	Close() error
}

// Persisted is what a Storage held when the node started.
type Persisted struct {
	// Snapshot is the newest snapshot, nil when there is none.
	Snapshot  *raftpb.Snapshot
	HardState raftpb.HardState
	// Entries are those after Snapshot.
	Entries []raftpb.Entry
	// Metadata is what the log was created with: empty, or the validator
	// SeedStorage seeded it for.
	Metadata []byte
}

// Directories of the disk storage inside a data dir; WALDir is what makes
// it a raft log (LogExists).
const (
	WALDir      = "wal"
	snapDirName = "snap"
)

// LogExists reports whether dataDir holds the raft log of an earlier start
// in the disk storage's layout.
func LogExists(dataDir string) bool { return wal.Exist(filepath.Join(dataDir, WALDir)) }

// Files kept by the purgers. A WAL segment is removed only once raft
// released it (a snapshot covers it), so the WAL holds what replay needs
// from the newest snapshot on plus at most one segment (64 MiB) before it;
// etcd's five would hold up to 320 MiB a validator that nothing reads. The
// snapshot before the newest stays for an operator to fall back on.
const (
	keepWALFiles      = 2
	keepSnapshotFiles = 2
	purgeInterval     = 30 * time.Second
)

// diskStorage is etcd's WAL in dataDir/wal and its snapshot files in
// dataDir/snap, with old files of both purged in the background.
type diskStorage struct {
	logger          *slog.Logger
	walDir, snapDir string

	wal         *wal.WAL
	snapshotter *snap.Snapshotter

	stopc   chan struct{}
	purgeWG sync.WaitGroup
}

// NewDiskStorage is the Storage a node uses unless told otherwise: etcd's
// WAL and snapshot files in dataDir's wal/ and snap/ directories. Nothing
// touches the disk before Load.
func NewDiskStorage(dataDir string, logger *slog.Logger) Storage {
	if logger == nil {
		logger = slog.Default()
	}
	return &diskStorage{
		logger: logger, walDir: filepath.Join(dataDir, WALDir), snapDir: filepath.Join(dataDir, snapDirName),
		stopc: make(chan struct{}),
	}
}

func (d *diskStorage) Load() (Persisted, error) {
	if err := os.MkdirAll(d.snapDir, 0o750); err != nil {
		return Persisted{}, fmt.Errorf("create snapshot dir: %w", err)
	}
	// A crash while a snapshot file was written leaves it under a temporary
	// name; its snapshot was never recorded in the WAL.
	if tmps, err := filepath.Glob(filepath.Join(d.snapDir, "*.snap.tmp")); err == nil {
		for _, tmp := range tmps {
			if err := os.Remove(tmp); err != nil {
				return Persisted{}, fmt.Errorf("remove unfinished snapshot file: %w", err)
			}
		}
	}
	lg := zapLogger(d.logger.With("subsystem", "wal"))
	d.snapshotter = snap.New(zapLogger(d.logger.With("subsystem", "snap")), d.snapDir)
	var out Persisted
	if wal.Exist(d.walDir) {
		walSnaps, err := wal.ValidSnapshotEntries(lg, d.walDir)
		if err != nil {
			return Persisted{}, fmt.Errorf("list snapshots in %s: %w", d.walDir, err)
		}
		out.Snapshot, err = d.snapshotter.LoadNewestAvailable(walSnaps)
		if err != nil && !errors.Is(err, snap.ErrNoSnapshot) {
			return Persisted{}, fmt.Errorf("load snapshot from %s: %w", d.snapDir, err)
		}
	} else {
		if err := os.MkdirAll(d.walDir, 0o750); err != nil {
			return Persisted{}, fmt.Errorf("create wal dir: %w", err)
		}
		w, err := wal.Create(lg, d.walDir, nil)
		if err != nil {
			return Persisted{}, fmt.Errorf("create wal in %s: %w", d.walDir, err)
		}
		if err := w.Close(); err != nil {
			return Persisted{}, fmt.Errorf("close new wal: %w", err)
		}
	}
	walSnap := walpb.Snapshot{}
	if out.Snapshot != nil {
		walSnap.Index, walSnap.Term = out.Snapshot.Metadata.Index, out.Snapshot.Metadata.Term
	}
	var err error
	d.wal, out.Metadata, out.HardState, out.Entries, err = d.readWAL(lg, walSnap)
	if err != nil {
		return Persisted{}, err
	}
	d.startPurge(d.walDir, ".wal", keepWALFiles)
	d.startPurge(d.snapDir, ".snap", keepSnapshotFiles)
	return out, nil
}

// readWAL opens the WAL at snapshot s and reads it. A record cut short by a
// crash in the middle of an append was never fsynced, so never acknowledged
// to anyone: as etcd does, the torn tail is cut off (the original segment is
// kept as *.broken) and the read retried once.
func (d *diskStorage) readWAL(lg *zap.Logger, s walpb.Snapshot) (*wal.WAL, []byte, raftpb.HardState, []raftpb.Entry, error) {
	dir := d.walDir
	for repaired := false; ; repaired = true {
		w, err := wal.Open(lg, dir, s)
		if err != nil {
			return nil, nil, raftpb.HardState{}, nil, fmt.Errorf("open wal in %s: %w", dir, err)
		}
		meta, st, ents, err := w.ReadAll()
		if err == nil {
			return w, meta, st, ents, nil
		}
		w.Close()
		if repaired || !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, raftpb.HardState{}, nil, fmt.Errorf("read wal in %s: %w", dir, err)
		}
		if !wal.Repair(lg, dir) {
			return nil, nil, raftpb.HardState{}, nil, fmt.Errorf("read wal in %s: %w; cutting off its torn last record failed: restore the directory or start this validator from an empty data dir to resync from its peers", dir, err)
		}
		d.logger.Warn("wal ended in a torn record from a crash mid-write; cut it off and kept the original as *.broken", "dir", dir)
	}
}

func (d *diskStorage) Save(hs raftpb.HardState, ents []raftpb.Entry) error {
	return d.wal.Save(hs, ents)
}

// SaveSnapshot writes the snapshot file before its WAL record, so a crash
// never leaves a WAL that refers to a snapshot that is not there.
func (d *diskStorage) SaveSnapshot(meta raftpb.SnapshotMetadata, chunks ...[]byte) error {
	if err := writeSnapFile(d.snapDir, meta, chunks); err != nil {
		return fmt.Errorf("save snapshot at index %d: %w", meta.Index, err)
	}
	cs := meta.ConfState
	if err := d.wal.SaveSnapshot(walpb.Snapshot{Index: meta.Index, Term: meta.Term, ConfState: &cs}); err != nil {
		return fmt.Errorf("record snapshot %d in wal: %w", meta.Index, err)
	}
	if err := d.wal.ReleaseLockTo(meta.Index); err != nil {
		return fmt.Errorf("release wal files before %d: %w", meta.Index, err)
	}
	return nil
}

func (d *diskStorage) LoadSnapshot(index, term uint64) (raftpb.Snapshot, error) {
	return readSnapFile(filepath.Join(d.snapDir, snapFileName(index, term)), index, term)
}

// Close stops the purgers before it closes the WAL: a purger removes any
// segment it can lock, and once the WAL is closed it could lock them all.
func (d *diskStorage) Close() error {
	close(d.stopc)
	d.purgeWG.Wait()
	if d.wal == nil {
		return nil
	}
	if err := d.wal.Close(); err != nil {
		return fmt.Errorf("close wal: %w", err)
	}
	return nil
}

// startPurge removes, at start and then every purgeInterval, the oldest
// files of dir with suffix beyond the newest keep. A file still locked (the
// WAL keeps its segments locked until a snapshot covers them) stops the
// round, as do the newer files behind it. A failed round is logged and
// tried again at the next.
func (d *diskStorage) startPurge(dir, suffix string, keep int) {
	logger := d.logger.With("subsystem", strings.TrimPrefix(suffix, "."))
	d.purgeWG.Go(func() {
		tick := time.NewTicker(purgeInterval)
		defer tick.Stop()
		for {
			files, bytes, err := purge(dir, suffix, keep, d.stopc)
			if files > 0 {
				logger.Info("purged old files", "dir", dir, "files", files, "bytes", bytes)
			}
			if err != nil {
				logger.Error("purging old files failed; tried again later, disk use grows meanwhile", "dir", dir, "retry_in", purgeInterval, "err", err)
			}
			select {
			case <-d.stopc:
				return
			case <-tick.C:
			}
		}
	})
}

// purgingSuffix marks a file being purged: neither the WAL nor the
// snapshots read it, and the next round, in this process or the next,
// finishes it.
const purgingSuffix = ".purging"

// purge removes the oldest files of dir with suffix beyond keep, after
// finishing those an earlier round left half purged, and says how many it
// removed and their bytes. Each is renamed out of the WAL's and snapshots'
// sight (the directory synced) before it is cut a piece at a time
// (writeback.Shrink): a crash never leaves a WAL segment cut short under its
// own name, which would end the reading of the segments after it. Once stop
// is closed it returns, leaving a file it was cutting to the next round.
func purge(dir, suffix string, keep int, stop <-chan struct{}) (files int, bytes int64, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, fmt.Errorf("list %s: %w", dir, err)
	}
	var left, names []string
	for _, e := range entries {
		switch {
		case strings.HasSuffix(e.Name(), purgingSuffix):
			left = append(left, e.Name())
		case strings.HasSuffix(e.Name(), suffix):
			names = append(names, e.Name())
		}
	}
	// One that cannot be finished does not hold up the others.
	var stuck error
	for _, name := range left {
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			stuck = errors.Join(stuck, fmt.Errorf("finish purging %s: %w", path, err))
			continue
		}
		switch size, done, err := cutAndRemove(f, path, stop); {
		case err != nil:
			stuck = errors.Join(stuck, err)
		case !done:
			return files, bytes, stuck
		default:
			files, bytes = files+1, bytes+size
		}
	}
	for _, name := range names[:max(0, len(names)-keep)] {
		select {
		case <-stop:
			return files, bytes, stuck
		default:
		}
		path := filepath.Join(dir, name)
		lock, err := fileutil.TryLockFile(path, os.O_WRONLY, fileutil.PrivateFileMode)
		if errors.Is(err, fileutil.ErrLocked) {
			return files, bytes, stuck
		}
		if err != nil {
			return files, bytes, errors.Join(stuck, fmt.Errorf("lock %s to purge it: %w", path, err))
		}
		doomed := path + purgingSuffix
		err = os.Rename(path, doomed)
		if err == nil {
			err = fsyncDir(dir)
		}
		if err != nil {
			return files, bytes, errors.Join(stuck, fmt.Errorf("purge %s: %w", path, err), lock.Close())
		}
		size, done, err := cutAndRemove(lock.File, doomed, stop)
		if err != nil || !done {
			return files, bytes, errors.Join(stuck, err)
		}
		files, bytes = files+1, bytes+size
	}
	return files, bytes, stuck
}

// cutAndRemove cuts f, open at path, down a piece at a time, closes it and
// removes it, and says how large it was. done is false when stop came
// first: the file stays, partly cut, for the next round.
func cutAndRemove(f *os.File, path string, stop <-chan struct{}) (size int64, done bool, err error) {
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	done, err = writeback.Shrink(f, stop)
	err = errors.Join(err, f.Close())
	if err == nil && done {
		err = os.Remove(path)
	}
	if err != nil {
		return 0, false, fmt.Errorf("purge %s: %w", path, err)
	}
	return size, done, nil
}
