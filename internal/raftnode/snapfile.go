package raftnode

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// Snapshot files are etcd's (snap.Snapshotter reads them back at start): a
// snappb.Snapshot message, a CRC-32C and the encoded raftpb.Snapshot it
// covers. They are written and read here field by field so that the state,
// tens of megabytes, exists once in memory while it is written or read,
// where marshalling the two nested messages would copy it twice more.

// Field numbers of snappb.Snapshot and raftpb.Snapshot.
const (
	snapCRCField      = 1
	snapDataField     = 2
	raftSnapDataField = 1
	raftSnapMetaField = 2
)

var snapCRCTable = crc32.MakeTable(crc32.Castagnoli)

// snapWritebackBytes is how much of a snapshot file may be dirty or in
// flight at once (twice this): written whole and then synced (16 MB with a
// full dedup window), its flush held every validator's WAL sync on the same
// disk, 120 ms on the shared machine, with no block committed meanwhile.
const snapWritebackBytes = 1 << 20

// snapFileName is the name etcd's snapshotter gives the snapshot at index
// and term, and the order it sorts them in.
func snapFileName(index, term uint64) string {
	return fmt.Sprintf("%016x-%016x.snap", term, index)
}

// writeSnapFile writes the snapshot at meta whose data is the concatenation
// of chunks into dir, under a temporary name renamed once synced, so a
// crash never leaves a partial file under a snapshot's name.
func writeSnapFile(dir string, meta raftpb.SnapshotMetadata, chunks [][]byte) error {
	metaBytes, err := meta.Marshal()
	if err != nil {
		return fmt.Errorf("encode snapshot metadata: %w", err)
	}
	dataLen := 0
	for _, c := range chunks {
		dataLen += len(c)
	}
	head := protowire.AppendTag(nil, raftSnapDataField, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(dataLen))
	tail := protowire.AppendTag(nil, raftSnapMetaField, protowire.BytesType)
	tail = protowire.AppendBytes(tail, metaBytes)
	parts := append(append([][]byte{head}, chunks...), tail)
	crc, inner := uint32(0), 0
	for _, p := range parts {
		crc = crc32.Update(crc, snapCRCTable, p)
		inner += len(p)
	}
	prefix := protowire.AppendTag(nil, snapCRCField, protowire.VarintType)
	prefix = protowire.AppendVarint(prefix, uint64(crc))
	prefix = protowire.AppendTag(prefix, snapDataField, protowire.BytesType)
	prefix = protowire.AppendVarint(prefix, uint64(inner))

	final := filepath.Join(dir, snapFileName(meta.Index, meta.Term))
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	werr := func() error {
		w := writeback.NewWriter(f, snapWritebackBytes)
		for _, p := range append([][]byte{prefix}, parts...) {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return w.Sync()
	}()
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := fsyncDir(dir); err != nil {
		return fmt.Errorf("sync %s after writing %s: %w", dir, filepath.Base(final), err)
	}
	return nil
}

func fsyncDir(dir string) error {
	d, err := fileutil.OpenDir(dir)
	if err != nil {
		return err
	}
	return errors.Join(fileutil.Fsync(d), d.Close())
}

// readSnapFile reads the snapshot file at path, checks its CRC and that it
// holds the snapshot at index and term. The data returned shares the one
// buffer the file was read into.
func readSnapFile(path string, index, term uint64) (raftpb.Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return raftpb.Snapshot{}, fmt.Errorf("read snapshot: %w", err)
	}
	fields, err := topFields(b)
	if err != nil {
		return raftpb.Snapshot{}, fmt.Errorf("snapshot file %s: %w", path, err)
	}
	inner, crc := fields.bytes[snapDataField], fields.varint[snapCRCField]
	if got := crc32.Checksum(inner, snapCRCTable); uint64(got) != crc || len(inner) == 0 {
		return raftpb.Snapshot{}, fmt.Errorf("snapshot file %s: CRC %08x, the file says %08x", path, got, crc)
	}
	fields, err = topFields(inner)
	if err != nil {
		return raftpb.Snapshot{}, fmt.Errorf("snapshot file %s: %w", path, err)
	}
	s := raftpb.Snapshot{Data: fields.bytes[raftSnapDataField]}
	if err := s.Metadata.Unmarshal(fields.bytes[raftSnapMetaField]); err != nil {
		return raftpb.Snapshot{}, fmt.Errorf("snapshot file %s: metadata: %w", path, err)
	}
	if s.Metadata.Index != index || s.Metadata.Term != term {
		return raftpb.Snapshot{}, fmt.Errorf("snapshot file %s holds index %d term %d, want %d term %d", path, s.Metadata.Index, s.Metadata.Term, index, term)
	}
	return s, nil
}

// wireFields are the top-level varint and length-delimited fields of one
// protobuf message, the latter sharing its buffer; the last of a number wins.
type wireFields struct {
	varint map[protowire.Number]uint64
	bytes  map[protowire.Number][]byte
}

func topFields(b []byte) (wireFields, error) {
	out := wireFields{varint: map[protowire.Number]uint64{}, bytes: map[protowire.Number][]byte{}}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out, fmt.Errorf("decode field tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case typ == protowire.VarintType:
			out.varint[num], n = protowire.ConsumeVarint(b)
		case typ == protowire.BytesType:
			out.bytes[num], n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return out, fmt.Errorf("decode field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return out, nil
}
