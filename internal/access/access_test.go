package access

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
)

type fixture struct {
	mux     *Mux
	secrets map[auth.Role]string
	audit   *bytes.Buffer
	reg     *prometheus.Registry
}

// newFixture serves two real routes of the table behind a guard with API
// keys, anonymous callers refused, and submissions limited to 2 at once.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ks, err := auth.OpenKeyStore(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{secrets: map[auth.Role]string{}, audit: &bytes.Buffer{}, reg: prometheus.NewRegistry()}
	for _, r := range auth.Roles {
		_, s, err := ks.Create(auth.NewKey{Name: r.String(), Role: r}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.secrets[r] = s
	}
	al, err := audit.New(slog.New(slog.NewJSONHandler(f.audit, nil)), f.reg)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Auth: auth.New(auth.Config{Keys: ks, Tickets: auth.NewTickets(0)}), Audit: al, SubmitRate: 0.001, SubmitBurst: 2, Registerer: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	f.mux = g.NewMux()
	api := f.mux.Under("/api/v12")
	api.HandleFunc("POST /transactions", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	api.HandleFunc("DELETE /cluster/members/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such member", http.StatusConflict)
	})
	g.RegisterHTTP(api)
	return f
}

func (f *fixture) do(method, path, secret string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "192.0.2.7:5555"
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, req)
	return w
}

func (f *fixture) events(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(f.audit.String()), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func TestRefusalsAndAudit(t *testing.T) {
	f := newFixture(t)
	w := f.do(http.MethodPost, "/api/v12/transactions", "")
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no credential: %d %v", w.Code, w.Header())
	}
	w = f.do(http.MethodPost, "/api/v12/transactions", auth.APIKeyPrefix+"0123456789abcdef_forged")
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("forged key: %d", w.Code)
	}
	if w := f.do(http.MethodPost, "/api/v12/transactions", f.secrets[auth.RoleViewer]); w.Code != http.StatusForbidden {
		t.Fatalf("viewer submits: %d", w.Code)
	}
	for range 2 {
		if w := f.do(http.MethodPost, "/api/v12/transactions", f.secrets[auth.RoleSubmitter]); w.Code != http.StatusAccepted {
			t.Fatalf("submitter within the burst: %d %s", w.Code, w.Body)
		}
	}
	w = f.do(http.MethodPost, "/api/v12/transactions", f.secrets[auth.RoleSubmitter])
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("submitter over the limit: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := f.do(http.MethodDelete, "/api/v12/cluster/members/3", f.secrets[auth.RoleOperator]); w.Code != http.StatusForbidden {
		t.Fatalf("operator removes a member: %d", w.Code)
	}
	if w := f.do(http.MethodDelete, "/api/v12/cluster/members/3", f.secrets[auth.RoleAdmin]); w.Code != http.StatusConflict {
		t.Fatalf("admin removes a member: %d", w.Code)
	}

	evs := f.events(t)
	want := []struct{ result, who, action string }{
		{"unauthenticated", "anonymous", "tx.submit"},
		{"unauthenticated", "api_key:0123456789abcdef", "tx.submit"},
		{"denied", "api_key:key:", "tx.submit"},
		{"denied", "api_key:key:", "cluster.manage"},
		{"failed", "api_key:key:", "cluster.manage"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d audit events, want %d: %v", len(evs), len(want), evs)
	}
	for i, w := range want {
		ev := evs[i]
		if ev["result"] != w.result || !strings.HasPrefix(ev["who"].(string), w.who) || ev["action"] != w.action || ev["from"] != "192.0.2.7" {
			t.Errorf("audit event %d: %v, want %+v from 192.0.2.7", i, ev, w)
		}
	}
	if last := evs[len(evs)-1]; last["target"] != "3" || last["route"] != "DELETE /api/v12/cluster/members/{id}" || last["status"] != "409" {
		t.Errorf("membership change event: %v", last)
	}
	if strings.Contains(f.audit.String(), "forged") {
		t.Fatal("the audit log holds a presented secret")
	}
	if n := f.counted(t, "cluster.manage", "denied"); n != 1 {
		t.Errorf("aurigraph_audit_events_total{cluster.manage,denied} = %v", n)
	}
}

