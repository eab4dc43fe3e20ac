package projectorpos

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/aurigraph/aurigraph/internal/promreg"
	"github.com/aurigraph/aurigraph/internal/retry"
)

const (
	defaultInterval = time.Second
	// defaultRefresh is well inside Kafka's offset retention (7 days by
	// default), which would otherwise expire the position of a projection
	// caught up with a chain that makes no blocks.
	defaultRefresh    = time.Minute
	commitTimeout     = 5 * time.Second
	maxCommitInterval = 30 * time.Second
)

// ReporterConfig configures a Reporter. Zero values take the documented
// defaults.
type ReporterConfig struct {
	Kafka
	// Interval is the shortest time between two commits; default 1s.
	Interval time.Duration
	// Refresh commits an unchanged position again after this long;
	// default 1m.
	Refresh time.Duration
	// Registerer receives aurigraph_projector_position_commits_total; nil
	// means none.
	Registerer prometheus.Registerer
}

// Reporter commits the newest position it was given, at most once an
// interval, from its own goroutine, so that a slow or refusing broker never
// holds the projector up: failures are counted, logged at debug, and
// retried with backoff with whatever position is newest by then.
type Reporter struct {
	conn
	cfg     ReporterConfig
	commits *prometheus.CounterVec
	wake    chan struct{}

	mu     sync.Mutex
	latest position
	set    bool
}

type position struct {
	height uint64
	offset int64
}

// NewReporter prepares a Kafka client; it contacts no broker until Run.
func NewReporter(cfg ReporterConfig) (*Reporter, error) {
	c, err := newConn("reporter", cfg.Kafka)
	if err != nil {
		return nil, err
	}
	if cfg.Interval <= 0 {
		cfg.Interval = defaultInterval
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = defaultRefresh
	}
	commits := promreg.Register(cfg.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aurigraph_projector_position_commits_total",
		Help: "Commits of the projected height to the aurigraph-projector consumer group, by result (ok, error); the validators' projector_lag_ms alerts read it.",
	}, []string{"result"}))
	for _, r := range []string{"ok", "error"} {
		commits.WithLabelValues(r)
	}
	return &Reporter{conn: c, cfg: cfg, commits: commits, wake: make(chan struct{}, 1)}, nil
}

// Set records that blocks up to height are projected, the next record to
// read being at offset. It never blocks.
func (r *Reporter) Set(height uint64, offset int64) {
	r.mu.Lock()
	r.latest, r.set = position{height: height, offset: offset}, true
	r.mu.Unlock()
	r.poke()
}

// Run commits until ctx ends; it returns nil then.
func (r *Reporter) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: r.cfg.Interval, Max: maxCommitInterval}
	var (
		done position
		at   time.Time
	)
	refresh := time.NewTicker(r.cfg.Refresh)
	defer refresh.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-refresh.C:
		}
		r.mu.Lock()
		p, set := r.latest, r.set
		r.mu.Unlock()
		if !set || (p == done && time.Since(at) < r.cfg.Refresh) {
			continue
		}
		if err := r.commit(ctx, p); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.commits.WithLabelValues("error").Inc()
			r.log.Debug("projector position not committed; retrying", "group", Group, "topic", r.topic, "height", p.height, "err", err)
			if err := backoff.Wait(ctx); err != nil {
				return nil
			}
			r.poke()
			continue
		}
		r.commits.WithLabelValues("ok").Inc()
		backoff.Reset()
		done, at = p, time.Now()
		if err := retry.Sleep(ctx, r.cfg.Interval); err != nil {
			return nil
		}
	}
}

// poke makes Run look at the position again.
func (r *Reporter) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Reporter) commit(ctx context.Context, p position) error {
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: r.topic, Partition: 0, At: max(p.offset, 0), LeaderEpoch: -1, Metadata: Metadata(p.height)})
	return r.adm.CommitAllOffsets(ctx, Group, offsets)
}
