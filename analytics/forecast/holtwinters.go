// Package forecast predicts the next values of a regularly sampled series
// (TPS per minute, volume per hour, ...) with additive Holt-Winters
// exponential smoothing, and says how sure it is with prediction intervals.
package forecast

import (
	"errors"
	"fmt"
	"math"
)

// HoltWinters is a fitted additive Holt-Winters model (ETS(A,A,A)): a level,
// a linear trend and a seasonal pattern of Period steps, each updated by
// exponential smoothing.
type HoltWinters struct {
	Alpha, Beta, Gamma float64 // smoothing of level, trend and season, in (0, 1)
	Period             int

	level, trend float64
	season       []float64 // season[i] applies to the step i steps after the last one, mod Period
	sigma        float64   // standard deviation of the one-step-ahead errors
	n            int
}

// Point is one forecast step.
type Point struct {
	Mean float64 `json:"mean"`
	// Lo and Hi bound the prediction interval of the coverage asked for.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// ErrTooShort is returned when a series holds fewer than two seasons.
var ErrTooShort = errors.New("forecast: need at least two full seasons of history")

// Fit chooses the smoothing parameters that minimise the one-step-ahead
// squared error over y, searching a coarse grid and then refining around
// the best point. y must hold at least two seasons of period steps.
func Fit(y []float64, period int) (*HoltWinters, error) {
	if period < 2 {
		return nil, fmt.Errorf("forecast: period %d: need at least 2 steps per season", period)
	}
	if len(y) < 2*period {
		return nil, fmt.Errorf("%w: %d points for a period of %d", ErrTooShort, len(y), period)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("forecast: point %d is %v", i, v)
		}
	}
	best := HoltWinters{Period: period}
	bestSSE := math.Inf(1)
	try := func(a, b, g float64) {
		if a <= 0 || a >= 1 || b <= 0 || b >= 1 || g <= 0 || g >= 1 {
			return
		}
		m := HoltWinters{Alpha: a, Beta: b, Gamma: g, Period: period}
		if sse := m.run(y); sse < bestSSE {
			bestSSE, best = sse, m
		}
	}
	grid := []float64{0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95}
	for _, a := range grid {
		for _, b := range grid {
			for _, g := range grid {
				try(a, b, g)
			}
		}
	}
	// Coordinate refinement: halve the step around the best point.
	for step := 0.05; step > 0.002; step /= 2 {
		a, b, g := best.Alpha, best.Beta, best.Gamma
		for _, da := range []float64{-step, 0, step} {
			for _, db := range []float64{-step, 0, step} {
				for _, dg := range []float64{-step, 0, step} {
					try(a+da, b+db, g+dg)
				}
			}
		}
	}
	best.run(y)
	return &best, nil
}

// run smooths y with the model's parameters, leaving the final state in m,
// and returns the sum of squared one-step-ahead errors after the first
// season (which only initialises the state).
func (m *HoltWinters) run(y []float64) float64 {
	p := m.Period
	var first, second float64
	for i := range p {
		first += y[i]
		second += y[p+i]
	}
	first /= float64(p)
	second /= float64(p)
	m.level = first
	m.trend = (second - first) / float64(p)
	season := make([]float64, p)
	for i := range p {
		season[i] = y[i] - (first + m.trend*(float64(i)-float64(p-1)/2))
	}
	// Rebase the first season so the level refers to its last step.
	m.level = first + m.trend*float64(p-1)/2
	var sse float64
	for t := p; t < len(y); t++ {
		s := season[t%p]
		predicted := m.level + m.trend + s
		err := y[t] - predicted
		sse += err * err
		prevLevel := m.level
		m.level = m.Alpha*(y[t]-s) + (1-m.Alpha)*(m.level+m.trend)
		m.trend = m.Beta*(m.level-prevLevel) + (1-m.Beta)*m.trend
		season[t%p] = m.Gamma*(y[t]-m.level) + (1-m.Gamma)*s
	}
	// Reorder so season[0] is the step right after the last observation.
	n := len(y)
	m.season = make([]float64, p)
	for i := range p {
		m.season[i] = season[(n+i)%p]
	}
	m.n = n
	if steps := n - p; steps > 1 {
		m.sigma = math.Sqrt(sse / float64(steps-1))
	}
	return sse
}

