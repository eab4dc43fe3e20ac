// Package anomaly finds the points of a regularly sampled series that do
// not fit its recent shape: spikes and drops in TPS, volume or latency.
package anomaly

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Options tune Detect. The zero value is usable.
type Options struct {
	// Period is the season length in steps (e.g. 60 for per-minute points
	// with an hourly pattern); 0 or 1 means no seasonality.
	Period int
	// Window is how many neighbouring points (or, with a period, same-phase
	// points) form each point's baseline; 7 when 0.
	Window int
	// Threshold is how many robust standard deviations from the baseline
	// make an anomaly; 3.5 when 0.
	Threshold float64
}

// Anomaly is a point that stands out.
type Anomaly struct {
	Index    int     `json:"index"`
	Value    float64 `json:"value"`
	Expected float64 `json:"expected"`
	// Score is the distance from Expected in robust standard deviations
	// (1.4826 × the median absolute deviation of all residuals): positive
	// for spikes, negative for drops.
	Score float64 `json:"score"`
}

// Detect scores every point against a baseline built only from medians, so
// the anomalies themselves do not drag the baseline towards them: a linear
// trend (the median slope between points one season apart), a seasonal
// part (the median of the Window same-phase neighbours of the detrended
// series) and a slowly drifting level (a running median of what is left).
// Points whose residual is further than Threshold robust standard
// deviations from the median residual are returned in index order.
func Detect(y []float64, opts Options) ([]Anomaly, error) {
	if opts.Window == 0 {
		opts.Window = 7
	}
	if opts.Threshold == 0 {
		opts.Threshold = 3.5
	}
	if opts.Window < 3 || opts.Threshold <= 0 || opts.Period < 0 {
		return nil, fmt.Errorf("anomaly: window %d, threshold %v, period %d: need a window of at least 3, a positive threshold and a period of 0 or more", opts.Window, opts.Threshold, opts.Period)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("anomaly: point %d is %v", i, v)
		}
	}
	period := max(opts.Period, 1)
	if len(y) < 2*opts.Window {
		return nil, nil
	}
	// Trend: the median slope between points one season apart, in which
	// the seasonal pattern cancels exactly.
	slopes := make([]float64, 0, len(y)-period)
	for i := 0; i+period < len(y); i++ {
		slopes = append(slopes, (y[i+period]-y[i])/float64(period))
	}
	slope := median(slopes)
	detrended := make([]float64, len(y))
	for i := range y {
		detrended[i] = y[i] - slope*float64(i)
	}
	// Season: the median of the same-phase neighbours of the detrended series.
	seasonal := make([]float64, len(y))
	if period > 1 {
		for i := range y {
			seasonal[i] = median(window(detrended, i, opts.Window, period))
		}
	}
	// Level: what is left drifts slowly; a running median over an odd span
	// follows it without following single points.
	rest := make([]float64, len(y))
	for i := range y {
		rest[i] = detrended[i] - seasonal[i]
	}
	span := (2*opts.Window + 1) | 1
	expected := make([]float64, len(y))
	resid := make([]float64, len(y))
	for i := range y {
		lo := min(max(i-span/2, 0), max(len(y)-span, 0))
		level := median(rest[lo:min(lo+span, len(y))])
		expected[i] = slope*float64(i) + seasonal[i] + level
		resid[i] = y[i] - expected[i]
	}
	center := median(resid)
	dev := make([]float64, len(resid))
	for i, r := range resid {
		dev[i] = math.Abs(r - center)
	}
	scale := 1.4826 * median(dev)
	if scale == 0 {
		// More than half the residuals are exactly typical (an idle chain's
		// zeros): the mean deviation still measures the rest.
		var sum float64
		for _, d := range dev {
			sum += d
		}
		scale = 1.2533 * sum / float64(len(dev))
	}
	if floor := 1e-9 * (math.Abs(median(y)) + 1); scale < floor {
		// A (nearly) exact series: rounding is not an anomaly.
		scale = floor
	}
	var out []Anomaly
	for i, r := range resid {
		if z := (r - center) / scale; math.Abs(z) > opts.Threshold {
			out = append(out, Anomaly{Index: i, Value: y[i], Expected: expected[i], Score: z})
		}
	}
	return out, nil
}

// window returns up to n points around i, stepping by stride, i itself
// excluded, shifted inwards at the edges so each point gets n neighbours.
func window(y []float64, i, n, stride int) []float64 {
	var idx []int
	for k := i - stride; k >= 0 && len(idx) < n/2; k -= stride {
		idx = append(idx, k)
	}
	for k := i + stride; k < len(y) && len(idx) < n; k += stride {
		idx = append(idx, k)
	}
	for k := i - stride*(len(idx)/2+1); k >= 0 && len(idx) < n; k -= stride {
		if !slices.Contains(idx, k) {
			idx = append(idx, k)
		}
	}
	out := make([]float64, len(idx))
	for j, k := range idx {
		out[j] = y[k]
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.SortFunc(s, cmp.Compare[float64])
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
