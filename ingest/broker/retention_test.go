package broker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// floor is a Retention.Floor that a test moves.
type floor struct {
	mu    sync.Mutex
	id    []byte
	below map[int32]int64
}

func (f *floor) set(id []byte, below map[int32]int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.id, f.below = id, below
}

func (f *floor) get() ([]byte, map[int32]int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id, f.below
}

// retentionBroker starts a broker on a temporary directory with topic's
// partitions each holding perPartition records of valueBytes, written
// one batch per record with timestamps at.
func retentionBroker(t *testing.T, topic string, partitions int32, perPartition, valueBytes int, at time.Time) (*Broker, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	b, err := Start(ctx, Config{DataDir: t.TempDir(), Topics: map[string]int32{topic: partitions}, SegmentBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0), kgo.MaxProduceRequestsInflightPerBroker(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	value := bytes.Repeat([]byte("x"), valueBytes)
	for i := range perPartition {
		for p := range partitions {
			rec := &kgo.Record{Partition: p, Key: fmt.Appendf(nil, "%d", i), Value: value, Timestamp: at}
			if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b, ctx
}

func topicID(t *testing.T, b *Broker, topic string) []byte {
	t.Helper()
	info := b.cluster.TopicInfo(topic)
	if info == nil {
		t.Fatalf("topic %s missing", topic)
	}
	return bytes.Clone(info.TopicID[:])
}

// starts lists every partition's first offset.
func starts(ctx context.Context, t *testing.T, b *Broker, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	listed, err := kadm.NewClient(cl).ListStartOffsets(ctx, topic)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int32]int64)
	listed.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// waitStarts waits until the partitions start where want says.
func waitStarts(ctx context.Context, t *testing.T, b *Broker, topic string, want map[int32]int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := starts(ctx, t, b, topic)
		same := len(got) == len(want)
		for p, o := range want {
			same = same && got[p] == o
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s starts at %v, want %v", topic, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holdStarts checks the partitions still start where want says after the
// retention had several chances to move them.
func holdStarts(ctx context.Context, t *testing.T, b *Broker, topic string, want map[int32]int64) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	got := starts(ctx, t, b, topic)
	for p, o := range want {
		if got[p] != o {
			t.Fatalf("%s partition %d starts at %d, want %d (all: %v)", topic, p, got[p], o, got)
		}
	}
}

// readFrom reads partition p from offset from to its end and returns the
// offsets read.
func readFrom(ctx context.Context, t *testing.T, b *Broker, topic string, p int32, from, end int64) []int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: kgo.NewOffset().At(from)}}),
		kgo.ConsumeResetOffset(kgo.NoResetOffset()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []int64
	for int64(len(got)) < end-from {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		if err := fs.Err0(); err != nil {
			t.Fatalf("read %s/%d from %d: %v", topic, p, from, err)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r.Offset) })
	}
	return got
}

