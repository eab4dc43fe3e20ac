package raftnode

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/server/v3/etcdserver/api/snap/snappb"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// snapWritebackBytes is how much of a snapshot file may be dirty or in
// flight at once (twice this): etcd's snapshotter writes the whole file
// (16 MB with a full dedup window) and syncs it, and every validator's WAL
// sync on the same disk waited behind that flush, 120 ms on the shared
// machine, with no block committed meanwhile.
const snapWritebackBytes = 1 << 20

var snapCRCTable = crc32.MakeTable(crc32.Castagnoli)

// writeSnapFile writes s into dir as etcd's snapshotter does (same name,
// same bytes, which its loader reads back), a chunk at a time: see
// snapWritebackBytes. The state is not copied again into a framed buffer.
func writeSnapFile(dir string, s raftpb.Snapshot) (err error) {
	data, err := s.Marshal()
	if err != nil {
		return fmt.Errorf("encode snapshot at index %d: %w", s.Metadata.Index, err)
	}
	crc := crc32.Update(0, snapCRCTable, data)
	head, err := (&snappb.Snapshot{Crc: crc}).Marshal()
	if err != nil {
		return fmt.Errorf("encode snapshot at index %d: %w", s.Metadata.Index, err)
	}
	head = protowire.AppendTag(head, 2, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(len(data)))

	path := filepath.Join(dir, fmt.Sprintf("%016x-%016x.snap", s.Metadata.Term, s.Metadata.Index))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return fmt.Errorf("create snapshot file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
		if err != nil {
			// A partial file fails its CRC and would be skipped, but it
			// would hold the disk until purged.
			err = errors.Join(err, os.Remove(path))
		}
	}()
	w := writeback.NewWriter(f, snapWritebackBytes)
	if _, err := w.Write(head); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Sync()
}
