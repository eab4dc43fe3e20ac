package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/aurigraph/aurigraph/internal/bench/ceiling"
)

// Report is the JSON a run writes; --compare reads two of them.
type Report struct {
	Version int      `json:"version"`
	Profile string   `json:"profile"`
	Started string   `json:"started"`
	Machine Machine  `json:"machine"`
	Config  Settings `json:"config"`

	// CommittedTPS is bench transactions/s committed in the steady part of
	// the max-rate phase.
	CommittedTPS float64 `json:"committed_tps"`
	// OfferedTPS is what the producers got the broker to take in that phase.
	OfferedTPS float64          `json:"offered_tps"`
	Ceilings   ceiling.Ceilings `json:"ceilings"`
	// Ratios are CommittedTPS over each ceiling.
	Ratios map[string]float64 `json:"ratios"`

	// LatencyRate is the open-loop rate of the latency phase: a share of
	// CommittedTPS (or --rate).
	LatencyRate      float64 `json:"latency_rate"`
	LatencyCommitted float64 `json:"latency_phase_committed_tps"`
	// LatencyMs holds the stages of the latency phase: submit_commit per
	// transaction, commit_projected and commit_delivered per block, and
	// submit_projected and submit_delivered per transaction.
	LatencyMs map[string]Percentiles `json:"latency_ms"`

	// PeakRSSBytes and CPUSeconds cover the pipeline (with the producers
	// and observers of this process) up to the end of the load phases.
	PeakRSSBytes PeakRSS `json:"peak_rss_bytes"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	// StartupMs is how long a restart on the run's data dir took until the
	// API listened ("ready") and until a leader was elected ("leader").
	StartupMs map[string]float64 `json:"startup_ms"`
	// StageCosts split the CPU of a pipeline running in this process among
	// its stages, per transaction committed in the profiled phase.
	StageCosts []StageCost `json:"stage_cpu_us_per_tx,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
}

// Settings echoes the run's configuration.
type Settings struct {
	DurationS  float64 `json:"duration_s"`
	Producers  int     `json:"producers"`
	Rate       float64 `json:"rate"`
	TxSize     int     `json:"tx_size"`
	Signed     bool    `json:"signed"`
	Validators int     `json:"validators"`
}

// PeakRSS is the high-water mark of resident memory. In dev mode the
// validators share one process with the broker, the engine and the
// projector, so only Total is measured there; with validators in processes
// of their own each is measured.
type PeakRSS struct {
	Validator *int64           `json:"validator"`
	Total     int64            `json:"total"`
	ByProcess map[string]int64 `json:"by_process,omitempty"`
	// ValidatorAnon is the largest anonymous resident memory a validator
	// process was seen with (sampled): its heap and stacks without the file
	// pages of the block store's memory map that Validator also counts.
	ValidatorAnon *int64 `json:"validator_anon,omitempty"`
}

// Percentiles of one latency distribution, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	ms := func(us int64) float64 { return math.Round(float64(us)/10) / 100 }
	return Percentiles{
		Count: h.TotalCount(),
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
	}
}

// WriteJSON writes r to path, indented.
func (r *Report) WriteJSON(path string) error { return writeJSON(path, r) }

// WriteJSON writes r to path, indented.
func (r *StreamReport) WriteJSON(path string) error { return writeJSON(path, r) }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// ReadReport reads a report written by WriteJSON.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode report %s: %w", path, err)
	}
	return &r, nil
}

// figures lists the report's headline numbers in a fixed order, for the
// table and for comparisons.
func (r *Report) figures() [][2]any {
	f := [][2]any{
		{"committed_tps", r.CommittedTPS},
		{"ceilings.log_tps", r.Ceilings.LogTPS},
		{"ceilings.raft_tps", r.Ceilings.RaftTPS},
		{"ceilings.apply_tps", r.Ceilings.ApplyTPS},
		{"ceilings.verify_tps", r.Ceilings.VerifyTPS},
		{"ceilings.clickhouse_rows_per_s", r.Ceilings.ClickHouseRowsPerS},
		{"latency_rate", r.LatencyRate},
	}
	for _, stage := range []string{"submit_commit", "commit_projected", "submit_projected", "commit_delivered", "submit_delivered"} {
		p := r.LatencyMs[stage]
		f = append(f, [2]any{"latency_ms." + stage + ".p50", p.P50}, [2]any{"latency_ms." + stage + ".p99", p.P99})
		if stage == "submit_commit" {
			f = append(f, [2]any{"latency_ms." + stage + ".p999", p.P999})
		}
	}
	f = append(f, [2]any{"peak_rss_bytes.total", float64(r.PeakRSSBytes.Total)})
	if r.PeakRSSBytes.Validator != nil {
		f = append(f, [2]any{"peak_rss_bytes.validator", float64(*r.PeakRSSBytes.Validator)})
	}
	f = append(f, [2]any{"cpu_seconds", r.CPUSeconds})
	for _, k := range []string{"ready", "leader"} {
		f = append(f, [2]any{"startup_ms." + k, r.StartupMs[k]})
	}
	return f
}

