package alerting

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aurigraph/aurigraph/internal/retry"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Webhook request headers.
const (
	// HeaderTransition carries the transition id: deliveries are at least
	// once (a new leader sends again what the old one sent but had not
	// recorded), and receivers deduplicate on it.
	HeaderTransition = "X-Aurigraph-Transition"
	HeaderTimestamp  = "X-Aurigraph-Timestamp"
	// HeaderSignature is "v1=" and the hex HMAC-SHA256, keyed by the rule's
	// webhook_secret, of the timestamp header's value, ".", and the body.
	HeaderSignature = "X-Aurigraph-Signature"
)

// NotifierConfig configures NewNotifier.
type NotifierConfig struct {
	// Policy decides which addresses deliveries may connect to.
	Policy URLPolicy
	// Timeout bounds one delivery attempt. Default 10s.
	Timeout time.Duration
	// Attempts is how many times a delivery is tried before it is recorded
	// as failed. Default 8 (about 2 minutes with the default backoff).
	Attempts int
	// Backoff paces the attempts. Default 500ms doubling to 30s.
	Backoff retry.Backoff
	// Interval is how often the history is scanned for pending deliveries.
	// Default 1s.
	Interval time.Duration
	// Concurrency is how many rules' webhooks are called at once; one rule's
	// transitions are delivered one at a time, in order. Default 4.
	Concurrency int
	Metrics     *Metrics
	Logger      *slog.Logger
}

// Notifier posts the transitions of rules that name a webhook, on the leader
// (the caller starts and stops Run with the leadership), and records each
// outcome through raft, so that a new leader resumes what is pending.
type Notifier struct {
	v      Validator
	cfg    NotifierConfig
	client *http.Client
}

