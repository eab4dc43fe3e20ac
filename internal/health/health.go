// Package health keeps what each stage of a process says about itself and
// serves it as Quarkus-style health endpoints: /q/health/live (is every loop
// still running: restart the process if not), /q/health/ready (can it serve
// users now: send them elsewhere if not) and /q/health (both, with every
// check's details).
//
// Stages and their watchers write a Component's state whenever they learn
// something; the endpoints and the aurigraph_component_up metric only read
// the last state, so a health check never waits on storage, a query or the
// network, however stuck those are. A component whose watcher stops
// reporting goes stale, and stale is not ready.
package health

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Reporter is how a stage reports a failure it is retrying through: the
// error while it fails. A stage does not report success; its watcher sees
// progress (see Backlog).
type Reporter interface {
	Report(err error)
}

// Registry holds the components of one process.
type Registry struct {
	mu    sync.RWMutex
	comps []*Component
	now   func() time.Time
}

// NewRegistry returns an empty registry whose aurigraph_component_up series
// are registered with reg (nil: none).
func NewRegistry(reg prometheus.Registerer) (*Registry, error) {
	r := &Registry{now: time.Now}
	if reg != nil {
		if err := reg.Register(collector{r}); err != nil {
			return nil, fmt.Errorf("health: register metrics: %w", err)
		}
	}
	return r, nil
}

// Options configures a component.
type Options struct {
	// MaxAge makes a component stale, and so not ready, when nothing set its
	// state for this long: its watcher is stuck. Zero: never stale.
	MaxAge time.Duration
	// Details, when set, adds figures read at report time to the state's
	// data; it must not block (atomics, not queries).
	Details func() map[string]any
}

// Add registers a component. It starts not ready ("not checked yet") until
// its state is first set.
func (r *Registry) Add(name string, o Options) *Component {
	c := &Component{name: name, opts: o, now: r.now}
	now := r.now()
	c.st.Store(&state{reason: "not checked yet", since: now, at: now})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.comps = append(r.comps, c)
	return c
}

func (r *Registry) components() []*Component {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.comps)
}

// Component is one stage's state.
type Component struct {
	name string
	opts Options
	now  func() time.Time
	st   atomic.Pointer[state]
}

type state struct {
	ok, halted bool
	reason     string
	since      time.Time // when ok or halted last changed
	at         time.Time // when last set
	data       map[string]any
}

// Set records the component's state: working when err is nil, failing with
// err as the reason otherwise; data is shown with it. A halted component
// stays halted.
func (c *Component) Set(err error, data map[string]any) {
	now := c.now()
	next := &state{ok: err == nil, at: now, since: now, data: data}
	if err != nil {
		next.reason = err.Error()
	}
	for {
		prev := c.st.Load()
		if prev.halted {
			return
		}
		if prev.ok == next.ok {
			next.since = prev.since
		}
		if c.st.CompareAndSwap(prev, next) {
			return
		}
	}
}

// Halt records that the component stopped for good: the process is no
// longer live and should be restarted.
func (c *Component) Halt(err error) {
	now := c.now()
	reason := "stopped"
	if err != nil {
		reason = err.Error()
	}
	prev := c.st.Load()
	c.st.Store(&state{halted: true, reason: reason, since: now, at: now, data: prev.data})
}

// view is the component's state as read now, staleness included.
func (c *Component) view() state {
	s := *c.st.Load()
	now := c.now()
	if age := now.Sub(s.at); s.ok && !s.halted && c.opts.MaxAge > 0 && age > c.opts.MaxAge {
		s.ok = false
		s.reason = fmt.Sprintf("no status for %s: its check is stuck", age.Round(time.Second))
		s.since = s.at.Add(c.opts.MaxAge)
	}
	if c.opts.Details != nil {
		d := c.opts.Details()
		if len(s.data) > 0 {
			merged := make(map[string]any, len(s.data)+len(d))
			for k, v := range s.data {
				merged[k] = v
			}
			for k, v := range d {
				merged[k] = v
			}
			d = merged
		}
		s.data = d
	}
	return s
}

// Check is one component in a health report.
type Check struct {
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Data   map[string]any `json:"data,omitempty"`
}

// Report is a health endpoint's answer.
type Report struct {
	Status string  `json:"status"`
	Checks []Check `json:"checks"`
}

// Kind selects what a report judges.
type Kind int

const (
	// Combined judges readiness and shows every detail (/q/health).
	Combined Kind = iota
	// Live is DOWN only when a component halted (/q/health/live).
	Live
	// Ready is DOWN when any component is failing, stale or halted
	// (/q/health/ready).
	Ready
)

// Report judges the components as kind does.
func (r *Registry) Report(kind Kind) Report {
	rep := Report{Status: "UP", Checks: []Check{}}
	for _, c := range r.components() {
		s := c.view()
		up := s.ok && !s.halted
		if kind == Live {
			up = !s.halted
		}
		check := Check{Name: c.name, Status: "UP"}
		if !up {
			check.Status = "DOWN"
			rep.Status = "DOWN"
		}
		data := make(map[string]any, len(s.data)+3)
		for k, v := range s.data {
			data[k] = v
		}
		if s.reason != "" && (!s.ok || s.halted) {
			data["reason"] = s.reason
		}
		if s.halted {
			data["halted"] = true
		}
		data["since"] = s.since.UTC().Format(time.RFC3339)
		check.Data = data
		rep.Checks = append(rep.Checks, check)
	}
	slices.SortStableFunc(rep.Checks, func(a, b Check) int { return cmp.Compare(a.Name, b.Name) })
	return rep
}

// Handler serves the report of kind: 200 when UP, 503 when DOWN.
func (r *Registry) Handler(kind Kind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rep := r.Report(kind)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != "UP" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// Mount serves /q/health, /q/health/live and /q/health/ready on mux.
func (r *Registry) Mount(mux interface{ Handle(string, http.Handler) }) {
	mux.Handle("GET /q/health", r.Handler(Combined))
	mux.Handle("GET /q/health/live", r.Handler(Live))
	mux.Handle("GET /q/health/ready", r.Handler(Ready))
}

// collector exports aurigraph_component_up as the endpoints judge it.
type collector struct{ r *Registry }

var upDesc = prometheus.NewDesc("aurigraph_component_up",
	"1 while the component works (what /q/health/ready judges), 0 while it fails, is stale or halted.",
	[]string{"component"}, nil)

func (collector) Describe(ch chan<- *prometheus.Desc) { ch <- upDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, comp := range c.r.components() {
		s := comp.view()
		v := 0.0
		if s.ok && !s.halted {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, v, comp.name)
	}
}