// WriteMarkdown writes the short table README shows.
func (r *Report) WriteMarkdown(w io.Writer) {
	mode := "unsigned"
	if r.Config.Signed {
		mode = "signed"
	}
	fmt.Fprintf(w, "Profile %s, %d validators, %d producers, %d-byte %s transactions, %d CPUs (GOMAXPROCS %d), %s\n\n",
		r.Profile, r.Config.Validators, r.Config.Producers, r.Config.TxSize, mode, r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.Go)
	fmt.Fprintln(w, "| figure | value | share |")
	fmt.Fprintln(w, "| --- | ---: | ---: |")
	phase := "max-rate phase"
	if r.Config.Rate > 0 {
		phase = "open loop at --rate"
	}
	fmt.Fprintf(w, "| committed tx/s (%s) | %s | |\n", phase, HumanRate(r.CommittedTPS))
	for _, c := range []struct {
		name, key string
		v         float64
	}{
		{"log produce+consume records/s", "log", r.Ceilings.LogTPS},
		{"raft commit tx/s, no state machine", "raft", r.Ceilings.RaftTPS},
		{"state machine apply+persist tx/s", "apply", r.Ceilings.ApplyTPS},
		{"signature verification tx/s", "verify", r.Ceilings.VerifyTPS},
		{"ClickHouse insert rows/s", "clickhouse", r.Ceilings.ClickHouseRowsPerS},
	} {
		share := ""
		if v, ok := r.Ratios[c.key]; ok {
			share = fmt.Sprintf("%.0f%%", 100*v)
		}
		fmt.Fprintf(w, "| ceiling: %s | %s | %s |\n", c.name, HumanRate(c.v), share)
	}
	fmt.Fprintf(w, "| latency phase: offered tx/s (open loop) | %s | |\n", HumanRate(r.LatencyRate))
	for _, s := range []struct{ name, key string }{
		{"submit → commit", "submit_commit"},
		{"commit → ClickHouse visible", "commit_projected"},
		{"submit → ClickHouse visible", "submit_projected"},
		{"commit → WebSocket delivered", "commit_delivered"},
		{"submit → WebSocket delivered", "submit_delivered"},
	} {
		p, ok := r.LatencyMs[s.key]
		if !ok {
			fmt.Fprintf(w, "| %s ms | not measured | |\n", s.name)
			continue
		}
		fmt.Fprintf(w, "| %s ms p50 / p99 / p99.9 | %.1f / %.1f / %.1f | |\n", s.name, p.P50, p.P99, p.P999)
	}
	if r.PeakRSSBytes.Validator != nil {
		fmt.Fprintf(w, "| peak RSS, largest validator process | %.0f MiB | |\n", float64(*r.PeakRSSBytes.Validator)/(1<<20))
		if a := r.PeakRSSBytes.ValidatorAnon; a != nil {
			fmt.Fprintf(w, "| of which anonymous (heap, stacks; the rest is the block store's mapped file) | %.0f MiB | |\n", float64(*a)/(1<<20))
		}
		fmt.Fprintf(w, "| peak RSS, all processes | %.0f MiB | |\n", float64(r.PeakRSSBytes.Total)/(1<<20))
	} else {
		fmt.Fprintf(w, "| peak RSS, whole process | %.0f MiB | |\n", float64(r.PeakRSSBytes.Total)/(1<<20))
	}
	fmt.Fprintf(w, "| CPU seconds | %.1f | |\n", r.CPUSeconds)
	if len(r.StartupMs) == 0 {
		fmt.Fprintln(w, "| restart to API ready / to leader | not measured (a cluster the bench did not start) | |")
	} else {
		fmt.Fprintf(w, "| restart to API ready / to leader | %.0f ms / %.0f ms | |\n", r.StartupMs["ready"], r.StartupMs["leader"])
	}
	if len(r.StageCosts) == 0 {
		return
	}
	var total float64
	for _, c := range r.StageCosts {
		total += c.Micros
	}
	fmt.Fprintf(w, "\nCPU per committed transaction, by stage (profile of the %s, this process): %.2f µs\n\n", phase, total)
	fmt.Fprintln(w, "| stage | µs of CPU a transaction | share |")
	fmt.Fprintln(w, "| --- | ---: | ---: |")
	for _, c := range r.StageCosts {
		fmt.Fprintf(w, "| %s | %.2f | %.0f%% |\n", c.Stage, c.Micros, 100*c.Share)
	}
}

// WriteComparison prints every headline figure of old and r with r/old.
func (r *Report) WriteComparison(w io.Writer, old *Report) {
	fmt.Fprintln(w, "| figure | old | new | new/old |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	prev := map[string]float64{}
	for _, f := range old.figures() {
		prev[f[0].(string)] = f[1].(float64)
	}
	for _, f := range r.figures() {
		name, v := f[0].(string), f[1].(float64)
		ratio := "n/a"
		if o := prev[name]; o != 0 {
			ratio = fmt.Sprintf("%.2f", v/o)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, trim(prev[name]), trim(v), ratio)
	}
}

func trim(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// HumanRate writes a rate as 1.23M, 45.6K or 789.
func HumanRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
