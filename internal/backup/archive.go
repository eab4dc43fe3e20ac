// Package backup is the file format of a validator backup: named parts
// streamed one after the other in chunks, then a manifest that describes
// them with the sha256 of each. A writer never knows a part's size before
// it ends (the block log is read as it is written out), which a tar header
// would need; the manifest comes last for the same reason.
//
// The layout, all integers unsigned varints:
//
//	magic "AURIBKUP", format version
//	per part:  'P', name length, name, then chunks of (length, bytes), a
//	           chunk of length 0 ending the part
//	then:      'M', manifest length, manifest JSON
//
// A backup file is outside input to whoever restores it: Reader bounds
// every length it reads, accepts only the part names it is told, each
// once, and reports a part whose bytes do not match the manifest.
package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"
)

// FormatVersion is the version of the layout and manifest Writer writes;
// Reader refuses others.
const FormatVersion = 1

const magic = "AURIBKUP"

// Bounds on what a Reader accepts.
const (
	// maxChunk bounds one chunk: writers cut parts into pieces this size.
	maxChunk = 1 << 20
	// maxManifest bounds the manifest.
	maxManifest  = 1 << 20
	maxNameBytes = 64
	maxParts     = 16
)

const (
	tagPart     = 'P'
	tagManifest = 'M'
)

// ErrFormat wraps every way a backup file is not one this version reads.
var ErrFormat = errors.New("not a valid aurigraph backup")

// Manifest describes a backup: where in the chain and raft log it stands,
// whose it is, and what each part holds.
type Manifest struct {
	// Format is FormatVersion of the writer.
	Format int `json:"format"`
	// ChainID and GenesisHash (hex) name the chain; empty before its
	// genesis applied.
	ChainID     string `json:"chain_id,omitempty"`
	GenesisHash string `json:"genesis_hash,omitempty"`
	// NodeID is the validator the backup was taken from.
	NodeID uint64 `json:"node_id"`
	// AppliedIndex and AppliedTerm are the raft position of the state
	// snapshot the backup holds.
	AppliedIndex uint64 `json:"applied_index"`
	AppliedTerm  uint64 `json:"applied_term"`
	// Height and HeadHash (hex) are the newest block the state includes;
	// the backup holds every block up to it.
	Height   uint64    `json:"height"`
	HeadHash string    `json:"head_hash"`
	TxCount  uint64    `json:"tx_count"`
	Created  time.Time `json:"created"`
	Parts    []Part    `json:"parts"`
}

// Part is one part of a backup as its manifest lists it.
type Part struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Part returns the manifest's entry for name.
func (m *Manifest) Part(name string) (Part, bool) {
	i := slices.IndexFunc(m.Parts, func(p Part) bool { return p.Name == name })
	if i < 0 {
		return Part{}, false
	}
	return m.Parts[i], true
}

// Writer writes a backup to an io.Writer, part by part, holding no more than
// one chunk of it.
type Writer struct {
	w     *bufio.Writer
	parts []Part
	open  *partWriter
	err   error
}

// NewWriter starts a backup on w; nothing reaches w before the first
// chunk fills or Close.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(magic)
	bw.Write(binary.AppendUvarint(nil, FormatVersion))
	return &Writer{w: bw}
}

// Part starts the part name, ending the one before; what is written to the
// returned writer goes into it.
func (w *Writer) Part(name string) (io.Writer, error) {
	if err := w.endPart(); err != nil {
		return nil, err
	}
	if name == "" || len(name) > maxNameBytes {
		return nil, fmt.Errorf("backup part name %q: need 1 to %d bytes", name, maxNameBytes)
	}
	w.w.WriteByte(tagPart)
	w.w.Write(binary.AppendUvarint(nil, uint64(len(name))))
	w.w.WriteString(name)
	w.open = &partWriter{w: w, name: name, sum: sha256.New()}
	return w.open, nil
}

