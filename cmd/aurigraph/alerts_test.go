package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestAlertsNeedTheirRoles runs the alert API of a dev process with API
// keys: a viewer reads the history but may not define rules, an operator
// may, over REST and gRPC alike.
func TestAlertsNeedTheirRoles(t *testing.T) {
	dir := t.TempDir()
	secrets := rolePrincipals(t, filepath.Join(dir, "keys.json"))
	f := testDevFlags(t, dir)
	f.validators = 1
	f.access = accessFlags{apiKeys: filepath.Join(dir, "keys.json"), anonymous: "none"}
	p := startPipeline(t, f)
	defer p.stop(t)

	rule := `{"name":"quiet","metric":"tps","condition":"<","threshold":1,"window_ms":1000,"for_ms":0}`
	send := func(method, path, body string, role auth.Role) int {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+p.addrs.HTTP+"/api/v12"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secrets[role])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		method, path, body string
		role               auth.Role
		want               int
	}{
		{http.MethodPost, "/alerts/rules", rule, auth.RoleViewer, http.StatusForbidden},
		{http.MethodPost, "/alerts/rules", rule, auth.RoleSubmitter, http.StatusForbidden},
		{http.MethodGet, "/alerts/rules", "", auth.RoleViewer, http.StatusForbidden},
		{http.MethodPost, "/alerts/rules", rule, auth.RoleOperator, http.StatusCreated},
		{http.MethodGet, "/alerts/rules", "", auth.RoleAdmin, http.StatusOK},
		{http.MethodGet, "/alerts/history", "", auth.RoleViewer, http.StatusOK},
	} {
		if got := send(tc.method, tc.path, tc.body, tc.role); got != tc.want {
			t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, tc.role, got, tc.want)
		}
	}

	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := aurigraphv1.NewAlertServiceClient(conn)
	as := func(role auth.Role) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t.Cleanup(cancel)
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+secrets[role])
	}
	req := &aurigraphv1.CreateAlertRuleRequest{Rule: &aurigraphv1.AlertRule{Metric: "tps", Condition: "<", Threshold: 1, WindowMs: 1000}}
	if _, err := c.CreateRule(as(auth.RoleViewer), req); status.Code(err) != codes.PermissionDenied {
		t.Errorf("CreateRule as viewer: %v, want PermissionDenied", err)
	}
	if _, err := c.CreateRule(as(auth.RoleOperator), req); err != nil {
		t.Errorf("CreateRule as operator: %v", err)
	}
	l, err := c.ListRules(as(auth.RoleOperator), &aurigraphv1.ListAlertRulesRequest{})
	if err != nil || len(l.GetRules()) != 2 {
		t.Errorf("ListRules: %v %v, want the 2 rules created", l, err)
	}
	if _, err := c.ListHistory(as(auth.RoleViewer), &aurigraphv1.ListAlertHistoryRequest{}); err != nil {
		t.Errorf("ListHistory as viewer: %v", err)
	}
}

// TestDevMeasuresProjectorLag checks the wiring of dev: its in-process
// projector commits its position to the embedded broker, and the
// validator's sampler reads it, so a rule on projector_lag_ms gets values
// (this one holds whenever there is one, and so fires).
func TestDevMeasuresProjectorLag(t *testing.T) {
	f := testDevFlags(t, t.TempDir())
	f.validators = 1
	p := startPipeline(t, f)
	defer p.stop(t)
	produceTxs(t, p.addrs.Kafka, 0, 50)

	api := "http://" + p.addrs.HTTP + "/api/v12/alerts"
	resp, err := http.Post(api+"/rules", "application/json",
		strings.NewReader(`{"name":"projection known","metric":"projector_lag_ms","condition":"<","threshold":600000,"window_ms":1000,"for_ms":0}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a projector_lag_ms rule: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(api + "/history")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), `"metric":"projector_lag_ms"`) && strings.Contains(string(body), `"state":"firing"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no projector_lag_ms transition after 30s: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
