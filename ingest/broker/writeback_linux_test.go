package broker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sys/unix"
)

// produceBytes writes n uncompressed records of size bytes to partition 0
// of topic.
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

// unsynced is how many bytes of the file at path are dirty or being
// written back. It skips the test where the kernel cannot say (cachestat
// came with Linux 6.5) or the directory is in memory.
func unsynced(t *testing.T, path string) int64 {
	t.Helper()
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the test directory is on tmpfs, whose pages are never written back")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Cachestat_t
	err = unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{}, &st, 0)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("this kernel has no cachestat (Linux 6.5 and later have) to count a file's dirty pages")
	}
	if err != nil {
		t.Fatal(err)
	}
	return int64(st.Dirty+st.Writeback) * int64(os.Getpagesize())
}

// waitUnsynced waits up to 5 s for the file at path to hold at most max
// unsynced bytes; the kernel alone would keep them for 30 s.
func waitUnsynced(t *testing.T, path string, max int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n := unsynced(t, path)
		if n <= max {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d bytes not yet on disk after 5 s; want at most %d", path, n, max)
		}
	}
}

// TestSegmentsAreWrittenBackAsTheyGrow: a partition's segments, the one it
// rolled from and the newest, never keep more than a chunk or two of dirty
// pages.
func TestSegmentsAreWrittenBackAsTheyGrow(t *testing.T) {
	const topic = "writeback.test"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b, err := Start(ctx, Config{DataDir: dir, Topics: map[string]int32{topic: 1}, SegmentBytes: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	produceBytes(ctx, t, b, topic, 64, 100<<10)
	part := filepath.Join(dir, "partitions", topic+"-0")
	entries, err := os.ReadDir(part)
	if err != nil {
		t.Fatal(err)
	}
	var segments []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".dat") {
			segments = append(segments, e.Name())
		}
	}
	if len(segments) < 2 {
		t.Fatalf("segments %v; the test needs the partition to roll", segments)
	}
	for _, name := range segments {
		waitUnsynced(t, filepath.Join(part, name), 2*writebackChunk)
	}
}

// TestReplacedSegmentIsPaced: a partition deleted and created again
// between two scans has a new file under the old name, which is paced in
// its turn.
func TestReplacedSegmentIsPaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "partitions", "t-0", "0.dat")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	w := newSegmentWriteback(dir, 64<<20)
	defer w.close()
	for _, round := range []string{"first", "replaced"} {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, slices.Repeat([]byte(round), 4<<20/len(round)+1), 0o644); err != nil {
			t.Fatal(err)
		}
		w.scan()
		w.advance()
		waitUnsynced(t, path, writebackChunk)
	}
}
