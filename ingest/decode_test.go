package ingest

import (
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// loadRecords makes n unsigned mints as internal/bench's producers write
// them under load: ids left to ingest, 150-byte JSON records padded with a
// payload.
func loadRecords(n int) []*kgo.Record {
	const size = 150
	encode := func(i int, payload string) []byte {
		acct := "run-max-p0-a" + strconv.Itoa(i%64)
		b := []byte(`{"type":"mint","from":"` + acct + `","to":"` + acct + `","amount":1,"nonce":`)
		b = strconv.AppendUint(b, uint64(1000+i), 10)
		if payload != "" {
			b = append(b, `,"payload":"`+payload+`"`...)
		}
		return append(b, '}')
	}
	payload := base64.StdEncoding.EncodeToString(make([]byte, (size-len(encode(0, ""))-13)*3/4))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: testTopic, Value: encode(i, payload)}
	}
	return recs
}

// BenchmarkDecodeAll decodes and checks a poll of 256 records as the
// leader's decode stage does.
func BenchmarkDecodeAll(b *testing.B) {
	recs := loadRecords(256)
	c := newChecker(nil, false, nil)
	b.ReportAllocs()
	for b.Loop() {
		for i, d := range decodeAll(recs, c, DefaultMaxRecordBytes) {
			if d.err != nil {
				b.Fatalf("record %d: %v", i, d.err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/tx")
}

// TestDecodeAllAllocations: the leader decodes a poll of typical records,
// ids derived by ingest included, with well under one allocation a
// transaction where it took about ten, and decodes each as DecodeRecord
// does alone.
func TestDecodeAllAllocations(t *testing.T) {
	recs := loadRecords(256)
	c := newChecker(nil, false, nil)
	for i, d := range decodeAll(recs, c, DefaultMaxRecordBytes) {
		want, err := DecodeRecord(recs[i].Value)
		if err != nil || d.err != nil {
			t.Fatalf("record %d: decodeAll: %v, DecodeRecord: %v", i, d.err, err)
		}
		if !proto.Equal(d.tx, want) {
			t.Fatalf("record %d: decodeAll read %v, DecodeRecord %v", i, d.tx, want)
		}
	}
	// AllocsPerRun runs on one core: one span, as a poll of up to 64
	// records a core is.
	perTx := testing.AllocsPerRun(20, func() { decodeAll(recs, c, DefaultMaxRecordBytes) }) / float64(len(recs))
	if perTx > 1 {
		t.Errorf("decodeAll: %.2f allocations a transaction, want at most 1", perTx)
	}
	t.Logf("%.3f allocations a transaction", perTx)
}

// TestCheckIDOfItsOwnIDDoesNotAllocate: a transaction that carries its
// derived id is checked without making the id again.
func TestCheckIDOfItsOwnIDDoesNotAllocate(t *testing.T) {
	tx := &aurigraphv1.Transaction{Type: mint, From: "a", To: "b", Amount: 5, Payload: []byte{1, 2, 3}}
	tx.Id = schemas.TxID(tx)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := checkID(tx, nil); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("checkID: %v allocations, want none", n)
	}
}
