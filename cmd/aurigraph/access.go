package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/certreload"
	"github.com/aurigraph/aurigraph/internal/tenant"
)

// accessFlags configure who may use the HTTP and gRPC ports of dev, node
// and gateway, and how the HTTP port is encrypted.
type accessFlags struct {
	oidcIssuer, oidcAudience, oidcClientID     string
	oidcRolesClaims, oidcRoleMap, oidcOrgClaim string
	apiKeys                                    string
	certPrincipals                             []string
	tenants                                    string
	anonymous                                  string
	insecure                                   bool
	auditLog                                   string
	httpTLSCert, httpTLSKey                    string
	corsOrigins                                string
	submitRate, submitBurst                    float64
	readRate, readBurst                        float64
	trustForwardedFor                          bool
}

func (f *accessFlags) register(fl *pflag.FlagSet) {
	f.registerHTTP(fl)
	fl.StringVar(&f.oidcClientID, "oidc-client-id", "", "public OAuth2 client browsers sign in with (authorization code + PKCE), announced by GET /api/v12/auth/config")
	fl.StringArrayVar(&f.certPrincipals, "grpc-client-principal", nil, "map a gRPC client certificate (with --grpc-client-ca) to a principal: NAME=ROLE[@ORGANISATION], NAME the certificate's common name or a DNS, URI or e-mail name; repeatable")
	fl.StringVar(&f.tenants, "tenants", "", "tenants file: organisations, the accounts they own and their submission limits; principals then see and submit only their organisation's accounts")
	fl.StringVar(&f.corsOrigins, "cors-origins", "", "origins whose web pages may call the API (https://portal.example.com,...; * for any)")
	fl.Float64Var(&f.submitRate, "rate-submit", -1, "submission requests per second per principal (per address when anonymous); excess gets 429 / RESOURCE_EXHAUSTED with Retry-After (0: no limit; default 1000 once an identity source is configured, no limit without one)")
	fl.Float64Var(&f.submitBurst, "rate-submit-burst", 0, "submission requests allowed at once above --rate-submit (default: twice the rate)")
	fl.Float64Var(&f.readRate, "rate-read", -1, "expensive reads (analytics, exports, chain verification) per second per principal or address (0: no limit; default 20 once an identity source is configured, no limit without one)")
	fl.Float64Var(&f.readBurst, "rate-read-burst", 0, "expensive reads allowed at once above --rate-read (default: twice the rate)")
}

// registerHTTP registers the flags of a process whose HTTP port serves
// only health, metrics and the auth endpoints (projector run): who the
// callers are and how the port is encrypted.
func (f *accessFlags) registerHTTP(fl *pflag.FlagSet) {
	fl.StringVar(&f.oidcIssuer, "oidc-issuer", "", "accept OpenID Connect bearer tokens from this issuer (discovery at ISSUER/.well-known/openid-configuration; keys are fetched again when a token names a new one)")
	fl.StringVar(&f.oidcAudience, "oidc-audience", "", "audience tokens must carry in aud (needed with --oidc-issuer)")
	fl.StringVar(&f.oidcRolesClaims, "oidc-roles-claim", strings.Join(auth.DefaultRolesClaims, ","), "token claims (dot paths, comma separated) whose values name roles")
	fl.StringVar(&f.oidcRoleMap, "oidc-role-map", "", "map claim values to roles: value=role,... (a value named like a role grants it without a mapping)")
	fl.StringVar(&f.oidcOrgClaim, "oidc-org-claim", "org", "token claim naming the principal's organisation")
	fl.StringVar(&f.apiKeys, "api-keys", "", "accept API keys stored (hashed) in this file; admins create and revoke them over /api/v12/auth/keys and AuthService")
	fl.StringVar(&f.anonymous, "anonymous-role", "", "role of callers without credentials: none, viewer, submitter, operator, validator or admin (default: admin when no identity source is configured, as on a loopback dev instance; none otherwise)")
	fl.BoolVar(&f.insecure, "insecure", false, "start even when a listener beyond loopback has no authentication or no TLS (logged as a warning at every start)")
	fl.StringVar(&f.auditLog, "audit-log", "", "append audit events (privileged actions, refusals, failed authentications) as JSON lines to this file (default: standard error, tagged log=audit)")
	fl.StringVar(&f.httpTLSCert, "http-tls-cert", "", "serve --http over TLS (https, wss) with this PEM certificate, reloaded when the file changes (with --http-tls-key)")
	fl.StringVar(&f.httpTLSKey, "http-tls-key", "", "PEM private key of --http-tls-cert")
	fl.BoolVar(&f.trustForwardedFor, "trust-forwarded-for", false, "take the caller's address from X-Forwarded-For (only behind a proxy you run)")
}

