package rpc

import (
	"crypto/x509"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	rogue := newTestCA(t, dir, "rogue-ca")
	later := time.Now().Add(time.Hour)
	serverCert, serverKey := ca.issue(t, "server", x509.ExtKeyUsageServerAuth, later)
	clientCert, clientKey := ca.issue(t, "client", x509.ExtKeyUsageClientAuth, later)
	rogueCert, rogueKey := rogue.issue(t, "rogue-client", x509.ExtKeyUsageClientAuth, later)

	tests := []struct {
		name                      string
		clientCA                  string // server side; non-empty for mTLS
		ca, cert, key, serverName string // client side
		ok                        bool
	}{
		{name: "tls", ca: ca.file, ok: true},
		{name: "server name override", ca: ca.file, serverName: "aurigraph.test", ok: true},
		{name: "wrong server name", ca: ca.file, serverName: "elsewhere.test"},
		{name: "untrusted server", ca: rogue.file},
		{name: "mtls with a client certificate", clientCA: ca.file, ca: ca.file, cert: clientCert, key: clientKey, ok: true},
		{name: "mtls without a client certificate", clientCA: ca.file, ca: ca.file},
		{name: "mtls with a certificate from another CA", clientCA: ca.file, ca: ca.file, cert: rogueCert, key: rogueKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serverCreds, err := ServerTLS(serverCert, serverKey, tt.clientCA)
			if err != nil {
				t.Fatal(err)
			}
			clientCreds, err := ClientTLS(tt.ca, tt.cert, tt.key, tt.serverName)
			if err != nil {
				t.Fatal(err)
			}
			addr := serve(t, Config{Logger: slog.New(slog.DiscardHandler), TLS: serverCreds}, echoBack())
			_, _, err = callUnary(testContext(t), dial(t, addr, clientCreds), "")
			switch {
			case tt.ok && err != nil:
				t.Errorf("call failed: %v", err)
			case !tt.ok && status.Code(err) != codes.Unavailable:
				t.Errorf("call: %v, want Unavailable from a failed handshake", err)
			}
		})
	}

	t.Run("system roots", func(t *testing.T) {
		if _, err := ClientTLS("", "", "", ""); err != nil {
			t.Errorf("ClientTLS with system roots: %v", err)
		}
	})
}

func TestTLSFileErrors(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	cert, key := ca.issue(t, "server", x509.ExtKeyUsageServerAuth, time.Now().Add(time.Hour))
	_, otherKey := ca.issue(t, "other", x509.ExtKeyUsageServerAuth, time.Now().Add(time.Hour))
	oldCert, oldKey := ca.issue(t, "old", x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour))
	missing := filepath.Join(dir, "missing.pem")
	notPEM := filepath.Join(dir, "not-pem.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		load    func() error
		want    []string // in the message
		missing bool     // wraps fs.ErrNotExist
	}{
		{"server cert missing", serverTLS(missing, key, ""), []string{"server certificate", missing}, true},
		{"server key missing", serverTLS(cert, missing, ""), []string{"server key", missing}, true},
		{"client CA missing", serverTLS(cert, key, missing), []string{"client CA", missing}, true},
		{"client CA not PEM", serverTLS(cert, key, notPEM), []string{notPEM, "no PEM certificate"}, false},
		{"server key of another cert", serverTLS(cert, otherKey, ""), []string{cert, otherKey, "matching"}, false},
		{"server cert is not PEM", serverTLS(notPEM, key, ""), []string{notPEM, "PEM"}, false},
		{"server cert expired", serverTLS(oldCert, oldKey, ""), []string{oldCert, "expired", "renew"}, false},
		{"server without key", serverTLS(cert, "", ""), []string{"key file"}, false},
		{"server CA missing", clientTLS(missing, "", ""), []string{"server CA", missing}, true},
		{"server CA not PEM", clientTLS(notPEM, "", ""), []string{notPEM, "no PEM certificate"}, false},
		{"client cert without key", clientTLS(ca.file, cert, ""), []string{cert, "both", "neither"}, false},
		{"client key without cert", clientTLS(ca.file, "", key), []string{key, "both", "neither"}, false},
		{"client cert missing", clientTLS(ca.file, missing, key), []string{"client certificate", missing}, true},
		{"client key missing", clientTLS(ca.file, cert, missing), []string{"client key", missing}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.load()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if errors.Is(err, fs.ErrNotExist) != tt.missing {
				t.Errorf("error %q: errors.Is(fs.ErrNotExist) = %v", err, !tt.missing)
			}
		})
	}
}

func serverTLS(cert, key, clientCA string) func() error {
	return func() error {
		_, err := ServerTLS(cert, key, clientCA)
		return err
	}
}

func clientTLS(ca, cert, key string) func() error {
	return func() error {
		_, err := ClientTLS(ca, cert, key, "")
		return err
	}
}
