package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

var testLimits = Limits{PartBytes: map[string]int64{"meta": 1 << 10, "data": 8 << 20, "blocks": 8 << 20}}

type testPart struct {
	name string
	data []byte
}

func writeArchive(t testing.TB, m Manifest, parts ...testPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, p := range parts {
		pw, err := w.Part(p.name)
		if err != nil {
			t.Fatal(err)
		}
		// Several writes, so parts span chunks written apart.
		for rest := p.data; len(rest) > 0; {
			n := min(len(rest), 700_000)
			if _, err := pw.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
	}
	if _, err := w.Close(m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readArchive reads every part of raw; it returns the parts and manifest
// or the first error.
func readArchive(raw []byte, lim Limits) (map[string][]byte, *Manifest, error) {
	r, err := NewReader(bytes.NewReader(raw), lim)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]byte{}
	for {
		name, part, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, err
		}
		out[name] = b
	}
	m, ok := r.Manifest()
	if !ok {
		return nil, nil, errors.New("no manifest after io.EOF")
	}
	return out, m, nil
}

func sampleParts(t testing.TB) []testPart {
	big := make([]byte, 3*maxChunk+17)
	rand.Read(big)
	var blocks bytes.Buffer
	for h := uint64(1); h <= 20; h++ {
		if err := WriteRecord(&blocks, Record{Height: h, Aux: h * 10, Payload: bytes.Repeat([]byte{byte(h)}, int(h)*100)}); err != nil {
			t.Fatal(err)
		}
	}
	return []testPart{{"meta", []byte("metadata")}, {"data", big}, {"blocks", blocks.Bytes()}}
}

func TestRoundTrip(t *testing.T) {
	parts := sampleParts(t)
	raw := writeArchive(t, Manifest{NodeID: 3, AppliedIndex: 40, Height: 20, HeadHash: "ab"}, parts...)
	got, m, err := readArchive(raw, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if !bytes.Equal(got[p.name], p.data) {
			t.Errorf("part %s: read %d bytes, wrote %d", p.name, len(got[p.name]), len(p.data))
		}
		mp, ok := m.Part(p.name)
		if !ok || mp.Size != int64(len(p.data)) {
			t.Errorf("manifest part %s = %+v, want size %d", p.name, mp, len(p.data))
		}
	}
	if m.Format != FormatVersion || m.NodeID != 3 || m.AppliedIndex != 40 {
		t.Errorf("manifest = %+v", m)
	}
	rr := NewRecordReader(bytes.NewReader(got["blocks"]))
	for want := uint64(1); ; want++ {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			if want != 21 {
				t.Fatalf("read %d records, want 20", want-1)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Height != want || rec.Aux != want*10 || len(rec.Payload) != int(want)*100 {
			t.Fatalf("record %d = height %d aux %d %d bytes", want, rec.Height, rec.Aux, len(rec.Payload))
		}
	}
}

// TestReaderRefuses covers what a restore must never accept from a file.
func TestReaderRefuses(t *testing.T) {
	parts := sampleParts(t)
	valid := writeArchive(t, Manifest{NodeID: 1}, parts...)
	dataAt := bytes.Index(valid, parts[1].data[:64])
	if dataAt < 0 {
		t.Fatal("data part not found in the archive")
	}
	flipped := bytes.Clone(valid)
	flipped[dataAt+1000] ^= 0xff
	wrongVersion := bytes.Clone(valid)
	wrongVersion[len(magic)] = FormatVersion + 1
	// A manifest that claims another checksum for an intact part.
	forged := writeArchive(t, Manifest{NodeID: 1}, parts...)
	forged = bytes.Replace(forged, []byte(`"name":"meta","size":8`), []byte(`"name":"meta","size":9`), 1)

	for _, tc := range []struct {
		name string
		raw  []byte
		lim  Limits
		want string
	}{
		{"damaged data", flipped, testLimits, "the file is damaged"},
		{"forged manifest", forged, testLimits, "the manifest says"},
		{"wrong format version", wrongVersion, testLimits, "format version 2"},
		{"not a backup", []byte("PK\x03\x04 a zip file"), testLimits, "does not start with"},
		{"path traversal", writeArchive(t, Manifest{}, testPart{"../../etc/passwd", []byte("x")}), testLimits, `unexpected part "../../etc/passwd"`},
		{"absolute path", writeArchive(t, Manifest{}, testPart{"/etc/passwd", []byte("x")}), testLimits, "unexpected part"},
		{"part twice", writeArchive(t, Manifest{}, testPart{"meta", []byte("a")}, testPart{"meta", []byte("b")}), testLimits, "appears twice"},
		{"part over its limit", valid, Limits{PartBytes: map[string]int64{"meta": 1 << 10, "data": 1 << 20, "blocks": 8 << 20}}, "larger than"},
		{"data after the manifest", append(bytes.Clone(valid), 'P'), testLimits, "data after the manifest"},
		{"manifest missing", valid[:bytes.LastIndexByte(valid, tagManifest)], testLimits, "cut short before its manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readArchive(tc.raw, tc.lim)
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("read = %v, want an ErrFormat saying %q", err, tc.want)
			}
		})
	}
}

