package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/ingest/broker/brokertest"
	"github.com/aurigraph/aurigraph/internal/auth"
)

// TestDevRunsWithSASLAndTLSOnItsBroker: with SASL and TLS on the embedded
// broker, the pipeline's own clients log in with an account of their own,
// a producer with its user's password, and transactions go all the way to
// ClickHouse.
func TestDevRunsWithSASLAndTLSOnItsBroker(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	dir := t.TempDir()
	users := filepath.Join(dir, "users.json")
	passwords := brokertest.Users(t, users, auth.RoleSubmitter)
	cert, key := brokertest.Certificate(t, dir)
	f := testDevFlags(t, filepath.Join(dir, "data"))
	f.kafkaSecurity = brokerSecurityFlags{saslUsers: users, tlsCert: cert, tlsKey: key}
	p := startPipeline(t, f)
	defer p.stop(t)

	const txs = 500
	produceTxsAs(t, p.addrs.Kafka, brokertest.Login("submitter", passwords[auth.RoleSubmitter], brokertest.ClientTLS(t, cert)), 0, txs)
	assertProjected(t, p.addrs.ClickHouseHTTP, txs)
	assertVerified(t, p.addrs.HTTP, txs)

	// The broker's certificate and the data directory's filesystem are
	// watched by the alert rules.
	if v, ok := metricSum(t, p.addrs.HTTP, `aurigraph_tls_certificate_expiry_timestamp_seconds{listener="kafka"}`); !ok || v < float64(time.Now().Unix()) {
		t.Fatalf("kafka certificate expiry = %v (exported: %v), want a time to come", v, ok)
	}
	if v, ok := metricSum(t, p.addrs.HTTP, "aurigraph_storage_free_bytes"); !ok || v <= 0 {
		t.Fatalf("aurigraph_storage_free_bytes = %v (exported: %v)", v, ok)
	}
}

// TestKafkaPortRefusesExposure: an embedded broker bound beyond loopback
// refuses to start without SASL users and TLS, saying what to configure,
// unless --insecure, which warns.
func TestKafkaPortRefusesExposure(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.json")
	brokertest.Users(t, users, auth.RoleViewer)
	cert, key := brokertest.Certificate(t, dir)
	for _, tc := range []struct {
		name     string
		addr     string
		flags    brokerSecurityFlags
		insecure bool
		want     string
	}{
		{"loopback needs nothing", "127.0.0.1:9092", brokerSecurityFlags{}, false, ""},
		{"exposed without anything", "0.0.0.0:9092", brokerSecurityFlags{}, false, "no authentication (--kafka-sasl-users) and no TLS (--kafka-tls-cert and --kafka-tls-key)"},
		{"exposed without TLS", "0.0.0.0:9092", brokerSecurityFlags{saslUsers: users}, false, "no TLS (--kafka-tls-cert and --kafka-tls-key)"},
		{"exposed without users", "10.1.2.3:9092", brokerSecurityFlags{tlsCert: cert, tlsKey: key}, false, "no authentication (--kafka-sasl-users)"},
		{"exposed with both", "0.0.0.0:9092", brokerSecurityFlags{saslUsers: users, tlsCert: cert, tlsKey: key}, false, ""},
		{"exposed, insecure", ":9092", brokerSecurityFlags{}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			_, err := tc.flags.build(tc.addr, tc.insecure, slog.New(slog.NewTextHandler(&logs, nil)))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if tc.insecure && !strings.Contains(logs.String(), "level=WARN") {
				t.Fatalf("--insecure started without a warning:\n%s", logs.String())
			}
		})
	}
	cmd := newBrokerCommand()
	cmd.SetArgs([]string{"--kafka", "0.0.0.0:0", "--data", t.TempDir()})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	// A broker that starts anyway stops when this ends, and fails the test.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cmd.ExecuteContext(ctx); err == nil || !strings.Contains(err.Error(), "--kafka-sasl-users") {
		t.Fatalf("aurigraph broker on 0.0.0.0 without security: %v", err)
	}
}
