// Package certreload serves a TLS certificate from files that may be
// replaced while the server runs (renewal by an ACME client, a secret
// rotated by an orchestrator): handshakes pick up the new pair without a
// restart.
package certreload

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Reloader holds the certificate of a cert/key file pair and reads them
// again when either file's modification time changes, checking at most
// once per Interval.
type Reloader struct {
	certFile, keyFile string
	interval          time.Duration
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]time.Time
	checked time.Time
}

// New loads the pair now, so a bad pair fails the start; later failures
// keep the last good certificate and are logged.
func New(certFile, keyFile string, interval time.Duration, log *slog.Logger) (*Reloader, error) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Reloader{certFile: certFile, keyFile: keyFile, interval: interval, log: log}
	if err := r.load(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reloader) stamps() ([2]time.Time, error) {
	var s [2]time.Time
	for i, f := range []string{r.certFile, r.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return s, err
		}
		s[i] = st.ModTime()
	}
	return s, nil
}

func (r *Reloader) load() error {
	s, err := r.stamps()
	if err != nil {
		return fmt.Errorf("tls certificate: %w", err)
	}
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tls certificate %s with key %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert, r.stamp, r.checked = &c, s, time.Now()
	return nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.current(), nil
}

// NotAfter is when the certificate the next handshake gets expires: replaced
// files are picked up here as they would be by a handshake, so the expiry
// exported while no client connects is already the renewed one.
func (r *Reloader) NotAfter() time.Time {
	return r.current().Leaf.NotAfter
}

// current is the certificate to serve, read again first when the files
// changed and Interval has passed since the last look.
func (r *Reloader) current() *tls.Certificate {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) >= r.interval {
		r.checked = time.Now()
		if s, err := r.stamps(); err == nil && s != r.stamp {
			if err := r.load(); err != nil {
				// Files being replaced one after the other look like a
				// mismatched pair for a moment: keep serving the old one.
				r.log.Warn("reloading the TLS certificate failed; serving the previous one", "cert", r.certFile, "err", err)
			} else {
				r.log.Info("TLS certificate reloaded", "cert", r.certFile, "not_after", r.cert.Leaf.NotAfter)
			}
		}
	}
	return r.cert
}

// Config is a server TLS configuration serving the reloaded certificate.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}
}