// NewNotifier delivers the webhooks of v's alerts.
func NewNotifier(v Validator, cfg NotifierConfig) *Notifier {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 8
	}
	if cfg.Backoff == (retry.Backoff{}) {
		cfg.Backoff = retry.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	policy := cfg.Policy
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); ip == nil || !policy.allows(ip) {
			return fmt.Errorf("webhook address %s is loopback, private or link-local; start the cluster with --alerts-allow-private-webhooks to allow it", address)
		}
		return nil
	}}
	return &Notifier{v: v, cfg: cfg, client: &http.Client{
		Timeout:   cfg.Timeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConns: 16, IdleConnTimeout: time.Minute, TLSHandshakeTimeout: cfg.Timeout},
		// A redirect could lead anywhere; receivers answer where they are.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Run delivers until ctx ends; call it while the validator leads.
func (n *Notifier) Run(ctx context.Context) error {
	var (
		mu       sync.Mutex
		inFlight = map[string]bool{} // by rule
		wg       sync.WaitGroup
	)
	defer wg.Wait()
	// A validator that no longer leads has nothing waiting: the next
	// leader delivers.
	defer n.cfg.Metrics.queued.Set(0)
	sem := make(chan struct{}, n.cfg.Concurrency)
	t := time.NewTicker(n.cfg.Interval)
	defer t.Stop()
	for {
		pending := 0
		next := map[string]*aurigraphv1.AlertTransition{}
		for _, tr := range n.v.Alerts().GetHistory() {
			if tr.GetDelivery() != DeliveryPending {
				continue
			}
			pending++
			if next[tr.GetRuleId()] == nil {
				next[tr.GetRuleId()] = tr
			}
		}
		n.cfg.Metrics.queued.Set(float64(pending))
		for rule, tr := range next {
			mu.Lock()
			busy := inFlight[rule]
			mu.Unlock()
			if busy {
				continue
			}
			select {
			case sem <- struct{}{}:
			default:
				continue
			}
			mu.Lock()
			inFlight[rule] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.deliver(ctx, tr)
				mu.Lock()
				delete(inFlight, rule)
				mu.Unlock()
				<-sem
			}()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// errPermanent is a receiver's answer that another attempt would not change.
var errPermanent = errors.New("the receiver refused the delivery")

// deliver tries tr's webhook until it succeeds, fails for good or runs out
// of attempts, and records the outcome.
func (n *Notifier) deliver(ctx context.Context, tr *aurigraphv1.AlertTransition) {
	body, err := Payload(tr)
	if err != nil {
		n.cfg.Logger.Error("alert webhook payload", "transition", tr.GetId(), "err", err)
		return
	}
	b := n.cfg.Backoff
	outcome := DeliveryFailed
	for attempt := 1; ; attempt++ {
		err = n.post(ctx, tr, body)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			outcome = DeliveryDelivered
			n.cfg.Metrics.deliveries.WithLabelValues("delivered").Inc()
			break
		}
		if errors.Is(err, errPermanent) || attempt >= n.cfg.Attempts {
			n.cfg.Metrics.deliveries.WithLabelValues("failed").Inc()
			n.cfg.Logger.Warn("alert webhook delivery failed; recorded as failed", "transition", tr.GetId(), "rule", tr.GetRuleId(), "attempts", attempt, "err", err)
			break
		}
		n.cfg.Metrics.deliveries.WithLabelValues("retry").Inc()
		n.cfg.Logger.Debug("alert webhook delivery failed; retrying", "transition", tr.GetId(), "attempt", attempt, "err", err)
		if b.Wait(ctx) != nil {
			return
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = n.v.ProposeAlert(rctx, &aurigraphv1.AlertEntry{DeliveredId: tr.GetId(), Delivery: outcome})
	if err != nil && !errors.Is(err, ErrStale) {
		n.cfg.Metrics.proposalErrors.Inc()
		n.cfg.Logger.Warn("alert webhook outcome not recorded; the delivery will be repeated", "transition", tr.GetId(), "err", err)
	}
}

func (n *Notifier) post(ctx context.Context, tr *aurigraphv1.AlertTransition, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tr.GetWebhookUrl(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aurigraph-alerts")
	req.Header.Set(HeaderTransition, strconv.FormatUint(tr.GetId(), 10))
	req.Header.Set("Idempotency-Key", "aurigraph-alert-"+strconv.FormatUint(tr.GetId(), 10))
	req.Header.Set(HeaderTimestamp, ts)
	if secret := tr.GetWebhookSecret(); secret != "" {
		req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("webhook %s answered %s", tr.GetWebhookUrl(), resp.Status)
	default:
		return fmt.Errorf("%w: webhook %s answered %s", errPermanent, tr.GetWebhookUrl(), resp.Status)
	}
}

// Sign is the X-Aurigraph-Signature value of body sent at timestamp ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Event is a transition as the API, the live stream and webhooks show it:
// without the webhook's destination and secret.
type Event struct {
	ID        uint64  `json:"id"`
	RuleID    string  `json:"rule_id"`
	RuleName  string  `json:"rule_name,omitempty"`
	State     string  `json:"state"`
	Metric    string  `json:"metric"`
	Condition string  `json:"condition"`
	Threshold float64 `json:"threshold"`
	Value     float64 `json:"value"`
	AtMs      int64   `json:"at_ms"`
	Delivery  string  `json:"delivery,omitempty"`
}

// EventOf shows tr.
func EventOf(tr *aurigraphv1.AlertTransition) Event {
	return Event{
		ID: tr.GetId(), RuleID: tr.GetRuleId(), RuleName: tr.GetRuleName(), State: stateName(tr.GetFiring()),
		Metric: tr.GetMetric(), Condition: tr.GetCondition(), Threshold: tr.GetThreshold(), Value: tr.GetValue(),
		AtMs: tr.GetAtMs(), Delivery: tr.GetDelivery(),
	}
}

// Payload is a webhook's body: Slack-compatible ("text" is what Slack
// shows) with the transition as structured fields.
func Payload(tr *aurigraphv1.AlertTransition) ([]byte, error) {
	ev := EventOf(tr)
	ev.Delivery = ""
	name := tr.GetRuleName()
	if name == "" {
		name = tr.GetRuleId()
	}
	text := fmt.Sprintf("[%s] %s: %s %s %g (value %.4g)", strings.ToUpper(ev.State), name, tr.GetMetric(), tr.GetCondition(), tr.GetThreshold(), tr.GetValue())
	return json.Marshal(struct {
		Text  string `json:"text"`
		Alert Event  `json:"alert"`
	}{text, ev})
}
