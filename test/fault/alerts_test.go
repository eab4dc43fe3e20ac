package fault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// webhookReceiver is the test's alert webhook: it checks each delivery's
// signature, answers the first attempt at each transition with 503 so that
// every delivery is retried, and holds each answer a while, so that leader
// kills land while deliveries are in flight.
type webhookReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	calls  map[uint64]int // attempts per transition id
	acked  map[uint64]int // 2xx answers per transition id
	bodies map[uint64]alerting.Event
	bad    []string
}

func (h *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	id, err := strconv.ParseUint(r.Header.Get(alerting.HeaderTransition), 10, 64)
	var payload struct {
		Text  string         `json:"text"`
		Alert alerting.Event `json:"alert"`
	}
	jerr := json.Unmarshal(body, &payload)
	sig := alerting.Sign(h.secret, r.Header.Get(alerting.HeaderTimestamp), body)
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err != nil || id == 0:
		h.bad = append(h.bad, "no transition id header")
	case jerr != nil || payload.Text == "" || payload.Alert.ID != id:
		h.bad = append(h.bad, fmt.Sprintf("transition %d: body %q", id, body))
	case r.Header.Get(alerting.HeaderSignature) != sig:
		h.bad = append(h.bad, fmt.Sprintf("transition %d: signature %q, want %q", id, r.Header.Get(alerting.HeaderSignature), sig))
	}
	h.calls[id]++
	if h.calls[id] == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	time.Sleep(200 * time.Millisecond)
	h.acked[id]++
	h.bodies[id] = payload.Alert
	w.WriteHeader(http.StatusNoContent)
}

// alertHistory is GET /api/v12/alerts/history.
type alertHistory struct {
	Transitions []alerting.Event `json:"transitions"`
}

