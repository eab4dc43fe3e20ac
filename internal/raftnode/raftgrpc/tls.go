package raftgrpc

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// TLSConfig turns on mutual TLS for the raft peer transport. Every validator
// presents its certificate both as server and as client, and accepts only
// peers whose certificate chains to CAFile. Peers are dialled at their raft
// address, so each certificate must name that host (DNS or IP SAN).
type TLSConfig struct {
	// CertFile and KeyFile are this validator's PEM certificate (chain) and
	// private key.
	CertFile string
	KeyFile  string
	// CAFile is the PEM bundle of authorities peer certificates must chain to.
	CAFile string
}

// peerCredentials holds the transport credentials for the raft server and
// for dialling peers.
type peerCredentials struct {
	server credentials.TransportCredentials
	client credentials.TransportCredentials
}

// credentials loads the certificates; a nil config means plaintext.
func (c *TLSConfig) credentials() (peerCredentials, error) {
	if c == nil {
		return peerCredentials{server: insecure.NewCredentials(), client: insecure.NewCredentials()}, nil
	}
	if c.CertFile == "" || c.KeyFile == "" || c.CAFile == "" {
		return peerCredentials{}, errors.New("consensus config: TLS needs CertFile, KeyFile and CAFile")
	}
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return peerCredentials{}, fmt.Errorf("consensus config: load peer certificate %s / key %s: %w", c.CertFile, c.KeyFile, err)
	}
	caPEM, err := os.ReadFile(c.CAFile)
	if err != nil {
		return peerCredentials{}, fmt.Errorf("consensus config: read peer CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return peerCredentials{}, fmt.Errorf("consensus config: peer CA %s holds no PEM certificate", c.CAFile)
	}
	server := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}
	client := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
	}
	return peerCredentials{server: credentials.NewTLS(server), client: credentials.NewTLS(client)}, nil
}
