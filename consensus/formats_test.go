package consensus

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/blocklog"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/dataformat"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// updateFormats rewrites the golden files of the formats this release
// writes: go test ./consensus -run TestFormatGoldenFiles -update. Files of
// earlier versions are never rewritten; they are what a release must still
// read.
var updateFormats = flag.Bool("update", false, "rewrite testdata/formats for the formats this release writes")

const formatsDir = "testdata/formats"

// goldenEntries are the raft entries of the golden chain: a genesis, mints
// from a topic range, a transfer, an asset and its transfer, each a batch
// of a fixed time so that the chain is the same on every run. The files of
// every format version were written from them, so they never change.
func goldenEntries() []*aurigraphv1.Batch {
	topicID := bytes.Repeat([]byte{7}, 16)
	src := func(start, end int64) []*aurigraphv1.SourceRange {
		return []*aurigraphv1.SourceRange{{Topic: "aurigraph.tx", Partition: 0, StartOffset: start, EndOffset: end, TopicId: topicID}}
	}
	const at = 1_760_000_000_000
	return []*aurigraphv1.Batch{
		{Proposer: 1, Genesis: chain.DefaultGenesis()},
		{Proposer: 1, TimestampMs: at, ProposalId: 1, Sources: src(0, 2), Txs: []*aurigraphv1.Transaction{
			txOf(tMint, "g-mint-1", "", "alice", "", 1000, 0), txOf(tMint, "g-mint-2", "", "bob", "", 5, 0)}},
		{Proposer: 1, TimestampMs: at + 1, ProposalId: 2, Sources: src(2, 3), Txs: []*aurigraphv1.Transaction{
			txOf(tXfer, "g-xfer-1", "alice", "bob", "", 10, 1)}},
		{Proposer: 2, TimestampMs: at + 2, ProposalId: 1, Sources: src(3, 5), Txs: []*aurigraphv1.Transaction{
			txOf(tCreate, "g-asset-1", "bob", "", "GOLD", 50, 1), txOf(tAssetTx, "g-asset-2", "bob", "alice", "GOLD", 7, 2)}},
	}
}

// goldenWrite is what this release writes for the golden chain: its
// entries (each uvarint-length-prefixed), the state snapshot after them, and
// the data dir the chain applied them in.
func goldenWrite(t *testing.T) (entries, snapshot []byte, dataDir string) {
	t.Helper()
	for _, b := range goldenEntries() {
		b.FormatVersion = EntryFormatWrite
		raw, err := chain.Deterministic.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		entries = protowire.AppendBytes(entries, raw)
	}
	dataDir = t.TempDir()
	c := openGoldenChain(t, dataDir)
	ents := goldenRaftEntries(t, entries)
	if _, err := c.Apply(ents, nil); err != nil {
		t.Fatal(err)
	}
	_, _, encode := c.Snapshot()
	snapshot, err := encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return entries, snapshot, dataDir
}

func openGoldenChain(t *testing.T, dataDir string) *Chain {
	t.Helper()
	c, err := OpenChain(ChainConfig{DataDir: dataDir, ID: 1, Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)), DedupWindow: 100})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// goldenRaftEntries splits a golden entries file into raft entries of term
// 1 from index 1.
func goldenRaftEntries(t *testing.T, raw []byte) []raftpb.Entry {
	t.Helper()
	var ents []raftpb.Entry
	for len(raw) > 0 {
		b, n := protowire.ConsumeBytes(raw)
		if n < 0 {
			t.Fatalf("entries file: %v", protowire.ParseError(n))
		}
		ents = append(ents, raftpb.Entry{Type: raftpb.EntryNormal, Term: 1, Index: uint64(len(ents) + 1), Data: b})
		raw = raw[n:]
	}
	return ents
}

// goldenState is what the golden chain must show, whichever format it was
// read from.
const goldenState = "height 3, 5 txs, alice 990 AUR 7 GOLD, bob 15 AUR 43 GOLD, offset 5"

func describeState(f *fsm) string {
	a, b := f.lookup("alice"), f.lookup("bob")
	if a == nil || b == nil {
		return fmt.Sprintf("height %d, %d txs, accounts missing", f.height, f.txCount)
	}
	return fmt.Sprintf("height %d, %d txs, alice %d AUR %d GOLD, bob %d AUR %d GOLD, offset %d", f.height, f.txCount,
		a.balance(NativeAsset), a.balance("GOLD"), b.balance(NativeAsset), b.balance("GOLD"), f.offsets[offsetKey{"aurigraph.tx", 0}])
}

