package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// synthetic is a daily-seasonal series with trend and noise: period 24,
// level 200, trend 0.4 per step, amplitude 40, noise sd 4.
func synthetic(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	y := make([]float64, n)
	for t := range y {
		y[t] = 200 + 0.4*float64(t) + 40*math.Sin(2*math.Pi*float64(t)/24) + 15*math.Cos(4*math.Pi*float64(t)/24) + rng.NormFloat64()*4
	}
	return y
}

// evaluation is rolling-origin: fit on everything before each origin,
// forecast the next horizon steps, and score them against what came.
type evaluation struct {
	mapeModel, mapeNaive float64
	coverage             float64
	points               int
}

func evaluate(t *testing.T, y []float64, period, train, horizon, origins int) evaluation {
	t.Helper()
	var ev evaluation
	var actual, model, naive []float64
	covered := 0
	for o := range origins {
		end := train + o*horizon
		hist, next := y[:end], y[end:end+horizon]
		m, err := Fit(hist, period)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := m.Forecast(horizon, 0.8)
		if err != nil {
			t.Fatal(err)
		}
		sn, err := SeasonalNaive(hist, period, horizon)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range fc {
			model = append(model, p.Mean)
			if next[i] >= p.Lo && next[i] <= p.Hi {
				covered++
			}
		}
		actual = append(actual, next...)
		naive = append(naive, sn...)
	}
	ev.mapeModel, ev.mapeNaive = MAPE(actual, model), MAPE(actual, naive)
	ev.points = len(actual)
	ev.coverage = float64(covered) / float64(len(actual))
	return ev
}

func TestHoltWintersBeatsSeasonalNaiveOnSyntheticSeries(t *testing.T) {
	const period, train, horizon, origins = 24, 24 * 8, 24, 40
	y := synthetic(train+horizon*origins, 7)
	ev := evaluate(t, y, period, train, horizon, origins)
	t.Logf("%d held-out points: MAPE %.2f%% (seasonal naive %.2f%%), 80%% interval coverage %.1f%%",
		ev.points, ev.mapeModel, ev.mapeNaive, 100*ev.coverage)
	if ev.mapeModel > 0.8*ev.mapeNaive {
		t.Fatalf("MAPE %.2f%% is not at least 20%% better than seasonal naive's %.2f%%", ev.mapeModel, ev.mapeNaive)
	}
	if ev.coverage < 0.75 || ev.coverage > 0.85 {
		t.Fatalf("80%% prediction intervals covered %.1f%% of held-out points, want 75-85%%", 100*ev.coverage)
	}
}

func TestFitRecoversAnExactSeasonalLine(t *testing.T) {
	y := make([]float64, 24*6)
	for i := range y {
		y[i] = 10 + 2*float64(i) + []float64{5, -5, 0, 3}[i%4]
	}
	m, err := Fit(y, 4)
	if err != nil {
		t.Fatal(err)
	}
	fc, _ := m.Forecast(8, 0.8)
	for i, p := range fc {
		n := len(y) + i
		want := 10 + 2*float64(n) + []float64{5, -5, 0, 3}[n%4]
		if math.Abs(p.Mean-want) > 1e-6 {
			t.Fatalf("step %d: forecast %v, want %v", i+1, p.Mean, want)
		}
	}
	if m.Sigma() > 1e-6 {
		t.Fatalf("a noiseless series has error sd %v, want 0", m.Sigma())
	}
}

func TestForecastInputErrors(t *testing.T) {
	tests := []struct {
		name   string
		y      []float64
		period int
		want   error
	}{
		{"one season", make([]float64, 24), 24, ErrTooShort},
		{"period 1", make([]float64, 10), 1, nil},
		{"NaN", append(make([]float64, 47), math.NaN()), 24, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(tc.y, tc.period)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Fit = %v, want an error (%v)", err, tc.want)
			}
		})
	}
	m, _ := Fit(synthetic(96, 1), 24)
	if _, err := m.Forecast(0, 0.8); err == nil {
		t.Fatal("Forecast(0) succeeded")
	}
	if _, err := m.Forecast(3, 1.5); err == nil {
		t.Fatal("Forecast with coverage 1.5 succeeded")
	}
}

func TestNormalQuantile(t *testing.T) {
	for p, want := range map[float64]float64{0.5: 0, 0.9: 1.2815515655, 0.975: 1.9599639845, 0.01: -2.3263478740} {
		if got := normalQuantile(p); math.Abs(got-want) > 1e-8 {
			t.Errorf("normalQuantile(%v) = %v, want %v", p, got, want)
		}
	}
}

func FuzzFit(f *testing.F) {
	f.Add(uint64(1), 4, 12)
	f.Fuzz(func(t *testing.T, seed uint64, period, n int) {
		if period < 2 || period > 50 || n < 0 || n > 400 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		y := make([]float64, n)
		for i := range y {
			y[i] = rng.NormFloat64() * 1e6
		}
		m, err := Fit(y, period)
		if err != nil {
			return
		}
		fc, err := m.Forecast(period, 0.8)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range fc {
			if math.IsNaN(p.Mean) || p.Lo > p.Mean || p.Hi < p.Mean {
				t.Fatalf("bad forecast point %+v", p)
			}
		}
	})
}

// TestHoltWintersBeatsSeasonalNaiveOnARecordedRun evaluates the model on
// the committed throughput of a real `aurigraph dev` run under a seasonal
// load (test/record_seasonal.sh): 1 s buckets, in which block boundaries
// make the noise, and a season of 60.
func TestHoltWintersBeatsSeasonalNaiveOnARecordedRun(t *testing.T) {
	raw, err := os.ReadFile("testdata/recorded_tps.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Points []struct {
			V float64 `json:"v"`
		} `json:"points"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	y := make([]float64, len(rec.Points))
	for i, p := range rec.Points {
		y[i] = p.V
	}
	const period, horizon = 60, 60
	train := 3 * period
	origins := (len(y) - train) / horizon
	if origins < 2 {
		t.Fatalf("recorded series of %d points is too short", len(y))
	}
	ev := evaluate(t, y, period, train, horizon, origins)
	t.Logf("recorded run, %d held-out points: MAPE %.2f%% (seasonal naive %.2f%%), 80%% interval coverage %.1f%%",
		ev.points, ev.mapeModel, ev.mapeNaive, 100*ev.coverage)
	if ev.mapeModel >= ev.mapeNaive {
		t.Fatalf("MAPE %.2f%% does not beat seasonal naive's %.2f%% on the recorded run", ev.mapeModel, ev.mapeNaive)
	}
}
