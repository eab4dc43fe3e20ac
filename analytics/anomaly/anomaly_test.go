package anomaly

import (
	"math"
	"math/rand/v2"
	"testing"
)

// injected builds a seasonal series with trend and noise (sd 3) and adds
// spikes and drops of 6 to 12 noise sds at distinct random points.
func injected(n, period, count int, seed uint64) (y []float64, truth map[int]bool) {
	rng := rand.New(rand.NewPCG(seed, 42))
	y = make([]float64, n)
	for t := range y {
		y[t] = 500 + 0.2*float64(t) + 60*math.Sin(2*math.Pi*float64(t)/float64(period)) + rng.NormFloat64()*3
	}
	truth = map[int]bool{}
	for len(truth) < count {
		i := rng.IntN(n)
		if truth[i] || truth[i-1] || truth[i+1] {
			continue
		}
		size := 18 + rng.Float64()*18
		if rng.IntN(2) == 0 {
			size = -size
		}
		y[i] += size
		truth[i] = true
	}
	return y, truth
}

func TestDetectFindsInjectedSpikesAndDrops(t *testing.T) {
	tests := []struct {
		name   string
		period int
	}{
		{"hourly pattern in minutes", 60},
		{"daily pattern in hours", 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tp, fp, fn int
			for seed := range uint64(5) {
				y, truth := injected(tc.period*20, tc.period, 30, seed)
				found, err := Detect(y, Options{Period: tc.period})
				if err != nil {
					t.Fatal(err)
				}
				flagged := map[int]bool{}
				for _, a := range found {
					flagged[a.Index] = true
					if truth[a.Index] {
						tp++
					} else {
						fp++
					}
				}
				for i := range truth {
					if !flagged[i] {
						fn++
						t.Logf("missed %d of %d (seed %d): %.1f", i, len(y), seed, y[i])
					}
				}
			}
			precision := float64(tp) / float64(tp+fp)
			recall := float64(tp) / float64(tp+fn)
			t.Logf("precision %.3f recall %.3f (%d true, %d false, %d missed)", precision, recall, tp, fp, fn)
			if precision < 0.9 || recall < 0.9 {
				t.Fatalf("precision %.3f, recall %.3f: want both at least 0.9", precision, recall)
			}
		})
	}
}

func TestDetectSignsAndExpectations(t *testing.T) {
	y := make([]float64, 100)
	for i := range y {
		y[i] = 100 + float64(i%10)
	}
	y[40] += 50
	y[70] -= 50
	found, err := Detect(y, Options{Period: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || found[0].Index != 40 || found[0].Score <= 0 || found[1].Index != 70 || found[1].Score >= 0 {
		t.Fatalf("found %+v, want a spike at 40 and a drop at 70", found)
	}
	if math.Abs(found[0].Expected-100) > 1e-9 {
		t.Fatalf("expected value at 40 = %v, want 100", found[0].Expected)
	}
}

func TestDetectInputs(t *testing.T) {
	if found, err := Detect([]float64{1, 2, 3}, Options{}); err != nil || found != nil {
		t.Fatalf("short series: %v, %v; want nothing", found, err)
	}
	if _, err := Detect(make([]float64, 50), Options{Window: 2}); err == nil {
		t.Fatal("window 2 accepted")
	}
	if _, err := Detect(append(make([]float64, 49), math.Inf(1)), Options{}); err == nil {
		t.Fatal("an infinite point accepted")
	}
}
