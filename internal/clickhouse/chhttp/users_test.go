package chhttp

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
)

// TestNamedUsersReadOnlyAndNoWriterOnThePublicInterface: named users log in
// with passwords kept as verifiers; whoever logs in reads and cannot write,
// whatever it asks; the anonymous reader is taken from this machine only;
// writes go only through the writer's own handler.
func TestNamedUsersReadOnlyAndNoWriterOnThePublicInterface(t *testing.T) {
	users, err := auth.OpenUsers(filepath.Join(t.TempDir(), "users.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]auth.Role{"analyst": auth.RoleViewer, "ops": auth.RoleAdmin} {
		u, err := auth.NewUser(name, role, "password of "+name)
		if err != nil {
			t.Fatal(err)
		}
		if err := users.Put(u); err != nil {
			t.Fatal(err)
		}
	}
	var auditLog bytes.Buffer
	al, err := audit.New(slog.New(slog.NewTextHandler(&auditLog, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(testEngine, Options{Logger: slog.New(slog.DiscardHandler), Access: &Access{Users: users, Audit: al}})
	public := httptest.NewServer(h)
	defer public.Close()
	writer := httptest.NewServer(h.Writer())
	defer writer.Close()

	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	headers := func(u, p string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-ClickHouse-User", u); r.Header.Set("X-ClickHouse-Key", p) }
	}
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr } }
	create := "CREATE TABLE IF NOT EXISTS default.users_test (a UInt8) ENGINE = Memory"
	tests := []struct {
		name       string
		srv        http.Handler
		method     string
		path, body string
		auth       func(*http.Request)
		status     int
		want       string
	}{
		{"anonymous read from loopback", h, "GET", "/?query=" + url.QueryEscape("SELECT 1"), "", nil, 200, "1\n"},
		{"anonymous read from afar", h, "GET", "/?query=SELECT+1", "", from("192.0.2.7:4000"), 403, "AUTHENTICATION_FAILED"},
		{"default from afar", h, "GET", "/?query=SELECT+1&user=default", "", from("192.0.2.7:4000"), 403, "AUTHENTICATION_FAILED"},
		{"analyst from afar", h, "GET", "/?query=SELECT+1", "", func(r *http.Request) {
			r.RemoteAddr = "192.0.2.7:4000"
			r.SetBasicAuth("analyst", "password of analyst")
		}, 200, "1\n"},
		{"analyst by headers", h, "GET", "/?query=SELECT+2", "", headers("analyst", "password of analyst"), 200, "2\n"},
		{"analyst by parameters", h, "GET", "/?query=SELECT+3&user=analyst&password=" + url.QueryEscape("password of analyst"), "", nil, 200, "3\n"},
		{"analyst writes", h, "POST", "/", create, basic("analyst", "password of analyst"), 403, "READONLY"},
		{"analyst asks for writes", h, "POST", "/?readonly=0", create, basic("analyst", "password of analyst"), 403, "READONLY"},
		{"admin writes", h, "POST", "/", create, basic("ops", "password of ops"), 403, "READONLY"},
		{"anonymous writes", h, "POST", "/", create, nil, 403, "READONLY"},
		{"the projector's old user", h, "POST", "/", create, basic("aurigraph", "anything"), 403, "AUTHENTICATION_FAILED"},
		{"wrong password", h, "GET", "/?query=SELECT+1", "", basic("analyst", "guess"), 403, "AUTHENTICATION_FAILED"},
		{"unknown user", h, "GET", "/?query=SELECT+1&user=mallory&password=x", "", nil, 403, "AUTHENTICATION_FAILED"},
		{"ping needs nobody", h, "GET", "/ping", "", from("192.0.2.7:4000"), 200, "Ok.\n"},
		{"the writer's handler writes", h.Writer(), "POST", "/", create, nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.RemoteAddr = "127.0.0.1:5000"
			if tc.auth != nil {
				tc.auth(req)
			}
			rec := httptest.NewRecorder()
			tc.srv.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != tc.status || !strings.Contains(string(body), tc.want) {
				t.Fatalf("%d %q, want %d containing %q", rec.Code, body, tc.status, tc.want)
			}
		})
	}
	for _, want := range []string{"who=user:analyst", "who=user:mallory", "who=anonymous", "from=192.0.2.7:4000"} {
		if !strings.Contains(auditLog.String(), want) {
			t.Errorf("audit log lacks %q:\n%s", want, auditLog.String())
		}
	}
	if strings.Contains(auditLog.String(), "guess") || strings.Contains(auditLog.String(), "password of") {
		t.Errorf("a password reached the audit log:\n%s", auditLog.String())
	}
}

func TestAnonymousReaderWhereConfigured(t *testing.T) {
	for _, tc := range []struct {
		anonymous      Anonymous
		local, distant int
	}{
		{AnonymousLoopback, 200, 403},
		{AnonymousNone, 403, 403},
		{AnonymousAny, 200, 200},
	} {
		h := NewHandler(testEngine, Options{Logger: slog.New(slog.DiscardHandler), Access: &Access{Anonymous: tc.anonymous}})
		for addr, want := range map[string]int{"127.0.0.1:1": tc.local, "[2001:db8::1]:1": tc.distant} {
			req := httptest.NewRequest("GET", "/?query=SELECT+1", nil)
			req.RemoteAddr = addr
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("anonymous %d from %s: %d, want %d", tc.anonymous, addr, rec.Code, want)
			}
		}
	}
}
