// Package alerting is the user-defined alerts: rules on the cluster's series
// (their model and checks), their replicated state (rules, firing or not,
// the bounded history of transitions) that the validators' state machine
// applies, the evaluator that the leader runs, the webhook notifier, and
// the REST and gRPC faces. The state is changed only by raft entries
// (aurigraphv1.AlertEntry), so rules and transitions survive restarts and
// failover; a transition names the transition it follows, so a deposed
// leader's or a repeated proposal is refused and each is recorded once.
package alerting

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Metrics a rule may watch.
const (
	MetricTPS            = "tps"
	MetricBlockTime      = "block_time_ms"
	MetricCommitLatency  = "commit_latency_ms"
	MetricFailedRatio    = "failed_ratio"
	MetricValidatorCount = "validator_count"
	MetricProjectorLag   = "projector_lag_ms"
)

// Series lists the metrics the evaluator computes.
var Series = []string{MetricTPS, MetricBlockTime, MetricCommitLatency, MetricFailedRatio, MetricValidatorCount, MetricProjectorLag}

// Conditions lists the comparisons a rule may make.
var Conditions = []string{"<", "<=", ">", ">="}

// Limits on rules. Documented in the README.
const (
	MaxRules     = 100
	MaxHistory   = 1000
	MinWindow    = time.Second
	MaxWindow    = time.Hour
	MaxFor       = time.Hour
	MaxNameLen   = 128
	MaxURLLen    = 2048
	MaxSecretLen = 256
	MaxRuleBytes = 16 << 10
)

// ErrInvalid wraps every refusal of a rule's content.
var ErrInvalid = errors.New("alerting: invalid rule")

// ErrNotFound is a rule id the state does not hold.
var ErrNotFound = errors.New("alerting: no such alert rule")

// ErrTooMany is a rule beyond MaxRules.
var ErrTooMany = fmt.Errorf("alerting: a cluster holds at most %d alert rules; delete one first", MaxRules)

// ErrStale is a transition or delivery proposal that no longer applies: the
// rule changed state, or the delivery was recorded, since it was made.
var ErrStale = errors.New("alerting: stale alert proposal")

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// URLPolicy decides which webhook destinations rules may name.
type URLPolicy struct {
	// AllowPrivate accepts loopback, private and link-local destinations,
	// refused by default so that a rule cannot make the leader call into
	// its own network.
	AllowPrivate bool
}

// CheckRule checks the user-settable fields of r.
func CheckRule(r *aurigraphv1.AlertRule, p URLPolicy) error {
	if len(r.GetName()) > MaxNameLen {
		return invalid("name", "is %d bytes; at most %d", len(r.GetName()), MaxNameLen)
	}
	if m := r.GetMetric(); !slices.Contains(Series, m) {
		return invalid("metric", "%q is not one of %s", m, strings.Join(Series, ", "))
	}
	if !slices.Contains(Conditions, r.GetCondition()) {
		return invalid("condition", "%q is not one of %s", r.GetCondition(), strings.Join(Conditions, " "))
	}
	if t := r.GetThreshold(); math.IsNaN(t) || math.IsInf(t, 0) {
		return invalid("threshold", "must be a finite number")
	}
	if w := time.Duration(r.GetWindowMs()) * time.Millisecond; w < MinWindow || w > MaxWindow {
		return invalid("window_ms", "is %d; use %d to %d", r.GetWindowMs(), MinWindow.Milliseconds(), MaxWindow.Milliseconds())
	}
	if f := time.Duration(r.GetForMs()) * time.Millisecond; f < 0 || f > MaxFor {
		return invalid("for_ms", "is %d; use 0 to %d", r.GetForMs(), MaxFor.Milliseconds())
	}
	if len(r.GetWebhookSecret()) > MaxSecretLen {
		return invalid("webhook_secret", "is %d bytes; at most %d", len(r.GetWebhookSecret()), MaxSecretLen)
	}
	if r.GetWebhookSecret() != "" && r.GetWebhookUrl() == "" {
		return invalid("webhook_secret", "is set without a webhook_url")
	}
	if u := r.GetWebhookUrl(); u != "" {
		if err := CheckURL(u, p); err != nil {
			return err
		}
	}
	return nil
}

// userFields copies what a client may set of r; the rest is the cluster's.
func userFields(r *aurigraphv1.AlertRule) *aurigraphv1.AlertRule {
	return &aurigraphv1.AlertRule{
		Name: r.GetName(), Metric: r.GetMetric(), Condition: r.GetCondition(), Threshold: r.GetThreshold(),
		WindowMs: r.GetWindowMs(), ForMs: r.GetForMs(), WebhookUrl: r.GetWebhookUrl(), WebhookSecret: r.GetWebhookSecret(),
	}
}

// CheckURL accepts an absolute http or https URL without credentials whose
// host, when a literal address, the policy allows. Names are checked again
// against the policy when dialled, as they may resolve anywhere.
func CheckURL(raw string, p URLPolicy) error {
	if len(raw) > MaxURLLen {
		return invalid("webhook_url", "is %d bytes; at most %d", len(raw), MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid("webhook_url", "%q does not parse: %v", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("webhook_url", "%q: the scheme must be http or https", raw)
	case u.Host == "" || u.Hostname() == "":
		return invalid("webhook_url", "%q has no host", raw)
	case u.User != nil:
		return invalid("webhook_url", "%q carries credentials; use webhook_secret to authenticate deliveries", raw)
	case u.Fragment != "":
		return invalid("webhook_url", "%q has a fragment", raw)
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && !p.allows(ip) {
		return invalid("webhook_url", "%q names a loopback, private or link-local address; the cluster refuses those unless started with --alerts-allow-private-webhooks", raw)
	}
	if strings.EqualFold(u.Hostname(), "localhost") && !p.AllowPrivate {
		return invalid("webhook_url", "%q names localhost; the cluster refuses it unless started with --alerts-allow-private-webhooks", raw)
	}
	return nil
}

func (p URLPolicy) allows(ip net.IP) bool {
	if p.AllowPrivate {
		return true
	}
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast())
}

// holds reports whether value meets r's condition.
func holds(r *aurigraphv1.AlertRule, value float64) bool {
	t := r.GetThreshold()
	switch r.GetCondition() {
	case "<":
		return value < t
	case "<=":
		return value <= t
	case ">":
		return value > t
	case ">=":
		return value >= t
	}
	return false
}

// NewRuleID makes the id of a new rule: 16 random hex digits, chosen by the
// proposing leader so that the entry names it and every validator agrees.
func NewRuleID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidRuleID reports whether id has the shape NewRuleID gives.
func ValidRuleID(id string) bool {
	return len(id) == 16 && strings.Trim(id, "0123456789abcdef") == ""
}
