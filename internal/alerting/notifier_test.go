package alerting_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/retry"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// receiver answers each delivery with the next of its codes (the last one
// repeats) and records what it got.
type receiver struct {
	mu    sync.Mutex
	codes []int
	got   []*http.Request
	body  [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got, r.body = append(r.got, req), append(r.body, body)
	code := r.codes[min(len(r.got), len(r.codes))-1]
	w.WriteHeader(code)
}

func (r *receiver) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/hook"
}

// fire records a firing transition of rule, as the evaluator would.
func fire(t *testing.T, n *consensus.Node, rule *aurigraphv1.AlertRule) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := n.ProposeAlert(ctx, &aurigraphv1.AlertEntry{Transition: &aurigraphv1.AlertTransition{RuleId: rule.GetId(), Firing: true, Value: 1}, ExpectLast: rule.GetLastTransition()})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebhookDelivery posts transitions to real receivers: one that fails
// twice then accepts (retried, signed, recorded delivered), one that
// refuses (recorded failed at once), and a loopback one the notifier's
// policy forbids (failed after its attempts).
func TestWebhookDelivery(t *testing.T) {
	leader, _ := startCluster(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := alerting.NewService(members(leader), alerting.URLPolicy{AllowPrivate: true}, 0)
	flaky := &receiver{codes: []int{500, 503, 204}}
	refusing := &receiver{codes: []int{400}}
	forbidden := &receiver{codes: []int{204}}
	rule := func(url, secret string) *aurigraphv1.AlertRule {
		r, err := svc.Create(ctx, &aurigraphv1.AlertRule{Name: "r", Metric: "tps", Condition: "<", Threshold: 1, WindowMs: 1000, WebhookUrl: url, WebhookSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := rule(serve(t, flaky), "k1"), rule(serve(t, refusing), "")
	fire(t, leader, r1)
	fire(t, leader, r2)
	fast := retry.Backoff{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}
	lenient, stopLenient := context.WithCancel(ctx)
	lenientDone := make(chan error, 1)
	go func() {
		lenientDone <- alerting.NewNotifier(leader, alerting.NotifierConfig{Policy: alerting.URLPolicy{AllowPrivate: true}, Backoff: fast, Interval: 50 * time.Millisecond, Logger: testLogger()}).Run(lenient)
	}()

	outcome := func(rule string) string {
		h, err := svc.History(ctx, rule, 0, 0)
		if err != nil || len(h) != 1 {
			return ""
		}
		return h[0].GetDelivery()
	}
	waitFor(t, "deliveries recorded", func() bool {
		return outcome(r1.GetId()) == alerting.DeliveryDelivered && outcome(r2.GetId()) == alerting.DeliveryFailed
	})
	if flaky.calls() != 3 || refusing.calls() != 1 {
		t.Fatalf("attempts: flaky %d (want 3), refusing %d (want 1)", flaky.calls(), refusing.calls())
	}
	h, _ := svc.History(ctx, r1.GetId(), 0, 0)
	req, body := flaky.got[2], flaky.body[2]
	if got := req.Header.Get(alerting.HeaderTransition); got != strconv.FormatUint(h[0].GetId(), 10) {
		t.Errorf("transition header %q, want %d", got, h[0].GetId())
	}
	if got, want := req.Header.Get(alerting.HeaderSignature), alerting.Sign("k1", req.Header.Get(alerting.HeaderTimestamp), body); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	var payload struct {
		Text  string         `json:"text"`
		Alert alerting.Event `json:"alert"`
	}
	if err := json.Unmarshal(body, &payload); err != nil || payload.Text == "" || payload.Alert.State != "firing" || payload.Alert.RuleID != r1.GetId() {
		t.Errorf("body %s (%v)", body, err)
	}
	if refusing.got[0].Header.Get(alerting.HeaderSignature) != "" {
		t.Error("a rule without a secret got a signature header")
	}
	// Delivered once: nothing is sent again.
	time.Sleep(200 * time.Millisecond)
	if flaky.calls() != 3 {
		t.Errorf("delivered transition sent again: %d calls", flaky.calls())
	}

	stopLenient()
	<-lenientDone

	// The service accepted a loopback URL (its policy allows it) but the
	// notifier's does not: every attempt is refused at dial time.
	r3 := rule(serve(t, forbidden), "")
	fire(t, leader, r3)
	strict, cancelStrict := context.WithCancel(ctx)
	defer cancelStrict()
	go alerting.NewNotifier(leader, alerting.NotifierConfig{Attempts: 2, Backoff: fast, Interval: 50 * time.Millisecond, Logger: testLogger()}).Run(strict)
	waitFor(t, "the forbidden delivery recorded failed", func() bool { return outcome(r3.GetId()) == alerting.DeliveryFailed })
	if forbidden.calls() != 0 {
		t.Fatalf("the notifier called a loopback address its policy forbids")
	}
}