func (w *Writer) endPart() error {
	if w.err != nil {
		return w.err
	}
	if w.open == nil {
		return nil
	}
	p := w.open
	w.open = nil
	if _, err := w.w.Write([]byte{0}); err != nil {
		w.err = fmt.Errorf("end backup part %s: %w", p.name, err)
		return w.err
	}
	w.parts = append(w.parts, Part{Name: p.name, Size: p.size, SHA256: hex.EncodeToString(p.sum.Sum(nil))})
	return nil
}

// Close ends the last part and writes m, with Format and Parts filled in,
// as the manifest. It returns the manifest written.
func (w *Writer) Close(m Manifest) (Manifest, error) {
	if err := w.endPart(); err != nil {
		return Manifest{}, err
	}
	m.Format, m.Parts = FormatVersion, w.parts
	raw, err := json.Marshal(m)
	if err != nil {
		return Manifest{}, fmt.Errorf("encode backup manifest: %w", err)
	}
	w.w.WriteByte(tagManifest)
	w.w.Write(binary.AppendUvarint(nil, uint64(len(raw))))
	w.w.Write(raw)
	if err := w.w.Flush(); err != nil {
		return Manifest{}, fmt.Errorf("write backup: %w", err)
	}
	return m, nil
}

type partWriter struct {
	w    *Writer
	name string
	size int64
	sum  hash.Hash
}

func (p *partWriter) Write(b []byte) (int, error) {
	if p.w.err != nil {
		return 0, p.w.err
	}
	if p.w.open != p {
		return 0, fmt.Errorf("backup part %s was already ended", p.name)
	}
	n := 0
	for len(b) > 0 {
		c := b[:min(len(b), maxChunk)]
		p.w.w.Write(binary.AppendUvarint(nil, uint64(len(c))))
		if _, err := p.w.w.Write(c); err != nil {
			p.w.err = fmt.Errorf("write backup part %s: %w", p.name, err)
			return n, p.w.err
		}
		p.sum.Write(c)
		p.size += int64(len(c))
		n += len(c)
		b = b[len(c):]
	}
	return n, nil
}

// Limits bounds what a Reader accepts: the names of the parts and the
// size of each.
type Limits struct {
	// PartBytes maps each accepted part name to its largest size.
	PartBytes map[string]int64
}

// Reader reads a backup written by Writer.
type Reader struct {
	r        *bufio.Reader
	lim      Limits
	seen     map[string]Part
	cur      *partReader
	manifest *Manifest
}

// NewReader reads and checks the header of the backup in r.
func NewReader(r io.Reader, lim Limits) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, fmt.Errorf("%w: the file does not start with %q", ErrFormat, magic)
	}
	v, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, fmt.Errorf("%w: format version: %v", ErrFormat, err)
	}
	if v != FormatVersion {
		return nil, fmt.Errorf("%w: format version %d, this aurigraph reads version %d: restore with the release that took the backup", ErrFormat, v, FormatVersion)
	}
	return &Reader{r: br, lim: lim, seen: map[string]Part{}}, nil
}

// Next returns the next part, io.EOF after the last, when the manifest was
// read: Manifest then returns it. A part must be read to its end before
// Next is called again, or its checksum cannot be known; Next reads what
// is left of it.
func (r *Reader) Next() (string, io.Reader, error) {
	if r.manifest != nil {
		return "", nil, io.EOF
	}
	if r.cur != nil {
		if _, err := io.Copy(io.Discard, r.cur); err != nil {
			return "", nil, err
		}
		r.cur = nil
	}
	tag, err := r.r.ReadByte()
	if err != nil {
		return "", nil, fmt.Errorf("%w: cut short before its manifest: %v", ErrFormat, eof(err))
	}
	switch tag {
	case tagPart:
		name, err := r.readBytes(maxNameBytes, "part name")
		if err != nil {
			return "", nil, err
		}
		limit, ok := r.lim.PartBytes[string(name)]
		if !ok {
			return "", nil, fmt.Errorf("%w: unexpected part %q", ErrFormat, name)
		}
		if _, dup := r.seen[string(name)]; dup {
			return "", nil, fmt.Errorf("%w: part %q appears twice", ErrFormat, name)
		}
		if len(r.seen) >= maxParts {
			return "", nil, fmt.Errorf("%w: more than %d parts", ErrFormat, maxParts)
		}
		r.seen[string(name)] = Part{}
		r.cur = &partReader{r: r, name: string(name), limit: limit, sum: sha256.New()}
		return string(name), r.cur, nil
	case tagManifest:
		raw, err := r.readBytes(maxManifest, "manifest")
		if err != nil {
			return "", nil, err
		}
		m, err := r.checkManifest(raw)
		if err != nil {
			return "", nil, err
		}
		if _, err := r.r.ReadByte(); !errors.Is(err, io.EOF) {
			return "", nil, fmt.Errorf("%w: data after the manifest", ErrFormat)
		}
		r.manifest = m
		return "", nil, io.EOF
	default:
		return "", nil, fmt.Errorf("%w: unknown record tag 0x%02x", ErrFormat, tag)
	}
}

