package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/stream"
)

// emptyChain is a chain with no block yet, enough for a hub to serve.
type emptyChain struct{}

func (emptyChain) Height() uint64                           { return 0 }
func (emptyChain) Get(uint64) (*aurigraphv1.Block, error)   { return nil, os.ErrNotExist }
func (emptyChain) Wait(ctx context.Context, _ uint64) error { <-ctx.Done(); return ctx.Err() }

// pki writes a CA and a server and a client certificate it signed.
type pki struct {
	dir                   string
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	p.caKey = mustKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", der)
	p.serverCert, p.serverKey = p.issue(t, "server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = p.issue(t, "client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *pki) issue(t *testing.T, name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	t.Helper()
	key := mustKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "EC PRIVATE KEY", kder)
}

func (p *pki) write(t *testing.T, name, kind string, der []byte) string {
	t.Helper()
	file := filepath.Join(p.dir, name)
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestGRPCTLSFlags(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name    string
		flags   grpcTLSFlags
		tls     bool
		wantErr string
	}{
		{name: "plaintext by default"},
		{name: "TLS", flags: grpcTLSFlags{cert: p.serverCert, key: p.serverKey}, tls: true},
		{name: "mutual TLS", flags: grpcTLSFlags{cert: p.serverCert, key: p.serverKey, clientCA: p.caFile}, tls: true},
		{name: "cert without key", flags: grpcTLSFlags{cert: p.serverCert}, wantErr: "go together"},
		{name: "client CA alone", flags: grpcTLSFlags{clientCA: p.caFile}, wantErr: "go together"},
		{name: "missing file", flags: grpcTLSFlags{cert: filepath.Join(p.dir, "nope.pem"), key: p.serverKey}, wantErr: "nope.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.flags.config(testLog(t), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (cfg.TLS != nil) != tt.tls {
				t.Fatalf("TLS configured = %v, want %v", cfg.TLS != nil, tt.tls)
			}
		})
	}
}

// With --grpc-client-ca the port answers only clients holding a
// certificate that CA signed.
func TestGRPCServesMutualTLS(t *testing.T) {
	p := newPKI(t)
	cfg, err := grpcTLSFlags{cert: p.serverCert, key: p.serverKey, clientCA: p.caFile}.config(testLog(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	lim, err := newLimits(listenerFlags{}, nil, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := serveGRPC("127.0.0.1:0", grpcServices{hub: stream.NewHub(emptyChain{}, stream.HubOptions{}), guard: testGuard(t, accessFlags{}).guard}, cfg, lim)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())

	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	clientPair, err := tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		certs   []tls.Certificate
		serving bool
	}{
		{name: "with a client certificate", certs: []tls.Certificate{clientPair}, serving: true},
		{name: "without one", serving: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := credentials.NewTLS(&tls.Config{RootCAs: roots, Certificates: tt.certs, MinVersion: tls.VersionTLS12})
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "aurigraph.v1.StreamService"})
			if tt.serving && (err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING) {
				t.Fatalf("health = %v, %v; want SERVING", r, err)
			}
			if !tt.serving && err == nil {
				t.Fatal("a client without a certificate was served")
			}
		})
	}
}

// The chain services' health follows whether a leader is known.
func TestWatchLeaderFollowsTheLeader(t *testing.T) {
	hs := health.NewServer()
	var leader atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { watchLeader(ctx, hs, []string{"aurigraph.v1.BlockService"}, leader.Load); close(done) }()
	defer func() { cancel(); <-done }()
	want := func(st healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		waitFor(t, 5*time.Second, st.String(), func() (bool, string) {
			r, err := hs.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "aurigraph.v1.BlockService"})
			if err != nil {
				return false, err.Error()
			}
			return r.GetStatus() == st, r.GetStatus().String()
		})
	}
	want(healthpb.HealthCheckResponse_NOT_SERVING)
	leader.Store(true)
	want(healthpb.HealthCheckResponse_SERVING)
	leader.Store(false)
	want(healthpb.HealthCheckResponse_NOT_SERVING)
}
