package blocklog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func payload(h uint64) []byte { return bytes.Repeat([]byte{byte(h)}, int(h%7)+1) }

func appendHeights(t *testing.T, l *Log, heights ...uint64) {
	t.Helper()
	w := l.NewWriter()
	for _, h := range heights {
		if err := w.Add(h, h*10, payload(h)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func checkHeights(t *testing.T, l *Log, heights ...uint64) {
	t.Helper()
	for _, h := range heights {
		p, aux, err := l.Read(h)
		if err != nil {
			t.Fatalf("read %d: %v", h, err)
		}
		if !bytes.Equal(p, payload(h)) || aux != h*10 {
			t.Fatalf("read %d: payload %x aux %d", h, p, aux)
		}
	}
}

func TestLogAppendReopenAndSegments(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{SegmentBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	appendHeights(t, l, 1, 2, 3, 4, 5)
	appendHeights(t, l, 6)
	// A gap: a raft snapshot install skipped 7..9.
	appendHeights(t, l, 10, 11)
	if err := l.NewWriter().Add(11, 0, nil); err == nil {
		t.Fatal("appending a stored height succeeded")
	}
	checkHeights(t, l, 1, 2, 3, 4, 5, 6, 10, 11)
	if got := l.Contiguous(); got != 6 {
		t.Fatalf("contiguous %d, want 6", got)
	}
	if _, _, err := l.Read(8); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read of a missing height: %v", err)
	}
	if next, ok := l.Next(6); !ok || next != 10 {
		t.Fatalf("next after 6: %d %v", next, ok)
	}
	if err := l.Fill([]Record{{7, 70, payload(7)}, {8, 80, payload(8)}, {9, 90, payload(9)}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Fill([]Record{{9, 90, payload(9)}}); err == nil {
		t.Fatal("filling a stored height succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if len(segs) < 3 {
		t.Fatalf("%d segments, want the 64-byte limit to have cut several", len(segs))
	}
	l, err = Open(dir, Options{SegmentBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	checkHeights(t, l, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	if tip, aux := l.Tip(); tip != 11 || aux != 110 {
		t.Fatalf("tip %d aux %d", tip, aux)
	}
	if got := l.Contiguous(); got != 11 {
		t.Fatalf("contiguous after the fill %d, want 11", got)
	}
	appendHeights(t, l, 12)
	checkHeights(t, l, 12)
}

// TestLogCutsTornTail: whatever a crash leaves after the last whole record
// of the newest segment (a record cut short, garbage, a bad checksum) is cut
// off when the log opens, and appends go on from there.
func TestLogCutsTornTail(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(b []byte) []byte
	}{
		{"cut short", func(b []byte) []byte { return b[:len(b)-3] }},
		{"header only", func(b []byte) []byte { return b[:len(b)-len(payload(3))] }},
		{"garbage after", func(b []byte) []byte {
			return append(b, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
		}},
		{"payload flipped", func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			appendHeights(t, l, 1, 2, 3)
			l.Close()
			path := filepath.Join(dir, fmt.Sprintf("%020d%s", 1, segmentSuffix))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.tear(b), 0o640); err != nil {
				t.Fatal(err)
			}
			l, err = Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			want := uint64(2)
			if tc.name == "garbage after" {
				want = 3
			}
			if tip, _ := l.Tip(); tip != want {
				t.Fatalf("tip %d after the tear, want %d", tip, want)
			}
			appendHeights(t, l, want+1)
			checkHeights(t, l, 1, 2, want+1)
		})
	}
}

func key(i int) Key {
	var k Key
	copy(k[:], fmt.Sprintf("key-%011d", i))
	return k
}

func TestIndexRunsLookupAndRecovery(t *testing.T) {
	dir := t.TempDir()
	ix, err := OpenIndex(dir, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	for h := uint64(1); h <= 7; h++ {
		var es []Entry
		for i := range 4 {
			es = append(es, Entry{key(int(h)*4 + i), h<<24 | uint64(i)})
		}
		ix.Add(h, es)
	}
	// An id reused later: the highest location wins wherever it is kept.
	ix.Add(8, []Entry{{key(4), 8 << 24}})
	ix.Flush()
	check := func(ix *Index) {
		t.Helper()
		for h := 1; h <= 7; h++ {
			for i := range 4 {
				want := uint64(h)<<24 | uint64(i)
				if h == 1 && i == 0 {
					want = 8 << 24
				}
				if got, ok, err := ix.Lookup(key(h*4 + i)); !ok || err != nil || got != want {
					t.Fatalf("lookup %d/%d = %x %v %v, want %x", h, i, got, ok, err, want)
				}
			}
		}
		if _, ok, err := ix.Lookup(key(1000)); ok || err != nil {
			t.Fatal("an unknown key was found")
		}
	}
	check(ix)
	covered := ix.Covered()
	if len(covered) == 0 || covered[0].First != 1 {
		t.Fatalf("covered %v", covered)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "*"+runSuffix))
	if len(runs) < 2 {
		t.Fatalf("%d runs written, want at least 2", len(runs))
	}
	// A damaged run is dropped, and what it covered is reported uncovered.
	b, _ := os.ReadFile(runs[0])
	b[len(b)/2] ^= 0xff
	os.WriteFile(runs[0], b, 0o640)
	ix, err = OpenIndex(dir, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := ix.Covered(); slices.Equal(got, covered) {
		t.Fatalf("covered %v after a run was damaged", got)
	}
	if _, err := os.Stat(runs[0]); !os.IsNotExist(err) {
		t.Fatalf("damaged run kept: %v", err)
	}
}

func TestSortEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 5, 1023, 5000, 70000} {
		es := make([]Entry, n)
		for i := range es {
			binary.LittleEndian.PutUint64(es[i].Key[:], r.Uint64())
			// Few distinct high bytes: long buckets for the insertion sort.
			es[i].Key[0], es[i].Key[1] = byte(r.IntN(2)), 0
			binary.LittleEndian.PutUint64(es[i].Key[8:], r.Uint64())
			es[i].Loc = uint64(i)
		}
		want := slices.Clone(es)
		slices.SortFunc(want, func(a, b Entry) int { return bytes.Compare(a.Key[:], b.Key[:]) })
		var sc runScratch
		if es = sc.sort(es); !slices.Equal(es, want) {
			t.Fatalf("%d entries: not sorted by key", n)
		}
	}
}