// Manifest returns the manifest once Next returned io.EOF; every part read
// matched it.
func (r *Reader) Manifest() (*Manifest, bool) { return r.manifest, r.manifest != nil }

func (r *Reader) checkManifest(raw []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: decode manifest: %v", ErrFormat, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%w: manifest format %d, this aurigraph reads version %d", ErrFormat, m.Format, FormatVersion)
	}
	if len(m.Parts) != len(r.seen) {
		return nil, fmt.Errorf("%w: the manifest lists %d parts, the file holds %d", ErrFormat, len(m.Parts), len(r.seen))
	}
	// Listed as often as held, every part held listed: a part listed twice
	// cannot stand in for one left unchecked.
	for name, got := range r.seen {
		p, ok := m.Part(name)
		if !ok {
			return nil, fmt.Errorf("%w: the file holds part %q, which the manifest does not list", ErrFormat, name)
		}
		if got.Size != p.Size || got.SHA256 != p.SHA256 {
			return nil, fmt.Errorf("%w: part %q holds %d bytes with sha256 %s, the manifest says %d bytes with sha256 %s: the file is damaged", ErrFormat, p.Name, got.Size, got.SHA256, p.Size, p.SHA256)
		}
	}
	return &m, nil
}

// readBytes reads a length-prefixed field of at most limit bytes.
func (r *Reader) readBytes(limit int, what string) ([]byte, error) {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s length: %v", ErrFormat, what, eof(err))
	}
	if n == 0 || n > uint64(limit) {
		return nil, fmt.Errorf("%w: %s of %d bytes (1 to %d allowed)", ErrFormat, what, n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, fmt.Errorf("%w: %s cut short: %v", ErrFormat, what, eof(err))
	}
	return b, nil
}

// eof turns a clean end of file in the middle of a record into the error it is.
func eof(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type partReader struct {
	r     *Reader
	name  string
	limit int64
	left  int // of the current chunk
	size  int64
	sum   hash.Hash
	done  bool
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.done {
		return 0, io.EOF
	}
	if p.left == 0 {
		n, err := binary.ReadUvarint(p.r.r)
		if err != nil {
			return 0, fmt.Errorf("%w: part %q chunk length: %v", ErrFormat, p.name, eof(err))
		}
		if n > maxChunk {
			return 0, fmt.Errorf("%w: part %q has a chunk of %d bytes (at most %d)", ErrFormat, p.name, n, maxChunk)
		}
		if n == 0 {
			p.done = true
			p.r.seen[p.name] = Part{Name: p.name, Size: p.size, SHA256: hex.EncodeToString(p.sum.Sum(nil))}
			return 0, io.EOF
		}
		if p.size+int64(n) > p.limit {
			return 0, fmt.Errorf("%w: part %q is larger than %d bytes", ErrFormat, p.name, p.limit)
		}
		p.left = int(n)
	}
	n, err := p.r.r.Read(b[:min(len(b), p.left)])
	p.left -= n
	p.size += int64(n)
	p.sum.Write(b[:n])
	if err != nil {
		return n, fmt.Errorf("%w: part %q cut short: %v", ErrFormat, p.name, eof(err))
	}
	return n, nil
}