// The transaction topic loses what the chain has consumed, and only that:
// the records above the floor are all still there to read, a partition
// the floor leaves out is kept whole, and the floor of another topic (one
// deleted and created again under the name) deletes nothing.
func TestRetainTrimsBelowFloor(t *testing.T) {
	const topic = "retain.floor"
	b, ctx := retentionBroker(t, topic, 3, 60, 100, time.Now())
	id := topicID(t, b, topic)
	f := &floor{}
	f.set(bytes.Repeat([]byte{7}, 16), map[int32]int64{0: 40, 1: 60})
	reg := prometheus.NewRegistry()
	if err := b.Retain(ctx, RetainOptions{Topics: map[string]Retention{topic: {Floor: f.get}}, Every: 20 * time.Millisecond, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	holdStarts(ctx, t, b, topic, map[int32]int64{0: 0, 1: 0, 2: 0})

	f.set(id, map[int32]int64{0: 40, 1: 60})
	// Partition 1 was consumed whole, and keeps its newest record.
	waitStarts(ctx, t, b, topic, map[int32]int64{0: 40, 1: 59, 2: 0})
	if got := readFrom(ctx, t, b, topic, 0, 40, 60); len(got) != 20 || got[0] != 40 || got[19] != 59 {
		t.Fatalf("records above the floor: read offsets %v, want 40..59", got)
	}
	if !strings.Contains(gather(t, reg), `aurigraph_broker_deleted_records_total{topic="retain.floor"} 99`) {
		t.Fatalf("deleted records not counted:\n%s", gather(t, reg))
	}
}

// A topic with limits loses its oldest records beyond them, but never past
// its floor: the blocks the projector has not projected stay whatever
// their age and size.
func TestRetainLimitsStopAtFloor(t *testing.T) {
	for _, tc := range []struct {
		name string
		ret  Retention
		// anyTopic floors name no topic id, as the projector's does.
		anyTopic bool
	}{
		{"bytes", Retention{MaxBytes: 2 << 10}, false},
		{"age", Retention{MaxAge: time.Minute}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const topic = "retain.limits"
			b, ctx := retentionBroker(t, topic, 1, 100, 200, time.Now().Add(-time.Hour))
			id := topicID(t, b, topic)
			if tc.anyTopic {
				id = nil
			}
			f := &floor{}
			f.set(id, map[int32]int64{0: 30})
			ret := tc.ret
			ret.Floor = f.get
			if err := b.Retain(ctx, RetainOptions{Topics: map[string]Retention{topic: ret}, Every: 20 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			waitStarts(ctx, t, b, topic, map[int32]int64{0: 30})
			holdStarts(ctx, t, b, topic, map[int32]int64{0: 30})
			if got := readFrom(ctx, t, b, topic, 0, 30, 100); len(got) != 70 {
				t.Fatalf("read %d records above the floor, want 70", len(got))
			}
			// With the floor out of the way the limit decides.
			f.set(id, map[int32]int64{0: 100})
			want := int64(99) // every record is an hour old; the newest stays
			if tc.ret.MaxBytes > 0 {
				want = 100 - (2<<10)/batchBytes(ctx, t, b, topic)
			}
			deadline := time.Now().Add(20 * time.Second)
			for s := starts(ctx, t, b, topic)[0]; s < want-1 || s > want+1; s = starts(ctx, t, b, topic)[0] {
				if time.Now().After(deadline) {
					t.Fatalf("starts at %d, want about %d", s, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// batchBytes is the size of one of the topic's single-record batches.
func batchBytes(ctx context.Context, t *testing.T, b *Broker, topic string) int64 {
	t.Helper()
	p := b.cluster.PartitionInfo(topic, 0)
	return p.NumBytes / (p.HighWatermark - p.LogStartOffset)
}

// Without a floor, limits alone decide, and the newest record stays even
// when it is past them: an idle chain's publisher finds where it left off.
func TestRetainKeepsNewestRecord(t *testing.T) {
	const topic = "retain.newest"
	b, ctx := retentionBroker(t, topic, 2, 20, 100, time.Now().Add(-time.Hour))
	if err := b.Retain(ctx, RetainOptions{Topics: map[string]Retention{topic: {MaxAge: time.Minute}}, Every: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitStarts(ctx, t, b, topic, map[int32]int64{0: 19, 1: 19})
	if got := readFrom(ctx, t, b, topic, 1, 19, 20); len(got) != 1 {
		t.Fatalf("newest record: read %v", got)
	}
}

// Deleted records leave the disk: segments wholly below the start go.
func TestRetainFreesDisk(t *testing.T) {
	const topic = "retain.disk"
	b, ctx := retentionBroker(t, topic, 1, 400, 200, time.Now())
	dir := b.dataDir
	before := dirBytes(t, dir)
	f := &floor{}
	f.set(topicID(t, b, topic), map[int32]int64{0: 400})
	if err := b.Retain(ctx, RetainOptions{Topics: map[string]Retention{topic: {Floor: f.get}}, Every: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitStarts(ctx, t, b, topic, map[int32]int64{0: 399})
	// 400 records of about 270 bytes in segments of 8 KiB: all but the
	// newest segment go.
	if after := dirBytes(t, dir); after > before/4 {
		t.Fatalf("data dir holds %d bytes after the topic was trimmed, %d before", after, before)
	}
}

func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			fmt.Fprintf(&b, "%s{", mf.GetName())
			for i, l := range m.GetLabel() {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%s=%q", l.GetName(), l.GetValue())
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			fmt.Fprintf(&b, "} %v\n", v)
		}
	}
	return b.String()
}

func TestRetainRejectsNegativeLimits(t *testing.T) {
	b, err := Start(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, ret := range []Retention{{MaxAge: -time.Second}, {MaxBytes: -1}} {
		if err := b.Retain(context.Background(), RetainOptions{Topics: map[string]Retention{"t": ret}}); err == nil {
			t.Errorf("Retain(%+v) succeeded, want an error", ret)
		}
	}
	if err := b.Retain(context.Background(), RetainOptions{Every: -time.Second}); err == nil {
		t.Error("Retain with a negative interval succeeded, want an error")
	}
}