// TestAlertsAcrossLeaderKills is the failover test of the user-defined
// alerts: a rule on the committed throughput fires within its window after
// the load stops and resolves when it comes back, while the leader is
// SIGKILLed right after each transition (with its webhook delivery in
// flight). Each transition must be recorded once, alternating, in every
// validator's history, and reach the webhook under its id with a valid
// signature.
func TestAlertsAcrossLeaderKills(t *testing.T) {
	c := startCluster(t, 3, "--alerts-allow-private-webhooks")
	recv := &webhookReceiver{t: t, secret: "s3cret", calls: map[uint64]int{}, acked: map[uint64]int{}, bodies: map[uint64]alerting.Event{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: recv, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	load := startLoadT(t, c, loadSpec{Total: 10_000_000, Rate: 400, Prefix: "alerts-1"})
	lead, _ := c.waitLeader(10*time.Second, 0)
	waitCommitted(t, c, lead, 1000, time.Minute)

	const window, forMs = 3000, 1000
	rule := map[string]any{
		"name": "throughput dropped", "metric": "tps", "condition": "<", "threshold": 50,
		"window_ms": window, "for_ms": forMs, "webhook_url": "http://" + ln.Addr().String() + "/hook", "webhook_secret": recv.secret,
	}
	var created alerting.RuleJSON
	testbin.WaitFor(t, 30*time.Second, "the rule created on the leader", func() (bool, string) {
		lead, _ := c.waitLeader(10*time.Second, 0)
		code, body := c.send(lead, http.MethodPost, "/alerts/rules", rule, &created)
		return code == http.StatusCreated, fmt.Sprintf("%d %s", code, body)
	})
	if created.Firing {
		t.Fatalf("rule fires under load: %+v", created)
	}

	history := func(want int) []alerting.Event {
		var h alertHistory
		testbin.WaitFor(t, 60*time.Second, fmt.Sprintf("%d transitions in the history", want), func() (bool, string) {
			id, _, ok := c.leader()
			if !ok {
				return false, "no leader"
			}
			if err := c.get(id, "/alerts/history?rule_id="+created.ID, &h); err != nil {
				return false, err.Error()
			}
			return len(h.Transitions) >= want, fmt.Sprintf("%+v", h.Transitions)
		})
		return h.Transitions
	}

	// Load stops: the rule fires within its window and for-duration (plus
	// the evaluation interval and a loaded machine's slack).
	load.end()
	stopped := time.Now()
	h := history(1)
	firedAfter := time.Since(stopped)
	t.Logf("fired %v after the load stopped (window %d ms, for %d ms)", firedAfter.Round(time.Millisecond), window, forMs)
	if limit := time.Duration(window+forMs)*time.Millisecond + 10*time.Second; firedAfter > limit {
		t.Errorf("fired %v after the load stopped; want within %v", firedAfter, limit)
	}
	killed, _ := c.waitLeader(10*time.Second, 0)
	c.kill(killed)
	t.Logf("SIGKILLed leader node%d right after transition %d", killed, h[0].ID)

	// Load comes back under the next leader: the rule resolves.
	c.waitLeader(30*time.Second, killed)
	load2 := startLoadT(t, c, loadSpec{Total: 10_000_000, Rate: 400, Prefix: "alerts-2"})
	h = history(2)
	killed2, _ := c.waitLeader(10*time.Second, 0)
	c.kill(killed2)
	t.Logf("SIGKILLed leader node%d right after transition %d", killed2, h[1].ID)
	c.start(killed)
	c.waitLeader(30*time.Second, killed2)

	// And stops again: the rule fires once more under a third leader.
	load2.end()
	c.start(killed2)
	history(3)

	testbin.WaitFor(t, 2*time.Minute, "every delivery recorded", func() (bool, string) {
		id, _, ok := c.leader()
		if !ok {
			return false, "no leader"
		}
		var all alertHistory
		if err := c.get(id, "/alerts/history?rule_id="+created.ID, &all); err != nil {
			return false, err.Error()
		}
		for _, e := range all.Transitions {
			if e.Delivery != alerting.DeliveryDelivered {
				return false, fmt.Sprintf("%+v", all.Transitions)
			}
		}
		return len(all.Transitions) >= 3, fmt.Sprintf("%+v", all.Transitions)
	})
	// Nothing more may happen while the load stays stopped.
	time.Sleep(3 * time.Second)

	var want []alerting.Event
	for _, id := range c.ids() {
		var got alertHistory
		testbin.WaitFor(t, 30*time.Second, fmt.Sprintf("node%d's history", id), func() (bool, string) {
			err := c.get(id, "/alerts/history?rule_id="+created.ID, &got)
			return err == nil, fmt.Sprint(err)
		})
		if want == nil {
			want = got.Transitions
		}
		if !slices.Equal(got.Transitions, want) {
			t.Errorf("node%d's history %+v differs from %+v", id, got.Transitions, want)
		}
	}
	if len(want) != 3 {
		t.Fatalf("history holds %d transitions, want exactly 3 (fire, resolve, fire): %+v", len(want), want)
	}
	for i, e := range want {
		if wantState := []string{"firing", "resolved", "firing"}[i]; e.State != wantState {
			t.Errorf("transition %d is %s, want %s: %+v", i+1, e.State, wantState, want)
		}
		if i > 0 && e.ID != want[i-1].ID+1 {
			t.Errorf("transition ids %d then %d: a transition was recorded twice or lost", want[i-1].ID, e.ID)
		}
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.bad) > 0 {
		t.Errorf("bad deliveries: %q", recv.bad)
	}
	var ids []uint64
	for id, n := range recv.acked {
		ids = append(ids, id)
		if n > 1 {
			t.Logf("transition %d acknowledged %d times (at least once, deduplicated on its id)", id, n)
		}
	}
	slices.Sort(ids)
	if wantIDs := []uint64{want[0].ID, want[1].ID, want[2].ID}; !slices.Equal(ids, wantIDs) {
		t.Errorf("webhook received transitions %v, want %v", ids, wantIDs)
	}
	for _, e := range want {
		if b := recv.bodies[e.ID]; b.State != e.State || b.RuleID != created.ID {
			t.Errorf("webhook body of transition %d: %+v, history %+v", e.ID, b, e)
		}
	}
	var ruleNow alerting.RuleJSON
	if err := c.get(killed, "/alerts/rules/"+created.ID, &ruleNow); err != nil {
		t.Fatal(err)
	}
	if !ruleNow.Firing || ruleNow.LastTransition != want[2].ID || !ruleNow.WebhookSecretSet {
		t.Errorf("rule after the run: %+v", ruleNow)
	}
}

// send sends v as JSON with method to validator id's /api/v12<path> and
// decodes a 2xx answer into out; it returns the status and body.
func (c *cluster) send(id uint64, method, path string, v, out any) (int, string) {
	c.t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, "http://"+c.nodes[id].httpAddr+"/api/v12"+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, string(raw)
}
