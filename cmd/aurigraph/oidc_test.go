package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// call sends an API request with a bearer token (none when empty) and
// returns the status and the decoded JSON body.
func call(t *testing.T, method, u, token, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

// writeTenants writes a tenants file in dir: acme owns acme-* and acts
// through members, globex owns globex-*.
func writeTenants(t *testing.T, dir string, members ...string) string {
	t.Helper()
	doc := map[string]any{"organisations": []map[string]any{
		{"name": "acme", "account_prefixes": []string{"acme-"}, "members": members},
		{"name": "globex", "account_prefixes": []string{"globex-"}},
	}}
	raw, _ := json.Marshal(doc)
	path := filepath.Join(dir, "tenants.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOIDCWithHydra is the acceptance run against a real OpenID provider:
// a producer with a client-credentials token submits, a viewer's cannot,
// an expired token and one of another issuer are refused, a key rotated at
// the provider is accepted without a restart, and a user signed in with
// the authorization code flow and PKCE is who the provider says.
func TestOIDCWithHydra(t *testing.T) {
	login := startLoginApp(t, "alice", "acme")
	h := startHydra(t, login.url)
	login.hydra = h
	producer, producerSecret := h.machineClient(t, "acme-producer", "submitter")
	dashboard, dashboardSecret := h.machineClient(t, "acme-dashboard", "viewer")
	shortLived, shortLivedSecret := h.machineClient(t, "acme-short", "submitter")
	h.mustJSON(t, http.MethodPut, "/admin/clients/"+shortLived+"/lifespans", map[string]any{"client_credentials_grant_access_token_lifespan": "1s"}, nil)
	h.mustJSON(t, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": "portal", "grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"redirect_uris": []string{login.url + "/callback"}, "scope": "openid viewer", "audience": []string{"aurigraph"},
		"token_endpoint_auth_method": "none",
	}, nil)

	dir := t.TempDir()
	f := testDevFlags(t, dir)
	f.validators = 1
	f.access = accessFlags{oidcIssuer: h.issuer, oidcAudience: "aurigraph", oidcClientID: "portal", anonymous: "none",
		oidcRolesClaims: "scp", oidcOrgClaim: "org", tenants: writeTenants(t, dir, producer, dashboard, shortLived)}
	p := startPipeline(t, f)
	defer p.stop(t)
	api := "http://" + p.addrs.HTTP + "/api/v12"
	mint := func(account string, nonce int) string {
		return `{"type":"mint","from":"` + account + `","to":"` + account + `","amount":5,"nonce":` + strings.Repeat("1", nonce) + `}`
	}

	producerToken := h.clientCredentials(t, producer, producerSecret, "submitter")
	t.Run("producer submits", func(t *testing.T) {
		if code, body := call(t, http.MethodPost, api+"/transactions", producerToken, mint("acme-1", 1)); code != http.StatusAccepted {
			t.Fatalf("submit with the producer's token: %d %v", code, body)
		}
	})
	t.Run("producer submits only from its organisation's accounts", func(t *testing.T) {
		code, body := call(t, http.MethodPost, api+"/transactions", producerToken, mint("globex-1", 1))
		if code != http.StatusForbidden {
			t.Fatalf("submit from globex's account: %d %v, want 403", code, body)
		}
	})
	t.Run("viewer cannot submit", func(t *testing.T) {
		viewerToken := h.clientCredentials(t, dashboard, dashboardSecret, "viewer")
		if code, body := call(t, http.MethodPost, api+"/transactions", viewerToken, mint("acme-2", 1)); code != http.StatusForbidden {
			t.Fatalf("submit with a viewer's token: %d %v, want 403", code, body)
		}
		if code, body := call(t, http.MethodGet, api+"/chain/stats", viewerToken, ""); code != http.StatusOK {
			t.Fatalf("read with a viewer's token: %d %v", code, body)
		}
	})
	t.Run("expired token refused", func(t *testing.T) {
		tok := h.clientCredentials(t, shortLived, shortLivedSecret, "submitter")
		time.Sleep(2100 * time.Millisecond)
		code, body := call(t, http.MethodGet, api+"/auth/me", tok, "")
		if code != http.StatusUnauthorized || !strings.Contains(body["error"].(string), "expired") {
			t.Fatalf("expired token: %d %v, want 401 saying expired", code, body)
		}
	})
	t.Run("foreign issuer refused", func(t *testing.T) {
		other := startHydra(t, "")
		id, secret := other.machineClient(t, producer, "submitter")
		tok := other.clientCredentials(t, id, secret, "submitter")
		if code, body := call(t, http.MethodPost, api+"/transactions", tok, mint("acme-3", 1)); code != http.StatusUnauthorized {
			t.Fatalf("token of another issuer: %d %v, want 401", code, body)
		}
	})
	t.Run("key rotation picked up without restart", func(t *testing.T) {
		before := tokenKid(t, producerToken)
		h.mustJSON(t, http.MethodPost, "/admin/keys/hydra.jwt.access-token", map[string]any{"alg": "RS256", "use": "sig", "kid": "rotated"}, nil)
		var tok string
		waitFor(t, 10*time.Second, "tokens signed with the new key", func() (bool, string) {
			tok = h.clientCredentials(t, producer, producerSecret, "submitter")
			return tokenKid(t, tok) == "rotated", "still signed with " + tokenKid(t, tok)
		})
		if before == "rotated" {
			t.Fatal("the first token was already signed with the rotated key")
		}
		if code, body := call(t, http.MethodPost, api+"/transactions", tok, mint("acme-4", 1)); code != http.StatusAccepted {
			t.Fatalf("submit with a token signed by the rotated key: %d %v", code, body)
		}
	})
	t.Run("authorization code with PKCE", func(t *testing.T) {
		tok := authorizationCode(t, oauth2.Endpoint{AuthURL: h.public + "/oauth2/auth", TokenURL: h.public + "/oauth2/token"},
			"portal", login.url+"/callback", []string{"openid", "viewer"}, nil, oauth2.SetAuthURLParam("audience", "aurigraph"))
		code, me := call(t, http.MethodGet, api+"/auth/me", tok.AccessToken, "")
		if code != http.StatusOK || me["subject"] != "alice" || me["role"] != "viewer" || me["organisation"] != "acme" || me["method"] != "oidc" {
			t.Fatalf("GET /auth/me as alice: %d %v", code, me)
		}
		if code, body := call(t, http.MethodPost, api+"/transactions", tok.AccessToken, mint("acme-5", 1)); code != http.StatusForbidden {
			t.Fatalf("submit as a signed-in viewer: %d %v, want 403", code, body)
		}
		_, cfg := call(t, http.MethodGet, api+"/auth/config", "", "")
		if cfg["issuer"] != h.issuer || cfg["client_id"] != "portal" {
			t.Fatalf("GET /auth/config: %v", cfg)
		}
	})
	t.Run("gRPC with a bearer token", func(t *testing.T) {
		conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "acme-6", To: "acme-6", Amount: 1, Nonce: 1}
		txs := aurigraphv1.NewTransactionServiceClient(conn)
		if _, err := txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx}); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("submit without a token: %v, want UNAUTHENTICATED", err)
		}
		authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+producerToken)
		if _, err := txs.Submit(authed, &aurigraphv1.SubmitRequest{Transaction: tx}); err != nil {
			t.Fatalf("submit with the producer's token: %v", err)
		}
		me, err := aurigraphv1.NewAuthServiceClient(conn).WhoAmI(authed, &aurigraphv1.WhoAmIRequest{})
		if err != nil || me.GetRole() != "submitter" || me.GetOrganisation() != "acme" {
			t.Fatalf("WhoAmI as the producer: %v %v", me, err)
		}
	})
}
