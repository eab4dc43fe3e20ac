package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// idpCache is where deploy/idp/hydra.sh puts the provider's binary.
func idpCache() string {
	if c := os.Getenv("AURIGRAPH_CACHE"); c != "" {
		return filepath.Join(c, "idp")
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "aurigraph", "idp")
}

// requireIdP skips a test whose provider is not installed, unless
// AURIGRAPH_REQUIRE_IDP is set (CI), where that is a failure.
func requireIdP(t *testing.T, what, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if os.Getenv("AURIGRAPH_REQUIRE_IDP") != "" {
		t.Fatalf("%s is not installed at %s: run %s", what, path, install)
	}
	t.Skipf("%s is not installed at %s: run %s (AURIGRAPH_REQUIRE_IDP=1 makes this a failure)", what, path, install)
}

// hydra is a running Ory Hydra: a real OpenID provider, in memory.
type hydra struct {
	public, admin string
	issuer        string
}

func loopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startHydra runs Hydra with JWT access tokens; loginApp, when set, is the
// base URL of the login and consent pages of the authorization code flow.
func startHydra(t *testing.T, loginApp string) *hydra {
	t.Helper()
	bin := filepath.Join(idpCache(), "hydra-v2.3.0")
	requireIdP(t, "Ory Hydra", bin, "deploy/idp/hydra.sh")
	pub, adm := loopbackPort(t), loopbackPort(t)
	h := &hydra{public: fmt.Sprintf("http://127.0.0.1:%d", pub), admin: fmt.Sprintf("http://127.0.0.1:%d", adm)}
	if loginApp == "" {
		loginApp = "http://127.0.0.1:1"
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`dsn: memory
serve:
  public: {host: 127.0.0.1, port: %d}
  admin: {host: 127.0.0.1, port: %d}
urls:
  self: {issuer: %s}
  login: %s/login
  consent: %s/consent
secrets:
  system: [%q]
strategies:
  access_token: jwt
oauth2:
  allowed_top_level_claims: [org]
log:
  level: warn
`, pub, adm, h.public, loginApp, loginApp, strings.Repeat("s", 32))
	if err := os.WriteFile(filepath.Join(dir, "hydra.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "serve", "all", "--dev", "-c", filepath.Join(dir, "hydra.yml"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "DISABLE_TELEMETRY=1", "SQA_OPT_OUT=true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Log("hydra output:\n" + out.String())
		}
	})
	waitFor(t, 30*time.Second, "hydra ready", func() (bool, string) {
		var d struct {
			Issuer string `json:"issuer"`
		}
		if err := tryJSON(http.MethodGet, h.public+"/.well-known/openid-configuration", nil, &d); err != nil {
			return false, err.Error()
		}
		h.issuer = d.Issuer
		return true, ""
	})
	return h
}

// tryJSON sends body (JSON) and decodes a 2xx answer into out.
func tryJSON(method, u string, body, out any) error { return bearerJSON(method, u, "", body, out) }

// bearerJSON is tryJSON with a bearer token (none when empty).
func bearerJSON(method, u, token string, body, out any) error {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (h *hydra) mustJSON(t *testing.T, method, path string, body, out any) {
	t.Helper()
	if err := tryJSON(method, h.admin+path, body, out); err != nil {
		t.Fatal(err)
	}
}

// machineClient registers a client-credentials client allowed scopes.
func (h *hydra) machineClient(t *testing.T, id string, scopes ...string) (string, string) {
	t.Helper()
	secret := id + "-secret-" + strings.Repeat("x", 16)
	h.mustJSON(t, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": id, "client_secret": secret, "grant_types": []string{"client_credentials"},
		"scope": strings.Join(scopes, " "), "audience": []string{"aurigraph"}, "token_endpoint_auth_method": "client_secret_post",
	}, nil)
	return id, secret
}

