package soak

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// FlatWithin is how far the last minute's mean RSS may be from the second
// minute's for the soak to call memory flat.
const FlatWithin = 0.10

// Report is what a soak writes.
type Report struct {
	Version    int     `json:"version"`
	Started    string  `json:"started"`
	Machine    Machine `json:"machine"`
	DurationS  float64 `json:"duration_s"`
	Validators int     `json:"validators"`
	// MaxTPS is the committed rate while REST, gRPC and the topic were
	// flooded in the soak's mix, when the rate was not given.
	MaxTPS float64 `json:"max_tps,omitempty"`
	// Rate is the load offered, a third on each path.
	Rate float64 `json:"rate"`
	// CommittedBefore counts what the maximum's phase committed.
	CommittedBefore int64                 `json:"committed_before"`
	Paths           map[string]PathReport `json:"paths"`
	StatusReads     map[string]ReadStats  `json:"status_reads"`
	Summary         Summary               `json:"summary"`
	Minutes         []Minute              `json:"minutes"`
	Samples         []Sample              `json:"samples"`
}

// Machine describes where the soak ran.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
}

// Sample is one reading, T seconds into the soak. Memory is the target
// process's (bytes); Dirs are the directories' sizes (bytes); Committed
// counts transactions committed since the soak began, ChainTxs the chain's
// total.
type Sample struct {
	T         float64          `json:"t_s"`
	RSS       int64            `json:"rss"`
	HWM       int64            `json:"hwm"`
	RSSAnon   int64            `json:"rss_anon"`
	RSSFile   int64            `json:"rss_file"`
	HeapInUse int64            `json:"heap_in_use"`
	Dirs      map[string]int64 `json:"dirs"`
	Committed int64            `json:"committed"`
	ChainTxs  int64            `json:"chain_txs"`
	Accepted  int64            `json:"accepted"`
}

// Read is one timed status read.
type Read struct {
	T      float64
	Ms     float64
	Status int
	Err    string
}

// ReadStats sums up one status endpoint's reads.
type ReadStats struct {
	URL   string `json:"url"`
	Reads int    `json:"reads"`
	// Unanswered counts reads that failed, timed out or got a status that
	// is no answer (503 from a consistent read that could not be made).
	Unanswered   int       `json:"unanswered"`
	FirstFailure string    `json:"first_failure,omitempty"`
	P50Ms        float64   `json:"p50_ms"`
	P99Ms        float64   `json:"p99_ms"`
	MaxMs        float64   `json:"max_ms"`
	ByMinute     []float64 `json:"p99_ms_by_minute"`
}

// PathReport counts what one submission path had accepted.
type PathReport struct {
	Accepted   int64  `json:"accepted"`
	Failed     int64  `json:"failed"`
	FirstError string `json:"first_error,omitempty"`
}

// Minute sums up the samples taken in one minute of the soak.
type Minute struct {
	Minute int `json:"minute"`
	// RSSMiB and HeapMiB are the means of the minute's samples.
	RSSMiB  float64 `json:"rss_mib"`
	HeapMiB float64 `json:"heap_mib"`
	// CommittedTPS is the minute's commit rate.
	CommittedTPS float64 `json:"committed_tps"`
	// DirsMiB are the directories' sizes at the minute's last sample.
	DirsMiB map[string]float64 `json:"dirs_mib"`
}

// Summary holds the soak's figures.
type Summary struct {
	Committed    int64   `json:"committed"`
	CommittedTPS float64 `json:"committed_tps"`
	// RSSSecondMinuteMiB and RSSLastMinuteMiB are the minutes' mean RSS;
	// Flat says whether the last is within FlatWithin of the second.
	RSSSecondMinuteMiB float64 `json:"rss_second_minute_mib"`
	RSSLastMinuteMiB   float64 `json:"rss_last_minute_mib"`
	RSSLastOverSecond  float64 `json:"rss_last_over_second"`
	Flat               bool    `json:"flat"`
	PeakRSSMiB         float64 `json:"peak_rss_mib"`
	// DiskBytesPerTx is each validator's data dir at the end over the
	// chain's transactions; DiskGrowthBytesPerTx what it grew by per
	// transaction committed after the first minute (the WAL, snapshots and
	// other fixed costs are full by then).
	DiskBytesPerTx       map[string]float64 `json:"disk_bytes_per_tx"`
	DiskGrowthBytesPerTx map[string]float64 `json:"disk_growth_bytes_per_tx"`
}

const mib = 1 << 20

