package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// keycloak is a running Keycloak in dev mode with an in-memory database.
type keycloak struct {
	base       string
	adminToken string
}

const keycloakVersion = "26.7.3"

// startKeycloak runs Keycloak and creates the realm "aurigraph" from
// realm through the admin API.
func startKeycloak(t *testing.T, realm map[string]any) *keycloak {
	t.Helper()
	home := filepath.Join(idpCache(), "keycloak-"+keycloakVersion)
	requireIdP(t, "Keycloak "+keycloakVersion, filepath.Join(home, "bin", "kc.sh"), "deploy/idp/keycloak.sh")
	port, mgmt := loopbackPort(t), loopbackPort(t)
	k := &keycloak{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(home, "bin", "kc.sh"), "start-dev", "--db=dev-mem", "--http-host=127.0.0.1",
		fmt.Sprintf("--http-port=%d", port), fmt.Sprintf("--http-management-port=%d", mgmt), "--health-enabled=true")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "KC_BOOTSTRAP_ADMIN_USERNAME=admin", "KC_BOOTSTRAP_ADMIN_PASSWORD=admin-password",
		"JAVA_OPTS_KC_HEAP=-Xms128m -Xmx768m")
	// Its own process group, so the JVM that kc.sh starts stops with it.
	cmd.SysProcAttr = newProcessGroup()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		killProcessGroup(cmd)
		_ = cmd.Wait()
		if t.Failed() {
			t.Log("keycloak output:\n" + out.String())
		}
	})
	waitFor(t, 120*time.Second, "keycloak ready", func() (bool, string) {
		tok, err := k.password("master", "admin-cli", "admin", "admin-password")
		k.adminToken = tok
		return err == nil, fmt.Sprint(err)
	})
	t.Logf("keycloak ready in %s", time.Since(began).Round(100*time.Millisecond))
	k.admin(t, http.MethodPost, "/admin/realms", realm, nil)
	return k
}

// password signs in with the resource owner password grant (the master
// realm's admin only).
func (k *keycloak) password(realm, client, user, password string) (string, error) {
	resp, err := http.PostForm(k.base+"/realms/"+realm+"/protocol/openid-connect/token",
		url.Values{"grant_type": {"password"}, "client_id": {client}, "username": {user}, "password": {password}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tok) != nil {
		return "", fmt.Errorf("%s: %s", resp.Status, raw)
	}
	return tok.AccessToken, nil
}

func (k *keycloak) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	if err := bearerJSON(method, k.base+path, k.adminToken, body, out); err != nil {
		t.Fatal(err)
	}
}

func (k *keycloak) issuer() string { return k.base + "/realms/aurigraph" }

func (k *keycloak) clientCredentials(t *testing.T, id, secret string) string {
	t.Helper()
	resp, err := http.PostForm(k.issuer()+"/protocol/openid-connect/token",
		url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tok) != nil {
		t.Fatalf("client credentials for %s: %s %s", id, resp.Status, raw)
	}
	return tok.AccessToken
}

var formAction = regexp.MustCompile(`<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"`)

