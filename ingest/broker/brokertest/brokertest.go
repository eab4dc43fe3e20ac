// Package brokertest makes what tests of a secured Kafka port need: a TLS
// certificate for 127.0.0.1, a users file with one user per role, and the
// franz-go options that log in as one of them.
package brokertest

import (
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
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// Certificate writes a self-signed certificate for 127.0.0.1 and localhost,
// and its key, into dir.
func Certificate(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "aurigraph test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	write(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	return certFile, keyFile
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// ServerTLS loads the pair Certificate wrote.
func ServerTLS(t testing.TB, certFile, keyFile string) *tls.Config {
	t.Helper()
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
}

// ClientTLS trusts the certificate Certificate wrote.
func ClientTLS(t testing.TB, certFile string) *tls.Config {
	t.Helper()
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s", certFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// Users writes a users file at path with a user per role, named after its
// role, and returns their passwords by role.
func Users(t testing.TB, path string, roles ...auth.Role) map[auth.Role]string {
	t.Helper()
	users, err := auth.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	passwords := map[auth.Role]string{}
	for _, r := range roles {
		passwords[r] = "password of the " + r.String()
		u, err := auth.NewUser(r.String(), r, passwords[r])
		if err != nil {
			t.Fatal(err)
		}
		if err := users.Put(u); err != nil {
			t.Fatal(err)
		}
	}
	return passwords
}

// Login returns options that log a franz-go client in as user with
// SCRAM-SHA-512, over TLS when tlsCfg is set.
func Login(user, password string, tlsCfg *tls.Config) []kgo.Opt {
	opts := []kgo.Opt{kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha512Mechanism())}
	if tlsCfg != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsCfg))
	}
	return opts
}
