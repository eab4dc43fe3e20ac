package fault

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// TestProjectorProcessFeedsGatewayAnalytics runs the production layout of
// the projection: three validators, `aurigraph projector run` into the
// embedded engine, and a gateway whose --clickhouse is the projector's
// read-only ClickHouse HTTP interface. The projector is SIGKILLed while
// transactions flow and started again; at the end ClickHouse holds every
// committed transaction once (count = uniq = committed), and the gateway's
// analytics and export endpoints read them back. A gateway without
// --clickhouse, and a validator, say which flag serves analytics.
func TestProjectorProcessFeedsGatewayAnalytics(t *testing.T) {
	const total, rate = 12_000, 2_000
	c := startCluster(t, 3)
	addrs := testbin.ReserveAddrs(t, 6)
	projHTTP, chHTTP, gwHTTP, gwGRPC, plainHTTP, plainGRPC := addrs[0], addrs[1], addrs[2], addrs[3], addrs[4], addrs[5]
	var validators []string
	for _, id := range c.ids() {
		validators = append(validators, "http://"+c.nodes[id].httpAddr)
	}
	trust := strings.Join(validators, ",")
	proc := func(name string, args ...string) *testbin.Process {
		p := testbin.NewProcess(binary, name, filepath.Join(c.logs, name+".log"), args...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("---- last lines of %s (%s) ----\n%s", name, p.LogPath(), p.Tail(40))
			}
			p.Kill()
		})
		return p
	}
	proj := proc("projector", "projector", "run", "--kafka", c.kafka, "--validators", trust,
		"--data", filepath.Join(c.dataRoot, "projector"), "--http", projHTTP, "--clickhouse-http", chHTTP)
	gw := proc("gateway", "gateway", "--kafka", c.kafka, "--validators", trust, "--http", gwHTTP, "--grpc", gwGRPC,
		"--clickhouse", "http://"+chHTTP)
	plain := proc("plain-gateway", "gateway", "--kafka", c.kafka, "--validators", trust, "--http", plainHTTP, "--grpc", plainGRPC)
	for _, p := range []*testbin.Process{proj, gw, plain} {
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
	}
	live := func(p *testbin.Process, addr string) {
		t.Helper()
		testbin.WaitFor(t, 30*time.Second, p.Name()+" to serve /q/health/live", func() (bool, string) {
			if !p.Running() {
				t.Fatalf("%s exited: %v\n%s", p.Name(), p.ExitError(), p.Tail(30))
			}
			code, body, err := httpGet(c.client, "http://"+addr+"/q/health/live")
			return err == nil && code == http.StatusOK, fmt.Sprintf("%d %s %v", code, body, err)
		})
	}
	live(proj, projHTTP)
	load := startLoadT(t, c, loadSpec{Total: total, Rate: rate, Prefix: "projection"})
	waitProduced(t, load, total/3, time.Minute)
	projected := func() uint64 {
		_, body, err := httpGet(c.client, "http://"+projHTTP+"/q/health")
		if err != nil {
			return 0
		}
		return projectedHeight(body)
	}
	testbin.WaitFor(t, 30*time.Second, "the projector to project blocks", func() (bool, string) {
		return projected() > 0, "nothing projected"
	})
	// Mid-run, with batches in flight.
	proj.Kill()
	t.Logf("projector SIGKILLed at %d transactions produced", load.produced())
	if err := proj.Start(); err != nil {
		t.Fatal(err)
	}
	live(proj, projHTTP)
	live(gw, gwHTTP)
	live(plain, plainHTTP)

	ids, err := load.wait(2 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	waitCommitted(t, c, c.ids()[0], total, time.Minute)
	tip, err := c.stats(c.ids()[0])
	if err != nil {
		t.Fatal(err)
	}
	testbin.WaitFor(t, time.Minute, fmt.Sprintf("the projector to reach height %d", tip.Height), func() (bool, string) {
		h := projected()
		return h >= tip.Height, fmt.Sprintf("projected %d", h)
	})
	testbin.WaitFor(t, 30*time.Second, "the projector ready", func() (bool, string) {
		code, body, err := httpGet(c.client, "http://"+projHTTP+"/q/health/ready")
		return err == nil && code == http.StatusOK, fmt.Sprintf("%d %s %v", code, body, err)
	})

	// ClickHouse itself, as an analyst reads it: once each, nothing more.
	counts := clickhouseQuery(t, chHTTP, "SELECT count(), uniqExact(id), countIf(status = 'committed') FROM aurigraph.transactions")
	if want := fmt.Sprintf("%d\t%d\t%d", total, total, total); counts != want {
		t.Fatalf("aurigraph.transactions: count, uniq, committed = %s, want %s", counts, want)
	}
	blocks := clickhouseQuery(t, chHTTP, "SELECT count(), uniqExact(height), max(height) FROM aurigraph.blocks")
	if want := fmt.Sprintf("%d\t%d\t%d", tip.Height, tip.Height, tip.Height); blocks != want {
		t.Fatalf("aurigraph.blocks: count, uniq, max = %s, want %s", blocks, want)
	}

	// The gateway's analytics: the export streams every transaction once,
	// the aggregates add up, forecasts and anomalies answer.
	export := fmt.Sprintf("http://%s/api/v12/analytics/export?table=transactions&from_height=1&to_height=%d&format=ndjson", gwHTTP, tip.Height)
	code, body, err := httpGet(c.client, export)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.300s", export, code, err, body)
	}
	seen := make(map[string]int, total)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var row struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("export row %q: %v", sc.Text(), err)
		}
		seen[row.ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Fatalf("the gateway's export holds transaction %s %d times, want once (%d rows for %d ids)", id, seen[id], len(seen), len(ids))
		}
	}
	if len(seen) != len(ids) {
		t.Fatalf("the gateway's export holds %d ids, %d were committed", len(seen), len(ids))
	}
	var vs struct {
		Validators []struct {
			Blocks, Txs uint64
		} `json:"validators"`
	}
	getJSONAt(t, c.client, "http://"+gwHTTP+"/api/v12/analytics/validators?from=-1h", &vs)
	var sumBlocks, sumTxs uint64
	for _, v := range vs.Validators {
		sumBlocks, sumTxs = sumBlocks+v.Blocks, sumTxs+v.Txs
	}
	if sumBlocks != tip.Height || sumTxs != total {
		t.Fatalf("the gateway's analytics/validators count %d blocks and %d transactions, want %d and %d", sumBlocks, sumTxs, tip.Height, total)
	}
	var fc struct {
		History  []json.RawMessage `json:"history"`
		Forecast []json.RawMessage `json:"forecast"`
	}
	getJSONAt(t, c.client, "http://"+gwHTTP+"/api/v12/analytics/forecast?metric=tps&step=1s&history=5m&horizon=10&season=10", &fc)
	if len(fc.History) == 0 || len(fc.Forecast) != 10 {
		t.Fatalf("the gateway's forecast has %d history points and %d forecast points, want some and 10", len(fc.History), len(fc.Forecast))
	}
	var an map[string]json.RawMessage
	getJSONAt(t, c.client, "http://"+gwHTTP+"/api/v12/analytics/anomalies?metric=tps&step=1s&from=-5m&season=10", &an)
	if _, ok := an["anomalies"]; !ok {
		t.Fatalf("the gateway's anomalies answer has no anomalies: %v", an)
	}
	// Without a projection to read, the analytics paths say what serves them.
	for _, tc := range []struct{ url, want string }{
		{"http://" + plainHTTP + "/api/v12/analytics/series?metric=tps", "start it with --clickhouse"},
		{"http://" + c.nodes[c.ids()[0]].httpAddr + "/api/v12/analytics/series?metric=tps", "aurigraph gateway started with --clickhouse"},
	} {
		code, body, err := httpGet(c.client, tc.url)
		var e struct{ Error string }
		if err != nil || code != http.StatusNotFound || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, tc.want) {
			t.Fatalf("GET %s = %d %v %s, want a JSON 404 saying %q", tc.url, code, err, body, tc.want)
		}
	}

	for _, p := range []*testbin.Process{plain, gw, proj} {
		if err := p.Terminate(30 * time.Second); err != nil {
			t.Errorf("%v\n%s", err, p.Tail(20))
		}
	}
	c.finish(ids)
}