// keycloakSignIn fills Keycloak's login form as a browser would.
func keycloakSignIn(user, password string) func(*http.Client, *http.Response) error {
	return func(browser *http.Client, page *http.Response) error {
		raw, err := io.ReadAll(page.Body)
		if err != nil {
			return err
		}
		m := formAction.FindSubmatch(raw)
		if m == nil {
			return fmt.Errorf("no login form on the page (%s)", page.Status)
		}
		resp, err := browser.PostForm(html.UnescapeString(string(m[1])), url.Values{"username": {user}, "password": {password}, "credentialId": {""}})
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

// mapper is a protocol mapper of a Keycloak client.
func mapper(name, kind string, config map[string]string) map[string]any {
	config["access.token.claim"] = "true"
	return map[string]any{"name": name, "protocol": "openid-connect", "protocolMapper": kind, "config": config}
}

// aurigraphRealm has the roles, a producer and a dashboard (client
// credentials), a short-lived producer, the portal (a public client with
// PKCE) and a user alice who is a viewer; every client's tokens carry the
// audience aurigraph and the organisation acme.
func aurigraphRealm(callback string) map[string]any {
	mappers := []map[string]any{
		mapper("audience", "oidc-audience-mapper", map[string]string{"included.custom.audience": "aurigraph"}),
		mapper("organisation", "oidc-hardcoded-claim-mapper", map[string]string{"claim.name": "org", "claim.value": "acme", "jsonType.label": "String"}),
	}
	machine := func(id string, attrs map[string]string) map[string]any {
		return map[string]any{"clientId": id, "secret": id + "-secret", "enabled": true, "publicClient": false, "serviceAccountsEnabled": true,
			"standardFlowEnabled": false, "directAccessGrantsEnabled": false, "protocolMappers": mappers, "attributes": attrs}
	}
	serviceAccount := func(client, role string) map[string]any {
		return map[string]any{"username": "service-account-" + client, "enabled": true, "serviceAccountClientId": client, "realmRoles": []string{role}}
	}
	return map[string]any{
		"realm": "aurigraph", "enabled": true,
		"roles": map[string]any{"realm": []map[string]any{{"name": "viewer"}, {"name": "submitter"}, {"name": "operator"}, {"name": "admin"}}},
		"clients": []map[string]any{
			machine("acme-producer", nil),
			machine("acme-dashboard", nil),
			machine("acme-short", map[string]string{"access.token.lifespan": "1"}),
			{"clientId": "portal", "enabled": true, "publicClient": true, "standardFlowEnabled": true, "directAccessGrantsEnabled": false,
				"redirectUris": []string{callback}, "webOrigins": []string{"+"}, "protocolMappers": mappers,
				"attributes": map[string]string{"pkce.code.challenge.method": "S256"}},
		},
		"users": []map[string]any{
			serviceAccount("acme-producer", "submitter"), serviceAccount("acme-dashboard", "viewer"), serviceAccount("acme-short", "submitter"),
			{"username": "alice", "enabled": true, "email": "alice@example.org", "emailVerified": true, "firstName": "Alice", "lastName": "Example",
				"realmRoles": []string{"viewer"}, "credentials": []map[string]any{{"type": "password", "value": "alice-password", "temporary": false}}},
		},
	}
}

// TestOIDCWithKeycloak is the acceptance run against Keycloak, the provider
// the original plans name: roles from realm roles, the organisation from a
// claim, client credentials and the authorization code flow with PKCE
// through Keycloak's own login page, expiry, a foreign issuer (Keycloak's
// master realm) and a rotated realm key.
func TestOIDCWithKeycloak(t *testing.T) {
	callback := startLoginApp(t, "", "").url + "/callback"
	kc := startKeycloak(t, aurigraphRealm(callback))

	dir := t.TempDir()
	f := testDevFlags(t, dir)
	f.validators = 1
	f.access = accessFlags{oidcIssuer: kc.issuer(), oidcAudience: "aurigraph", oidcClientID: "portal", anonymous: "none",
		oidcRolesClaims: "realm_access.roles", oidcOrgClaim: "org", tenants: writeTenants(t, dir)}
	p := startPipeline(t, f)
	defer p.stop(t)
	api := "http://" + p.addrs.HTTP + "/api/v12"
	mint := func(account string) string {
		return `{"type":"mint","from":"` + account + `","to":"` + account + `","amount":5,"nonce":1}`
	}

	producer := kc.clientCredentials(t, "acme-producer", "acme-producer-secret")
	if code, body := call(t, http.MethodPost, api+"/transactions", producer, mint("acme-kc-1")); code != http.StatusAccepted {
		t.Fatalf("submit with the producer's token: %d %v", code, body)
	}
	viewer := kc.clientCredentials(t, "acme-dashboard", "acme-dashboard-secret")
	if code, body := call(t, http.MethodPost, api+"/transactions", viewer, mint("acme-kc-2")); code != http.StatusForbidden {
		t.Fatalf("submit with a viewer's token: %d %v, want 403", code, body)
	}
	short := kc.clientCredentials(t, "acme-short", "acme-short-secret")
	time.Sleep(2100 * time.Millisecond)
	if code, body := call(t, http.MethodGet, api+"/auth/me", short, ""); code != http.StatusUnauthorized {
		t.Fatalf("expired token: %d %v, want 401", code, body)
	}
	if code, body := call(t, http.MethodGet, api+"/auth/me", kc.adminToken, ""); code != http.StatusUnauthorized {
		t.Fatalf("a token of the master realm: %d %v, want 401", code, body)
	}

	tok := authorizationCode(t, oauth2.Endpoint{AuthURL: kc.issuer() + "/protocol/openid-connect/auth", TokenURL: kc.issuer() + "/protocol/openid-connect/token"},
		"portal", callback, []string{"openid"}, keycloakSignIn("alice", "alice-password"))
	code, me := call(t, http.MethodGet, api+"/auth/me", tok.AccessToken, "")
	if code != http.StatusOK || me["name"] != "alice" || me["role"] != "viewer" || me["organisation"] != "acme" {
		t.Fatalf("GET /auth/me as alice: %d %v", code, me)
	}

	var realm struct {
		ID string `json:"id"`
	}
	kc.admin(t, http.MethodGet, "/admin/realms/aurigraph", nil, &realm)
	before := tokenKid(t, producer)
	kc.admin(t, http.MethodPost, "/admin/realms/aurigraph/components", map[string]any{
		"name": "rotated", "providerId": "rsa-generated", "providerType": "org.keycloak.keys.KeyProvider", "parentId": realm.ID,
		"config": map[string][]string{"priority": {"1000"}, "keySize": {"2048"}, "active": {"true"}, "enabled": {"true"}, "algorithm": {"RS256"}},
	}, nil)
	var rotated string
	waitFor(t, 20*time.Second, "tokens signed with the new key", func() (bool, string) {
		rotated = kc.clientCredentials(t, "acme-producer", "acme-producer-secret")
		return tokenKid(t, rotated) != before, "still signed with " + before
	})
	if code, body := call(t, http.MethodPost, api+"/transactions", rotated, mint("acme-kc-3")); code != http.StatusAccepted {
		t.Fatalf("submit with a token signed by the rotated key: %d %v", code, body)
	}
}
