// Package access enforces who may do what at every way into the process:
// it authenticates each request or call (internal/auth), looks its route
// or method up in the one policy table (internal/policy), applies rate
// limits (internal/ratelimit) and tenant scopes (internal/tenant), and
// records privileged actions and failed authentications (internal/audit).
// The domain packages stay unaware of it; they are handed the scope of the
// caller through hooks.
package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
	"github.com/aurigraph/aurigraph/internal/ratelimit"
	"github.com/aurigraph/aurigraph/internal/tenant"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Config configures a Guard. Zero values take the defaults shown.
type Config struct {
	Auth *auth.Authenticator
	// Tenants, when set, scopes every non-admin principal to its
	// organisation's accounts; nil serves one tenant.
	Tenants *tenant.Directory
	// Audit receives privileged actions and failed authentications; nil
	// records nothing.
	Audit *audit.Log
	// SubmitRate and SubmitBurst limit submission requests per principal
	// (per address for anonymous callers), per second (0: no limit).
	SubmitRate, SubmitBurst float64
	// ReadRate and ReadBurst limit expensive reads (analytics, exports,
	// chain verification) likewise.
	ReadRate, ReadBurst float64
	// ClientID is the OAuth2 client id browsers (the portal) sign in with,
	// announced by GET /auth/config.
	ClientID string
	// TrustForwardedFor takes the caller's address from X-Forwarded-For
	// (set behind a proxy you run; off by default, as anyone can send it).
	TrustForwardedFor bool
	Logger            *slog.Logger
	Registerer        prometheus.Registerer
}

// Guard is the enforcement point shared by the HTTP and gRPC ports.
type Guard struct {
	cfg    Config
	log    *slog.Logger
	submit *ratelimit.Limiter
	read   *ratelimit.Limiter

	orgLimits map[string]*ratelimit.Limiter
	quotaMu   sync.Mutex
	quotaDay  int64
	quotaUsed map[string]int64

	limited *prometheus.CounterVec

	// served records what the guard's muxes and servers serve, so a test
	// can walk every route and method the process really has.
	servedMu sync.Mutex
	muxes    []*Mux
	methods  []string
}

// Routes lists every pattern registered on the guard's muxes.
func (g *Guard) Routes() []string {
	g.servedMu.Lock()
	defer g.servedMu.Unlock()
	var out []string
	for _, m := range g.muxes {
		out = append(out, m.Patterns()...)
	}
	return out
}

// Methods lists every gRPC method of the servers CheckMethods was given.
func (g *Guard) Methods() []string {
	g.servedMu.Lock()
	defer g.servedMu.Unlock()
	return slices.Clone(g.methods)
}

// New returns a guard; cfg.Auth is required.
func New(cfg Config) (*Guard, error) {
	if cfg.Auth == nil {
		return nil, errors.New("access: no authenticator")
	}
	g := &Guard{
		cfg:       cfg,
		log:       cmp.Or(cfg.Logger, slog.Default()),
		submit:    ratelimit.New(cfg.SubmitRate, cfg.SubmitBurst, 0),
		read:      ratelimit.New(cfg.ReadRate, cfg.ReadBurst, 0),
		orgLimits: map[string]*ratelimit.Limiter{},
		quotaUsed: map[string]int64{},
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_access_rate_limited_total",
			Help: "Requests and calls refused by a rate limit or quota, by limit (submit, expensive_read, organisation, quota).",
		}, []string{"limit"}),
	}
	if cfg.Tenants != nil {
		for _, o := range cfg.Tenants.Organisations() {
			if o.SubmitTxPerSecond > 0 {
				g.orgLimits[o.Name] = ratelimit.New(o.SubmitTxPerSecond, o.SubmitBurst, 1)
			}
		}
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(g.limited); err != nil {
			return nil, fmt.Errorf("access: register metrics: %w", err)
		}
	}
	return g, nil
}

