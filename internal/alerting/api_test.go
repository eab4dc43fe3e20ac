package alerting_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// serveREST serves svc's routes on 127.0.0.1 and returns the API root.
func serveREST(t *testing.T, svc *alerting.Service) string {
	t.Helper()
	mux := http.NewServeMux()
	alerting.RegisterHTTP(mux, svc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func members(nodes ...*consensus.Node) []alerting.Member {
	out := make([]alerting.Member, len(nodes))
	for i, n := range nodes {
		out[i] = n
	}
	return out
}

const goodRule = `{"name":"slow","metric":"tps","condition":"<","threshold":10,"window_ms":5000,"for_ms":2000,"webhook_url":"https://hooks.example.com/x","webhook_secret":"k"}`

// TestRESTOperations runs every operation of the REST API and every bad
// input it refuses against a real three-validator cluster.
func TestRESTOperations(t *testing.T) {
	leader, all := startCluster(t, 3)
	var follower *consensus.Node
	for _, n := range all {
		if n != leader {
			follower = n
		}
	}
	api := serveREST(t, alerting.NewService(members(leader), alerting.URLPolicy{}, 0))
	followerAPI := serveREST(t, alerting.NewService(members(follower), alerting.URLPolicy{}, 0))

	code, body := call(t, http.MethodPost, api+"/alerts/rules", goodRule)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created alerting.RuleJSON
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if !alerting.ValidRuleID(created.ID) || created.Metric != "tps" || !created.WebhookSecretSet || strings.Contains(body, `"webhook_secret":`) || created.CreatedMs == 0 {
		t.Fatalf("created rule %s", body)
	}
	rule := api + "/alerts/rules/" + created.ID

	code, body = call(t, http.MethodGet, rule, "")
	if code != http.StatusOK || !strings.Contains(body, created.ID) || strings.Contains(body, `"webhook_secret":`) {
		t.Fatalf("get: %d %s", code, body)
	}
	code, body = call(t, http.MethodGet, api+"/alerts/rules", "")
	if code != http.StatusOK || strings.Count(body, `"id":`) != 1 {
		t.Fatalf("list: %d %s", code, body)
	}
	// Reads are consistent on a follower too.
	code, body = call(t, http.MethodGet, followerAPI+"/alerts/rules/"+created.ID, "")
	if code != http.StatusOK {
		t.Fatalf("get on a follower: %d %s", code, body)
	}
	updated := strings.Replace(strings.Replace(goodRule, `"threshold":10`, `"threshold":20`, 1), `,"webhook_secret":"k"`, "", 1)
	code, body = call(t, http.MethodPut, rule, updated)
	var got alerting.RuleJSON
	_ = json.Unmarshal([]byte(body), &got)
	if code != http.StatusOK || got.Threshold != 20 || got.CreatedMs != created.CreatedMs || !got.WebhookSecretSet {
		t.Fatalf("update: %d %s", code, body)
	}
	// The secret was given for that endpoint, not for another.
	moved := strings.Replace(updated, "hooks.example.com/x", "elsewhere.example.com/y", 1)
	code, body = call(t, http.MethodPut, rule, moved)
	if code != http.StatusBadRequest || !strings.Contains(body, "webhook_secret") {
		t.Fatalf("update moving the webhook without a secret: %d %s, want 400 naming webhook_secret", code, body)
	}
	code, body = call(t, http.MethodPut, rule, strings.Replace(moved, `"webhook_url"`, `"webhook_secret":"k2","webhook_url"`, 1))
	if code != http.StatusOK || !strings.Contains(body, "elsewhere.example.com") {
		t.Fatalf("update moving the webhook with its secret: %d %s", code, body)
	}
	code, body = call(t, http.MethodGet, api+"/alerts/history?rule_id="+created.ID+"&limit=10&after=0", "")
	if code != http.StatusOK || body != "{\"transitions\":[]}\n" {
		t.Fatalf("history: %d %s", code, body)
	}
	code, body = call(t, http.MethodPost, followerAPI+"/alerts/rules", goodRule)
	if code != http.StatusMisdirectedRequest || !strings.Contains(body, fmt.Sprintf(`"leader":%d`, leader.ID())) {
		t.Fatalf("create on a follower: %d %s", code, body)
	}
	code, body = call(t, http.MethodDelete, rule, "")
	if code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", code, body)
	}

	unknown := api + "/alerts/rules/0123456789abcdef"
	for _, tc := range []struct {
		name, method, url, body string
		code                    int
		says                    string
	}{
		{"get deleted", http.MethodGet, rule, "", http.StatusNotFound, "no such alert rule"},
		{"delete deleted", http.MethodDelete, rule, "", http.StatusNotFound, "no such alert rule"},
		{"update unknown", http.MethodPut, unknown, goodRule, http.StatusNotFound, "no such alert rule"},
		{"get malformed id", http.MethodGet, api + "/alerts/rules/..x", "", http.StatusNotFound, "no such alert rule"},
		{"unknown metric", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"tps"`, `"cpu"`, 1), http.StatusBadRequest, "is not one of"},
		{"bad condition", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"<"`, `"=="`, 1), http.StatusBadRequest, "condition"},
		{"window too short", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"window_ms":5000`, `"window_ms":10`, 1), http.StatusBadRequest, "window_ms"},
		{"window too long", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"window_ms":5000`, `"window_ms":86400000`, 1), http.StatusBadRequest, "window_ms"},
		{"negative for", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"for_ms":2000`, `"for_ms":-1`, 1), http.StatusBadRequest, "for_ms"},
		{"no threshold", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"threshold":10,`, ``, 1), http.StatusBadRequest, "threshold is missing"},
		{"ftp webhook", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `https://hooks.example.com/x`, `ftp://hooks.example.com/x`, 1), http.StatusBadRequest, "scheme"},
		{"loopback webhook", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `hooks.example.com`, `127.0.0.1:9`, 1), http.StatusBadRequest, "--alerts-allow-private-webhooks"},
		{"private webhook", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `hooks.example.com`, `10.1.2.3`, 1), http.StatusBadRequest, "private"},
		{"credentials in webhook", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `hooks.example.com`, `u:p@hooks.example.com`, 1), http.StatusBadRequest, "credentials"},
		{"unknown field", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"name"`, `"id":"x","name"`, 1), http.StatusBadRequest, "unknown field"},
		{"not json", http.MethodPost, api + "/alerts/rules", "{", http.StatusBadRequest, "JSON object"},
		{"two values", http.MethodPost, api + "/alerts/rules", goodRule + goodRule, http.StatusBadRequest, "more than one"},
		{"oversize", http.MethodPost, api + "/alerts/rules", `{"name":"` + strings.Repeat("x", alerting.MaxRuleBytes) + `"}`, http.StatusRequestEntityTooLarge, "at most"},
		{"long name", http.MethodPost, api + "/alerts/rules", strings.Replace(goodRule, `"slow"`, `"`+strings.Repeat("n", 200)+`"`, 1), http.StatusBadRequest, "name"},
		{"history bad limit", http.MethodGet, api + "/alerts/history?limit=5000", "", http.StatusBadRequest, "limit"},
		{"history bad after", http.MethodGet, api + "/alerts/history?after=x", "", http.StatusBadRequest, "after"},
		{"history bad rule", http.MethodGet, api + "/alerts/history?rule_id=zz", "", http.StatusBadRequest, "rule_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, tc.method, tc.url, tc.body)
			if code != tc.code || !strings.Contains(body, tc.says) {
				t.Errorf("%s %s: %d %s; want %d saying %q", tc.method, tc.url, code, body, tc.code, tc.says)
			}
		})
	}

	// Every series the README names is accepted, the projector's lag too.
	code, body = call(t, http.MethodPost, api+"/alerts/rules", strings.Replace(goodRule, `"tps"`, `"projector_lag_ms"`, 1))
	if code != http.StatusCreated || !strings.Contains(body, `"metric":"projector_lag_ms"`) {
		t.Fatalf("create a projector_lag_ms rule: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	if code, body = call(t, http.MethodDelete, api+"/alerts/rules/"+created.ID, ""); code != http.StatusNoContent {
		t.Fatalf("delete the projector_lag_ms rule: %d %s", code, body)
	}

	// The number of rules is bounded.
	for i := range alerting.MaxRules {
		if code, body := call(t, http.MethodPost, api+"/alerts/rules", goodRule); code != http.StatusCreated {
			t.Fatalf("rule %d: %d %s", i+1, code, body)
		}
	}
	if code, body := call(t, http.MethodPost, api+"/alerts/rules", goodRule); code != http.StatusConflict || !strings.Contains(body, "at most") {
		t.Fatalf("rule %d: %d %s; want 409", alerting.MaxRules+1, code, body)
	}
}

// TestGRPCOperations runs every AlertService method and its refusals.
func TestGRPCOperations(t *testing.T) {
	leader, all := startCluster(t, 3)
	var follower *consensus.Node
	for _, n := range all {
		if n != leader {
			follower = n
		}
	}
	dial := func(svc *alerting.Service) aurigraphv1.AlertServiceClient {
		srv := grpc.NewServer()
		aurigraphv1.RegisterAlertServiceServer(srv, svc.GRPC())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(srv.Stop)
		conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return aurigraphv1.NewAlertServiceClient(conn)
	}
	c := dial(alerting.NewService(members(leader), alerting.URLPolicy{}, 0))
	fc := dial(alerting.NewService(members(follower), alerting.URLPolicy{}, 0))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	in := &aurigraphv1.AlertRule{Name: "blocks", Metric: "block_time_ms", Condition: ">", Threshold: 2000, WindowMs: 10_000, WebhookUrl: "https://hooks.example.com/a", WebhookSecret: "k"}
	cr, err := c.CreateRule(ctx, &aurigraphv1.CreateAlertRuleRequest{Rule: in})
	r := cr.GetRule()
	if err != nil || !alerting.ValidRuleID(r.GetId()) || r.GetWebhookSecret() != "" || !r.GetWebhookSecretSet() {
		t.Fatalf("CreateRule: %v %v", r, err)
	}
	if g, err := c.GetRule(ctx, &aurigraphv1.GetAlertRuleRequest{Id: r.GetId()}); err != nil || g.GetRule().GetMetric() != "block_time_ms" {
		t.Fatalf("GetRule: %v %v", g, err)
	}
	in.Id, in.Threshold = r.GetId(), 3000
	if u, err := c.UpdateRule(ctx, &aurigraphv1.UpdateAlertRuleRequest{Rule: in}); err != nil || u.GetRule().GetThreshold() != 3000 {
		t.Fatalf("UpdateRule: %v %v", u, err)
	}
	if l, err := fc.ListRules(ctx, &aurigraphv1.ListAlertRulesRequest{}); err != nil || len(l.GetRules()) != 1 {
		t.Fatalf("ListRules on a follower: %v %v", l, err)
	}
	if h, err := c.ListHistory(ctx, &aurigraphv1.ListAlertHistoryRequest{RuleId: r.GetId()}); err != nil || len(h.GetTransitions()) != 0 {
		t.Fatalf("ListHistory: %v %v", h, err)
	}
	_, err = fc.CreateRule(ctx, &aurigraphv1.CreateAlertRuleRequest{Rule: in})
	if lead, ok := rpc.LeaderHint(err); status.Code(err) != codes.FailedPrecondition || !ok || lead != leader.ID() {
		t.Fatalf("CreateRule on a follower: %v (leader hint %d)", err, lead)
	}
	if _, err := c.DeleteRule(ctx, &aurigraphv1.DeleteAlertRuleRequest{Id: r.GetId()}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}

	bad := func(mut func(*aurigraphv1.AlertRule)) *aurigraphv1.CreateAlertRuleRequest {
		r := &aurigraphv1.AlertRule{Metric: "tps", Condition: "<", Threshold: 1, WindowMs: 1000}
		mut(r)
		return &aurigraphv1.CreateAlertRuleRequest{Rule: r}
	}
	for _, tc := range []struct {
		name string
		call func() error
		code codes.Code
	}{
		{"get deleted", func() error { _, err := c.GetRule(ctx, &aurigraphv1.GetAlertRuleRequest{Id: r.GetId()}); return err }, codes.NotFound},
		{"delete deleted", func() error {
			_, err := c.DeleteRule(ctx, &aurigraphv1.DeleteAlertRuleRequest{Id: r.GetId()})
			return err
		}, codes.NotFound},
		{"update unknown", func() error { _, err := c.UpdateRule(ctx, &aurigraphv1.UpdateAlertRuleRequest{Rule: in}); return err }, codes.NotFound},
		{"no rule", func() error { _, err := c.CreateRule(ctx, &aurigraphv1.CreateAlertRuleRequest{}); return err }, codes.InvalidArgument},
		{"unknown metric", func() error {
			_, err := c.CreateRule(ctx, bad(func(r *aurigraphv1.AlertRule) { r.Metric = "cpu" }))
			return err
		}, codes.InvalidArgument},
		{"bad condition", func() error {
			_, err := c.CreateRule(ctx, bad(func(r *aurigraphv1.AlertRule) { r.Condition = "!" }))
			return err
		}, codes.InvalidArgument},
		{"window out of range", func() error {
			_, err := c.CreateRule(ctx, bad(func(r *aurigraphv1.AlertRule) { r.WindowMs = 0 }))
			return err
		}, codes.InvalidArgument},
		{"for out of range", func() error {
			_, err := c.CreateRule(ctx, bad(func(r *aurigraphv1.AlertRule) { r.ForMs = 7_200_000 }))
			return err
		}, codes.InvalidArgument},
		{"bad webhook", func() error {
			_, err := c.CreateRule(ctx, bad(func(r *aurigraphv1.AlertRule) { r.WebhookUrl = "http://[::1]/x" }))
			return err
		}, codes.InvalidArgument},
		{"history limit", func() error {
			_, err := c.ListHistory(ctx, &aurigraphv1.ListAlertHistoryRequest{Limit: 5000})
			return err
		}, codes.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); status.Code(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
}

// TestStatusErrorWithoutLeader checks that a read that found no leader
// before its timeout is UNAVAILABLE, which clients retry, as REST answers
// it 503, and not DEADLINE_EXCEEDED, which they do not.
func TestStatusErrorWithoutLeader(t *testing.T) {
	err := fmt.Errorf("consistent read of the alert rules: %w", fmt.Errorf("%w: %w", raftnode.ErrNoLeader, context.DeadlineExceeded))
	if got := status.Code(alerting.StatusError(err)); got != codes.Unavailable {
		t.Fatalf("%v answers %v, want Unavailable", err, got)
	}
}