// summarize fills Minutes and Summary from the samples.
func (r *Report) summarize(validators []string) {
	s := r.Samples
	if len(s) == 0 {
		return
	}
	last := s[len(s)-1]
	minutes := int(r.DurationS / 60)
	for m := range minutes {
		var in []Sample
		for _, x := range s {
			if x.T >= float64(m*60) && x.T < float64((m+1)*60) {
				in = append(in, x)
			}
		}
		if len(in) == 0 {
			continue
		}
		mn := Minute{Minute: m + 1, DirsMiB: make(map[string]float64)}
		for _, x := range in {
			mn.RSSMiB += float64(x.RSS) / mib / float64(len(in))
			mn.HeapMiB += float64(x.HeapInUse) / mib / float64(len(in))
		}
		end := in[len(in)-1]
		for name, b := range end.Dirs {
			mn.DirsMiB[name] = float64(b) / mib
		}
		prev := sampleBefore(s, float64(m*60))
		if prev == nil {
			prev = &s[0]
		}
		if end.T > prev.T {
			mn.CommittedTPS = float64(end.Committed-prev.Committed) / (end.T - prev.T)
		}
		r.Minutes = append(r.Minutes, mn)
	}
	sum := Summary{Committed: last.Committed, DiskBytesPerTx: map[string]float64{}, DiskGrowthBytesPerTx: map[string]float64{}}
	if last.T > 0 {
		sum.CommittedTPS = float64(last.Committed) / last.T
	}
	for _, x := range s {
		sum.PeakRSSMiB = max(sum.PeakRSSMiB, float64(x.HWM)/mib)
	}
	if len(r.Minutes) >= 2 {
		sum.RSSSecondMinuteMiB = r.Minutes[1].RSSMiB
		sum.RSSLastMinuteMiB = r.Minutes[len(r.Minutes)-1].RSSMiB
		if sum.RSSSecondMinuteMiB > 0 {
			sum.RSSLastOverSecond = sum.RSSLastMinuteMiB / sum.RSSSecondMinuteMiB
			sum.Flat = sum.RSSLastOverSecond <= 1+FlatWithin && sum.RSSLastOverSecond >= 1-FlatWithin
		}
	}
	first := sampleBefore(s, 60)
	for _, v := range validators {
		if last.ChainTxs > 0 {
			sum.DiskBytesPerTx[v] = float64(last.Dirs[v]) / float64(last.ChainTxs)
		}
		if first != nil && last.Committed > first.Committed {
			sum.DiskGrowthBytesPerTx[v] = float64(last.Dirs[v]-first.Dirs[v]) / float64(last.Committed-first.Committed)
		}
	}
	r.Summary = sum
}

// sampleBefore is the last sample taken at or before t, nil if none.
func sampleBefore(s []Sample, t float64) *Sample {
	var out *Sample
	for i := range s {
		if s[i].T <= t {
			out = &s[i]
		}
	}
	return out
}

// WriteMarkdown writes the report as tables.
func (r *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "Soak, %d validators, %.0f s at %.0f tx/s offered (a third each over REST, gRPC and the topic)", r.Validators, r.DurationS, r.Rate)
	if r.MaxTPS > 0 {
		fmt.Fprintf(w, ", half of the %.0f tx/s committed while REST, gRPC and the topic were flooded", r.MaxTPS)
	}
	fmt.Fprintf(w, "; %d CPUs (GOMAXPROCS %d), %s\n\n", r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.Go)
	s := r.Summary
	fmt.Fprintln(w, "| figure | value |")
	fmt.Fprintln(w, "| --- | ---: |")
	fmt.Fprintf(w, "| committed during the soak | %d (%.0f tx/s) |\n", s.Committed, s.CommittedTPS)
	paths := slices.Sorted(maps.Keys(r.Paths))
	for _, p := range paths {
		pr := r.Paths[p]
		fmt.Fprintf(w, "| accepted over %s / failed | %d / %d |\n", p, pr.Accepted, pr.Failed)
	}
	fmt.Fprintf(w, "| RSS, mean of minute 2 / of the last minute | %.0f / %.0f MiB (%.2f×, flat within %.0f%%: %v) |\n",
		s.RSSSecondMinuteMiB, s.RSSLastMinuteMiB, s.RSSLastOverSecond, FlatWithin*100, s.Flat)
	fmt.Fprintf(w, "| peak RSS (VmHWM) | %.0f MiB |\n", s.PeakRSSMiB)
	for _, v := range slices.Sorted(maps.Keys(s.DiskBytesPerTx)) {
		fmt.Fprintf(w, "| %s data dir, bytes per transaction of the chain / grown per transaction after minute 1 | %.0f / %.0f |\n",
			v, s.DiskBytesPerTx[v], s.DiskGrowthBytesPerTx[v])
	}
	for _, name := range slices.Sorted(maps.Keys(r.StatusReads)) {
		st := r.StatusReads[name]
		fmt.Fprintf(w, "| status read %s: answered / reads, p50 / p99 / max ms | %d / %d, %.1f / %.1f / %.1f |\n",
			strings.TrimPrefix(st.URL, "http://"), st.Reads-st.Unanswered, st.Reads, st.P50Ms, st.P99Ms, st.MaxMs)
	}
	fmt.Fprintln(w)
	dirs := []string{}
	if len(r.Minutes) > 0 {
		dirs = slices.Sorted(maps.Keys(r.Minutes[0].DirsMiB))
	}
	fmt.Fprint(w, "| minute | RSS MiB | Go heap MiB | committed tx/s |")
	for _, d := range dirs {
		fmt.Fprintf(w, " %s MiB |", d)
	}
	reads := slices.Sorted(maps.Keys(r.StatusReads))
	for _, name := range reads {
		fmt.Fprintf(w, " %s p99 ms |", name)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "| ---: | ---: | ---: | ---: |")
	for range len(dirs) + len(reads) {
		fmt.Fprint(w, " ---: |")
	}
	fmt.Fprintln(w)
	for i, m := range r.Minutes {
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.0f |", m.Minute, m.RSSMiB, m.HeapMiB, m.CommittedTPS)
		for _, d := range dirs {
			fmt.Fprintf(w, " %.0f |", m.DirsMiB[d])
		}
		for _, name := range reads {
			byMinute := r.StatusReads[name].ByMinute
			if i < len(byMinute) {
				fmt.Fprintf(w, " %.1f |", byMinute[i])
			} else {
				fmt.Fprint(w, " |")
			}
		}
		fmt.Fprintln(w)
	}
}
