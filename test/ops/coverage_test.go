package ops

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// TestReferencedMetricsAreExported scrapes a running dev (with TLS on its
// gRPC port, so the certificate expiry is exported) and a gateway following
// it, and fails for every metric an alert rule or a Grafana dashboard names
// that neither exports: a renamed metric fails here, not silently in
// production. promrefs (deploy/prometheus/promrefs) lists the names.
func TestReferencedMetricsAreExported(t *testing.T) {
	root := repoRoot(t)
	logs := testbin.LogDir(t, "AURIGRAPH_OPS_LOGDIR")

	// The list first: it compiles the Prometheus parser, which the processes
	// need not wait for.
	refs := referencedMetrics(t, root)

	addrs := testbin.ReserveAddrs(t, 6)
	devHTTP, devGRPC, kafka, clickhouse, gwHTTP, gwGRPC := addrs[0], addrs[1], addrs[2], addrs[3], addrs[4], addrs[5]
	cert, key := selfSigned(t, t.TempDir())
	// Three validators, so that the series about peers exist.
	dev := start(t, binary, "dev", logs, "dev",
		"--data", t.TempDir(), "--validators", "3",
		"--http", devHTTP, "--grpc", devGRPC, "--kafka", kafka, "--clickhouse-http", clickhouse,
		"--raft-port", strconv.Itoa(testbin.ReservePortRun(t, 3)),
		"--grpc-tls-cert", cert, "--grpc-tls-key", key)
	waitOK(t, dev, "http://"+devHTTP+"/q/health/ready", 120*time.Second)
	gw := start(t, binary, "gateway", logs, "gateway",
		"--kafka", kafka, "--validators", "http://"+devHTTP, "--http", gwHTTP, "--grpc", gwGRPC)
	waitOK(t, gw, "http://"+gwHTTP+"/q/health/ready", 60*time.Second)

	// A little of everything, so that series labelled by what happened
	// (a route, a result, a table) exist as they do in any process at work.
	exercise(t, devHTTP, gwHTTP, gwGRPC, clickhouse)

	exported := families(t, "http://"+devHTTP+"/metrics")
	for name, typ := range families(t, "http://"+gwHTTP+"/metrics") {
		exported[name] = typ
	}
	if len(refs) < 10 {
		t.Fatalf("promrefs listed only %d metrics: %v", len(refs), refs)
	}
	var missing []string
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		if !isExported(exported, name) {
			missing = append(missing, name+" (used by "+refs[name]+")")
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d metrics named by rules or dashboards are exported by neither dev nor a gateway:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	t.Logf("all %d metrics the rules and dashboards name are exported", len(refs))
}

// isExported reports whether name is a family on the page, or a series of
// one: a histogram's _bucket, _sum and _count, a summary's _sum and _count.
func isExported(fams map[string]string, name string) bool {
	if _, ok := fams[name]; ok {
		return true
	}
	for suffix, types := range map[string][]string{"_bucket": {"histogram"}, "_sum": {"histogram", "summary"}, "_count": {"histogram", "summary"}} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(types, fams[base]) {
			return true
		}
	}
	return false
}

// referencedMetrics runs promrefs over the shipped rules, their tests and
// the dashboards: metric name → where it is used. promrefs also fails on an
// alert without severity, summary, runbook or tests, and on PromQL that does
// not parse.
func referencedMetrics(t *testing.T, root string) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "run", ".",
		"-rules", "../rules", "-tests", "../tests", "-dashboards", filepath.Join(root, "deploy", "grafana"))
	cmd.Dir = filepath.Join(root, "deploy", "prometheus", "promrefs")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("promrefs: %v\n%s", err, stderr.String())
	}
	refs := map[string]string{}
	for line := range strings.Lines(stdout.String()) {
		name, where, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok {
			t.Fatalf("promrefs printed %q, want name<TAB>places", line)
		}
		refs[name] = where
	}
	return refs
}

// exercise makes a gRPC call, submits a transaction, waits for its block to be projected and to
// reach the gateway, reads the live stream of both and queries ClickHouse.
func exercise(t *testing.T, devHTTP, gwHTTP, gwGRPC, clickhouse string) {
	t.Helper()
	conn, err := grpc.NewClient(gwGRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("gRPC health of the gateway: %v", err)
	}
	resp, err := client.Post("http://"+devHTTP+"/api/v12/transactions", "application/json",
		strings.NewReader(`{"type":"transfer","from":"acct-1","to":"acct-2","amount":5,"nonce":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submit: status %d", resp.StatusCode)
	}
	for _, url := range []string{"http://" + devHTTP + "/api/v12/blocks/1", "http://" + gwHTTP + "/api/v12/blocks/1"} {
		testbin.WaitFor(t, 30*time.Second, url, func() (bool, string) {
			code, body, err := get(url)
			return err == nil && code == http.StatusOK, fmt.Sprintf("%d %.200s %v", code, body, err)
		})
	}
	for _, base := range []string{devHTTP, gwHTTP} {
		resp, err := client.Get("http://" + base + "/api/v12/live/events?from_height=1")
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		resp.Body.Close()
		if err != nil || line == "" {
			t.Fatalf("live events of %s: %q %v", base, line, err)
		}
	}
	q := "http://" + clickhouse + "/?query=" + url.QueryEscape("SELECT count() FROM aurigraph.blocks")
	testbin.WaitFor(t, 30*time.Second, "block 1 projected", func() (bool, string) {
		code, body, err := get(q)
		return err == nil && code == http.StatusOK && strings.TrimSpace(string(body)) != "0", fmt.Sprintf("%d %.200s %v", code, body, err)
	})
}
