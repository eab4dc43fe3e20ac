// Package portal serves the web portal: the single-page application built
// from portal/ by `make build` and embedded in the binary. A binary built
// without it (a fresh clone's `go build`) serves a page that says how to
// build it; the API is unaffected either way.
package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// dist holds placeholder.html, committed, and app/, the bundler's output,
// which make build writes and git ignores.
//
//go:embed all:dist
var dist embed.FS

// Features tells the portal which parts of the API this process serves, so
// it shows only pages that can work. Every process serves the live streams,
// blocks by height and /performance.
type Features struct {
	// Process names the subcommand serving the portal: dev, node or gateway.
	Process string `json:"process"`
	// Chain is the validators' chain and cluster API: latest block, block
	// lists, transactions by id, chain stats, validators and membership.
	Chain bool `json:"chain"`
	// Submit is POST /api/v12/transactions.
	Submit bool `json:"submit"`
	// Analytics is /api/v12/analytics/ over the ClickHouse projection.
	Analytics bool `json:"analytics"`
}

// Options configures Handler. The zero value serves the embedded portal
// with no optional API.
type Options struct {
	Features Features
	// Files replaces the embedded files (tests): app/ with the build, or
	// placeholder.html alone.
	Files fs.FS
}

// staticDir holds the bundler's content-hashed files (vite.config.ts
// names it), which never change under their names.
const staticDir = "static"

// reserved are the path prefixes other handlers own: a request under them
// that reached the portal (a wrong method, an unknown API version, pprof
// turned off) is answered 404, never with the application's page.
var reserved = []string{"/api/", "/metrics", "/q/", "/debug/"}

// contentTypes are the types of what the bundler emits, set explicitly so
// they do not depend on the host's MIME tables.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".json":        "application/json",
	".txt":         "text/plain; charset=utf-8",
	".woff2":       "font/woff2",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
}

// securityHeaders go with the page: nothing loads from elsewhere, and the
// page cannot be framed.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

type file struct {
	body       []byte
	etag       string
	typ        string
	br, gz     []byte // precompressed forms, when the build made them
	immutable  bool
	compressed bool // worth a Vary: Accept-Encoding
}

type handler struct {
	files map[string]*file // by URL path, "/assets/index-abc.js"
	index *file
	built bool
}

// Handler serves the portal at /: its files, with long cache lifetimes for
// the bundler's content-hashed assets under /static/, and its page for
// every other path (deep links), except under the reserved prefixes.
func Handler(opts Options) (http.Handler, error) {
	fsys := opts.Files
	if fsys == nil {
		fsys = dist
		if sub, err := fs.Sub(dist, "dist"); err == nil {
			fsys = sub
		}
	}
	h := &handler{files: map[string]*file{}}
	app, err := fs.Sub(fsys, "app")
	if err != nil {
		return nil, fmt.Errorf("portal: open app files: %w", err)
	}
	index, err := fs.ReadFile(app, "index.html")
	if err != nil {
		placeholder, perr := fs.ReadFile(fsys, "placeholder.html")
		if perr != nil {
			return nil, fmt.Errorf("portal: neither the built portal nor its placeholder is embedded: %w", perr)
		}
		h.index = newFile(placeholder, ".html", false)
		return h, nil
	}
	h.built = true
	features, err := json.Marshal(opts.Features)
	if err != nil {
		return nil, fmt.Errorf("portal: encode features: %w", err)
	}
	// The page learns the process's features from a meta tag, which costs
	// no request before the first paint.
	marker := []byte(`<meta name="aurigraph-features" content="{}">`)
	if !bytes.Contains(index, marker) {
		return nil, fmt.Errorf("portal: index.html lacks %s: rebuild the portal with make build", marker)
	}
	index = bytes.Replace(index, marker, []byte(`<meta name="aurigraph-features" content="`+html.EscapeString(string(features))+`">`), 1)
	h.index = newFile(index, ".html", false)

	err = fs.WalkDir(app, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "index.html" {
			return err
		}
		ext := path.Ext(p)
		if ext == ".br" || ext == ".gz" {
			return nil
		}
		body, err := fs.ReadFile(app, p)
		if err != nil {
			return err
		}
		f := newFile(body, ext, strings.HasPrefix(p, staticDir+"/"))
		if br, err := fs.ReadFile(app, p+".br"); err == nil {
			f.br, f.compressed = br, true
		}
		if gz, err := fs.ReadFile(app, p+".gz"); err == nil {
			f.gz, f.compressed = gz, true
		}
		h.files["/"+p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("portal: read the built files: %w", err)
	}
	return h, nil
}

func newFile(body []byte, ext string, immutable bool) *file {
	sum := sha256.Sum256(body)
	typ := contentTypes[ext]
	if typ == "" {
		typ = "application/octet-stream"
	}
	return &file{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, typ: typ, immutable: immutable}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	for _, prefix := range reserved {
		if strings.HasPrefix(p, prefix) || p+"/" == prefix {
			http.Error(w, fmt.Sprintf("no endpoint %s %s", r.Method, p), http.StatusNotFound)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the portal is read with GET", http.StatusMethodNotAllowed)
		return
	}
	if !h.built {
		h.serve(w, r, h.index, http.StatusServiceUnavailable)
		return
	}
	if f, ok := h.files[path.Clean(p)]; ok {
		h.serve(w, r, f, http.StatusOK)
		return
	}
	// A missing file (an asset of an older build) must not be answered with
	// the page: a browser would try to run HTML as a script. Deeper paths
	// are the application's, whatever they hold (/accounts/acct.1).
	if strings.HasPrefix(p, "/"+staticDir+"/") || (strings.Count(p, "/") == 1 && path.Ext(p) != "") {
		http.Error(w, "no file "+p+" in this build of the portal", http.StatusNotFound)
		return
	}
	h.serve(w, r, h.index, http.StatusOK)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file, status int) {
	hd := w.Header()
	hd.Set("Content-Type", f.typ)
	hd.Set("X-Content-Type-Options", "nosniff")
	if f.typ == contentTypes[".html"] {
		for k, v := range securityHeaders {
			hd.Set(k, v)
		}
	}
	if f.immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Revalidate every time: the page names the current build's assets.
		hd.Set("Cache-Control", "no-cache")
	}
	body := f.body
	if f.compressed {
		hd.Add("Vary", "Accept-Encoding")
		switch enc := acceptedEncoding(r.Header.Get("Accept-Encoding"), f); enc {
		case "br":
			body = f.br
			hd.Set("Content-Encoding", "br")
		case "gzip":
			body = f.gz
			hd.Set("Content-Encoding", "gzip")
		}
	}
	etag := f.etag
	if hd.Get("Content-Encoding") != "" {
		// A compressed body is a different representation, with its own tag.
		etag = strings.TrimSuffix(etag, `"`) + "-" + hd.Get("Content-Encoding") + `"`
	}
	hd.Set("ETag", etag)
	if status != http.StatusOK {
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(body)
		}
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptedEncoding picks brotli, then gzip, among what the request accepts
// and the file has; "" for the identity.
func acceptedEncoding(header string, f *file) string {
	var br, gz bool
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue // q=0 refuses the encoding
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br && f.br != nil:
		return "br"
	case gz && f.gz != nil:
		return "gzip"
	}
	return ""
}