// projectedHeight reads the projector's height from a /q/health report.
func projectedHeight(report []byte) uint64 {
	var h struct {
		Checks []struct {
			Name string `json:"name"`
			Data struct {
				ProjectedHeight uint64 `json:"projected_height"`
			} `json:"data"`
		} `json:"checks"`
	}
	if json.Unmarshal(report, &h) != nil {
		return 0
	}
	for _, c := range h.Checks {
		if c.Name == "projector" {
			return c.Data.ProjectedHeight
		}
	}
	return 0
}

// httpGet returns a GET's status and body.
func httpGet(client *http.Client, u string) (int, []byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// getJSONAt decodes a 200 answer of u into out.
func getJSONAt(t *testing.T, client *http.Client, u string, out any) {
	t.Helper()
	code, body, err := httpGet(client, u)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.300s", u, code, err, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v in %.300s", u, err, body)
	}
}

// clickhouseQuery runs q on a ClickHouse HTTP interface as its default
// user and returns the answer without its last newline.
func clickhouseQuery(t *testing.T, addr, q string) string {
	t.Helper()
	code, body, err := httpGet(http.DefaultClient, "http://"+addr+"/?query="+url.QueryEscape(q))
	if err != nil || code != http.StatusOK {
		t.Fatalf("%s on %s: %d %v %s", q, addr, code, err, body)
	}
	return strings.TrimSuffix(string(body), "\n")
}
