package blocklog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/dataformat"
)

// TestDirFormats checks the format files of the log and of the index: a
// directory without one (written before versions were recorded) opens and
// gets the current version unless opened read only, and one of a newer
// version, or a file that is not a version, is refused.
func TestDirFormats(t *testing.T) {
	open := map[string]func(dir string, readOnly bool) error{
		segmentsFormatFile: func(dir string, readOnly bool) error {
			l, err := Open(dir, Options{ReadOnly: readOnly})
			if err == nil {
				l.Close()
			}
			return err
		},
		runsFormatFile: func(dir string, readOnly bool) error {
			ix, err := OpenIndex(dir, 0, readOnly)
			if err == nil {
				ix.Close()
			}
			return err
		},
	}
	for file, openDir := range open {
		for _, tc := range []struct {
			name     string
			content  string // "" leaves the file out
			readOnly bool
			want     string // the file afterwards, "" when absent
			tooNew   bool
			bad      bool
		}{
			{name: "unversioned", want: "1\n"},
			{name: "unversioned read only", readOnly: true},
			{name: "current", content: "1\n", want: "1\n"},
			{name: "newer", content: "2\n", want: "2\n", tooNew: true},
			{name: "newer read only", content: "2", readOnly: true, want: "2", tooNew: true},
			{name: "not a number", content: "v1\n", want: "v1\n", bad: true},
		} {
			t.Run(file+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, file)
				if tc.content != "" {
					if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				err := openDir(dir, tc.readOnly)
				switch {
				case tc.tooNew:
					if !errors.Is(err, dataformat.ErrTooNew) || !strings.Contains(err.Error(), "upgrade this node first") {
						t.Errorf("open: %v, want ErrTooNew", err)
					}
				case tc.bad:
					if err == nil || !strings.Contains(err.Error(), "not a format version") {
						t.Errorf("open: %v, want a refusal of the format file", err)
					}
				case err != nil:
					t.Fatalf("open: %v", err)
				}
				raw, err := os.ReadFile(path)
				if got := string(raw); got != tc.want || (tc.want == "") != errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s afterwards: %q (%v), want %q", file, got, err, tc.want)
				}
			})
		}
	}
}

// TestDirFormatOfUnversionedFiles checks that a directory holding files
// written before versions were recorded is recorded as version 1 even by a
// release that writes a newer one: its files are version 1, and recording
// the newer version would have them misread.
func TestDirFormatOfUnversionedFiles(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"segments of an earlier release", "00000000000000000001" + segmentSuffix, "1\n"},
		{"index runs of an earlier release", "00000001" + runSuffix, "1\n"},
		{"no files yet", "", "2\n"},
		{"other files only", "rules.json", "2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, tc.file), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			suffix := segmentSuffix
			if strings.HasSuffix(tc.file, runSuffix) {
				suffix = runSuffix
			}
			if err := checkDirFormat(dir, "test.format", suffix, 2, 2, false); err != nil {
				t.Fatal(err)
			}
			if raw, err := os.ReadFile(filepath.Join(dir, "test.format")); err != nil || string(raw) != tc.want {
				t.Errorf("recorded %q (%v), want %q", raw, err, tc.want)
			}
		})
	}
}
