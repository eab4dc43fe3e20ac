package blockfeed

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/test/testlog"
)

func testLogger(t testing.TB) *slog.Logger {
	return testlog.New(t, slog.LevelDebug)
}

// topic is an embedded broker holding the blocks topic.
type topic struct {
	t       *testing.T
	brokers []string
	prod    *kgo.Client
}

func newTopic(t *testing.T) *topic {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	return &topic{t: t, brokers: c.ListenAddrs(), prod: prod}
}

func (tp *topic) write(recs ...record) {
	tp.t.Helper()
	for _, r := range recs {
		if err := tp.prod.ProduceSync(context.Background(), &kgo.Record{Key: []byte(r.key), Value: r.value}).FirstErr(); err != nil {
			tp.t.Fatal(err)
		}
	}
}

// keysFile writes a validator keys file holding the chain's genesis and
// the keys of validators ids.
func keysFile(t *testing.T, path string, c *chaintest.Chain, ids ...uint64) {
	t.Helper()
	doc := c.Keys().Document(c.GenesisHash())
	doc.Keys = slices.DeleteFunc(doc.Keys, func(k chain.KeyRecordJSON) bool { return !slices.Contains(ids, k.ID) })
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pollUntil polls r until it accepted height or 20s passed, and returns
// the accepted heights.
func pollUntil(t *testing.T, r *Reader, height uint64) []uint64 {
	t.Helper()
	var got []uint64
	deadline := time.Now().Add(20 * time.Second)
	for r.Position().Height < height {
		if time.Now().After(deadline) {
			t.Fatalf("accepted %v; no block %d within 20s", got, height)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		b, err := r.Poll(ctx, 100)
		cancel()
		if err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		for _, blk := range b.Blocks {
			got = append(got, blk.Event.GetBlock().GetHeader().GetHeight())
		}
	}
	return got
}

// A forged record of every kind ahead of the real block: the reader skips
// and counts each, and still finds the real block.
func TestReaderFindsTheRealBlockBehindForgeries(t *testing.T) {
	c := testChain(t)
	tp := newTopic(t)
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged", "mallory", 999_999_999_999)}
	tp.write(eventRecord(t, c.Event(1, 1)), eventRecord(t, c.Event(2, 1)))
	tp.write(
		eventRecord(t, chaintest.Next(c.Block(2), mint, 1, nil)),
		eventRecord(t, chaintest.Next(c.Block(2), mint, 1, chaintest.Key("stranger"))),
		eventRecord(t, chaintest.Next(c.Block(2), mint, 9, c.PrivateKey(1))),
		eventRecord(t, chaintest.Next(c.Block(1), mint, 1, c.PrivateKey(1))), // another block 2, signed with a validator's stolen key
		eventRecord(t, c.Event(1, 1)),
		record{key: "3", value: []byte("junk")},
		eventRecord(t, c.Event(3, 1)),
	)
	rejected, err := NewRejections(nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/keys.json"
	keysFile(t, path, c, 1, 2, 3)
	trust, err := NewAnchors(AnchorsConfig{File: path, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), Config{Brokers: tp.brokers, Trust: trust, Logger: testLogger(t), Rejections: rejected}, Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := pollUntil(t, r, 3); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("accepted %v, want 1 2 3", got)
	}
	for reason, want := range map[string]float64{ReasonUnsigned: 1, ReasonBadSignature: 1, ReasonUnknownSigner: 1, ReasonDuplicate: 2, ReasonUndecodable: 1} {
		if got := rejected.Count(reason); got != want {
			t.Errorf("rejected{reason=%s} = %v, want %v", reason, got, want)
		}
	}
	if pos := r.Position(); pos.Offset != 9 {
		t.Fatalf("position %+v, want offset 9 after block 3 at offset 8", pos)
	}
}

// Blocks of a validator whose key the keys file lacks wait, skipped, until
// the file names it; then the reader reads them again, without a restart.
func TestReaderPicksUpNewKeysWithoutRestart(t *testing.T) {
	c := testChain(t)
	tp := newTopic(t)
	for h := uint64(1); h <= 4; h++ {
		tp.write(eventRecord(t, c.Event(h, 1)))
	}
	path := t.TempDir() + "/keys.json"
	// Block 2 is signed by validator 3.
	keysFile(t, path, c, 1, 2)
	trust, err := NewAnchors(AnchorsConfig{File: path, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rejected, _ := NewRejections(nil, "test")
	r, err := Open(context.Background(), Config{Brokers: tp.brokers, Trust: trust, Logger: testLogger(t), Rejections: rejected}, Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pollUntil(t, r, 1)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		b, _ := r.Poll(ctx, 100)
		cancel()
		if len(b.Blocks) > 0 {
			t.Fatalf("accepted block %d signed by a key the anchor lacks", b.Blocks[0].Event.GetBlock().GetHeader().GetHeight())
		}
	}
	if rejected.Count(ReasonUnknownSigner) != 1 {
		t.Fatalf("unknown_signer rejections = %v, want 1", rejected.Count(ReasonUnknownSigner))
	}
	keysFile(t, path, c, 1, 2, 3)
	if got := pollUntil(t, r, 4); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Fatalf("accepted %v after the keys file named validator 3, want 2 3 4", got)
	}
	if n := rejected.Count(ReasonAhead); n != 2 {
		t.Fatalf("ahead rejections = %v, want 2 (blocks 3 and 4 once each, not again when read the second time)", n)
	}
}

func TestFindHeadIgnoresRecordsOthersWrote(t *testing.T) {
	c := testChain(t)
	tp := newTopic(t)
	for h := uint64(1); h <= 4; h++ {
		tp.write(eventRecord(t, c.Event(h, 1)))
	}
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged", "mallory", 999_999_999_999)}
	tp.write(
		eventRecord(t, chaintest.Next(c.Block(4), mint, 1, nil)),
		eventRecord(t, c.Event(2, 1)),
		record{key: "99", value: []byte("junk")},
		eventRecord(t, c.Event(1, 1)),
	)
	cfg := Config{Brokers: tp.brokers, Trust: staticTrust{Anchor{GenesisHash: c.GenesisHash(), Keys: c.Keys()}}}
	head, err := FindHead(context.Background(), cfg, func(ev *aurigraphv1.BlockEvent) (bool, error) {
		return Verified(context.Background(), cfg, ev), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if head.Height != 4 || head.Offset != 3 || head.End != 8 {
		t.Fatalf("head %+v, want height 4 at offset 3 of 8", head)
	}
}

// staticTrust is an anchor that never changes.
type staticTrust struct{ a Anchor }

func (s staticTrust) Anchor() (Anchor, bool)       { return s.a, true }
func (s staticTrust) Refresh(context.Context) bool { return false }

// The keys may change through a refresh the reader did not make (the
// trust's own refresh loop, or another reader sharing it): the reader
// still reads again the block it skipped for a key it lacked.
func TestReaderSeesKeysAnotherRefreshFound(t *testing.T) {
	c := testChain(t)
	tp := newTopic(t)
	for h := uint64(1); h <= 4; h++ {
		tp.write(eventRecord(t, c.Event(h, 1)))
	}
	path := t.TempDir() + "/keys.json"
	keysFile(t, path, c, 1, 2) // block 2 is signed by validator 3
	trust, err := NewAnchors(AnchorsConfig{File: path, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), Config{Brokers: tp.brokers, Trust: trust, Logger: testLogger(t)}, Position{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pollUntil(t, r, 1)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, _ = r.Poll(ctx, 100)
		cancel()
	}
	keysFile(t, path, c, 1, 2, 3)
	deadline := time.Now().Add(20 * time.Second)
	for a, _ := trust.Anchor(); a.Keys == nil || a.Keys.(*chain.Keys).Len() != 3; a, _ = trust.Anchor() {
		if time.Now().After(deadline) {
			t.Fatal("the trust did not pick up the third key")
		}
		trust.Refresh(context.Background())
		time.Sleep(50 * time.Millisecond)
	}
	if got := pollUntil(t, r, 4); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Fatalf("accepted %v after another refresh found validator 3's key, want 2 3 4", got)
	}
}
