package health

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// clock is a registry's time, moved by the test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)} }
func testRegistry(t *testing.T) (*Registry, *clock, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r, err := NewRegistry(reg)
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	r.now = c.now
	return r, c, reg
}

func get(t *testing.T, r *Registry, kind Kind) (int, Report) {
	t.Helper()
	mux := http.NewServeMux()
	r.Mount(mux)
	path := map[Kind]string{Combined: "/q/health", Live: "/q/health/live", Ready: "/q/health/ready"}[kind]
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	var rep Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("%s: %v: %s", path, err, rec.Body)
	}
	return rec.Code, rep
}

func check(rep Report, name string) Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

func TestLiveAndReadyJudgeDifferently(t *testing.T) {
	r, clk, reg := testRegistry(t)
	ingest := r.Add("ingest", Options{})
	validator := r.Add("consensus", Options{})
	ingest.Set(nil, nil)
	validator.Set(nil, map[string]any{"leader": 2})

	for _, kind := range []Kind{Combined, Live, Ready} {
		if code, rep := get(t, r, kind); code != 200 || rep.Status != "UP" {
			t.Fatalf("all working, kind %d: %d %s", kind, code, rep.Status)
		}
	}

	// Failing: not ready, still live (a restart would not help).
	clk.advance(time.Second)
	ingest.Set(errors.New("partition 3 stalled"), nil)
	if code, rep := get(t, r, Ready); code != 503 || check(rep, "ingest").Status != "DOWN" ||
		check(rep, "ingest").Data["reason"] != "partition 3 stalled" || check(rep, "consensus").Status != "UP" {
		t.Fatalf("ready with a failing stage: %d %+v", code, rep)
	}
	if code, _ := get(t, r, Combined); code != 503 {
		t.Fatalf("combined with a failing stage: %d, want 503", code)
	}
	if code, rep := get(t, r, Live); code != 200 || rep.Status != "UP" {
		t.Fatalf("live with a failing stage: %d %+v, want 200", code, rep)
	}
	if up := upValue(t, reg, "ingest"); up != 0 {
		t.Errorf("aurigraph_component_up{ingest} = %v, want 0", up)
	}
	if up := upValue(t, reg, "consensus"); up != 1 {
		t.Errorf("aurigraph_component_up{consensus} = %v, want 1", up)
	}

	// Halted: neither, and a later Set cannot revive it.
	validator.Halt(errors.New("storage failed"))
	validator.Set(nil, nil)
	if code, rep := get(t, r, Live); code != 503 || check(rep, "consensus").Data["halted"] != true {
		t.Fatalf("live with a halted stage: %d %+v", code, rep)
	}
	if code, _ := get(t, r, Ready); code != 503 {
		t.Fatalf("ready with a halted stage: %d", code)
	}
}

