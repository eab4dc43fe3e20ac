package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/aurigraph/aurigraph/ingest/broker/brokertest"
	"github.com/aurigraph/aurigraph/internal/auth"
)

// TestClickHouseInterfaceOnlyReads: named users read with their passwords;
// nobody writes through --clickhouse-http, not with any credential the
// process hands out; the projector and the analytics API, which use a
// path inside the process, go on working.
func TestClickHouseInterfaceOnlyReads(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	dir := t.TempDir()
	users := filepath.Join(dir, "users.json")
	passwords := brokertest.Users(t, users, auth.RoleViewer)
	f := testDevFlags(t, filepath.Join(dir, "data"))
	f.validators = 1
	f.clickhouseAccess = clickhouseAccessFlags{users: users, anonymous: "none"}
	p := startPipeline(t, f)
	defer p.stop(t)

	const txs = 300
	produceTxs(t, p.addrs.Kafka, 0, txs)
	u, err := url.Parse(p.addrs.ClickHouseHTTP)
	if err != nil {
		t.Fatal(err)
	}
	if u.User != nil {
		t.Fatalf("the process hands out ClickHouse credentials: %s", u.Redacted())
	}
	analyst := *u
	analyst.User = url.UserPassword("viewer", passwords[auth.RoleViewer])
	assertProjected(t, analyst.String(), txs)

	var acct struct {
		Balances []struct{ Balance string } `json:"balances"`
	}
	getJSON(t, p.addrs.HTTP, "/api/v12/analytics/accounts/acct-001", &acct)
	if len(acct.Balances) == 0 {
		t.Fatal("the analytics API reads nothing")
	}

	for _, dsn := range []string{p.addrs.ClickHouseHTTP, analyst.String(), "http://aurigraph:x@" + u.Host} {
		opts, err := clickhouse.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := clickhouse.Open(opts)
		if err != nil {
			t.Fatal(err)
		}
		err = conn.Exec(context.Background(), "INSERT INTO aurigraph.blocks (height) VALUES (999999)")
		conn.Close()
		if err == nil {
			t.Fatalf("an INSERT through %s succeeded", redactedURL(dsn))
		}
		t.Logf("INSERT as %s: %v", redactedURL(dsn), err)
	}
	opts, _ := clickhouse.ParseDSN(p.addrs.ClickHouseHTTP)
	conn, _ := clickhouse.Open(opts)
	defer conn.Close()
	if err := conn.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "AUTHENTICATION_FAILED") {
		t.Fatalf("anonymous reader with --clickhouse-anonymous none: %v", err)
	}
}

// TestClickHouseHTTPRefusesExposure: --clickhouse-http beyond loopback
// needs named users, anonymous readers kept off the network, and TLS,
// unless --insecure.
func TestClickHouseHTTPRefusesExposure(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.json")
	brokertest.Users(t, users, auth.RoleViewer)
	cert, key := brokertest.Certificate(t, dir)
	for _, tc := range []struct {
		name     string
		addr     string
		flags    clickhouseAccessFlags
		insecure bool
		want     string
	}{
		{"loopback needs nothing", "127.0.0.1:8123", clickhouseAccessFlags{}, false, ""},
		{"exposed without anything", "0.0.0.0:8123", clickhouseAccessFlags{}, false, "no authentication (--clickhouse-users"},
		{"exposed without TLS", "0.0.0.0:8123", clickhouseAccessFlags{users: users}, false, "no TLS (--clickhouse-tls-cert and --clickhouse-tls-key)"},
		{"exposed with anonymous readers from anywhere", "0.0.0.0:8123", clickhouseAccessFlags{users: users, anonymous: "any", tlsCert: cert, tlsKey: key}, false, "no authentication"},
		{"exposed with users and TLS", "0.0.0.0:8123", clickhouseAccessFlags{users: users, tlsCert: cert, tlsKey: key}, false, ""},
		{"exposed, insecure", "0.0.0.0:8123", clickhouseAccessFlags{}, true, ""},
		{"bad anonymous", "127.0.0.1:8123", clickhouseAccessFlags{anonymous: "everyone"}, false, "--clickhouse-anonymous"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			_, _, err := tc.flags.build(tc.addr, tc.insecure, nil, nil, slog.New(slog.NewTextHandler(&logs, nil)))
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
}
