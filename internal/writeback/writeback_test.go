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

func TestShrink(t *testing.T) {
	t.Parallel()
	stopped := make(chan struct{})
	close(stopped)
	tests := []struct {
		name     string
		size     int64
		stop     <-chan struct{}
		wantSize int64
	}{
		{"empty", 0, nil, 0},
		{"under a step", 100, nil, 0},
		{"several steps", 10<<20 + 5, nil, 0},
		{"stopped after the first step", 10<<20 + 5, stopped, 6<<20 + 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Create(filepath.Join(t.TempDir(), "doomed"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(tc.size); err != nil {
				t.Fatal(err)
			}
			if err := writeback.Shrink(f, tc.stop); err != nil {
				t.Fatal(err)
			}
			info, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() != tc.wantSize {
				t.Fatalf("%d bytes left, want %d", info.Size(), tc.wantSize)
			}
		})
	}
}
