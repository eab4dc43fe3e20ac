package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeyStoreLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	ks, err := OpenKeyStore(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	k, secret, err := ks.Create(NewKey{Name: "producer", Role: RoleSubmitter, Organisation: "acme", Lifetime: time.Hour, CreatedBy: "api_key:admin"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, APIKeyPrefix+k.ID+"_") {
		t.Fatalf("secret %q does not start with its id %s", secret, k.ID)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret[len(APIKeyPrefix)+len(k.ID)+1:]) {
		t.Fatal("the key file holds the secret")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}

	p, err := ks.Verify(secret, now)
	if err != nil || p.Role != RoleSubmitter || p.Organisation != "acme" || p.Method != MethodAPIKey || p.Subject != "key:"+k.ID {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	// Another node reading the same file (shared or copied) sees the key,
	// and sees it revoked once the file says so.
	other, err := OpenKeyStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(secret, now); err != nil {
		t.Fatalf("a second store on the file: %v", err)
	}
	if _, err := ks.Revoke(k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Verify(secret, now); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("revoked key: %v", err)
	}
	waitUntil(t, func() bool { _, err := other.Verify(secret, now); return err != nil })

	for name, bad := range map[string]string{
		"tampered secret": secret[:len(secret)-1] + "A",
		"no prefix":       strings.TrimPrefix(secret, APIKeyPrefix),
		"empty":           "",
		"prefix only":     APIKeyPrefix,
	} {
		if _, err := other.Verify(bad, now); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s: %v, want invalid credentials", name, err)
		}
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKeyExpiresAndNeedsARole(t *testing.T) {
	ks, err := OpenKeyStore(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	_, secret, err := ks.Create(NewKey{Name: "short", Role: RoleViewer, Lifetime: time.Minute}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Verify(secret, now.Add(59*time.Second)); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	if _, err := ks.Verify(secret, now.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("at expiry: %v", err)
	}
	if _, _, err := ks.Create(NewKey{Name: "nothing", Role: RoleNone}, now); err == nil {
		t.Fatal("a key with no role was created")
	}
	k, _, err := ks.Create(NewKey{Name: "default"}, now)
	if err == nil {
		t.Fatalf("created %+v without a role", k)
	}
	k, _, err = ks.Create(NewKey{Name: "default", Role: RoleViewer}, now)
	if err != nil || k.Expires.Sub(k.Created) < DefaultKeyLifetime-time.Second {
		t.Fatalf("default lifetime: %+v %v", k, err)
	}
}

func FuzzVerifyKey(f *testing.F) {
	ks, err := OpenKeyStore(filepath.Join(f.TempDir(), "keys.json"))
	if err != nil {
		f.Fatal(err)
	}
	_, secret, err := ks.Create(NewKey{Name: "k", Role: RoleViewer}, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(secret)
	f.Add(APIKeyPrefix + "0123456789abcdef_")
	f.Add("agk__")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ks.Verify(s, time.Now())
		if err == nil && s != secret {
			t.Fatalf("%q authenticated as %+v", s, p)
		}
	})
}

func TestTicketsAreSingleUseAndShortLived(t *testing.T) {
	tk := NewTickets(2)
	now := time.Now()
	p := Principal{Subject: "alice", Method: MethodOIDC, Role: RoleViewer, Organisation: "acme"}
	id, _, err := tk.Issue(p, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tk.Redeem(id, now)
	if err != nil || got.Subject != "alice" || got.Method != MethodTicket || got.Organisation != "acme" {
		t.Fatalf("Redeem = %+v, %v", got, err)
	}
	if _, err := tk.Redeem(id, now); err == nil {
		t.Fatal("a ticket was redeemed twice")
	}
	late, _, _ := tk.Issue(p, now)
	if _, err := tk.Redeem(late, now.Add(TicketLifetime)); err == nil {
		t.Fatal("an expired ticket was redeemed")
	}
	// Bounded: the third outstanding ticket is refused until one expires.
	tk.Issue(p, now)
	tk.Issue(p, now)
	if _, _, err := tk.Issue(p, now); err == nil {
		t.Fatal("more tickets than the bound were issued")
	}
	if _, _, err := tk.Issue(p, now.Add(TicketLifetime)); err != nil {
		t.Fatalf("expired tickets were not purged: %v", err)
	}
}

func TestCertificatePrincipals(t *testing.T) {
	u, _ := url.Parse("spiffe://example.org/producer")
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: "producer-1"}, DNSNames: []string{"producer.internal"}, URIs: []*url.URL{u}, NotAfter: time.Now().Add(time.Hour)}
	a := New(Config{Certificates: []CertRule{
		mustRule(t, "spiffe://example.org/producer=submitter@acme"),
		mustRule(t, "dashboard=viewer"),
	}})
	p, ok := a.Certificate([][]*x509.Certificate{{leaf}})
	if !ok || p.Role != RoleSubmitter || p.Organisation != "acme" || p.Method != MethodCertificate {
		t.Fatalf("Certificate = %+v, %v", p, ok)
	}
	leaf.URIs = nil
	if p, ok := a.Certificate([][]*x509.Certificate{{leaf}}); ok {
		t.Fatalf("an unmapped certificate became %+v", p)
	}
	for _, bad := range []string{"producer", "=viewer", "x=superuser"} {
		if _, err := ParseCertRule(bad); err == nil {
			t.Errorf("ParseCertRule(%q) accepted", bad)
		}
	}
}

func mustRule(t *testing.T, s string) CertRule {
	r, err := ParseCertRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestClaimsMapToRoles(t *testing.T) {
	claims := map[string]any{
		"scope":        "openid aurigraph.write",
		"realm_access": map[string]any{"roles": []any{"offline_access", "viewer"}},
		"groups":       []any{"ops"},
		"org":          "acme",
	}
	o := &OIDC{cfg: OIDCConfig{RoleMap: map[string]Role{"aurigraph.write": RoleSubmitter, "ops": RoleOperator}}}
	best := RoleNone
	for _, path := range DefaultRolesClaims {
		for _, v := range claimStrings(claims, path) {
			best = max(best, o.role(v))
		}
	}
	if best != RoleOperator {
		t.Fatalf("highest role %s, want operator", best)
	}
	if got := claimStrings(claims, "realm_access.roles"); len(got) != 2 || got[1] != "viewer" {
		t.Fatalf("realm_access.roles = %v", got)
	}
	if got := claimStrings(claims, "org.name"); got != nil {
		t.Fatalf("a path through a string = %v", got)
	}
	if _, err := ParseRoleMap("a=admin,b=root"); err == nil {
		t.Fatal("ParseRoleMap accepted an unknown role")
	}
}
