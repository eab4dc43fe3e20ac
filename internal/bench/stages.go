package bench

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/pprof/profile"
)

// StageCost is one stage's CPU per committed transaction in the max-rate
// phase, from a CPU profile of this process.
type StageCost struct {
	Stage  string  `json:"stage"`
	Micros float64 `json:"cpu_us_per_tx"`
	Share  float64 `json:"share"`
}

// stages names where a CPU sample was spent by the functions on its stack.
// The first stage any frame matches takes the sample, so the more specific
// come first: the applier's stacks run through the raft driver, the
// projector's through the blocks topic reader. Signature verification
// comes first: its batches run on goroutines of their own, whose stacks
// name neither ingest nor the state machine that asked.
var stages = []struct {
	name string
	re   *regexp.Regexp
}{
	{"signature verification (leader's ingest, state machines on a cache miss)", regexp.MustCompile(`aurigraph/internal/sigcache\.`)},
	{"validators: execute, Merkle root, dedup (all validators)", regexp.MustCompile(`aurigraph/consensus\.\(\*fsm\)\.apply$`)},
	{"validators: append blocks and index runs (all validators)", regexp.MustCompile(`aurigraph/consensus\.\(\*fsm\)\.persist|aurigraph/internal/blocklog\.`)},
	{"validators: decode raft entries (all validators)", regexp.MustCompile(`aurigraph/consensus\.\(\*Chain\)\.Apply`)},
	{"validators: raft loop, WAL, peer transport (all validators)", regexp.MustCompile(`aurigraph/internal/raftnode|go\.etcd\.io/|aurigraph/consensus\.\(\*Node\)`)},
	{"ingest on the leader: fetch, decode, check ids, batch", regexp.MustCompile(`aurigraph/ingest\.`)},
	{"block publisher", regexp.MustCompile(`aurigraph/stream\.\(\*Publisher\)`)},
	{"projector and the ClickHouse engine", regexp.MustCompile(`aurigraph/projector\.|aurigraph/internal/clickhouse|libchdb`)},
	{"live streams to subscribers", regexp.MustCompile(`aurigraph/stream\.`)},
	{"embedded broker", regexp.MustCompile(`kfake|aurigraph/ingest/broker`)},
	{"the benchmark's producers and observers", regexp.MustCompile(`aurigraph/internal/bench`)},
	{"Kafka clients' own goroutines (fetch, produce, metadata)", regexp.MustCompile(`twmb/franz-go/pkg/kgo\.`)},
	{"gRPC's own goroutines (mostly raft messages between validators)", regexp.MustCompile(`^google\.golang\.org/grpc`)},
	{"garbage collector", regexp.MustCompile(`^runtime\.(gcBgMarkWorker|bgsweep|bgscavenge)`)},
}

const otherStage = "other (scheduler, network polling, HTTP)"

// stageCosts splits the CPU time of a pprof CPU profile among the stages,
// per transaction committed while it was taken.
func stageCosts(prof []byte, committed uint64) ([]StageCost, error) {
	if committed == 0 {
		return nil, fmt.Errorf("bench: no transaction committed while profiling")
	}
	p, err := profile.Parse(bytes.NewReader(prof))
	if err != nil {
		return nil, fmt.Errorf("bench: read the CPU profile: %w", err)
	}
	cpu := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			cpu = i
		}
	}
	if cpu < 0 {
		return nil, fmt.Errorf("bench: the profile has no cpu samples")
	}
	ns := make(map[string]int64, len(stages)+1)
	var total int64
	for _, s := range p.Sample {
		if waitingOutsideGo(s) {
			continue
		}
		v := s.Value[cpu]
		total += v
		ns[stageOf(s)] += v
	}
	if total == 0 {
		return nil, fmt.Errorf("bench: the CPU profile is empty")
	}
	out := make([]StageCost, 0, len(stages)+1)
	for _, name := range append(stageNames(), otherStage) {
		if v := ns[name]; v > 0 {
			out = append(out, StageCost{Stage: name, Micros: float64(v) / 1e3 / float64(committed), Share: float64(v) / float64(total)})
		}
	}
	return out, nil
}

func stageNames() []string {
	names := make([]string, len(stages))
	for i, s := range stages {
		names[i] = s.name
	}
	return names
}

// waitingOutsideGo reports a sample of a thread the Go runtime did not
// start (its stack is runtime._ExternalCode) whose program counter lies
// outside the engine's library: in practice the engine's idle threads in
// glibc's futex wait. They are not CPU time. The process-wide profiling
// signal, refused by a Go thread that has signals blocked, is delivered to
// a sleeping thread instead: a signed max-rate profile held 2.38 s of them
// in 8 s (the whole profile came to 2.2 of the 2 cores), where perf on
// another signed max-rate phase saw 0.09% of the process's CPU in libc.
func waitingOutsideGo(s *profile.Sample) bool {
	external := false
	for _, loc := range s.Location {
		if inEngine(loc) {
			return false
		}
		for _, line := range loc.Line {
			if line.Function != nil && line.Function.Name == "runtime._ExternalCode" {
				external = true
			}
		}
	}
	return external
}

// inEngine reports whether loc lies in the ClickHouse engine's library.
func inEngine(loc *profile.Location) bool {
	return loc.Mapping != nil && strings.Contains(loc.Mapping.File, "libchdb")
}

func stageOf(s *profile.Sample) string {
	for _, st := range stages {
		for _, loc := range s.Location {
			if inEngine(loc) && st.re.MatchString("libchdb") {
				return st.name
			}
			for _, line := range loc.Line {
				if line.Function != nil && st.re.MatchString(line.Function.Name) {
					return st.name
				}
			}
		}
	}
	return otherStage
}
