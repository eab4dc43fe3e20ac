package raftgrpc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// testCA issues certificates for validators on 127.0.0.1.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	caFile string
	dir    string
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, dir: t.TempDir()}
	ca.caFile = filepath.Join(ca.dir, "ca.pem")
	writePEM(t, ca.caFile, "CERTIFICATE", der)
	return ca
}

// issue returns a TLSConfig for a validator holding a certificate of this CA,
// valid as server and client for 127.0.0.1.
func (ca *testCA) issue(t *testing.T, name string) *TLSConfig {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &TLSConfig{CertFile: filepath.Join(ca.dir, name+".pem"), KeyFile: filepath.Join(ca.dir, name+"-key.pem"), CAFile: ca.caFile}
	writePEM(t, cfg.CertFile, "CERTIFICATE", der)
	writePEM(t, cfg.KeyFile, "PRIVATE KEY", keyDER)
	return cfg
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// sendOne opens a raft stream to addr with the given client credentials and
// reports whether the peer accepted it.
func sendOne(t *testing.T, addr string, opt grpc.DialOption) error {
	t.Helper()
	conn, err := grpc.NewClient(addr, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := aurigraphv1.NewRaftTransportClient(conn).Stream(ctx)
	if err != nil {
		return err
	}
	if err := s.Send(&aurigraphv1.RaftEnvelope{}); err != nil {
		_, err = s.CloseAndRecv()
		return err
	}
	_, err = s.CloseAndRecv()
	return err
}

func TestTLSTransport(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "aurigraph test CA")
	certs := map[uint64]*TLSConfig{1: ca.issue(t, "v1"), 2: ca.issue(t, "v2"), 3: ca.issue(t, "v3")}
	c := grpcCluster(t, 3, nil, func(id uint64) *TLSConfig { return certs[id] })
	proposeAll(t, c, "tls", "tls")

	// A peer with a certificate from another authority, and one without
	// TLS, cannot get a message in; a peer of the cluster's CA can.
	// The intruder trusts the cluster's CA, so only the validator's demand
	// for a client certificate of that CA stops it (Go's client offers none
	// that the CA list of the request does not match).
	intruder := newTestCA(t, "rogue CA").issue(t, "intruder")
	intruder.CAFile = ca.caFile
	rogue, err := intruder.credentials()
	if err != nil {
		t.Fatal(err)
	}
	good, err := ca.issue(t, "v9").credentials()
	if err != nil {
		t.Fatal(err)
	}
	addr := c.Peers[1]
	// The handshake failure surfaces as Unavailable with whichever side's
	// error arrived first; a passed handshake reaches the raft handler,
	// which rejects the empty envelope as InvalidArgument.
	tests := []struct {
		name string
		opt  grpc.DialOption
		want codes.Code
	}{
		{"certificate from another CA", grpc.WithTransportCredentials(rogue.client), codes.Unavailable},
		{"plaintext", grpc.WithTransportCredentials(insecure.NewCredentials()), codes.Unavailable},
		{"certificate from the cluster CA", grpc.WithTransportCredentials(good.client), codes.InvalidArgument},
	}
	for _, tc := range tests {
		if err := sendOne(t, addr, tc.opt); status.Code(err) != tc.want {
			t.Fatalf("%s: stream error %v, want code %v", tc.name, err, tc.want)
		}
	}
	proposeAll(t, c, "tls-after")
}

func TestTLSConfigErrors(t *testing.T) {
	ca := newTestCA(t, "ca")
	ok := ca.issue(t, "v1")
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  TLSConfig
		want string
	}{
		{"missing key", TLSConfig{CertFile: ok.CertFile, CAFile: ok.CAFile}, "needs CertFile, KeyFile and CAFile"},
		{"unreadable cert", TLSConfig{CertFile: "/nonexistent.pem", KeyFile: ok.KeyFile, CAFile: ok.CAFile}, "load peer certificate"},
		{"CA without PEM", TLSConfig{CertFile: ok.CertFile, KeyFile: ok.KeyFile, CAFile: notPEM}, "holds no PEM certificate"},
		{"missing CA", TLSConfig{CertFile: ok.CertFile, KeyFile: ok.KeyFile, CAFile: "/nonexistent-ca.pem"}, "read peer CA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.cfg.credentials(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("credentials() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}