// Auth returns the guard's authenticator.
func (g *Guard) Auth() *auth.Authenticator { return g.cfg.Auth }

// rateLimit applies the rule's limit class to p (or to addr when
// anonymous); it returns how long to wait when refused.
func (g *Guard) rateLimit(rule policy.Rule, p auth.Principal, addr string) (time.Duration, bool) {
	var l *ratelimit.Limiter
	switch rule.Limit {
	case policy.LimitSubmit:
		l = g.submit
	case policy.LimitRead:
		l = g.read
	default:
		return 0, true
	}
	key := p.String()
	if p.Method == auth.MethodAnonymous {
		key = "addr:" + addr
	}
	ok, wait := l.Take(key, 1, time.Now())
	if !ok {
		g.limited.WithLabelValues(string(rule.Limit)).Inc()
	}
	return wait, ok
}

// TxScope returns which transactions the caller of ctx may see; nil for
// all. It is the hook consensus, stream and analytics take.
func (g *Guard) TxScope(ctx context.Context) func(*aurigraphv1.Transaction) bool {
	s := g.scope(ctx)
	if s == nil {
		return nil
	}
	return s.Tx
}

// AccountScope returns which accounts the caller of ctx may see; nil for
// all.
func (g *Guard) AccountScope(ctx context.Context) *tenant.Scope { return g.scope(ctx) }

func (g *Guard) scope(ctx context.Context) *tenant.Scope {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Only in-process callers reach a handler without a principal;
		// the guard puts one on every request it lets through.
		return nil
	}
	return tenant.ScopeOf(g.cfg.Tenants, p)
}

// ErrNotPermitted refuses a submission from accounts the principal's
// organisation does not own.
var ErrNotPermitted = errors.New("permission denied")

// LimitedError refuses a submission over its organisation's rate or quota.
type LimitedError struct {
	Reason string
	Wait   time.Duration
}

func (e *LimitedError) Error() string { return e.Reason }

// RetryAfter is how long to wait before submitting again.
func (e *LimitedError) RetryAfter() time.Duration { return e.Wait }

// AdmitSubmission is asked before transactions are written: the
// principal's organisation must own every acting account, and its rate
// and daily quota must have room for them all.
func (g *Guard) AdmitSubmission(ctx context.Context, txs []*aurigraphv1.Transaction) error {
	s := g.scope(ctx)
	if s == nil {
		return nil
	}
	for i, tx := range txs {
		if err := s.CheckSubmit(tx); err != nil {
			return fmt.Errorf("%w: transaction %d: %w", ErrNotPermitted, i, err)
		}
	}
	org := s.Organisation()
	n := float64(len(txs))
	if l := g.orgLimits[org]; l != nil {
		if ok, wait := l.Take(org, n, time.Now()); !ok {
			g.limited.WithLabelValues("organisation").Inc()
			return &LimitedError{Reason: fmt.Sprintf("organisation %q is over its submission rate: %d transactions must wait %s", org, len(txs), wait), Wait: wait}
		}
	}
	o, _ := g.cfg.Tenants.Organisation(org)
	if o.DailyTxQuota > 0 {
		now := time.Now().UTC()
		day := now.Unix() / 86400
		g.quotaMu.Lock()
		if day != g.quotaDay {
			g.quotaDay, g.quotaUsed = day, map[string]int64{}
		}
		used := g.quotaUsed[org]
		if used+int64(len(txs)) > o.DailyTxQuota {
			g.quotaMu.Unlock()
			g.limited.WithLabelValues("quota").Inc()
			wait := time.Unix((day+1)*86400, 0).Sub(now)
			return &LimitedError{Reason: fmt.Sprintf("organisation %q has used %d of its %d transactions today (UTC)", org, used, o.DailyTxQuota), Wait: wait}
		}
		g.quotaUsed[org] = used + int64(len(txs))
		g.quotaMu.Unlock()
	}
	return nil
}

// retrySeconds is a Retry-After value: whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
