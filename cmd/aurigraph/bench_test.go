package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/bench"
)

// TestBenchCommandMeasuresThePipeline runs `aurigraph bench` briefly on the
// real in-process pipeline and checks that every stage was measured: the
// figures themselves depend on the machine, the presence of each does not.
func TestBenchCommandMeasuresThePipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline twice; skipped with -short")
	}
	report := filepath.Join(t.TempDir(), "bench.json")
	f := benchFlags{jsonPath: report, cfg: bench.Config{
		Profile: "quick", Duration: time.Second, Producers: 2, Validators: 3, SkipCeilings: true,
	}}
	if err := runBench(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	rep, err := bench.ReadReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if rep.CommittedTPS <= 0 || rep.LatencyRate <= 0 {
		t.Errorf("committed_tps %.0f, latency rate %.0f: want both measured", rep.CommittedTPS, rep.LatencyRate)
	}
	for _, stage := range []string{"submit_commit", "commit_projected", "submit_projected", "commit_delivered", "submit_delivered"} {
		if p := rep.LatencyMs[stage]; p.Count == 0 || p.P50 <= 0 || p.P99 < p.P50 {
			t.Errorf("latency_ms.%s = %+v: want a measured distribution", stage, p)
		}
	}
	if rep.PeakRSSBytes.Total <= 0 || rep.CPUSeconds <= 0 {
		t.Errorf("peak RSS %d, CPU %.1fs: want both measured", rep.PeakRSSBytes.Total, rep.CPUSeconds)
	}
	if rep.StartupMs["ready"] <= 0 || rep.StartupMs["leader"] < rep.StartupMs["ready"] {
		t.Errorf("startup %v: want ready, then leader", rep.StartupMs)
	}
}

func TestBenchCommandRejectsBadFlags(t *testing.T) {
	for _, f := range []benchFlags{
		{cfg: bench.Config{Validators: 0}},
		{cfg: bench.Config{Validators: 3}, compare: filepath.Join(t.TempDir(), "none.json")},
		{cfg: bench.Config{Validators: 3}, nodes: "127.0.0.1:8081"},
		{cfg: bench.Config{Validators: 3}, nodes: "127.0.0.1:8081", kafka: "127.0.0.1:9092", processes: true},
		{cfg: bench.Config{Validators: 3}, nodes: "no-port", kafka: "127.0.0.1:9092"},
	} {
		if err := runBench(t.Context(), f); err == nil {
			t.Errorf("runBench(%+v) succeeded", f)
		}
	}
}
