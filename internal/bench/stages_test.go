package bench

import (
	"bytes"
	"math"
	"testing"

	"github.com/google/pprof/profile"
)

// TestStageCosts attributes each sample by the first stage any of its
// frames names: the applier's stack runs through the raft driver but is the
// state machine's work, and a batch of signatures verified on a goroutine
// of its own is verification's; a thread outside Go waiting in the C
// library is not counted at all.
func TestStageCosts(t *testing.T) {
	fn := map[string]*profile.Function{}
	var id uint64
	loc := func(names ...string) []*profile.Location {
		var out []*profile.Location
		for _, n := range names {
			f, ok := fn[n]
			if !ok {
				id++
				f = &profile.Function{ID: id, Name: n}
				fn[n] = f
			}
			id++
			out = append(out, &profile.Location{ID: id, Line: []profile.Line{{Function: f}}})
		}
		return out
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			{Location: loc("crypto/sha256.Sum256", "github.com/aurigraph/aurigraph/consensus.(*fsm).apply", "github.com/aurigraph/aurigraph/internal/raftnode.(*Node).applyLoop"), Value: []int64{1, 3000}},
			{Location: loc("go.etcd.io/etcd/server/v3/storage/wal.(*WAL).Save", "github.com/aurigraph/aurigraph/internal/raftnode.(*Node).run"), Value: []int64{1, 1000}},
			{Location: loc("runtime.memmove", "github.com/aurigraph/aurigraph/ingest.DecodeRecord"), Value: []int64{1, 2000}},
			{Location: loc("runtime.gcBgMarkWorker"), Value: []int64{1, 1000}},
			{Location: loc("runtime.futex"), Value: []int64{1, 3000}},
			{Location: loc("runtime._ExternalCode"), Value: []int64{1, 2000}},
			{Location: loc("filippo.io/edwards25519/field.feMul", "github.com/aurigraph/aurigraph/internal/sigcache.verifyChunk", "github.com/aurigraph/aurigraph/internal/sigcache.VerifyBatch.func1", "sync.(*WaitGroup).Go.func1"), Value: []int64{1, 4000}},
		},
	}
	for _, l := range p.Sample {
		p.Location = append(p.Location, l.Location...)
	}
	for _, f := range fn {
		p.Function = append(p.Function, f)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := stageCosts(buf.Bytes(), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		stages[0].name: 0.4, stages[1].name: 0.3, stages[4].name: 0.1, stages[5].name: 0.2, "garbage collector": 0.1, otherStage: 0.3,
	}
	if len(got) != len(want) {
		t.Fatalf("stages %+v, want %v", got, want)
	}
	for _, c := range got {
		if w, ok := want[c.Stage]; !ok || math.Abs(c.Micros-w) > 1e-9 {
			t.Errorf("%s: %.3f µs, want %.3f", c.Stage, c.Micros, w)
		}
	}
	if _, err := stageCosts(buf.Bytes(), 0); err == nil {
		t.Error("no committed transaction: no error")
	}
}
