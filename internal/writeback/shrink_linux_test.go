package writeback_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aurigraph/aurigraph/internal/writeback"
)

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
			done, err := writeback.Shrink(f, tc.stop)
			if err != nil {
				t.Fatal(err)
			}
			if done != (tc.wantSize == 0) {
				t.Errorf("Shrink reported done %v with %d bytes left", done, tc.wantSize)
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

// TestShrinkLeavesLinkedFilesWhole: cutting a file with another name would
// empty that one too.
func TestShrinkLeavesLinkedFilesWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "doomed")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, filepath.Join(dir, "kept")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if done, err := writeback.Shrink(f, nil); err != nil || !done {
		t.Fatalf("Shrink: %v, %v", done, err)
	}
	if info, err := os.Stat(filepath.Join(dir, "kept")); err != nil || info.Size() != 5<<20 {
		t.Fatalf("the other name: %v, %v; want it whole", info, err)
	}
}
