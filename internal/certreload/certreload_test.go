package certreload

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for 127.0.0.1 named cn.
func writePair(t *testing.T, dir, cn string) (string, string) {
	t.Helper()
	return writePairUntil(t, dir, cn, time.Now().Add(time.Hour))
}

// writePairUntil is writePair with the certificate's NotAfter.
func writePairUntil(t *testing.T, dir, cn string, notAfter time.Time) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// Written beside and renamed into place, as renewal tools do.
	for f, b := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kd}} {
		if err := os.WriteFile(f+".new", pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f+".new", f); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func served(t *testing.T, r *Reloader) string {
	t.Helper()
	c, err := r.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf.Subject.CommonName
}

func TestReloadsReplacedCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writePair(t, dir, "first")
	r, err := New(certFile, keyFile, time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cn := served(t, r); cn != "first" {
		t.Fatalf("serves %q", cn)
	}
	time.Sleep(10 * time.Millisecond) // a distinct modification time
	writePair(t, dir, "second")
	deadline := time.Now().Add(5 * time.Second)
	for served(t, r) != "second" {
		if time.Now().After(deadline) {
			t.Fatal("the replaced certificate was not picked up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A broken pair keeps the last good certificate in service.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if cn := served(t, r); cn != "second" {
		t.Fatalf("after a broken key: serves %q", cn)
	}
	if _, err := New(certFile, keyFile, 0, nil); err == nil {
		t.Fatal("a broken pair was accepted at start")
	}
}
