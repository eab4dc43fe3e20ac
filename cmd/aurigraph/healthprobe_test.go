package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/q/health":
			_, _ = w.Write([]byte(`{"status":"UP","checks":[]}`))
		case "/q/health/ready":
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"DOWN","checks":[]}`))
		case "/big":
			_, _ = w.Write(bytes.Repeat([]byte("x"), 2*maxProbeBody))
		}
	}))
	defer srv.Close()
	// An address nothing listens on: a listener closed at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/q/health"
	ln.Close()

	for _, tc := range []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"up", []string{"--url", srv.URL + "/q/health"}, `{"status":"UP","checks":[]}`, ""},
		{"down", []string{"--url", srv.URL + "/q/health/ready"}, `{"status":"DOWN","checks":[]}`, "503 Service Unavailable"},
		{"body bounded", []string{"--url", srv.URL + "/big"}, strings.Repeat("x", maxProbeBody), ""},
		{"nothing listening", []string{"--url", closed}, "", "connection refused"},
		{"not http", []string{"--url", "ftp://127.0.0.1/q/health"}, "", "want http(s)://host:port/q/health"},
		{"no host", []string{"--url", "/q/health"}, "", "want http(s)://host:port/q/health"},
		{"bad timeout", []string{"--url", srv.URL, "--timeout", "0s"}, "", "must be positive"},
		{"missing CA file", []string{"--url", srv.URL, "--ca", t.TempDir() + "/none.pem"}, "", "--ca:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			cmd := newHealthCommand()
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(tc.args)
			err := cmd.Execute()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("aurigraph health %v: %v", tc.args, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("aurigraph health %v: error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
			if got := out.String(); !strings.HasPrefix(got, tc.wantOut) || (tc.wantErr == "" && got != tc.wantOut) {
				t.Errorf("aurigraph health %v printed %.200q, want %.200q", tc.args, got, tc.wantOut)
			}
		})
	}
}
