package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig configures the acceptance of OpenID Connect bearer tokens
// (JWT access or ID tokens). Zero values take the defaults shown.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration, and tokens must name it in iss.
	Issuer string
	// Audience must be among the token's aud values.
	Audience string
	// RolesClaims are the claims whose values name roles, as dot paths into
	// the token (DefaultRolesClaims). String values are split on spaces, so
	// an OAuth2 "scope" claim works too.
	RolesClaims []string
	// RoleMap maps claim values to roles; a value not in it grants the role
	// of the same name (viewer, submitter, operator, admin), if any. With
	// several values the highest role wins.
	RoleMap map[string]Role
	// OrganisationClaim names the claim (a dot path) holding the principal's
	// organisation ("org").
	OrganisationClaim string
	// HTTPClient fetches discovery and keys (http.DefaultClient with a 10s
	// timeout).
	HTTPClient *http.Client
	// RetryDiscovery is the least time between discovery attempts after a
	// failure (5s); tokens are refused as unverifiable until one succeeds.
	RetryDiscovery time.Duration
}

// DefaultRolesClaims are where Keycloak (realm_access.roles), most
// providers (roles, groups) and OAuth2 scopes (scp, scope) put what a
// principal may do.
var DefaultRolesClaims = []string{"roles", "groups", "realm_access.roles", "scp", "scope"}

// OIDC verifies bearer tokens of one provider. Keys come from the
// provider's JWKS and are fetched again whenever a token names a key id
// not seen yet, so a key rotated at the provider is accepted without a
// restart.
type OIDC struct {
	cfg OIDCConfig

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	lastTry  time.Time
	lastErr  error
}

// NewOIDC checks cfg; discovery happens on first use and is retried after
// failures, so a provider that is down at start delays nothing else.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("oidc: no issuer: set the provider's issuer URL, e.g. https://idp.example.com/realms/aurigraph")
	}
	if cfg.Audience == "" {
		return nil, fmt.Errorf("oidc: no audience for issuer %s: set the audience your provider puts in tokens for Aurigraph (the aud claim)", cfg.Issuer)
	}
	if len(cfg.RolesClaims) == 0 {
		cfg.RolesClaims = DefaultRolesClaims
	}
	cfg.OrganisationClaim = cmp.Or(cfg.OrganisationClaim, "org")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.RetryDiscovery = cmp.Or(cfg.RetryDiscovery, 5*time.Second)
	return &OIDC{cfg: cfg}, nil
}

// Issuer returns the configured issuer URL.
func (o *OIDC) Issuer() string { return o.cfg.Issuer }

// Audience returns the audience tokens must carry.
func (o *OIDC) Audience() string { return o.cfg.Audience }

func (o *OIDC) verifierFor(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if !o.lastTry.IsZero() && time.Since(o.lastTry) < o.cfg.RetryDiscovery {
		return nil, fmt.Errorf("%w: discovery at %s failed: %w", ErrUnavailable, o.cfg.Issuer, o.lastErr)
	}
	o.lastTry = time.Now()
	// The key set outlives this request: it refetches keys on its own.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), o.cfg.HTTPClient), o.cfg.Issuer)
	if err != nil {
		o.lastErr = err
		return nil, fmt.Errorf("%w: discovery at %s failed: %w", ErrUnavailable, o.cfg.Issuer, err)
	}
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.Audience})
	return o.verifier, nil
}

// Discover runs discovery now, so a misconfigured issuer shows at start.
func (o *OIDC) Discover(ctx context.Context) error {
	_, err := o.verifierFor(ctx)
	return err
}

// Verify checks token's signature, issuer, audience, expiry and not-before
// time, and maps its claims to a principal. The principal's role is
// RoleNone when no claim grants one.
func (o *OIDC) Verify(ctx context.Context, token string) (Principal, error) {
	v, err := o.verifierFor(ctx)
	if err != nil {
		return Principal{}, err
	}
	t, err := v.Verify(ctx, token)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return Principal{}, fmt.Errorf("%w: token expired at %s", ErrInvalidCredentials, expired.Expiry.UTC().Format(time.RFC3339))
		}
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	var claims map[string]any
	if err := t.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: claims: %w", ErrInvalidCredentials, err)
	}
	p := Principal{Subject: t.Subject, Method: MethodOIDC, Issuer: t.Issuer, Expires: t.Expiry}
	if name, ok := claims["preferred_username"].(string); ok {
		p.Name = name
	} else if id, ok := claims["client_id"].(string); ok {
		p.Name = id
	}
	for _, path := range o.cfg.RolesClaims {
		for _, v := range claimStrings(claims, path) {
			if r := o.role(v); r > p.Role {
				p.Role = r
			}
		}
	}
	if orgs := claimStrings(claims, o.cfg.OrganisationClaim); len(orgs) > 0 {
		if len(orgs) > 1 {
			return Principal{}, fmt.Errorf("%w: claim %s names %d organisations; a principal acts for one", ErrInvalidCredentials, o.cfg.OrganisationClaim, len(orgs))
		}
		p.Organisation = orgs[0]
	}
	return p, nil
}

func (o *OIDC) role(v string) Role {
	if r, ok := o.cfg.RoleMap[v]; ok {
		return r
	}
	r, err := ParseRole(v)
	if err != nil {
		return RoleNone
	}
	return r
}

// claimStrings reads the strings at a dot path: a string (split on
// spaces), or an array of strings.
func claimStrings(claims map[string]any, path string) []string {
	var cur any = claims
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	switch v := cur.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ParseRoleMap reads "value=role,value=role".
func ParseRoleMap(s string) (map[string]Role, error) {
	m := map[string]Role{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("role map entry %q: want claim-value=role", part)
		}
		r, err := ParseRole(v)
		if err != nil {
			return nil, fmt.Errorf("role map entry %q: %w", part, err)
		}
		m[k] = r
	}
	return m, nil
}
