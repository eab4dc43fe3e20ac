package raftnode

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
)

func TestPurgeRemovesTheOldestUnlockedFiles(t *testing.T) {
	t.Parallel()
	// Larger than a step of the shrinking, so that each takes several;
	// sparse, so that the test writes nothing.
	const size = 9 << 20
	names := []string{"1.wal", "2.wal", "3.wal", "4.wal", "5.wal"}
	stopped := make(chan struct{})
	close(stopped)
	tests := []struct {
		name   string
		keep   int
		locked string
		// left is a file an earlier round left half purged; a name
		// ending in / makes it a directory, which cannot be finished.
		left    string
		stop    <-chan struct{}
		want    []string
		wantErr bool
	}{
		{"all but the newest kept", 2, "", "", nil, []string{"4.wal", "5.wal"}, false},
		{"a locked file stops the round", 1, "3.wal", "", nil, []string{"3.wal", "4.wal", "5.wal"}, false},
		{"the oldest locked", 2, "1.wal", "", nil, names, false},
		{"fewer than kept", 9, "", "", nil, names, false},
		{"a half purged file finished first", 9, "", "0.wal.purging", nil, names, false},
		{"stopped: nothing touched", 2, "", "", stopped, names, false},
		{"one that cannot be finished holds up no other", 2, "", "0.wal.purging/", nil, []string{"0.wal.purging", "4.wal", "5.wal"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, n := range append(slices.Clone(names), tc.left) {
				if n == "" {
					continue
				}
				if strings.HasSuffix(n, "/") {
					if err := os.Mkdir(filepath.Join(dir, n), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				f, err := os.Create(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				if err := errors.Join(f.Truncate(size), f.Close()); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "other.snap"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.locked != "" {
				l, err := fileutil.TryLockFile(filepath.Join(dir, tc.locked), os.O_WRONLY, fileutil.PrivateFileMode)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
			}
			files, bytes, err := purge(dir, ".wal", tc.keep, tc.stop)
			if (err != nil) != tc.wantErr {
				t.Fatalf("purge: %v, want an error: %v", err, tc.wantErr)
			}
			removed := len(names) - len(tc.want)
			if tc.left != "" {
				removed++
			}
			if tc.wantErr {
				removed = len(names) + 1 - len(tc.want)
			}
			if files != removed || bytes != int64(removed)*size {
				t.Errorf("purge says it removed %d files of %d bytes, want %d of %d", files, bytes, removed, int64(removed)*size)
			}
			got := dirNames(t, dir)
			want := append(slices.Clone(tc.want), "other.snap")
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("left %v, want %v", got, want)
			}
			for _, n := range tc.want {
				if strings.HasSuffix(n, purgingSuffix) {
					continue
				}
				if info, err := os.Stat(filepath.Join(dir, n)); err != nil || info.Size() != size {
					t.Errorf("%s: %v, want it whole", n, err)
				}
			}
		})
	}
}

// TestStartFinishesHalfPurgedFiles: a crash while a file was cut leaves it
// renamed; the log reads as before, and the purgers finish it at start.
func TestStartFinishesHalfPurgedFiles(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	s := NewDiskStorage(dataDir, nil)
	if _, err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	left := []string{
		filepath.Join(dataDir, WALDir, "0000000000000000-0000000000000000.wal"+purgingSuffix),
		filepath.Join(dataDir, snapDirName, "0000000000000001-0000000000000009.snap"+purgingSuffix),
	}
	for _, p := range left {
		if err := os.WriteFile(p, []byte("cut short"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s = NewDiskStorage(dataDir, nil)
	if _, err := s.Load(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range left {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(p); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is still there 10 s after the start", p)
			}
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
