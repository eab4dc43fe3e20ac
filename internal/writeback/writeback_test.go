package writeback_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

// TestWriterWritesEverythingInOrder writes pieces that straddle chunks,
// including some larger than a chunk, and reads the file back.
func TestWriterWritesEverythingInOrder(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := writeback.NewWriter(f, 4096)
	var want []byte
	for i, size := range []int{10, 4086, 1, 9000, 4096, 3, 20000, 0, 77} {
		p := bytes.Repeat([]byte{byte('a' + i)}, size)
		n, err := w.Write(p)
		if err != nil || n != size {
			t.Fatalf("write %d bytes: wrote %d, %v", size, n, err)
		}
		want = append(want, p...)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want %d as written", len(got), len(want))
	}
}
