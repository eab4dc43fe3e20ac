package ops

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// start runs a child process that the test kills at its end, printing its
// log's tail if the test failed.
func start(t *testing.T, bin, name, logs string, args ...string) *testbin.Process {
	t.Helper()
	p := testbin.NewProcess(bin, name, filepath.Join(logs, name+".log"), args...)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- last lines of %s (%s) ----\n%s", name, p.LogPath(), p.Tail(40))
		}
		p.Kill()
	})
	return p
}

var client = &http.Client{Timeout: 5 * time.Second}

// get returns the status and body of url, or an error.
func get(url string) (int, []byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, body, err
}

// waitOK waits until url answers 200, failing early when p exits.
func waitOK(t *testing.T, p *testbin.Process, url string, timeout time.Duration) {
	t.Helper()
	testbin.WaitFor(t, timeout, url, func() (bool, string) {
		if !p.Running() {
			t.Fatalf("%s exited while waiting for %s: %v", p.Name(), url, p.ExitError())
		}
		code, body, err := get(url)
		if err != nil {
			return false, err.Error()
		}
		return code == http.StatusOK, fmt.Sprintf("%d %.200s", code, body)
	})
}

// families reads the metric families of a /metrics page: name → type, from
// its # TYPE lines.
func families(t *testing.T, url string) map[string]string {
	t.Helper()
	code, body, err := get(url)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, code, err)
	}
	fams := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			fams[f[2]] = f[3]
		}
	}
	return fams
}

// lookTool finds one of names on PATH. Without it the test is skipped,
// unless AURIGRAPH_REQUIRE_PROMETHEUS is set (CI), where that is a failure.
func lookTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("none of %v is installed: apt-get install prometheus prometheus-alertmanager", names)
	if os.Getenv("AURIGRAPH_REQUIRE_PROMETHEUS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (AURIGRAPH_REQUIRE_PROMETHEUS=1 makes this a failure)")
	return ""
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "aurigraph ops test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
