package consensus

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// A failure reason quoting a hostile name is cut to schemas.MaxReasonBytes:
// ingest sizes batches on that bound to keep blocks within their topic.
func TestFSMBoundsFailureReasons(t *testing.T) {
	f := testFSM(100)
	asset := strings.Repeat(`"`, 128) // %q doubles every byte
	blk, err := f.apply(&aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{txOf(tXfer, "x", "alice", "bob", asset, 1, 1)}}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	reason := blk.GetTxs()[0].GetReason()
	if len(reason) > schemas.MaxReasonBytes || !strings.HasPrefix(reason, "unknown asset") {
		t.Fatalf("reason of %d bytes (%.40q...), want at most %d starting with the cause", len(reason), reason, schemas.MaxReasonBytes)
	}
}

func idOf(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }

func rng(partition int32, start, end int64, id, replaces []byte) *aurigraphv1.SourceRange {
	return &aurigraphv1.SourceRange{Topic: testTopic, Partition: partition, StartOffset: start, EndOffset: end, TopicId: id, ReplacesTopicId: replaces}
}

// The state records the id of the topic its offsets belong to and refuses
// ranges of a topic recreated under the same name, until a range accepts
// the new topic explicitly; then every partition starts again at 0.
func TestFSMTopicIDs(t *testing.T) {
	a, b, c := idOf(0xa), idOf(0xb), idOf(0xc)
	f := testFSM(100)
	steps := []struct {
		name    string
		sources []*aurigraphv1.SourceRange
		err     error // nil: applied
	}{
		{"before any id: offsets only", []*aurigraphv1.SourceRange{rng(0, 0, 3, nil, nil)}, nil},
		{"first id is recorded", []*aurigraphv1.SourceRange{rng(0, 3, 5, a, nil), rng(1, 0, 2, a, nil)}, nil},
		{"same topic continues", []*aurigraphv1.SourceRange{rng(1, 2, 4, a, nil)}, nil},
		{"no id once one is recorded", []*aurigraphv1.SourceRange{rng(0, 5, 6, nil, nil)}, ErrTopicChanged},
		{"recreated topic", []*aurigraphv1.SourceRange{rng(0, 5, 6, b, nil)}, ErrTopicChanged},
		{"recreated topic from 0", []*aurigraphv1.SourceRange{rng(0, 0, 1, b, nil)}, ErrTopicChanged},
		{"replacing the wrong id", []*aurigraphv1.SourceRange{rng(0, 0, 1, b, c)}, ErrTopicChanged},
		{"replacing with the same id", []*aurigraphv1.SourceRange{rng(0, 0, 1, a, a)}, ErrStaleOffsets},
		{"replacing not from 0", []*aurigraphv1.SourceRange{rng(0, 1, 2, b, a)}, ErrStaleOffsets},
		{"replacing after a range of the old topic", []*aurigraphv1.SourceRange{rng(1, 4, 5, a, nil), rng(0, 0, 1, b, a)}, ErrStaleOffsets},
		{"accepted replacement", []*aurigraphv1.SourceRange{rng(0, 0, 2, b, a), rng(2, 0, 1, b, nil)}, nil},
		{"old partition starts over too", []*aurigraphv1.SourceRange{rng(1, 0, 3, b, nil)}, nil},
		{"the replaced topic is refused", []*aurigraphv1.SourceRange{rng(0, 2, 3, a, nil)}, ErrTopicChanged},
		{"a stale replacement is refused", []*aurigraphv1.SourceRange{rng(0, 0, 1, b, a)}, ErrTopicChanged},
	}
	for i, st := range steps {
		before := f.snapshot()
		_, err := f.apply(&aurigraphv1.Batch{Sources: st.sources}, 1, uint64(i+1))
		switch {
		case st.err == nil && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.err != nil && !errors.Is(err, st.err):
			t.Fatalf("%s: err %v, want %v", st.name, err, st.err)
		case st.err != nil && !proto.Equal(before, f.snapshot()):
			t.Fatalf("%s: rejected batch changed state", st.name)
		}
	}
	if got := f.nextOffsets(testTopic); len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 1 {
		t.Fatalf("offsets after the replacement = %v, want 0:2 1:3 2:1", got)
	}
	if !bytes.Equal(f.topicIDs[testTopic], b) {
		t.Fatalf("recorded id %x, want %x", f.topicIDs[testTopic], b)
	}

	// Nothing recorded yet: a replacement names the all-zero id.
	g := testFSM(100)
	if _, err := g.apply(&aurigraphv1.Batch{Sources: []*aurigraphv1.SourceRange{rng(0, 0, 9, nil, nil)}}, 1, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := g.apply(&aurigraphv1.Batch{Sources: []*aurigraphv1.SourceRange{rng(0, 0, 0, c, make([]byte, 16))}}, 1, 2); err != nil {
		t.Fatalf("replacing a topic recorded without id: %v", err)
	}
	if got := g.nextOffsets(testTopic); got[0] != 0 || !bytes.Equal(g.topicIDs[testTopic], c) {
		t.Fatalf("after replacement: offsets %v, id %x", got, g.topicIDs[testTopic])
	}
}

// Topic ids survive a snapshot, where a replacement also drops the offsets
// of partitions that start over.
func TestTopicIDsPersist(t *testing.T) {
	a, b := idOf(0xa), idOf(0xb)
	f := testFSM(100)
	for i, sources := range [][]*aurigraphv1.SourceRange{
		{rng(0, 0, 3, nil, nil), rng(1, 0, 4, nil, nil)},
		{rng(0, 3, 5, a, nil)},
		{rng(2, 0, 1, b, a)},
	} {
		if _, err := f.apply(&aurigraphv1.Batch{Sources: sources}, 1, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		loaded := testFSM(100)
		loaded.restore(f.snapshot())
		if !proto.Equal(loaded.snapshot(), f.snapshot()) {
			t.Fatalf("after batch %d the restored state differs:\n%v\nwant\n%v", i+1, loaded.snapshot().GetOffsets(), f.snapshot().GetOffsets())
		}
	}
	snap := f.snapshot()
	if len(snap.GetOffsets()) != 1 || !bytes.Equal(snap.GetOffsets()[0].GetTopicId(), b) {
		t.Fatalf("snapshot offsets %v, want only partition 2 of topic %x", snap.GetOffsets(), b)
	}
	g := testFSM(100)
	g.restore(snap)
	if !bytes.Equal(g.topicIDs[testTopic], b) {
		t.Fatalf("restored id %x, want %x", g.topicIDs[testTopic], b)
	}
}
