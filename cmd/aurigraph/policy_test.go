package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
)

// rolePrincipals creates one API key per role in the key file at path and
// returns each role's secret; RoleNone stands for no credential at all.
func rolePrincipals(t *testing.T, path string) map[auth.Role]string {
	t.Helper()
	ks, err := auth.OpenKeyStore(path)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[auth.Role]string{auth.RoleNone: ""}
	for _, r := range auth.Roles {
		_, secret, err := ks.Create(auth.NewKey{Name: r.String(), Role: r}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		secrets[r] = secret
	}
	return secrets
}

// TestPolicyTable walks every REST route and gRPC method a dev process
// really serves (as registered on its muxes and servers, so a new route
// shows up here by itself) with a credential of every role and none, and
// compares each answer with what the policy table says.
func TestPolicyTable(t *testing.T) {
	dir := t.TempDir()
	secrets := rolePrincipals(t, filepath.Join(dir, "keys.json"))
	f := testDevFlags(t, dir)
	f.validators = 1
	f.pprof = true
	f.access = accessFlags{apiKeys: filepath.Join(dir, "keys.json"), anonymous: "none"}
	p := startPipeline(t, f)
	defer p.stop(t)

	routes := p.addrs.Guard.Routes()
	if extra := setDiff(slices.Collect(maps.Keys(policy.Routes)), routes); len(extra) > 0 {
		t.Errorf("policy.Routes has entries no route serves (remove them): %v", extra)
	}
	methods := p.addrs.Guard.Methods()
	if extra := setDiff(slices.Collect(maps.Keys(policy.Methods)), methods); len(extra) > 0 {
		t.Errorf("policy.Methods has entries no server serves (remove them): %v", extra)
	}

	principals := append([]auth.Role{auth.RoleNone}, auth.Roles...)
	for _, pattern := range routes {
		rule, ok := policy.Routes[pattern]
		if !ok {
			t.Errorf("route %q has no policy entry", pattern)
			continue
		}
		for _, role := range principals {
			code := callRoute(t, p.addrs.HTTP, pattern, secrets[role])
			want := expectation(rule, role)
			if got := httpVerdict(code); got != want {
				t.Errorf("%s as %s: answered %d (%s), policy says %s", pattern, role, code, got, want)
			}
		}
	}

	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, method := range methods {
		rule, ok := policy.Methods[method]
		if !ok {
			t.Errorf("method %q has no policy entry", method)
			continue
		}
		for _, role := range principals {
			code := callMethod(t, conn, method, secrets[role])
			want := expectation(rule, role)
			if got := grpcVerdict(code); got != want {
				t.Errorf("%s as %s: answered %s (%s), policy says %s", method, role, code, got, want)
			}
		}
	}
}

// expectation is what the policy says role (RoleNone: no credential, which
// this process refuses) gets for rule.
func expectation(rule policy.Rule, role auth.Role) string {
	switch {
	case rule.Action == policy.Public:
		return "served"
	case role == auth.RoleNone:
		return "unauthenticated"
	case policy.Allowed(role, rule.Action):
		return "served"
	default:
		return "denied"
	}
}

func httpVerdict(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "denied"
	}
	return "served"
}

func grpcVerdict(code codes.Code) string {
	switch code {
	case codes.Unauthenticated:
		return "unauthenticated"
	case codes.PermissionDenied:
		return "denied"
	}
	return "served"
}

// routeExamples fill a pattern's wildcards with values that reach the
// handler without changing anything: unknown ids, a non-member.
var routeExamples = strings.NewReplacer("{height}", "1", "{id}", "99", "{address}", "nobody", "{what}", "accounts", "{$}", "")

// callRoute sends one request for pattern and returns its status; a
// request still running after a few seconds (a live stream) was let
// through.
func callRoute(t *testing.T, addr, pattern, secret string) int {
	t.Helper()
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		// A pattern without a method (the portal's "/") serves every one.
		method, path = http.MethodGet, pattern
	}
	path = routeExamples.Replace(path)
	switch {
	case strings.HasPrefix(path, "/debug/pprof/profile"), strings.HasPrefix(path, "/debug/pprof/trace"):
		path += "?seconds=1"
	case strings.HasPrefix(path, "/api/v12/analytics/export"):
		path += "?table=blocks&to_height=1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("{")
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusOK
	}
	if err != nil {
		t.Fatalf("%s: %v", pattern, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// callMethod calls method with an empty request and returns the status
// code; a call still running after a few seconds (a subscription) was let
// through.
func callMethod(t *testing.T, conn *grpc.ClientConn, method, secret string) codes.Code {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if secret != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+secret)
	}
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err == nil {
		if err = cs.SendMsg(&emptypb.Empty{}); err == nil || errors.Is(err, io.EOF) {
			_ = cs.CloseSend()
			err = cs.RecvMsg(&emptypb.Empty{})
		}
	}
	if errors.Is(err, io.EOF) {
		return codes.OK
	}
	return status.Code(err)
}

// setDiff is what of a is not in b.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}