// Forecast returns the next h steps with prediction intervals that hold
// the true value with probability coverage (e.g. 0.8), assuming normal
// one-step errors. The interval widens with the horizon as the errors of
// level, trend and season accumulate (Hyndman et al., ETS(A,A,A)).
func (m *HoltWinters) Forecast(h int, coverage float64) ([]Point, error) {
	if h < 1 {
		return nil, fmt.Errorf("forecast: horizon %d: ask for at least 1 step", h)
	}
	if coverage <= 0 || coverage >= 1 {
		return nil, fmt.Errorf("forecast: coverage %v: use a probability between 0 and 1, e.g. 0.8", coverage)
	}
	z := normalQuantile(0.5 + coverage/2)
	out := make([]Point, h)
	var acc float64 // sum of c_j^2 for j < step
	for i := range h {
		step := i + 1
		mean := m.level + float64(step)*m.trend + m.season[i%m.Period]
		sd := m.sigma * math.Sqrt(1+acc)
		out[i] = Point{Mean: mean, Lo: mean - z*sd, Hi: mean + z*sd}
		c := m.Alpha * (1 + float64(step)*m.Beta)
		if step%m.Period == 0 {
			c += m.Gamma
		}
		acc += c * c
	}
	return out, nil
}

// Sigma is the standard deviation of the model's one-step-ahead errors.
func (m *HoltWinters) Sigma() float64 { return m.sigma }

// SeasonalNaive forecasts each of the next h steps as the value one season
// earlier: the baseline a seasonal model has to beat.
func SeasonalNaive(y []float64, period, h int) ([]float64, error) {
	if period < 1 || len(y) < period {
		return nil, fmt.Errorf("%w: %d points for a period of %d", ErrTooShort, len(y), period)
	}
	out := make([]float64, h)
	for i := range h {
		out[i] = y[len(y)-period+i%period]
	}
	return out, nil
}

// MAPE is the mean absolute percentage error of predicted against actual,
// in percent, over the points whose actual value is not zero.
func MAPE(actual, predicted []float64) float64 {
	var sum float64
	var n int
	for i := range min(len(actual), len(predicted)) {
		if actual[i] == 0 {
			continue
		}
		sum += math.Abs((actual[i] - predicted[i]) / actual[i])
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return 100 * sum / float64(n)
}

// normalQuantile is the inverse of the standard normal CDF (Acklam's
// rational approximation, relative error below 1.2e-9).
func normalQuantile(p float64) float64 {
	const (
		a1, a2, a3, a4, a5, a6 = -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
		b1, b2, b3, b4, b5     = -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01
		c1, c2, c3, c4, c5, c6 = -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
		d1, d2, d3, d4         = 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
		low                    = 0.02425
	)
	switch {
	case p <= 0:
		return math.Inf(-1)
	case p >= 1:
		return math.Inf(1)
	case p < low:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c1*q+c2)*q+c3)*q+c4)*q+c5)*q + c6) / ((((d1*q+d2)*q+d3)*q+d4)*q + 1)
	case p > 1-low:
		q := math.Sqrt(-2 * math.Log(1-p))
		return -(((((c1*q+c2)*q+c3)*q+c4)*q+c5)*q + c6) / ((((d1*q+d2)*q+d3)*q+d4)*q + 1)
	default:
		q := p - 0.5
		r := q * q
		return (((((a1*r+a2)*r+a3)*r+a4)*r+a5)*r + a6) * q / (((((b1*r+b2)*r+b3)*r+b4)*r+b5)*r + 1)
	}
}
