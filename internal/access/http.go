package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
)

// Mux is an http.ServeMux on which every pattern must have an entry in
// policy.Routes: registering one without panics, like a malformed pattern
// does, so a route cannot be served without a decision. Every handler is
// wrapped with authentication, authorization, rate limiting and audit.
type Mux struct {
	g   *Guard
	mux *http.ServeMux

	mu       sync.Mutex
	patterns []string
}

// NewMux returns an empty mux whose unmatched /api/v12/ paths answer a
// JSON 404.
func (g *Guard) NewMux() *Mux {
	m := &Mux{g: g, mux: http.NewServeMux()}
	g.servedMu.Lock()
	g.muxes = append(g.muxes, m)
	g.servedMu.Unlock()
	m.mux.HandleFunc("/api/v12/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	})
	return m
}

// NotServed answers every path under prefix (e.g. /api/v12/analytics/)
// with a JSON 404 that says why this process does not serve it, instead of
// the bare "no endpoint". Like that answer it reveals no data, so it passes
// no policy rule.
func (m *Mux) NotServed(prefix, why string) {
	m.mux.HandleFunc(prefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s: %s", r.Method, r.URL.Path, why))
	})
}

// Handle registers h for pattern under its policy rule.
func (m *Mux) Handle(pattern string, h http.Handler) {
	rule, ok := policy.Routes[pattern]
	if !ok {
		panic(fmt.Sprintf("access: route %q has no entry in policy.Routes: add one saying which action it is", pattern))
	}
	m.mu.Lock()
	m.patterns = append(m.patterns, pattern)
	m.mu.Unlock()
	m.mux.Handle(pattern, m.g.guardHTTP(pattern, rule, h))
}

// HandleFunc registers h for pattern under its policy rule.
func (m *Mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Patterns lists every pattern registered, in order.
func (m *Mux) Patterns() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.patterns)
}

func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// Under returns a view of m that puts prefix (e.g. "/api/v12") before the
// path of every pattern, for handlers written relative to their mount
// point. Handlers see the full path; they read only path values.
func (m *Mux) Under(prefix string) *Sub { return &Sub{m: m, prefix: prefix} }

// Sub registers on its Mux under a prefix.
type Sub struct {
	m      *Mux
	prefix string
}

func (s *Sub) full(pattern string) string {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return s.prefix + pattern
	}
	return method + " " + s.prefix + strings.TrimLeft(path, " ")
}

// Handle registers h for prefix+pattern.
func (s *Sub) Handle(pattern string, h http.Handler) { s.m.Handle(s.full(pattern), h) }

// HandleFunc registers h for prefix+pattern.
func (s *Sub) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.m.Handle(s.full(pattern), http.HandlerFunc(h))
}

// NotServed is Mux.NotServed with the Sub's prefix before prefix.
func (s *Sub) NotServed(prefix, why string) { s.m.NotServed(s.prefix+prefix, why) }

// Under nests a further prefix.
func (s *Sub) Under(prefix string) *Sub { return &Sub{m: s.m, prefix: s.prefix + prefix} }

