// Package auth turns credentials into principals: OpenID Connect bearer
// tokens, API keys, client certificates and stream tickets, or the
// anonymous principal where that is allowed. Every way into the system
// (REST, streams, gRPC, the Kafka port's SASL users and the ClickHouse
// interface's named users) speaks of callers as a Principal with one Role, so the policy
// table decides for all of them in one place.
package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Role is what a principal may do. Roles are ordered: each includes
// everything the one below it may do.
type Role uint8

// The roles, lowest first. RoleNone may do nothing but ask who it is.
// RoleValidator is the validators' own service accounts: above operators,
// since they write the chain's topics, and below admins, who alone change
// the cluster, its keys and its topics.
const (
	RoleNone Role = iota
	RoleViewer
	RoleSubmitter
	RoleOperator
	RoleValidator
	RoleAdmin
)

// Roles lists every role that grants something, lowest first.
var Roles = []Role{RoleViewer, RoleSubmitter, RoleOperator, RoleValidator, RoleAdmin}

var roleNames = [...]string{"none", "viewer", "submitter", "operator", "validator", "admin"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", r)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	p, err := ParseRole(string(b))
	*r = p
	return err
}

// ParseRole reads a role's name: none, viewer, submitter, operator,
// validator or admin.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if strings.EqualFold(s, n) {
			return Role(i), nil
		}
	}
	return RoleNone, fmt.Errorf("role %q: use none, viewer, submitter, operator, validator or admin", s)
}

// Method says how a principal proved who it is.
type Method string

// Authentication methods.
const (
	MethodAnonymous   Method = "anonymous"
	MethodOIDC        Method = "oidc"
	MethodAPIKey      Method = "api_key"
	MethodCertificate Method = "certificate"
	MethodTicket      Method = "ticket"
	// MethodPassword: a named user's password, checked against its
	// salted verifier (SASL SCRAM or PLAIN, HTTP basic authentication).
	MethodPassword Method = "password"
)

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller: the token's sub, the API key's id, the
	// certificate's matched name, or "anonymous".
	Subject string `json:"subject"`
	// Name is a human-readable label when one is known (API key name,
	// token's preferred_username).
	Name   string `json:"name,omitempty"`
	Method Method `json:"method"`
	// Issuer is the token issuer for OIDC principals.
	Issuer string `json:"issuer,omitempty"`
	Role   Role   `json:"role"`
	// Organisation is the tenant the principal acts for; empty for none.
	Organisation string `json:"organisation,omitempty"`
	// Expires is when the credential stops being valid; zero for never.
	Expires time.Time `json:"expires,omitzero"`
}

// Anonymous is the principal of a caller that presented no credential.
func Anonymous(role Role) Principal {
	return Principal{Subject: "anonymous", Method: MethodAnonymous, Role: role}
}

// String names the principal for logs: method:subject.
func (p Principal) String() string { return string(p.Method) + ":" + p.Subject }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx carries, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