// accessSetup is what the flags build: the guard and the HTTP port's TLS.
type accessSetup struct {
	guard *access.Guard
	// audit is the process's audit log, which the Kafka port and the
	// ClickHouse interface record into too.
	audit   *audit.Log
	httpTLS *tls.Config
	web     access.WebOptions
	closers []func() error
}

func (s accessSetup) close() {
	for _, c := range s.closers {
		_ = c()
	}
}

// build makes the guard and checks the listeners: one beyond loopback needs
// authentication, and for HTTP and gRPC TLS, unless --insecure. An empty
// grpcAddr is a process without a gRPC port.
func (f accessFlags) build(ctx context.Context, log *slog.Logger, reg prometheus.Registerer, httpAddr, grpcAddr string, grpcTLS grpcTLSFlags) (accessSetup, error) {
	var s accessSetup
	cfg := auth.Config{Tickets: auth.NewTickets(0)}
	if f.oidcIssuer != "" || f.oidcAudience != "" {
		roleMap, err := auth.ParseRoleMap(f.oidcRoleMap)
		if err != nil {
			return s, fmt.Errorf("--oidc-role-map: %w", err)
		}
		o, err := auth.NewOIDC(auth.OIDCConfig{Issuer: f.oidcIssuer, Audience: f.oidcAudience, RolesClaims: splitList(f.oidcRolesClaims),
			RoleMap: roleMap, OrganisationClaim: f.oidcOrgClaim})
		if err != nil {
			return s, fmt.Errorf("--oidc-issuer: %w", err)
		}
		if err := o.Discover(ctx); err != nil {
			// Tokens are refused until discovery succeeds; it is retried.
			log.Warn("OpenID provider not reachable yet; bearer tokens are refused until it is", "issuer", f.oidcIssuer, "err", err)
		}
		cfg.OIDC = o
	}
	if f.apiKeys != "" {
		ks, err := auth.OpenKeyStore(f.apiKeys)
		if err != nil {
			return s, fmt.Errorf("--api-keys: %w", err)
		}
		cfg.Keys = ks
	}
	for _, c := range f.certPrincipals {
		r, err := auth.ParseCertRule(c)
		if err != nil {
			return s, fmt.Errorf("--grpc-client-principal: %w", err)
		}
		cfg.Certificates = append(cfg.Certificates, r)
	}
	if len(cfg.Certificates) > 0 && grpcTLS.clientCA == "" {
		return s, fmt.Errorf("--grpc-client-principal needs client certificates: set --grpc-tls-cert, --grpc-tls-key and --grpc-client-ca")
	}
	var dir *tenant.Directory
	if f.tenants != "" {
		var err error
		if dir, err = tenant.Load(f.tenants); err != nil {
			return s, fmt.Errorf("--tenants: %w", err)
		}
		cfg.Organisation = dir.MemberOf
	}
	configured := cfg.OIDC != nil || cfg.Keys != nil || len(cfg.Certificates) > 0
	switch {
	case f.anonymous != "":
		r, err := auth.ParseRole(f.anonymous)
		if err != nil {
			return s, fmt.Errorf("--anonymous-role: %w", err)
		}
		cfg.Anonymous = r
	case !configured:
		cfg.Anonymous = auth.RoleAdmin
	}
	a := auth.New(cfg)

	// A zero-configuration dev instance has one caller, its developer: no
	// limits unless asked for.
	submitRate, submitBurst := rateDefault(f.submitRate, f.submitBurst, 1000, configured)
	readRate, readBurst := rateDefault(f.readRate, f.readBurst, 20, configured)

	auditLog, closeAudit, err := f.openAudit(log)
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, closeAudit)
	al, err := audit.New(auditLog, reg)
	if err != nil {
		s.close()
		return s, err
	}
	s.audit = al
	s.guard, err = access.New(access.Config{
		Auth: a, Tenants: dir, Audit: al, ClientID: f.oidcClientID,
		SubmitRate: submitRate, SubmitBurst: submitBurst, ReadRate: readRate, ReadBurst: readBurst,
		TrustForwardedFor: f.trustForwardedFor, Logger: log.With("component", "access"), Registerer: reg,
	})
	if err != nil {
		s.close()
		return s, err
	}

	switch {
	case f.httpTLSCert == "" && f.httpTLSKey == "":
	case f.httpTLSCert == "" || f.httpTLSKey == "":
		s.close()
		return s, fmt.Errorf("--http-tls-cert and --http-tls-key go together (got cert %q, key %q)", f.httpTLSCert, f.httpTLSKey)
	default:
		rl, err := certreload.New(f.httpTLSCert, f.httpTLSKey, 0, log.With("component", "http-tls"))
		if err != nil {
			s.close()
			return s, fmt.Errorf("--http-tls-cert: %w", err)
		}
		if err := exportExpiry(reg, "http", rl.NotAfter); err != nil {
			s.close()
			return s, err
		}
		s.httpTLS = rl.Config()
	}
	s.web = access.WebOptions{TLS: s.httpTLS != nil, CORSOrigins: access.ParseOrigins(f.corsOrigins)}
	if u, err := url.Parse(f.oidcIssuer); err == nil && u.Host != "" {
		s.web.ConnectSources = []string{u.Scheme + "://" + u.Host}
	}

	authenticated := configured && cfg.Anonymous == auth.RoleNone
	listeners := []access.Listener{
		{Flag: "--http", Addr: httpAddr, Authenticated: authenticated, NeedsTLS: true, TLS: s.httpTLS != nil, FixTLS: "--http-tls-cert and --http-tls-key"},
	}
	if grpcAddr != "" {
		listeners = append(listeners, access.Listener{Flag: "--grpc", Addr: grpcAddr, Authenticated: authenticated, NeedsTLS: true, TLS: grpcTLS.cert != "", FixTLS: "--grpc-tls-cert and --grpc-tls-key"})
	}
	err = access.CheckExposure(listeners, f.insecure, log)
	if err != nil {
		s.close()
		return s, err
	}
	if cfg.Anonymous != auth.RoleNone {
		log.Info("callers without credentials are allowed", "anonymous_role", cfg.Anonymous.String(), "identity_sources", a.Sources())
	}
	return s, nil
}