// TestFormatGoldenFiles reads every committed golden file, of this
// release's formats and of every earlier one, and checks that this release
// still writes the current ones byte for byte: a format changed without a
// new version, or a release that no longer reads the previous version,
// fails here.
func TestFormatGoldenFiles(t *testing.T) {
	entries, snapshot, dataDir := goldenWrite(t)
	current := map[string][]byte{
		fmt.Sprintf("entries-v%d.bin", EntryFormatWrite):     entries,
		fmt.Sprintf("snapshot-v%d.bin", SnapshotFormatWrite): snapshot,
	}
	blocksName := fmt.Sprintf("blocks-v%d.%d", blocklog.SegmentFormatWrite, blocklog.IndexFormatWrite)
	if *updateFormats {
		for name, raw := range current {
			if err := os.WriteFile(filepath.Join(formatsDir, name), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		dst := filepath.Join(formatsDir, blocksName)
		if err := os.RemoveAll(dst); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(dataDir, BlocksFile))); err != nil {
			t.Fatal(err)
		}
	}
	for name, raw := range current {
		golden, err := os.ReadFile(filepath.Join(formatsDir, name))
		if err != nil {
			t.Fatalf("%v: a format version without its golden file; run go test ./consensus -run TestFormatGoldenFiles -update", err)
		}
		if !bytes.Equal(golden, raw) {
			t.Errorf("this release writes %s differently from the committed file: a format change needs a new version (raise Read in one release and Write in the next, README \"Upgrading\"), then -update", name)
		}
	}
	compareDirs(t, filepath.Join(formatsDir, blocksName), filepath.Join(dataDir, BlocksFile))

	names, err := filepath.Glob(filepath.Join(formatsDir, "*"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files in %s (%v)", formatsDir, err)
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			switch {
			case strings.HasPrefix(name, "entries-"):
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				c := openGoldenChain(t, t.TempDir())
				defer c.Close()
				outcomes, err := c.Apply(goldenRaftEntries(t, raw), nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outcomes {
					if o.Err != nil {
						t.Errorf("proposal %d: %v", o.Proposal, o.Err)
					}
				}
				if got := describeState(c.fsm); got != goldenState {
					t.Errorf("applied %s: %s, want %s", name, got, goldenState)
				}
			case strings.HasPrefix(name, "snapshot-"):
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				c := openGoldenChain(t, t.TempDir())
				defer c.Close()
				if err := c.Restore(raw, 5, 1, true); err != nil {
					t.Fatal(err)
				}
				if got := describeState(c.fsm); got != goldenState {
					t.Errorf("restored %s: %s, want %s", name, got, goldenState)
				}
			case strings.HasPrefix(name, "blocks-"):
				// Opened writable, as a validator opens it, on a copy.
				dir := filepath.Join(t.TempDir(), BlocksFile)
				if err := os.CopyFS(dir, os.DirFS(path)); err != nil {
					t.Fatal(err)
				}
				for _, readOnly := range []bool{true, false} {
					s, err := openBlockStore(dir, readOnly, 0, nil)
					if err != nil {
						t.Fatal(err)
					}
					rep, err := VerifyChain(t.Context(), s)
					s.Close()
					if err != nil {
						t.Fatal(err)
					}
					if !rep.OK || rep.Height != 3 || rep.TxCount != 5 || rep.Signed != 3 {
						t.Errorf("%s (read only %v): %+v, want 3 signed blocks of 5 transactions", name, readOnly, rep)
					}
				}
			default:
				t.Fatalf("%s: not a golden file this test knows", name)
			}
		})
	}
}

// compareDirs fails unless the two directories hold the same files with
// the same bytes.
func compareDirs(t *testing.T, want, got string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		out := map[string][]byte{}
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			out[rel], err = os.ReadFile(path)
			return err
		})
		if err != nil {
			t.Fatalf("%v: run go test ./consensus -run TestFormatGoldenFiles -update for a new format version", err)
		}
		return out
	}
	w, g := files(want), files(got)
	for name, raw := range g {
		if old, ok := w[name]; !ok || !bytes.Equal(old, raw) {
			t.Errorf("this release writes %s in the block store differently from %s: a format change needs a new version (README \"Upgrading\"), then -update", name, want)
		}
	}
	for name := range w {
		if _, ok := g[name]; !ok {
			t.Errorf("%s holds %s, which this release no longer writes", want, name)
		}
	}
}

