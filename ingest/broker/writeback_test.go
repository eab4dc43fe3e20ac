package broker

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sys/unix"
)

// produceBytes writes n records of size bytes to partition 0 of topic.
func produceBytes(ctx context.Context, t *testing.T, b *Broker, topic string, n, size int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(1<<20),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	value := bytes.Repeat([]byte("x"), size)
	for range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSegmentsAreWrittenBackAsTheyGrow: the newest segment of a partition
// never holds more than a couple of chunks of dirty pages, where the kernel
// alone would leave them dirty for 30 s.
func TestSegmentsAreWrittenBackAsTheyGrow(t *testing.T) {
	const topic = "writeback.test"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b, err := Start(ctx, Config{DataDir: dir, Topics: map[string]int32{topic: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	produceBytes(ctx, t, b, topic, 64, 100<<10)
	seg := filepath.Join(dir, "partitions", topic+"-0", "0.dat")
	f, err := os.Open(seg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Cachestat_t
	for deadline := time.Now().Add(5 * time.Second); ; {
		err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{}, &st, 0)
		if errors.Is(err, unix.ENOSYS) {
			t.Skip("this kernel has no cachestat (Linux 6.5 and later have) to count a file's dirty pages")
		}
		if err != nil {
			t.Fatal(err)
		}
		pending := int64(st.Dirty+st.Writeback) * int64(os.Getpagesize())
		if pending <= 2*writebackChunk {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d bytes not yet on disk 5 s after it grew to 6 MiB; want at most %d", seg, pending, 2*writebackChunk)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWritebackCoversRolledSegments: every byte of a segment that rolled
// had its writeback started, and only the newest files stay open.
func TestWritebackCoversRolledSegments(t *testing.T) {
	const topic = "writeback.roll"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b, err := Start(ctx, Config{DataDir: dir, Topics: map[string]int32{topic: 1}, SegmentBytes: 3 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := newSegmentWriteback(dir, 3<<20)
	started := map[string]int64{} // file name -> bytes started, from 0 without gaps
	w.start = func(f *os.File, off, n int64) {
		name := filepath.Base(f.Name())
		if off != started[name] {
			t.Errorf("%s: writeback started at %d, want %d, where the last one ended", name, off, started[name])
		}
		started[name] = off + n
	}
	w.wait = func(*os.File, int64, int64) {}
	defer w.close()
	for range 10 {
		produceBytes(ctx, t, b, topic, 8, 100<<10)
		w.scan()
		w.advance()
	}
	w.scan()
	w.advance()
	entries, err := os.ReadDir(filepath.Join(dir, "partitions", topic+"-0"))
	if err != nil {
		t.Fatal(err)
	}
	var segments []os.DirEntry
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".dat" {
			segments = append(segments, e)
		}
	}
	if len(segments) < 3 {
		t.Fatalf("%d segments; the test needs the partition to roll at least twice", len(segments))
	}
	slices.SortFunc(segments, func(a, b os.DirEntry) int { return cmp.Compare(base(t, a), base(t, b)) })
	for i, e := range segments {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		// The newest keeps what grew since its last chunk.
		want := info.Size()
		if i == len(segments)-1 {
			want -= writebackChunk
		}
		if started[e.Name()] < want {
			t.Errorf("%s: %d of its %d bytes started, want at least %d", e.Name(), started[e.Name()], info.Size(), want)
		}
	}
	if len(w.files) != 2 {
		t.Errorf("%d files open, want the newest segment and its index", len(w.files))
	}
}

func base(t *testing.T, e os.DirEntry) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".dat"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
