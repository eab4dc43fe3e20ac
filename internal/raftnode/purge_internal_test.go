package raftnode

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/etcd/client/pkg/v3/fileutil"
)

func TestPurgeRemovesTheOldestUnlockedFiles(t *testing.T) {
	t.Parallel()
	names := []string{"1.wal", "2.wal", "3.wal", "4.wal", "5.wal"}
	tests := []struct {
		name   string
		keep   int
		locked string
		want   []string
	}{
		{"all but the newest kept", 2, "", []string{"4.wal", "5.wal"}},
		{"a locked file stops the round", 1, "3.wal", []string{"3.wal", "4.wal", "5.wal"}},
		{"the oldest locked", 2, "1.wal", names},
		{"fewer than kept", 9, "", names},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, n := range names {
				// Larger than a step of the shrinking, so that it takes several.
				if err := os.WriteFile(filepath.Join(dir, n), make([]byte, 9<<20), 0o600); err != nil {
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
			files, bytes, err := purge(dir, ".wal", tc.keep, nil)
			if err != nil {
				t.Fatal(err)
			}
			if removed := len(names) - len(tc.want); files != removed || bytes != int64(removed)*9<<20 {
				t.Errorf("purge says it removed %d files of %d bytes, want %d of %d", files, bytes, removed, int64(removed)*9<<20)
			}
			got := dirNames(t, dir)
			want := append(slices.Clone(tc.want), "other.snap")
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("left %v, want %v", got, want)
			}
		})
	}
}

// TestLoadRemovesHalfPurgedFiles: a crash while a file was shrunk leaves
// it renamed; the next start removes it and reads the log as before.
func TestLoadRemovesHalfPurgedFiles(t *testing.T) {
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
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: %v, want it removed", p, err)
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
