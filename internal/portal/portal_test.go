package portal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const builtIndex = `<!doctype html><html><head><meta name="aurigraph-features" content="{}">` +
	`<script type="module" src="/static/index-abc123.js"></script></head><body></body></html>`

func builtFiles() fstest.MapFS {
	return fstest.MapFS{
		"placeholder.html":              {Data: []byte("<p>Portal not built</p>")},
		"app/index.html":                {Data: []byte(builtIndex)},
		"app/static/index-abc123.js":    {Data: []byte("console.log('app')")},
		"app/static/index-abc123.js.br": {Data: []byte("BR")},
		"app/static/index-abc123.js.gz": {Data: []byte("GZ")},
		"app/static/style-def456.css":   {Data: []byte("body{}")},
		"app/favicon.svg":               {Data: []byte("<svg/>")},
	}
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesTheBuild(t *testing.T) {
	h, err := Handler(Options{Files: builtFiles(), Features: Features{Process: "dev", Chain: true, Analytics: true}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, target string
		header               map[string]string
		status               int
		typ, cache, encoding string
		body                 string // substring
	}{
		{"page", "GET", "/", nil, 200, "text/html; charset=utf-8", "no-cache", "", `content="{&#34;process&#34;:&#34;dev&#34;,&#34;chain&#34;:true,&#34;submit&#34;:false,&#34;analytics&#34;:true}"`},
		{"deep link", "GET", "/blocks/42", nil, 200, "text/html; charset=utf-8", "no-cache", "", "aurigraph-features"},
		{"deep link with query", "GET", "/analytics?metric=tps&range=1h", nil, 200, "text/html; charset=utf-8", "no-cache", "", "aurigraph-features"},
		{"hashed asset, brotli", "GET", "/static/index-abc123.js", map[string]string{"Accept-Encoding": "gzip, deflate, br"}, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "br", "BR"},
		{"hashed asset, gzip", "GET", "/static/index-abc123.js", map[string]string{"Accept-Encoding": "gzip"}, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "gzip", "GZ"},
		{"brotli refused", "GET", "/static/index-abc123.js", map[string]string{"Accept-Encoding": "br;q=0, gzip"}, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "gzip", "GZ"},
		{"hashed asset, identity", "GET", "/static/index-abc123.js", nil, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "", "console.log"},
		{"stylesheet", "GET", "/static/style-def456.css", nil, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "", "body{}"},
		{"unhashed file", "GET", "/favicon.svg", nil, 200, "image/svg+xml", "no-cache", "", "<svg/>"},
		{"asset of an older build", "GET", "/static/index-old.js", nil, 404, "text/plain; charset=utf-8", "", "", "no file"},
		{"missing file", "GET", "/robots.txt", nil, 404, "text/plain; charset=utf-8", "", "", "no file"},
		{"deep link with a dot", "GET", "/accounts/acct.1", nil, 200, "text/html; charset=utf-8", "no-cache", "", "aurigraph-features"},
		{"deep link named like an asset", "GET", "/assets/USD", nil, 200, "text/html; charset=utf-8", "no-cache", "", "aurigraph-features"},
		{"head", "HEAD", "/", nil, 200, "text/html; charset=utf-8", "no-cache", "", ""},
		{"post", "POST", "/", nil, 405, "text/plain; charset=utf-8", "", "", "GET"},
		{"api is never the page", "GET", "/api/v13/blocks", nil, 404, "text/plain; charset=utf-8", "", "", "no endpoint"},
		{"api root", "GET", "/api", nil, 404, "text/plain; charset=utf-8", "", "", "no endpoint"},
		{"metrics by POST", "POST", "/metrics", nil, 404, "text/plain; charset=utf-8", "", "", "no endpoint"},
		{"health subpath", "GET", "/q/ready", nil, 404, "text/plain; charset=utf-8", "", "", "no endpoint"},
		{"pprof turned off", "GET", "/debug/pprof/", nil, 404, "text/plain; charset=utf-8", "", "", "no endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, tt.method, tt.target, tt.header)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Content-Type"); got != tt.typ {
				t.Errorf("Content-Type %q, want %q", got, tt.typ)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if b := body(t, res); !strings.Contains(b, tt.body) {
				t.Errorf("body %q lacks %q", b, tt.body)
			}
		})
	}
}

func TestHandlerHeaders(t *testing.T) {
	h, err := Handler(Options{Files: builtFiles()})
	if err != nil {
		t.Fatal(err)
	}
	page := get(t, h, "GET", "/validators", nil)
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	asset := get(t, h, "GET", "/static/index-abc123.js", map[string]string{"Accept-Encoding": "br"})
	if v := asset.Header.Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary %q on a precompressed asset", v)
	}
	// Revalidation answers 304 with the tag of the representation sent.
	etag := asset.Header.Get("ETag")
	again := get(t, h, "GET", "/static/index-abc123.js", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d, want 304", etag, again.StatusCode)
	}
	plain := get(t, h, "GET", "/static/index-abc123.js", nil)
	if plain.Header.Get("ETag") == etag {
		t.Errorf("brotli and identity bodies share the ETag %s", etag)
	}
}

func TestHandlerWithoutTheBuild(t *testing.T) {
	h, err := Handler(Options{Files: fstest.MapFS{"placeholder.html": {Data: []byte("<p>Portal not built: run make build</p>")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/", "/blocks/1", "/static/index.js"} {
		res := get(t, h, "GET", target, nil)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body(t, res), "make build") {
			t.Errorf("GET %s: status %d; want 503 with the placeholder", target, res.StatusCode)
		}
	}
	if res := get(t, h, "GET", "/api/v12/x", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/v12/x: status %d, want 404", res.StatusCode)
	}
}

func TestHandlerRefusesAnIndexWithoutTheFeaturesTag(t *testing.T) {
	files := builtFiles()
	files["app/index.html"] = &fstest.MapFile{Data: []byte("<html></html>")}
	if _, err := Handler(Options{Files: files}); err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("err = %v, want one that says to rebuild", err)
	}
}

// TestEmbeddedFiles holds the embedded directory to what a fresh clone
// has (the placeholder) or what make build adds (the application).
func TestEmbeddedFiles(t *testing.T) {
	h, err := Handler(Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "GET", "/", nil)
	switch b := body(t, res); {
	case res.StatusCode == http.StatusOK && strings.Contains(b, `name="aurigraph-features"`):
	case res.StatusCode == http.StatusServiceUnavailable && strings.Contains(b, "make build"):
	default:
		t.Fatalf("GET /: status %d, body %.200q: neither the portal nor the placeholder", res.StatusCode, b)
	}
}