// upValue gathers aurigraph_component_up for component; -1 when absent.
func upValue(t *testing.T, reg *prometheus.Registry, component string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == "aurigraph_component_up" && m.GetLabel()[0].GetValue() == component {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

func TestComponentsStartNotReadyAndGoStale(t *testing.T) {
	r, clk, _ := testRegistry(t)
	broker := r.Add("kafka", Options{MaxAge: 10 * time.Second})
	if _, rep := get(t, r, Ready); rep.Status != "DOWN" || check(rep, "kafka").Data["reason"] != "not checked yet" {
		t.Fatalf("before its first check: %+v", rep)
	}
	broker.Set(nil, nil)
	clk.advance(9 * time.Second)
	if _, rep := get(t, r, Ready); rep.Status != "UP" {
		t.Fatalf("checked 9s ago: %+v", rep)
	}
	clk.advance(2 * time.Second)
	_, rep := get(t, r, Ready)
	if rep.Status != "DOWN" || !strings.Contains(check(rep, "kafka").Data["reason"].(string), "stuck") {
		t.Fatalf("checked 11s ago with MaxAge 10s: %+v", rep)
	}
	if _, rep := get(t, r, Live); rep.Status != "UP" {
		t.Fatalf("a stale check is not a reason to restart: %+v", rep)
	}
}

func TestSinceMarksTheLastChangeOfState(t *testing.T) {
	r, clk, _ := testRegistry(t)
	c := r.Add("projector", Options{Details: func() map[string]any { return map[string]any{"lag_blocks": 4} }})
	c.Set(nil, map[string]any{"height": 10})
	start := clk.t
	clk.advance(time.Minute)
	c.Set(nil, map[string]any{"height": 11})
	_, rep := get(t, r, Combined)
	got := check(rep, "projector")
	if got.Data["since"] != start.Format(time.RFC3339) {
		t.Errorf("since = %v, want the first UP at %v", got.Data["since"], start)
	}
	if got.Data["height"] != float64(11) || got.Data["lag_blocks"] != float64(4) {
		t.Errorf("data = %v, want the last set data with the details", got.Data)
	}
}

func TestBacklog(t *testing.T) {
	const stall = 30 * time.Second
	one := func(done, target int64) map[string]Position {
		return map[string]Position{"blocks": {Done: done, Target: target}}
	}
	type step struct {
		after  time.Duration
		report error
		sample map[string]Position
		err    error
		want   string // "" for UP, else a substring of the reason
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"caught up", []step{
			{sample: one(5, 5)},
			{after: time.Hour, sample: one(5, 5)},
		}},
		{"a failure with nothing to do is no failure", []step{
			{sample: one(5, 5)},
			{report: errors.New("MESSAGE_TOO_LARGE"), sample: one(5, 5)},
		}},
		{"a failure with a backlog is at once", []step{
			{sample: one(5, 5)},
			{after: time.Second, report: errors.New("MESSAGE_TOO_LARGE"), sample: one(5, 6), want: "failing: MESSAGE_TOO_LARGE"},
			{after: time.Second, sample: one(5, 7), want: "MESSAGE_TOO_LARGE"},
			// progress proves it works again
			{after: time.Second, sample: one(6, 7)},
		}},
		{"moving through a backlog is fine", []step{
			{sample: one(0, 100)},
			{after: 20 * time.Second, sample: one(10, 200)},
			{after: 20 * time.Second, sample: one(20, 300)},
			{after: 20 * time.Second, sample: one(30, 400)},
		}},
		{"stalled past the limit", []step{
			{sample: one(0, 100)},
			{after: 29 * time.Second, sample: one(0, 100)},
			{after: 2 * time.Second, sample: one(0, 100), want: "blocks: 100 widgets past 0, none processed for 31s"},
			{after: time.Second, sample: one(1, 100)},
		}},
		{"a backlog after a long quiet is not a stall", []step{
			{sample: one(7, 7)},
			{after: time.Hour, sample: one(7, 8)},
			{after: 29 * time.Second, sample: one(7, 8)},
			{after: 2 * time.Second, sample: one(7, 8), want: "none processed for 31s"},
		}},
		{"one stalled input among moving ones", []step{
			{sample: map[string]Position{"partition 0": {0, 10}, "partition 1": {0, 10}}},
			{after: 31 * time.Second, sample: map[string]Position{"partition 0": {5, 10}, "partition 1": {0, 10}}, want: "partition 1: 10 widgets past 0"},
		}},
		{"no sample", []step{
			{sample: one(5, 5)},
			{err: errors.New("broker unreachable"), want: "cannot tell whether it progresses: broker unreachable"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, clk, _ := testRegistry(t)
			b := NewBacklog(r.Add("stage", Options{}), stall, "widgets")
			for i, s := range tc.steps {
				clk.advance(s.after)
				if s.report != nil {
					b.Report(s.report)
				}
				b.Observe(s.sample, s.err)
				_, rep := get(t, r, Ready)
				c := check(rep, "stage")
				reason, _ := c.Data["reason"].(string)
				switch {
				case s.want == "" && c.Status != "UP":
					t.Fatalf("step %d: DOWN (%s), want UP", i, reason)
				case s.want != "" && (c.Status != "DOWN" || !strings.Contains(reason, s.want)):
					t.Fatalf("step %d: %s (%q), want DOWN with %q", i, c.Status, reason, s.want)
				}
			}
		})
	}
}