// Every prefix of a backup is refused, none accepted or crashing the reader.
func TestTruncated(t *testing.T) {
	var blocks bytes.Buffer
	WriteRecord(&blocks, Record{Height: 1, Payload: []byte("block one")})
	raw := writeArchive(t, Manifest{NodeID: 1}, testPart{"meta", []byte("m")}, testPart{"blocks", blocks.Bytes()})
	for n := range len(raw) {
		if _, _, err := readArchive(raw[:n], testLimits); err == nil {
			t.Fatalf("a backup cut to %d of its %d bytes was accepted", n, len(raw))
		}
	}
}

func TestRecordReaderRefuses(t *testing.T) {
	var ordered bytes.Buffer
	WriteRecord(&ordered, Record{Height: 2, Payload: []byte("b")})
	WriteRecord(&ordered, Record{Height: 2, Payload: []byte("b")})
	huge := []byte{1, 0}
	huge = append(huge, 0xff, 0xff, 0xff, 0xff, 0x7f) // a length far over MaxRecordBytes
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"height repeated", ordered.Bytes(), "after height 2"},
		{"oversized", huge, "more than"},
		{"cut short", []byte{1, 0, 5, 'a'}, "cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := NewRecordReader(bytes.NewReader(tc.raw))
			var err error
			for err == nil {
				_, err = rr.Next()
			}
			if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Next = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	parts := []testPart{{"meta", []byte("metadata")}, {"data", bytes.Repeat([]byte("state"), 100)}}
	var blocks bytes.Buffer
	WriteRecord(&blocks, Record{Height: 1, Aux: 2, Payload: []byte("block")})
	parts = append(parts, testPart{"blocks", blocks.Bytes()})
	valid := writeArchive(f, Manifest{NodeID: 1, AppliedIndex: 5}, parts...)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(magic + "\x01M\x02{}"))
	f.Add(writeArchive(f, Manifest{}, testPart{"../x", []byte("x")}))
	lim := Limits{PartBytes: map[string]int64{"meta": 1 << 10, "data": 1 << 16, "blocks": 1 << 16}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, m, err := readArchive(raw, lim)
		if err != nil {
			return
		}
		for name, b := range got {
			p, ok := m.Part(name)
			if !ok || p.Size != int64(len(b)) || int64(len(b)) > lim.PartBytes[name] {
				t.Fatalf("accepted part %s of %d bytes, manifest %+v", name, len(b), p)
			}
		}
		rr := NewRecordReader(bytes.NewReader(got["blocks"]))
		for {
			rec, err := rr.Next()
			if err != nil {
				break
			}
			if len(rec.Payload) > MaxRecordBytes {
				t.Fatalf("record of %d bytes accepted", len(rec.Payload))
			}
		}
	})
}

// TestManifestMustListEveryPart checks that a manifest that lists one part
// twice, in place of another the file holds, is refused: that other part
// would otherwise be read unchecked.
func TestManifestMustListEveryPart(t *testing.T) {
	parts := sampleParts(t)[:2]
	raw := writeArchive(t, Manifest{NodeID: 1}, parts...)
	_, m, err := readArchive(raw, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	m.Parts[1] = m.Parts[0]
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	forged := append(bytes.Clone(raw[:bytes.LastIndexByte(raw, tagManifest)]), tagManifest)
	forged = append(binary.AppendUvarint(forged, uint64(len(js))), js...)
	if _, _, err := readArchive(forged, testLimits); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `"data"`) {
		t.Fatalf("read = %v, want an ErrFormat naming the unlisted part", err)
	}
}
