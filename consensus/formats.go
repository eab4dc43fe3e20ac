package consensus

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/dataformat"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// The formats of what validators replicate, by the rule of
// internal/dataformat: Write is the version this release writes, Read the
// newest it reads. Read runs one release ahead of Write whenever a format
// changes, so the previous release reads whatever this one writes while a
// cluster is upgraded one validator at a time.
const (
	// SnapshotFormatWrite and SnapshotFormatRead are raft snapshots'
	// (StateSnapshot.format_version).
	SnapshotFormatWrite = 1
	SnapshotFormatRead  = 1
	// EntryFormatWrite and EntryFormatRead are the raft entries' the chain
	// proposes (Batch.format_version).
	EntryFormatWrite = 1
	EntryFormatRead  = 1
)

// DecodeSnapshot decodes a raft snapshot's state (what Chain.Restore
// receives) and checks its format; index names it in errors.
func DecodeSnapshot(data []byte, index uint64) (*aurigraphv1.StateSnapshot, error) {
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode state snapshot at index %d: %w", index, err)
	}
	if err := dataformat.Check(fmt.Sprintf("raft snapshot at index %d", index), st.GetFormatVersion(), SnapshotFormatRead); err != nil {
		return nil, err
	}
	return &st, nil
}

// checkEntry checks the format of a committed entry's batch. Every
// validator must apply every entry, so one it cannot read stops it.
func checkEntry(b *aurigraphv1.Batch, index, term uint64) error {
	return dataformat.Check(fmt.Sprintf("raft entry %d (term %d)", index, term), b.GetFormatVersion(), EntryFormatRead)
}

// checkUndecodableEntry checks the format an entry that does not decode
// says it has. A newer release may change a field so that this one cannot
// decode it at all: skipping such an entry, as one skips garbage every
// validator fails on alike, would leave this validator's state behind its
// newer peers', so a format it does not know stops it as checkEntry does.
func checkUndecodableEntry(data []byte, index, term uint64) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil
		}
		data = data[n:]
		if num == batchFormatField && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return nil
			}
			return dataformat.Check(fmt.Sprintf("raft entry %d (term %d), which does not decode,", index, term), uint32(min(v, 1<<32-1)), EntryFormatRead)
		}
		if n = protowire.ConsumeFieldValue(num, typ, data); n < 0 {
			return nil
		}
		data = data[n:]
	}
	return nil
}

// batchFormatField is Batch.format_version's field number.
var batchFormatField = (&aurigraphv1.Batch{}).ProtoReflect().Descriptor().Fields().ByName("format_version").Number()
