package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of authentication. Callers answer ErrInvalidCredentials and
// ErrNoCredentials with 401 / UNAUTHENTICATED, ErrUnavailable with 503 /
// UNAVAILABLE.
var (
	ErrNoCredentials      = errors.New("no credentials")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrUnavailable        = errors.New("identity provider unavailable")
)

// Config lists the identity sources a process accepts. Sources left nil or
// empty are off.
type Config struct {
	OIDC         *OIDC
	Keys         *KeyStore
	Certificates []CertRule
	Tickets      *Tickets
	// Anonymous is the role of callers that present no credential;
	// RoleNone refuses them.
	Anonymous Role
	// Organisation names the organisation of a principal whose credential
	// names none (e.g. an OAuth2 client whose tokens carry no org claim);
	// nil or "" leaves it without one.
	Organisation func(subject string) string
}

// Authenticator turns presented credentials into principals.
type Authenticator struct {
	cfg Config
	now func() time.Time
}

// New returns an authenticator over cfg's sources.
func New(cfg Config) *Authenticator {
	return &Authenticator{cfg: cfg, now: time.Now}
}

// Sources names the identity sources configured, for logs and for the
// secure-by-default check: empty means nobody can authenticate.
func (a *Authenticator) Sources() []string {
	var s []string
	if a.cfg.OIDC != nil {
		s = append(s, "oidc")
	}
	if a.cfg.Keys != nil {
		s = append(s, "api keys")
	}
	if len(a.cfg.Certificates) > 0 {
		s = append(s, "client certificates")
	}
	return s
}

// AnonymousRole is what callers without credentials may do.
func (a *Authenticator) AnonymousRole() Role { return a.cfg.Anonymous }

// OIDC returns the configured provider, or nil.
func (a *Authenticator) OIDC() *OIDC { return a.cfg.OIDC }

// Keys returns the API key store, or nil.
func (a *Authenticator) Keys() *KeyStore { return a.cfg.Keys }

// Tickets returns the stream ticket store, or nil.
func (a *Authenticator) Tickets() *Tickets { return a.cfg.Tickets }

// Bearer authenticates an Authorization: Bearer credential: an API key
// (APIKeyPrefix) or an OpenID Connect token.
func (a *Authenticator) Bearer(ctx context.Context, token string) (Principal, error) {
	var p Principal
	var err error
	switch {
	case strings.HasPrefix(token, APIKeyPrefix):
		if a.cfg.Keys == nil {
			return Principal{}, fmt.Errorf("%w: api keys are not accepted here", ErrInvalidCredentials)
		}
		p, err = a.cfg.Keys.Verify(token, a.now())
	case a.cfg.OIDC != nil:
		p, err = a.cfg.OIDC.Verify(ctx, token)
	default:
		return Principal{}, fmt.Errorf("%w: bearer tokens are not accepted here (no OpenID provider configured)", ErrInvalidCredentials)
	}
	if err != nil {
		return Principal{}, err
	}
	return a.withOrganisation(p), nil
}

// Certificate authenticates the leaf of a verified client chain; false when
// no rule names it.
func (a *Authenticator) Certificate(chains [][]*x509.Certificate) (Principal, bool) {
	if len(chains) == 0 || len(chains[0]) == 0 || len(a.cfg.Certificates) == 0 {
		return Principal{}, false
	}
	p, ok := certificatePrincipal(a.cfg.Certificates, chains[0][0])
	return a.withOrganisation(p), ok
}

// Ticket redeems a stream ticket.
func (a *Authenticator) Ticket(t string) (Principal, error) {
	if a.cfg.Tickets == nil {
		return Principal{}, fmt.Errorf("%w: stream tickets are not accepted here", ErrInvalidCredentials)
	}
	return a.cfg.Tickets.Redeem(t, a.now())
}

// Anonymous returns the principal of a caller without credentials, or
// ErrNoCredentials when such callers are refused.
func (a *Authenticator) Anonymous() (Principal, error) {
	if a.cfg.Anonymous == RoleNone {
		return Principal{}, ErrNoCredentials
	}
	return Anonymous(a.cfg.Anonymous), nil
}

func (a *Authenticator) withOrganisation(p Principal) Principal {
	if p.Organisation == "" && a.cfg.Organisation != nil {
		p.Organisation = a.cfg.Organisation(p.Subject)
	}
	return p
}