// guardHTTP wraps h with the checks rule calls for.
func (g *Guard) guardHTTP(pattern string, rule policy.Rule, h http.Handler) http.Handler {
	if rule.Action == policy.Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		from := g.clientAddr(r)
		ev := audit.Event{Action: string(rule.Action), Route: pattern, From: from}
		p, err := g.authenticateHTTP(r, rule)
		if err != nil {
			ev.Who, ev.Result, ev.Reason = claimed(r), audit.Unauthenticated, err.Error()
			code := http.StatusUnauthorized
			if errors.Is(err, auth.ErrUnavailable) {
				code = http.StatusServiceUnavailable
				w.Header().Set("Retry-After", "5")
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer realm="aurigraph"`)
			}
			ev.Status = strconv.Itoa(code)
			g.cfg.Audit.Record(r.Context(), ev)
			writeError(w, code, unauthenticatedMessage(err))
			return
		}
		ev.Who, ev.Organisation, ev.Role = p.String(), p.Organisation, p.Role.String()
		ev.Target = target(r)
		if !policy.Allowed(p.Role, rule.Action) {
			ev.Result, ev.Status = audit.Denied, "403"
			ev.Reason = fmt.Sprintf("role %s may not %s", p.Role, rule.Action)
			g.cfg.Audit.Record(r.Context(), ev)
			writeError(w, http.StatusForbidden, fmt.Sprintf("%s (role %s) may not %s: it needs a role that grants %s", p, p.Role, pattern, rule.Action))
			return
		}
		if wait, ok := g.rateLimit(rule, p, from); !ok {
			if policy.Privileged(rule.Action) {
				ev.Result, ev.Status = audit.Limited, "429"
				g.cfg.Audit.Record(r.Context(), ev)
			}
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
			writeError(w, http.StatusTooManyRequests, fmt.Sprintf("rate limit for %s reached for %s: retry after %ds", rule.Limit, principalOrAddr(p, from), retrySeconds(wait)))
			return
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		if !policy.Privileged(rule.Action) {
			h.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		// A handler that aborts its response midway panics (a backup cut
		// short panics with http.ErrAbortHandler, after part of the state
		// went out): it is recorded, as failed, before the panic goes on to
		// net/http.
		defer func() {
			if v := recover(); v != nil {
				ev.Status, ev.Result, ev.Reason = strconv.Itoa(rec.code), audit.Failed, fmt.Sprintf("response aborted: %v", v)
				g.cfg.Audit.Record(r.Context(), ev)
				panic(v)
			}
		}()
		h.ServeHTTP(rec, r)
		ev.Status = strconv.Itoa(rec.code)
		ev.Result = audit.Succeeded
		if rec.code >= 400 {
			ev.Result = audit.Failed
		}
		g.cfg.Audit.Record(r.Context(), ev)
	})
}

// authenticateHTTP finds the request's principal: a bearer credential, a
// stream ticket (stream routes only), or anonymity.
func (g *Guard) authenticateHTTP(r *http.Request, rule policy.Rule) (auth.Principal, error) {
	a := g.cfg.Auth
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || cred == "" {
			return auth.Principal{}, fmt.Errorf("%w: Authorization scheme %q: use Bearer", auth.ErrInvalidCredentials, scheme)
		}
		return a.Bearer(r.Context(), strings.TrimSpace(cred))
	}
	if rule.Action == policy.StreamSubscribe && r.URL.Query().Has("ticket") {
		q := r.URL.Query()
		t := q.Get("ticket")
		// The stream handler must not see, or echo, the ticket.
		q.Del("ticket")
		r.URL.RawQuery = q.Encode()
		return a.Ticket(t)
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		if p, ok := a.Certificate(r.TLS.VerifiedChains); ok {
			return p, nil
		}
	}
	return a.Anonymous()
}

func unauthenticatedMessage(err error) string {
	if errors.Is(err, auth.ErrNoCredentials) {
		return "authentication required: send Authorization: Bearer <token or API key> (streams in browsers: a ticket from POST /api/v12/auth/ticket as ?ticket=)"
	}
	return err.Error()
}

// claimed describes who an unauthenticated caller claimed to be, without
// the secret: the API key's id, or the kind of token.
func claimed(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Has("ticket") {
			return "ticket"
		}
		return "anonymous"
	}
	_, cred, _ := strings.Cut(h, " ")
	if rest, ok := strings.CutPrefix(strings.TrimSpace(cred), auth.APIKeyPrefix); ok {
		id, _, _ := strings.Cut(rest, "_")
		if len(id) > 16 {
			id = id[:16]
		}
		return "api_key:" + id
	}
	return "bearer"
}

// target is what a request acts on, when its pattern names it.
func target(r *http.Request) string {
	for _, k := range []string{"id", "height", "address"} {
		if v := r.PathValue(k); v != "" {
			return v
		}
	}
	return ""
}

func principalOrAddr(p auth.Principal, addr string) string {
	if p.Method == auth.MethodAnonymous {
		return addr
	}
	return p.String()
}

func (g *Guard) clientAddr(r *http.Request) string {
	if g.cfg.TrustForwardedFor {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// Guard returns the guard enforcing m's policy.
func (m *Mux) Guard() *Guard { return m.g }
