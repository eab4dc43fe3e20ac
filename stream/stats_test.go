package stream

import (
	"math"
	"testing"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestLatencyBucketHoldsItsValue(t *testing.T) {
	tests := []struct {
		ms     int64
		bucket int
	}{
		{-5, 0}, // clock skew between producer and validator
		{0, 0},
		{15, 15},
		{16, 16},
		{17, 16},
		{18, 17},
		{31, 23},
		{32, 24},
		{maxLatencyMs, latencyBuckets - 1},
		{math.MaxInt64, latencyBuckets - 1},
	}
	for _, tc := range tests {
		if got := latencyBucket(tc.ms); got != tc.bucket {
			t.Errorf("latencyBucket(%d) = %d, want %d", tc.ms, got, tc.bucket)
		}
	}
	prev := 0
	for ms := int64(0); ms < 1<<22; ms += 1 + ms/64 {
		i := latencyBucket(ms)
		lo, width := bucketRange(i)
		if uint64(ms) < lo || uint64(ms) >= lo+width {
			t.Fatalf("latency %d in bucket %d = [%d, %d)", ms, i, lo, lo+width)
		}
		if i < prev {
			t.Fatalf("latency %d maps to bucket %d, below the previous %d", ms, i, prev)
		}
		if float64(width) > 1+float64(ms)/8 {
			t.Fatalf("latency %d bucket width %d is more than 1/8 of it", ms, width)
		}
		prev = i
	}
}

func block(txs int, submitted ...int64) *aurigraphv1.Block {
	b := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{TxCount: uint32(txs)}}
	for _, s := range submitted {
		b.Txs = append(b.Txs, &aurigraphv1.TxResult{Tx: &aurigraphv1.Transaction{SubmittedMs: s}})
	}
	return b
}

func TestPerfStatsWindow(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(sec int64, ms int64) time.Time {
		return t0.Add(time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond)
	}
	s := newPerfStats(t0)
	s.observe(at(0, 100), block(10))
	s.observe(at(0, 900), block(10))
	// 98 transactions committed 100 ms after submission, 2 after a second.
	late := make([]int64, 0, 100)
	for i := range 100 {
		lag := int64(100)
		if i >= 98 {
			lag = 1000
		}
		late = append(late, at(1, 500).UnixMilli()-lag)
	}
	s.observe(at(1, 500), block(30, late...))
	s.observe(at(3, 0), block(5))

	p := s.snapshot(at(4, 200))
	wantRecent := []SecondStats{{t0.Unix(), 20, 2}, {t0.Unix() + 1, 30, 1}, {t0.Unix() + 2, 0, 0}, {t0.Unix() + 3, 5, 1}}
	if len(p.Recent) != len(wantRecent) {
		t.Fatalf("recent = %+v, want %+v", p.Recent, wantRecent)
	}
	for i := range wantRecent {
		if p.Recent[i] != wantRecent[i] {
			t.Fatalf("recent[%d] = %+v, want %+v", i, p.Recent[i], wantRecent[i])
		}
	}
	if p.CurrentTPS != 5 || p.CurrentBPS != 1 || p.PeakTPS != 30 || p.AvgTPS60s != 55.0/4 {
		t.Fatalf("current %d bps %d peak %d avg %v, want 5, 1, 30, %v", p.CurrentTPS, p.CurrentBPS, p.PeakTPS, p.AvgTPS60s, 55.0/4)
	}
	if math.Abs(p.LatencyMs.P50-100)/100 > 0.07 || math.Abs(p.LatencyMs.P99-1000)/1000 > 0.07 {
		t.Fatalf("latency %+v, want p50 ~100 and p99 ~1000", p.LatencyMs)
	}

	// A minute and more later the window has moved past every block, but
	// the peak is for the hub's whole life.
	p = s.snapshot(at(100, 0))
	if len(p.Recent) != statsWindow || p.Recent[0].T != t0.Unix()+40 || p.AvgTPS60s != 0 || p.CurrentTPS != 0 {
		t.Fatalf("after 100s: %d recent from %d, avg %v, current %d; want %d from %d, 0, 0",
			len(p.Recent), p.Recent[0].T, p.AvgTPS60s, p.CurrentTPS, statsWindow, t0.Unix()+40)
	}
	if p.PeakTPS != 30 || p.LatencyMs != (Latency{}) {
		t.Fatalf("after 100s: peak %d latency %+v, want 30 and none", p.PeakTPS, p.LatencyMs)
	}
	if sec, tps, _ := s.lastSecond(at(4, 0)); sec != t0.Unix()+99 || tps != 0 {
		t.Fatalf("lastSecond after the clock stepped back = %d, %d; want the newest second %d, 0", sec, tps, t0.Unix()+99)
	}
}
