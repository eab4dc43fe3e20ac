package access

import (
	"net/http"
	"slices"
	"strings"
)

// WebOptions configures the headers every HTTP answer carries.
type WebOptions struct {
	// TLS adds Strict-Transport-Security: the port serves only https.
	TLS bool
	// CORSOrigins are the origins (scheme://host[:port]) whose pages may
	// call the API from a browser; "*" allows any. Empty allows none but
	// the API's own origin.
	CORSOrigins []string
	// ConnectSources are further origins the API's own pages may fetch
	// from: the OpenID provider, whose token endpoint a browser signing in
	// with authorization code + PKCE calls.
	ConnectSources []string
}

// Web wraps h with the security headers a browser needs (content security
// policy, no framing, no MIME sniffing, no referrer, HSTS over TLS) and
// answers CORS preflights for the configured origins.
func Web(h http.Handler, opts WebOptions) http.Handler {
	anyOrigin := slices.Contains(opts.CORSOrigins, "*")
	connect := strings.Join(append([]string{"'self'", "ws:", "wss:"}, opts.ConnectSources...), " ")
	csp := "default-src 'self'; connect-src " + connect + "; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if opts.TLS {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		origin := r.Header.Get("Origin")
		if origin != "" && (anyOrigin || slices.Contains(opts.CORSOrigins, origin)) {
			hd.Add("Vary", "Origin")
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				hd.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
				hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID")
				hd.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// ParseOrigins reads a comma-separated list of origins.
func ParseOrigins(s string) []string {
	var out []string
	for o := range strings.SplitSeq(s, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// OriginHosts turns origins into the host patterns a WebSocket handshake
// checks ("*" stays "*").
func OriginHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if _, host, ok := strings.Cut(o, "://"); ok {
			o = host
		}
		out = append(out, o)
	}
	return out
}
