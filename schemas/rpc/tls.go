package rpc

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc/credentials"
)

// ServerTLS loads a PEM certificate and key; with a non-empty clientCAFile it requires and verifies client certificates (mTLS). Errors name the file and say what to fix.
//
// TLS 1.2 stays allowed because the public port serves clients we do not
// build; grpc itself insists on ALPN "h2".
func ServerTLS(certFile, keyFile, clientCAFile string) (credentials.TransportCredentials, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("rpc: server TLS needs both a certificate file and a key file")
	}
	cert, err := loadKeyPair("server", certFile, keyFile)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if clientCAFile != "" {
		pool, err := loadCertPool("client CA", clientCAFile)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(cfg), nil
}

// ClientTLS builds client credentials: caFile verifies the server (empty: system roots); certFile/keyFile present a client certificate for mTLS (both or neither); serverName overrides the name checked (empty: from the target).
func ClientTLS(caFile, certFile, keyFile, serverName string) (credentials.TransportCredentials, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("rpc: client TLS got certificate file %q and key file %q; give both for mTLS or neither", certFile, keyFile)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if caFile != "" {
		pool, err := loadCertPool("server CA", caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if certFile != "" {
		cert, err := loadKeyPair("client", certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return credentials.NewTLS(cfg), nil
}

// loadKeyPair reads the files one by one, unlike tls.LoadX509KeyPair, so an
// error can say which of the two is missing. An expired certificate is
// refused here because every handshake would fail with it, with a less
// telling error on the other side.
func loadKeyPair(role, certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("rpc: read %s certificate: %w", role, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("rpc: read %s key: %w", role, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("rpc: %s certificate %s with key %s: %w (both must be PEM, the key unencrypted and matching the first certificate)",
			role, certFile, keyFile, err)
	}
	if cert.Leaf != nil && time.Now().After(cert.Leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("rpc: %s certificate %s expired at %s; renew it",
			role, certFile, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return cert, nil
}

func loadCertPool(role, file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("rpc: read %s: %w", role, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("rpc: %s %s holds no PEM certificate; it must contain \"-----BEGIN CERTIFICATE-----\" blocks", role, file)
	}
	return pool, nil
}
