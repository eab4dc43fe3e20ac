package certreload

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestExpiryFollowsReload: the exported expiry is the replaced certificate's
// at the next scrape, before any client connects, and two listeners share a
// registry.
func TestExpiryFollowsReload(t *testing.T) {
	dir := t.TempDir()
	first := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	certFile, keyFile := writePairUntil(t, dir, "first", first)
	r, err := New(certFile, keyFile, time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := time.Unix(2_000_000_000, 0)
	reg := prometheus.NewRegistry()
	reg.MustRegister(ExpiryCollector("http", r.NotAfter), ExpiryCollector("grpc", func() time.Time { return other }))

	expect := func(http time.Time) error {
		want := fmt.Sprintf(`
# HELP aurigraph_tls_certificate_expiry_timestamp_seconds When the certificate a TLS listener serves expires (its NotAfter), in Unix seconds; follows certificate reloads.
# TYPE aurigraph_tls_certificate_expiry_timestamp_seconds gauge
aurigraph_tls_certificate_expiry_timestamp_seconds{listener="grpc"} %d
aurigraph_tls_certificate_expiry_timestamp_seconds{listener="http"} %d
`, other.Unix(), http.Unix())
		return testutil.GatherAndCompare(reg, strings.NewReader(want))
	}
	if err := expect(first); err != nil {
		t.Fatal(err)
	}

	time.Sleep(10 * time.Millisecond) // a distinct modification time
	renewed := time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second)
	writePairUntil(t, dir, "renewed", renewed)
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := expect(renewed)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate's expiry was not exported: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if cn := served(t, r); cn != "renewed" {
		t.Fatalf("handshakes get %q after the scrape picked up the renewal", cn)
	}
}
