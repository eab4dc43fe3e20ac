package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/bench/apibench"
)

// TestBenchAPICommandComparesTheProtocols runs `aurigraph bench api` with
// tiny settings on a real in-process pipeline. The figures depend on the
// machine; that each is measured, and that every transaction made it into
// the chain, does not.
func TestBenchAPICommandComparesTheProtocols(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline; skipped with -short")
	}
	const rounds, requests, batchRequests, batchSize = 2, 40, 2, 1000
	report := filepath.Join(t.TempDir(), "api.json")
	var out bytes.Buffer
	cmd := newBenchAPICommand()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{
		"--rounds", strconv.Itoa(rounds), "--requests", strconv.Itoa(requests),
		"--batch-requests", strconv.Itoa(batchRequests), "--batch-size", strconv.Itoa(batchSize),
		"--concurrency", "4", "--validators", "1", "--json", report,
	})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("bench api: %v\n%s", err, out.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep apibench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("decode the report: %v\n%s", err, b)
	}

	want := map[string]int{"single": requests, "batch": batchRequests * batchSize}
	if len(rep.Cases) != len(want) {
		t.Fatalf("report has %d cases, want single and batch:\n%s", len(rep.Cases), b)
	}
	for _, c := range rep.Cases {
		perRound, ok := want[c.Case]
		if !ok {
			t.Errorf("unexpected case %q", c.Case)
			continue
		}
		for label, s := range map[string]apibench.ProtoStats{"rest": c.REST, "grpc": c.GRPC} {
			if len(s.Rounds) != rounds {
				t.Errorf("%s %s: %d rounds, want %d", c.Case, label, len(s.Rounds), rounds)
			}
			if s.Accepted != int64(rounds*perRound) {
				t.Errorf("%s %s: %d transactions accepted, want %d", c.Case, label, s.Accepted, rounds*perRound)
			}
			if s.RequestsPerS <= 0 || s.TxPerS < s.RequestsPerS || s.P50Ms <= 0 || s.P99Ms < s.P50Ms || s.RequestBytes <= 0 {
				t.Errorf("%s %s: %+v: want positive throughput, latency and size", c.Case, label, s)
			}
			if s.Method == "" {
				t.Errorf("%s %s: no method named", c.Case, label)
			}
		}
		q := c.GRPCOverREST
		if q.Throughput <= 0 || q.P50 <= 0 || q.P99 <= 0 || len(q.ThroughputByRound) != rounds {
			t.Errorf("%s: ratios %+v: want each positive, and one per round", c.Case, q)
		}
		// A mint's protobuf encoding is always shorter than its JSON.
		if q.RequestBytes <= 0 || q.RequestBytes >= 1 {
			t.Errorf("%s: gRPC / REST request bytes %.2f: want between 0 and 1", c.Case, q.RequestBytes)
		}
	}
	if rep.Submitted == 0 || rep.Committed != rep.Submitted {
		t.Errorf("%d transactions submitted, %d committed: want all of them committed", rep.Submitted, rep.Committed)
	}
	if rep.Config.Rounds != rounds || rep.Config.Validators != 1 || rep.Machine.CPUs == 0 {
		t.Errorf("config %+v, machine %+v: want the run's settings", rep.Config, rep.Machine)
	}
	for _, row := range []string{"| single (1 tx × 40, 4 workers) | **gRPC / REST** |", "| batch (1000 tx × 2, 2 workers) | **gRPC / REST** |"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("table lacks %q:\n%s", row, out.String())
		}
	}
}

// TestBenchAPIAgainstARunningPipeline points the bench at a pipeline it
// did not start, twice: the second run's mints must not repeat the first's,
// or the chain would drop them as duplicates.
func TestBenchAPIAgainstARunningPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline; skipped with -short")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	addrs, stop, err := startAPIBenchPipeline(t.Context(), t.TempDir(), 1, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("pipeline stopped with error: %v", err)
		}
	})
	for run := range 2 {
		report := filepath.Join(t.TempDir(), "api.json")
		var out bytes.Buffer
		cmd := newBenchAPICommand()
		cmd.SetOut(&out)
		cmd.SetArgs([]string{"--http", addrs.HTTP, "--grpc", addrs.GRPC, "--cases", "single",
			"--rounds", "1", "--requests", "20", "--concurrency", "2", "--settle=false", "--json", report})
		if err := cmd.ExecuteContext(t.Context()); err != nil {
			t.Fatalf("run %d: bench api: %v\n%s", run, err, out.String())
		}
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		var rep apibench.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("run %d: decode the report: %v", run, err)
		}
		if len(rep.Cases) != 1 || rep.Cases[0].Case != "single" || rep.Config.Validators != 0 || rep.Config.Settle {
			t.Errorf("run %d: cases %+v, config %+v: want single alone, on a pipeline not started here, without settling", run, rep.Cases, rep.Config)
		}
		if rep.Submitted == 0 || rep.Committed != rep.Submitted {
			t.Errorf("run %d: %d transactions submitted, %d committed: want all of them committed", run, rep.Submitted, rep.Committed)
		}
		if !strings.Contains(out.String(), "a running pipeline") {
			t.Errorf("run %d: table does not say where it ran:\n%s", run, out.String())
		}
	}
}

func TestBenchAPIRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rounds", "0"}, "--rounds 0"},
		{[]string{"--requests", "0"}, "--requests 0"},
		{[]string{"--batch-requests", "-1"}, "--batch-requests -1"},
		{[]string{"--concurrency", "0"}, "--concurrency 0"},
		{[]string{"--batch-concurrency", "0"}, "--batch-concurrency 0"},
		{[]string{"--batch-size", "0"}, "--batch-size 0"},
		{[]string{"--batch-size", "10001"}, "--batch-size 10001"},
		{[]string{"--cases", "single,huge"}, `--cases "huge"`},
		{[]string{"--cases", ""}, "--cases is empty"},
		{[]string{"--cases", "batch,batch"}, `--cases names "batch" twice`},
		{[]string{"--validators", "0"}, "--validators 0"},
		{[]string{"--http", "127.0.0.1:8080"}, "go together"},
		{[]string{"--grpc", "127.0.0.1:9004"}, "go together"},
		{[]string{"--http", "no-port", "--grpc", "127.0.0.1:9004"}, `--http "no-port"`},
		{[]string{"--json", filepath.Join(t.TempDir(), "missing", "api.json")}, "--json"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := newBenchAPICommand()
			cmd.SetArgs(tc.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.ExecuteContext(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("bench api %v: error %v, want one naming %q", tc.args, err, tc.want)
			}
		})
	}
}