// clientCredentials gets an access token for a machine client.
func (h *hydra) clientCredentials(t *testing.T, id, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {scope}, "audience": {"aurigraph"}}
	resp, err := http.PostForm(h.public+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials for %s: %s %s", id, resp.Status, raw)
	}
	return tok.AccessToken
}

// tokenKid is the key id in a JWT's header.
func tokenKid(t *testing.T, jwt string) string {
	t.Helper()
	head, _, _ := strings.Cut(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// loginApp is the login and consent pages of the authorization code flow:
// it signs in subject and grants the requested scopes, adding org to the
// access token.
type loginApp struct {
	srv     *http.Server
	url     string
	hydra   *hydra
	subject string
	org     string

	mu   sync.Mutex
	code string
}

func startLoginApp(t *testing.T, subject, org string) *loginApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &loginApp{url: "http://" + ln.Addr().String(), subject: subject, org: org}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := tryJSON(http.MethodPut, a.hydra.admin+"/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(r.URL.Query().Get("login_challenge")),
			map[string]any{"subject": a.subject}, &out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		challenge := url.QueryEscape(r.URL.Query().Get("consent_challenge"))
		var req struct {
			Scope    []string `json:"requested_scope"`
			Audience []string `json:"requested_access_token_audience"`
		}
		if err := tryJSON(http.MethodGet, a.hydra.admin+"/admin/oauth2/auth/requests/consent?consent_challenge="+challenge, nil, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := tryJSON(http.MethodPut, a.hydra.admin+"/admin/oauth2/auth/requests/consent/accept?consent_challenge="+challenge, map[string]any{
			"grant_scope": req.Scope, "grant_access_token_audience": req.Audience,
			"session": map[string]any{"access_token": map[string]any{"org": a.org}},
		}, &out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.code = r.URL.Query().Get("code")
		a.mu.Unlock()
		if e := r.URL.Query().Get("error"); e != "" {
			http.Error(w, e+": "+r.URL.Query().Get("error_description"), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "signed in")
	})
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go a.srv.Serve(ln)
	t.Cleanup(func() { a.srv.Close() })
	return a
}

// authorizationCode runs the browser's side of the authorization code flow
// with PKCE for a public client, and exchanges the code for tokens.
//
// signIn, when set, is called with the page the flow stops at (a login
// form) and must submit it; the flow then continues to the redirect.
func authorizationCode(t *testing.T, endpoint oauth2.Endpoint, clientID, redirect string, scopes []string, signIn func(*http.Client, *http.Response) error, params ...oauth2.AuthCodeOption) *oauth2.Token {
	t.Helper()
	conf := &oauth2.Config{ClientID: clientID, Endpoint: endpoint, RedirectURL: redirect, Scopes: scopes}
	verifier := oauth2.GenerateVerifier()
	state := strconv.FormatInt(time.Now().UnixNano(), 36)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	var code string
	browser.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			if req.URL.Query().Get("state") != state {
				return fmt.Errorf("state %q came back, sent %q", req.URL.Query().Get("state"), state)
			}
			code = req.URL.Query().Get("code")
			if code == "" {
				return fmt.Errorf("no code in the redirect: %s", req.URL.RawQuery)
			}
			return http.ErrUseLastResponse
		}
		return nil
	}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, params...)
	resp, err := browser.Get(conf.AuthCodeURL(state, opts...))
	if err != nil {
		t.Fatalf("authorization request: %v", err)
	}
	if code == "" && signIn != nil {
		if err := signIn(browser, resp); err != nil {
			t.Fatalf("sign in at %s: %v", resp.Request.URL, err)
		}
	}
	resp.Body.Close()
	if code == "" {
		t.Fatalf("the authorization flow ended at %s (%s) without a code", resp.Request.URL, resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange the code: %v", err)
	}
	return tok
}

// newProcessGroup puts a child in a process group of its own, so that
// killProcessGroup also stops what it starts (kc.sh starts a JVM).
func newProcessGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
