package backup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxRecordBytes bounds one record of a records part: a block of the
// largest size a chain allows (64 MiB) with its signature.
const MaxRecordBytes = 64<<20 + 1024

// Record is one block log record: its height, its aux value and its
// payload, as the validator's block log holds them.
type Record struct {
	Height, Aux uint64
	Payload     []byte
}

// WriteRecord appends rec to a records part.
func WriteRecord(w io.Writer, rec Record) error {
	if len(rec.Payload) > MaxRecordBytes {
		return fmt.Errorf("record of height %d holds %d bytes, more than %d", rec.Height, len(rec.Payload), MaxRecordBytes)
	}
	var head [3 * binary.MaxVarintLen64]byte
	b := binary.AppendUvarint(head[:0], rec.Height)
	b = binary.AppendUvarint(b, rec.Aux)
	b = binary.AppendUvarint(b, uint64(len(rec.Payload)))
	if _, err := w.Write(b); err != nil {
		return err
	}
	_, err := w.Write(rec.Payload)
	return err
}

// RecordReader reads the records of a records part, each at most
// MaxRecordBytes, in strictly increasing height order.
type RecordReader struct {
	r    *bufio.Reader
	last uint64
}

// NewRecordReader reads the records part r.
func NewRecordReader(r io.Reader) *RecordReader {
	return &RecordReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next record, io.EOF after the last. The payload is the
// caller's.
func (rr *RecordReader) Next() (Record, error) {
	h, err := binary.ReadUvarint(rr.r)
	if errors.Is(err, io.EOF) {
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, fmt.Errorf("%w: record after height %d: %v", ErrFormat, rr.last, err)
	}
	if h <= rr.last {
		return Record{}, fmt.Errorf("%w: record of height %d after height %d", ErrFormat, h, rr.last)
	}
	aux, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return Record{}, fmt.Errorf("%w: record of height %d: %v", ErrFormat, h, eof(err))
	}
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return Record{}, fmt.Errorf("%w: record of height %d: %v", ErrFormat, h, eof(err))
	}
	if n > MaxRecordBytes {
		return Record{}, fmt.Errorf("%w: record of height %d claims %d bytes, more than %d", ErrFormat, h, n, MaxRecordBytes)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(rr.r, payload); err != nil {
		return Record{}, fmt.Errorf("%w: record of height %d cut short: %v", ErrFormat, h, eof(err))
	}
	rr.last = h
	return Record{Height: h, Aux: aux, Payload: payload}, nil
}
