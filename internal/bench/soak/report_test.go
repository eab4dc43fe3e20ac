package soak

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	const dur = 180
	var samples []Sample
	for ts := 0; ts <= dur; ts += 5 {
		rss := int64(1000) << 20
		if ts >= 120 {
			rss = int64(1050) << 20 // the last minute, 5% above the second
		}
		committed := int64(ts) * 1000
		samples = append(samples, Sample{
			T: float64(ts), RSS: rss, HWM: int64(1200) << 20, HeapInUse: 500 << 20,
			Committed: committed, ChainTxs: 50_000 + committed,
			// 100 MiB of fixed cost, then 200 bytes a transaction.
			Dirs: map[string]int64{"validator-1": 100<<20 + 200*(50_000+committed), "broker": 1 << 20},
		})
	}
	r := &Report{DurationS: dur, Samples: samples, Rate: 1000, Validators: 1}
	r.summarize([]string{"validator-1"})
	if len(r.Minutes) != 3 {
		t.Fatalf("%d minutes, want 3", len(r.Minutes))
	}
	s := r.Summary
	if math.Abs(s.RSSSecondMinuteMiB-1000) > 0.01 || math.Abs(s.RSSLastMinuteMiB-1050) > 0.01 || !s.Flat {
		t.Fatalf("RSS minute 2 %v, last %v, flat %v; want 1000, 1050, true", s.RSSSecondMinuteMiB, s.RSSLastMinuteMiB, s.Flat)
	}
	if got := r.Minutes[1].CommittedTPS; math.Abs(got-1000) > 1 {
		t.Fatalf("minute 2 committed %v tx/s, want 1000", got)
	}
	if got := s.DiskGrowthBytesPerTx["validator-1"]; math.Abs(got-200) > 0.01 {
		t.Fatalf("disk growth %v bytes a transaction, want 200", got)
	}
	want := float64(100<<20+200*230_000) / 230_000
	if got := s.DiskBytesPerTx["validator-1"]; math.Abs(got-want) > 0.01 {
		t.Fatalf("disk %v bytes a transaction, want %v", got, want)
	}
	if _, ok := s.DiskBytesPerTx["broker"]; ok {
		t.Fatal("the broker's directory is not a validator's")
	}

	// 15% more in the last minute is not flat.
	for i := range r.Samples {
		if r.Samples[i].T >= 120 {
			r.Samples[i].RSS = int64(1150) << 20
		}
	}
	r.Minutes = nil
	r.summarize([]string{"validator-1"})
	if r.Summary.Flat {
		t.Fatalf("RSS from %v to %v MiB called flat", r.Summary.RSSSecondMinuteMiB, r.Summary.RSSLastMinuteMiB)
	}
	var b bytes.Buffer
	r.WriteMarkdown(&b)
	if !strings.Contains(b.String(), "| 3 | 1150 |") {
		t.Fatalf("markdown lacks the last minute:\n%s", b.String())
	}
}

func TestPollerStats(t *testing.T) {
	p := &poller{url: "http://x/q/health"}
	for i := range 100 {
		p.reads = append(p.reads, Read{T: float64(i), Ms: float64(i + 1), Status: 200})
	}
	p.reads = append(p.reads, Read{T: 100, Ms: 5000, Err: "timeout"}, Read{T: 101, Ms: 3, Status: 503})
	st := p.stats()
	if st.Reads != 102 || st.Unanswered != 2 {
		t.Fatalf("reads %d unanswered %d, want 102 and 2", st.Reads, st.Unanswered)
	}
	if st.MaxMs != 5000 || st.P50Ms != 50 {
		t.Fatalf("p50 %v max %v", st.P50Ms, st.MaxMs)
	}
	if len(st.ByMinute) != 2 {
		t.Fatalf("p99 by minute %v, want two minutes", st.ByMinute)
	}
}

func TestMetricValue(t *testing.T) {
	text := "# HELP go_memstats_heap_inuse_bytes x\ngo_memstats_heap_inuse_bytes_total 1\ngo_memstats_heap_inuse_bytes 1.2345e+08\n"
	if got := metricValue(strings.NewReader(text), "go_memstats_heap_inuse_bytes"); got != 123450000 {
		t.Fatalf("metricValue = %d", got)
	}
}
