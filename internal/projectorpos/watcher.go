package projectorpos

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/aurigraph/aurigraph/internal/promreg"
	"github.com/aurigraph/aurigraph/internal/retry"
)

const (
	defaultPoll         = 5 * time.Second
	defaultFetchTimeout = 3 * time.Second
	maxPoll             = time.Minute
)

// WatcherConfig configures a Watcher. Zero values take the documented
// defaults.
type WatcherConfig struct {
	Kafka
	// Interval is how often the position is fetched; default 5s. After
	// failures the wait grows, up to a minute.
	Interval time.Duration
	// Timeout bounds one fetch; default 3s.
	Timeout time.Duration
	// Registerer receives the aurigraph_alerts_projector_position_*
	// metrics; nil means none.
	Registerer prometheus.Registerer
}

// Watcher keeps the newest position the projector committed.
type Watcher struct {
	conn
	cfg    WatcherConfig
	known  prometheus.Gauge
	errors prometheus.Counter

	// height is the projected height plus one; 0 while none is known.
	height atomic.Uint64
}

// NewWatcher prepares a Kafka client; it contacts no broker until Run.
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	c, err := newConn("watcher", cfg.Kafka)
	if err != nil {
		return nil, err
	}
	if cfg.Interval <= 0 {
		cfg.Interval = defaultPoll
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultFetchTimeout
	}
	return &Watcher{
		conn: c, cfg: cfg,
		known: promreg.Register(cfg.Registerer, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aurigraph_alerts_projector_position_known",
			Help: "1 while the projector's committed position (group aurigraph-projector) is known, so that projector_lag_ms alerts are evaluated; 0 otherwise.",
		})),
		errors: promreg.Register(cfg.Registerer, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aurigraph_alerts_projector_position_fetch_errors_total",
			Help: "Failed fetches of the projector's committed position (group aurigraph-projector).",
		})),
	}, nil
}

// Projected returns the height the projector last committed, and whether
// one is known: false before the first fetch, when the group holds no
// position for the topic, when its metadata is not a projector's, and
// while fetches fail.
func (w *Watcher) Projected() (uint64, bool) {
	h := w.height.Load()
	if h == 0 {
		return 0, false
	}
	return h - 1, true
}

// Run fetches until ctx ends; it returns nil then.
func (w *Watcher) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: w.cfg.Interval, Max: maxPoll}
	for {
		h, ok, err := w.fetch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := w.cfg.Interval
		if err != nil {
			w.errors.Inc()
			w.log.Debug("projector position not fetched", "group", Group, "err", err)
			wait = backoff.Next()
		} else {
			backoff.Reset()
		}
		w.store(h, ok)
		if err := retry.Sleep(ctx, wait); err != nil {
			return nil
		}
	}
}

func (w *Watcher) store(h uint64, ok bool) {
	if !ok {
		w.height.Store(0)
		w.known.Set(0)
		return
	}
	w.height.Store(h + 1)
	w.known.Set(1)
}

// fetch reads the group's position; ok is false without one.
func (w *Watcher) fetch(ctx context.Context) (h uint64, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	offsets, err := w.adm.FetchOffsets(ctx, Group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	o, found := offsets.Lookup(w.topic, 0)
	if !found || o.Err != nil || o.At < 0 {
		return 0, false, o.Err
	}
	h, err = Parse(o.Metadata)
	if err != nil {
		return 0, false, err
	}
	if h == ^uint64(0) {
		return 0, false, fmt.Errorf("%w: height %d", ErrMetadata, h)
	}
	return h, true, nil
}