// TestFormatsRefuseNewer checks that what a newer release could write, a
// snapshot, an entry or a block store of a format this one does not know,
// is refused with ErrTooNew rather than misread, and that data written
// before versions were recorded (version 0) is read.
func TestFormatsRefuseNewer(t *testing.T) {
	_, snapshot, _ := goldenWrite(t)
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(snapshot, &st); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version uint32
		tooNew  bool
	}{{0, false}, {SnapshotFormatRead, false}, {SnapshotFormatRead + 1, true}} {
		st.FormatVersion = tc.version
		raw, err := proto.Marshal(&st)
		if err != nil {
			t.Fatal(err)
		}
		c := openGoldenChain(t, t.TempDir())
		err = c.Restore(raw, 5, 1, true)
		c.Close()
		if errors.Is(err, dataformat.ErrTooNew) != tc.tooNew {
			t.Errorf("snapshot of format %d: restore error %v, want ErrTooNew %v", tc.version, err, tc.tooNew)
		}
	}

	// An entry this release cannot decode at all must stop it too when it
	// says it is of a newer format, rather than be skipped as garbage every
	// validator fails on alike, which would leave this one's state behind
	// its newer peers'; one of a known format is still skipped.
	for _, undecodable := range []bool{false, true} {
		for _, tc := range []struct {
			version uint32
			tooNew  bool
		}{{0, false}, {EntryFormatRead, false}, {EntryFormatRead + 1, true}} {
			batches := goldenEntries()
			batches[2].FormatVersion = tc.version
			ents := entriesOf(t, 1, batches...)
			if undecodable {
				// A genesis field that is not a message: what a newer
				// release that changed the field's type would send.
				ents[2].Data = protowire.AppendBytes(protowire.AppendTag(ents[2].Data, 6, protowire.BytesType), []byte{0xff})
				if err := proto.Unmarshal(ents[2].Data, &aurigraphv1.Batch{}); err == nil {
					t.Fatal("the altered entry still decodes")
				}
			}
			c := openGoldenChain(t, t.TempDir())
			_, err := c.Apply(ents, nil)
			applied, _ := c.Applied()
			c.Close()
			if errors.Is(err, dataformat.ErrTooNew) != tc.tooNew {
				t.Errorf("entry of format %d (undecodable %v): apply error %v, want ErrTooNew %v", tc.version, undecodable, err, tc.tooNew)
			}
			if tc.tooNew && !strings.Contains(fmt.Sprint(err), "raft entry 3") {
				t.Errorf("entry of format %d (undecodable %v): %v does not name the entry", tc.version, undecodable, err)
			}
			if !tc.tooNew && applied != uint64(len(ents)) {
				t.Errorf("entry of format %d (undecodable %v): applied index %d, want %d", tc.version, undecodable, applied, len(ents))
			}
		}
	}
}

// TestFormatWriteRule checks the rule of internal/dataformat on the
// constants: no release writes a version it cannot read itself.
func TestFormatWriteRule(t *testing.T) {
	for name, wr := range map[string][2]uint32{
		"snapshot":          {SnapshotFormatWrite, SnapshotFormatRead},
		"entry":             {EntryFormatWrite, EntryFormatRead},
		"block segments":    {blocklog.SegmentFormatWrite, blocklog.SegmentFormatRead},
		"index runs":        {blocklog.IndexFormatWrite, blocklog.IndexFormatRead},
		"merged index runs": {blocklog.MergedFormatWrite, blocklog.MergedFormatRead},
	} {
		if wr[0] > wr[1] {
			t.Errorf("%s format: writes %d but reads only up to %d", name, wr[0], wr[1])
		}
	}
}

// FuzzCheckUndecodableEntry feeds checkUndecodableEntry arbitrary entry
// bytes: it never panics and refuses only with ErrTooNew.
func FuzzCheckUndecodableEntry(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x40, 0x02})
	f.Add([]byte{0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x32, 0x01, 0xff, 0x40, 0x02})
	f.Add([]byte{0x32, 0x05, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := checkUndecodableEntry(data, 1, 1); err != nil && !errors.Is(err, dataformat.ErrTooNew) {
			t.Fatalf("%x: %v", data, err)
		}
	})
}