// counted returns aurigraph_audit_events_total for action and result.
func (f *fixture) counted(t *testing.T, action, result string) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_audit_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["action"] == action && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestMeAndKeysOverREST(t *testing.T) {
	f := newFixture(t)
	w := f.do(http.MethodGet, "/api/v12/auth/me", f.secrets[auth.RoleSubmitter])
	var me struct {
		Role    string   `json:"role"`
		Actions []string `json:"actions"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &me); err != nil || me.Role != "submitter" || !strings.Contains(strings.Join(me.Actions, ","), "tx.submit") || strings.Contains(strings.Join(me.Actions, ","), "cluster.manage") {
		t.Fatalf("GET /auth/me: %d %s", w.Code, w.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v12/auth/keys", strings.NewReader(`{"name":"dash","role":"viewer","expires_in":"24h"}`))
	req.Header.Set("Authorization", "Bearer "+f.secrets[auth.RoleAdmin])
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, req)
	var created struct {
		ID, Key string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || rec.Code != http.StatusCreated || created.Key == "" {
		t.Fatalf("create a key: %d %s", rec.Code, rec.Body)
	}
	if w := f.do(http.MethodGet, "/api/v12/auth/me", created.Key); w.Code != http.StatusOK {
		t.Fatalf("the new key: %d", w.Code)
	}
	if w := f.do(http.MethodGet, "/api/v12/auth/keys", f.secrets[auth.RoleAdmin]); w.Code != http.StatusOK || strings.Contains(w.Body.String(), created.Key) {
		t.Fatalf("list keys: %d, holds the secret: %v", w.Code, strings.Contains(w.Body.String(), created.Key))
	}
	if w := f.do(http.MethodDelete, "/api/v12/auth/keys/"+created.ID, f.secrets[auth.RoleAdmin]); w.Code != http.StatusOK {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if w := f.do(http.MethodGet, "/api/v12/auth/me", created.Key); w.Code != http.StatusUnauthorized {
		t.Fatalf("the revoked key: %d", w.Code)
	}
}

func TestUnregisteredRoutePanics(t *testing.T) {
	f := newFixture(t)
	defer func() {
		if recover() == nil {
			t.Fatal("a route without a policy entry was registered")
		}
	}()
	f.mux.HandleFunc("GET /api/v12/secret", func(http.ResponseWriter, *http.Request) {})
}

// TestNotServedSaysWhy: a path this process does not serve answers a JSON
// 404 that says why, and the other paths are untouched.
func TestNotServedSaysWhy(t *testing.T) {
	f := newFixture(t)
	f.mux.NotServed("/api/v12/analytics/", "start with --clickhouse")
	for _, tc := range []struct {
		path string
		want string
	}{
		{"/api/v12/analytics/series?metric=tps", "no endpoint GET /api/v12/analytics/series: start with --clickhouse"},
		{"/api/v12/analytics/", "no endpoint GET /api/v12/analytics/: start with --clickhouse"},
		{"/api/v12/elsewhere", "no endpoint GET /api/v12/elsewhere"},
	} {
		w := f.do(http.MethodGet, tc.path, "")
		var body struct{ Error string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusNotFound || body.Error != tc.want ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %s %q (%v), want 404 JSON %q", tc.path, w.Code, w.Header().Get("Content-Type"), w.Body, err, tc.want)
		}
	}
	if w := f.do(http.MethodPost, "/api/v12/transactions", f.secrets[auth.RoleAdmin]); w.Code != http.StatusAccepted {
		t.Fatalf("a served route behind NotServed answered %d", w.Code)
	}
}

func TestExposure(t *testing.T) {
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080"} {
		if err := CheckExposure([]Listener{{Flag: "--http", Addr: addr, NeedsTLS: true}}, false, log); err != nil {
			t.Errorf("loopback %s refused: %v", addr, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "10.0.0.5:8080", "host.example:8080"} {
		err := CheckExposure([]Listener{{Flag: "--http", Addr: addr, NeedsTLS: true, FixTLS: "--http-tls-cert"}}, false, log)
		if err == nil || !strings.Contains(err.Error(), "--oidc-issuer") || !strings.Contains(err.Error(), "--http-tls-cert") || !strings.Contains(err.Error(), "--insecure") {
			t.Errorf("exposed %s: %v, want a refusal saying what to configure", addr, err)
		}
	}
	if err := CheckExposure([]Listener{{Flag: "--grpc", Addr: "0.0.0.0:9004", Authenticated: true, NeedsTLS: true, TLS: true}}, false, log); err != nil {
		t.Errorf("protected listener refused: %v", err)
	}
	var warned bytes.Buffer
	if err := CheckExposure([]Listener{{Flag: "--http", Addr: "0.0.0.0:8080"}}, true, slog.New(slog.NewTextHandler(&warned, nil))); err != nil || !strings.Contains(warned.String(), "level=WARN") {
		t.Errorf("--insecure: %v, log %q", err, warned.String())
	}
	if err := CheckPeers("--peers", []string{"127.0.0.1:7001", "10.0.0.2:7001"}, false, false, log); err == nil || !strings.Contains(err.Error(), "--peer-cert") {
		t.Errorf("exposed peers without mutual TLS: %v", err)
	}
	if err := CheckPeers("--peers", []string{"10.0.0.2:7001"}, true, false, log); err != nil {
		t.Errorf("peers with mutual TLS: %v", err)
	}
}

func TestWebHeadersAndCORS(t *testing.T) {
	h := Web(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), WebOptions{TLS: true, CORSOrigins: []string{"https://portal.example"}, ConnectSources: []string{"https://idp.example"}})
	req := httptest.NewRequest(http.MethodOptions, "/api/v12/blocks/latest", nil)
	req.Header.Set("Origin", "https://portal.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin": "https://portal.example", "Strict-Transport-Security": "max-age=31536000",
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "connect-src 'self' ws: wss: https://idp.example;") || w.Code != http.StatusNoContent {
		t.Errorf("preflight: %d, CSP %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	req.Header.Set("Origin", "https://evil.example")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("an unlisted origin was allowed")
	}
}

// TestAbortedPrivilegedResponseIsAudited checks that a privileged request
// whose handler aborts the response midway, as a backup cut short does
// after part of the state went out, is still recorded.
func TestAbortedPrivilegedResponseIsAudited(t *testing.T) {
	f := newFixture(t)
	f.mux.Under("/api/v12").HandleFunc("GET /admin/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("part of the state"))
		panic(http.ErrAbortHandler)
	})
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("the handler's abort reached the server as %v, want http.ErrAbortHandler", v)
			}
		}()
		f.do(http.MethodGet, "/api/v12/admin/backup", f.secrets[auth.RoleAdmin])
	}()
	evs := f.events(t)
	if len(evs) != 1 || evs[0]["action"] != "backup" || evs[0]["result"] != "failed" || !strings.HasPrefix(evs[0]["who"].(string), "api_key:") {
		t.Fatalf("audit events of an aborted backup: %v, want one failed backup by the admin key", evs)
	}
}
