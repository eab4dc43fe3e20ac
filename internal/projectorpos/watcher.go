package projectorpos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

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
	// Brokers are the Kafka-protocol seed brokers, host:port.
	Brokers []string
	// ClientOpts are appended to the Kafka client's options (TLS, SASL).
	ClientOpts []kgo.Opt
	// Topic is the blocks topic the projector follows (partition 0).
	Topic string
	// Interval is how often the position is fetched; default 5s. After
	// failures the wait grows, up to a minute.
	Interval time.Duration
	// Timeout bounds one fetch; default 3s.
	Timeout time.Duration
	// Logger receives failures, at debug; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_alerts_projector_position_*
	// metrics; nil means none.
	Registerer prometheus.Registerer
}

// Watcher keeps the newest position the projector committed.
type Watcher struct {
	cfg    WatcherConfig
	log    *slog.Logger
	cl     *kgo.Client
	adm    *kadm.Client
	known  prometheus.Gauge
	errors prometheus.Counter

	// height is the projected height plus one; 0 while none is known.
	height atomic.Uint64
}

// NewWatcher prepares a Kafka client; it contacts no broker until Run.
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return nil, errors.New("projectorpos: a watcher needs the brokers and the blocks topic")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = defaultPoll
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultFetchTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("projectorpos: Kafka client: %w", err)
	}
	return &Watcher{
		cfg: cfg, log: log, cl: cl, adm: kadm.NewClient(cl),
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
		switch {
		case err != nil:
			w.errors.Inc()
			w.log.Debug("projector position not fetched", "group", Group, "err", err)
			wait = backoff.Next()
		default:
			backoff.Reset()
		}
		w.store(h, ok && err == nil)
		if err := sleep(ctx, wait); err != nil {
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
	o, found := offsets.Lookup(w.cfg.Topic, 0)
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

// Close releases the Kafka client; call it after Run has returned.
func (w *Watcher) Close() { w.cl.Close() }
