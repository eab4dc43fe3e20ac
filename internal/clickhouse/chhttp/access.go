package chhttp

import (
	"crypto/sha256"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
)

// Anonymous says where the interface takes requests that name no user, or
// the user default without a password: ClickHouse clients' defaults.
type Anonymous int

// Where anonymous requests are taken.
const (
	// AnonymousLoopback: from clients on this machine only.
	AnonymousLoopback Anonymous = iota
	// AnonymousNone: nowhere.
	AnonymousNone
	// AnonymousAny: from anywhere (a trusted network only).
	AnonymousAny
)

// ParseAnonymous reads loopback, none or any.
func ParseAnonymous(s string) (Anonymous, bool) {
	switch s {
	case "loopback", "":
		return AnonymousLoopback, true
	case "none":
		return AnonymousNone, true
	case "any":
		return AnonymousAny, true
	}
	return 0, false
}

// Access authenticates the requests of the public interface. Whoever it
// admits reads: named users whose role may read analytics (viewer and up,
// from the users file, passwords kept as salted verifiers and compared in
// constant time) and anonymous callers where Anonymous allows.
type Access struct {
	// Users are the named users; nil: none. A file user named default
	// replaces the anonymous one.
	Users     *auth.Users
	Anonymous Anonymous
	// Audit records failed authentications; nil records nothing.
	Audit *audit.Log

	mu sync.Mutex
	// verified remembers passwords checked in the last minute (by a hash of
	// name and password), so that a client sending its password with every
	// request does not pay the verifier's thousands of rounds each time.
	verified map[[32]byte]time.Time
}

const (
	verifiedFor = time.Minute
	maxVerified = 1024
)

func (a *Access) authenticate(r *http.Request, values url.Values) error {
	name, password, basic := r.BasicAuth()
	if !basic {
		name, password = r.Header.Get("X-ClickHouse-User"), r.Header.Get("X-ClickHouse-Key")
		if name == "" {
			name, password = values.Get("user"), values.Get("password")
		}
	}
	anonymous := name == "" || (name == "default" && password == "" && !a.hasUser("default"))
	if anonymous {
		switch {
		case a.Anonymous == AnonymousAny, a.Anonymous == AnonymousLoopback && loopbackClient(r):
			return nil
		}
		a.record(r, "anonymous", "no user given, and anonymous readers are accepted only "+map[Anonymous]string{AnonymousLoopback: "from this machine", AnonymousNone: "nowhere"}[a.Anonymous])
		return refuse(http.StatusForbidden, codeAuthenticationFailed, "AUTHENTICATION_FAILED",
			"default: Authentication failed: give a user and password (HTTP basic authentication, X-ClickHouse-User and X-ClickHouse-Key, or user and password parameters)")
	}
	if a.Users == nil || !a.check(r, name, password) {
		return refuse(http.StatusForbidden, codeAuthenticationFailed, "AUTHENTICATION_FAILED",
			"%s: Authentication failed: password is incorrect, or there is no user with such name", name)
	}
	return nil
}

func (a *Access) hasUser(name string) bool {
	if a.Users == nil {
		return false
	}
	_, _, ok := a.Users.Credential(name, auth.SCRAMSHA256)
	return ok
}

// check verifies name's password, or finds it verified within the last
// minute.
func (a *Access) check(r *http.Request, name, password string) bool {
	key := sha256.Sum256([]byte(name + "\x00" + password))
	now := time.Now()
	a.mu.Lock()
	until, ok := a.verified[key]
	a.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	p, err := a.Users.VerifyPassword(name, password)
	if err == nil && !policy.Allowed(p.Role, policy.AnalyticsRead) {
		err = auth.ErrInvalidCredentials
	}
	if err != nil {
		a.record(r, "user:"+name, err.Error())
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verified == nil || len(a.verified) >= maxVerified {
		a.verified = map[[32]byte]time.Time{}
	}
	a.verified[key] = now.Add(verifiedFor)
	return true
}

func (a *Access) record(r *http.Request, who, reason string) {
	a.Audit.Record(r.Context(), audit.Event{Who: who, Action: string(policy.AnalyticsRead), Route: "clickhouse-http", From: r.RemoteAddr,
		Result: audit.Unauthenticated, Reason: reason})
}

// loopbackClient reports whether r comes from this machine.
func loopbackClient(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
