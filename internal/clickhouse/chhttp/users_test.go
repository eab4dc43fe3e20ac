package chhttp

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestUsersAuthenticateAndReadOnlyUsersCannotWrite(t *testing.T) {
	srv := httptest.NewServer(NewHandler(testEngine, Options{Logger: slog.New(slog.DiscardHandler), Users: map[string]User{
		"default": {ReadOnly: true},
		"writer":  {Password: "s3cret"},
	}}))
	defer srv.Close()
	do := func(method, path, body string, auth func(*http.Request)) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if auth != nil {
			auth(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	headers := func(u, p string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-ClickHouse-User", u); r.Header.Set("X-ClickHouse-Key", p) }
	}
	create := "CREATE TABLE IF NOT EXISTS default.users_test (a UInt8) ENGINE = Memory"
	tests := []struct {
		name       string
		method     string
		path, body string
		auth       func(*http.Request)
		status     int
		want       string
	}{
		{"anonymous read", "GET", "/?query=" + url.QueryEscape("SELECT 1"), "", nil, 200, "1\n"},
		{"anonymous write", "POST", "/", create, nil, 403, "READONLY"},
		{"default asks for writes", "POST", "/?readonly=0", create, nil, 403, "READONLY"},
		{"writer by basic auth", "POST", "/", create, basic("writer", "s3cret"), 200, ""},
		{"writer by headers", "POST", "/", create, headers("writer", "s3cret"), 200, ""},
		{"writer by parameters", "POST", "/?user=writer&password=s3cret", create, nil, 200, ""},
		{"wrong password", "GET", "/?query=SELECT+1", "", basic("writer", "guess"), 403, "AUTHENTICATION_FAILED"},
		{"unknown user", "GET", "/?query=SELECT+1&user=mallory", "", nil, 403, "AUTHENTICATION_FAILED"},
		{"ping needs nobody", "GET", "/ping", "", nil, 200, "Ok.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(tc.method, tc.path, tc.body, tc.auth)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %q, want %d containing %q", status, body, tc.status, tc.want)
			}
		})
	}
}
