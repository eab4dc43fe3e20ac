package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// A listener beyond loopback without authentication, or an HTTP port
// without TLS, does not start; the error says what to configure.
func TestExposedListenersRefuseToStart(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys.json")
	for name, tc := range map[string]struct {
		http   string
		access accessFlags
		want   []string
	}{
		"no authentication": {http: "0.0.0.0:0", want: []string{"--http 0.0.0.0:0", "authentication", "--oidc-issuer", "--insecure"}},
		"anonymous allowed": {http: "0.0.0.0:0", access: accessFlags{apiKeys: keys, anonymous: "viewer"}, want: []string{"--anonymous-role none"}},
		"no TLS":            {http: "0.0.0.0:0", access: accessFlags{apiKeys: keys, anonymous: "none"}, want: []string{"TLS", "--http-tls-cert"}},
	} {
		t.Run(name, func(t *testing.T) {
			f := testDevFlags(t, t.TempDir())
			f.httpAddr, f.access = tc.http, tc.access
			err := runPipeline(context.Background(), f, testLog(t), nil)
			if err == nil {
				t.Fatal("started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	f := testDevFlags(t, t.TempDir())
	f.raftHost = "0.0.0.0"
	if err := runPipeline(context.Background(), f, testLog(t), nil); err == nil || !strings.Contains(err.Error(), "--peer-cert") {
		t.Fatalf("raft peers beyond loopback without mutual TLS: %v", err)
	}
	if err := parseAndCheckNode(t, "--id", "1", "--peers", "1=10.0.0.1:7001,2=10.0.0.2:7001"); err == nil || !strings.Contains(err.Error(), "mutual TLS") {
		t.Fatalf("node with exposed peers and no --peer-ca: %v", err)
	}
}

// parseAndCheckNode runs `aurigraph node` with args up to its checks; the
// checks fail before anything starts.
func parseAndCheckNode(t *testing.T, args ...string) error {
	t.Helper()
	cmd := newRootCommand()
	cmd.SetArgs(append([]string{"node", "--data", t.TempDir()}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return cmd.ExecuteContext(ctx)
}

// With TLS on --http, a client certificate mapped to a principal on gRPC,
// and an audit log file: https works with the security headers, the mapped
// certificate is its principal, and membership changes and failed
// authentications land in the audit log with who asked.
func TestHTTPSCertificatesAndAudit(t *testing.T) {
	pk := newPKI(t)
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys.json")
	secrets := rolePrincipals(t, keysFile)
	auditFile := filepath.Join(dir, "audit.jsonl")
	f := testDevFlags(t, dir)
	f.validators = 1
	f.grpcTLS = grpcTLSFlags{cert: pk.serverCert, key: pk.serverKey, clientCA: pk.caFile}
	f.access = accessFlags{apiKeys: keysFile, anonymous: "none", auditLog: auditFile, httpTLSCert: pk.serverCert, httpTLSKey: pk.serverKey,
		certPrincipals: []string{"client=submitter@acme"}, tenants: writeTenants(t, dir)}
	p := startPipeline(t, f)
	defer p.stop(t)

	roots := x509.NewCertPool()
	roots.AddCert(pk.ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 20 * time.Second}
	get := func(path, secret string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, "https://"+p.addrs.HTTP+path, nil)
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("/q/health/live", ""); resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("https health: %s %v", resp.Status, resp.Header)
	}
	if resp := get("/api/v12/chain/stats", "agk_0123456789abcdef_wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong key over https: %s", resp.Status)
	}
	if resp, err := http.Get("http://" + p.addrs.HTTP + "/q/health"); err == nil && resp.StatusCode == http.StatusOK {
		t.Fatal("plain http is served on the TLS port")
	}
	req, _ := http.NewRequest(http.MethodDelete, "https://"+p.addrs.HTTP+"/api/v12/cluster/members/9", nil)
	req.Header.Set("Authorization", "Bearer "+secrets[auth.RoleAdmin])
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("remove a non-member as admin: %v %v", resp, err)
	}

	// The cluster command takes its credential from the environment.
	cli := func(secret string, args ...string) (string, error) {
		t.Setenv("AURIGRAPH_TOKEN", secret)
		var out bytes.Buffer
		cmd := newRootCommand()
		cmd.SetOut(&out)
		cmd.SetArgs(append([]string{"cluster", "--node", "https://" + p.addrs.HTTP, "--ca", pk.caFile}, args...))
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	if out, err := cli(secrets[auth.RoleViewer], "status"); err != nil || !strings.Contains(out, `"members"`) {
		t.Fatalf("cluster status as a viewer: %v %s", err, out)
	}
	if _, err := cli(secrets[auth.RoleViewer], "remove", "--id", "1"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("cluster remove as a viewer: %v, want refused with 403", err)
	}
	if _, err := cli("", "status"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("cluster status without a token: %v, want refused with 401", err)
	}

	pair, err := tls.LoadX509KeyPair(pk.clientCert, pk.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	me, err := aurigraphv1.NewAuthServiceClient(conn).WhoAmI(ctx, &aurigraphv1.WhoAmIRequest{})
	if err != nil || me.GetMethod() != "certificate" || me.GetRole() != "submitter" || me.GetOrganisation() != "acme" {
		t.Fatalf("WhoAmI with the client certificate: %v %v", me, err)
	}

	var events []map[string]any
	waitFor(t, 10*time.Second, "audit events", func() (bool, string) {
		events = readAudit(t, auditFile)
		return len(events) >= 2, "audit log: " + strings.Repeat("event ", len(events))
	})
	var sawFailure, sawMembership bool
	for _, ev := range events {
		switch {
		case ev["result"] == "unauthenticated" && ev["who"] == "api_key:0123456789abcdef":
			sawFailure = true
		case ev["action"] == "cluster.manage" && ev["target"] == "9" && strings.HasPrefix(ev["who"].(string), "api_key:key:") && ev["from"] == "127.0.0.1":
			sawMembership = true
		}
	}
	if !sawFailure || !sawMembership {
		t.Fatalf("audit log lacks the failed authentication (%v) or the membership change (%v): %v", sawFailure, sawMembership, events)
	}
	if raw, _ := os.ReadFile(auditFile); strings.Contains(string(raw), "wrong") {
		t.Fatal("the audit log holds a presented secret")
	}
}

func readAudit(t *testing.T, path string) []map[string]any {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer fh.Close()
	var out []map[string]any
	lines := bufio.NewScanner(fh)
	for lines.Scan() {
		var ev map[string]any
		if json.Unmarshal(lines.Bytes(), &ev) == nil {
			out = append(out, ev)
		}
	}
	return out
}