// openAudit returns the audit stream: a JSON-lines file of its own, or the
// process's log tagged log=audit, in its format (so that with --log-format
// json every line of standard error is JSON) and whatever its level.
func (f accessFlags) openAudit(log *slog.Logger) (*slog.Logger, func() error, error) {
	if f.auditLog == "" {
		return slog.New(everyLevel{log.Handler()}).With("log", "audit"), func() error { return nil }, nil
	}
	file, err := os.OpenFile(f.auditLog, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit-log: %w", err)
	}
	return slog.New(slog.NewJSONHandler(file, nil)), file.Close, nil
}

// everyLevel passes every record to its handler: audit events are written
// whatever --log-level keeps out of the log.
type everyLevel struct{ slog.Handler }

func (everyLevel) Enabled(context.Context, slog.Level) bool { return true }

func (h everyLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return everyLevel{h.Handler.WithAttrs(attrs)}
}

func (h everyLevel) WithGroup(name string) slog.Handler { return everyLevel{h.Handler.WithGroup(name)} }

// analyticsScope adapts the guard's tenant scope to the analytics hook.
func analyticsScope(g *access.Guard) func(context.Context) *analytics.AccountFilter {
	return func(ctx context.Context) *analytics.AccountFilter {
		s := g.AccountScope(ctx)
		if s == nil {
			return nil
		}
		accounts, prefixes := s.Accounts()
		return &analytics.AccountFilter{Accounts: accounts, Prefixes: prefixes}
	}
}

// scheme is the HTTP port's URL scheme, for logs.
func (s accessSetup) scheme() string {
	if s.httpTLS != nil {
		return "https"
	}
	return "http"
}

// rateDefault resolves a rate flag: negative means def once an identity
// source is configured and no limit before; the burst defaults to twice
// the rate.
func rateDefault(rate, burst, def float64, configured bool) (float64, float64) {
	if rate < 0 {
		rate = 0
		if configured {
			rate = def
		}
	}
	if burst <= 0 {
		burst = 2 * rate
	}
	return rate, burst
}
