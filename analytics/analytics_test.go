package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp/chhttptest"
	"github.com/aurigraph/aurigraph/projector"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// The embedded engine is process-global, so the test binary shares one,
// served over HTTP on 127.0.0.1 as `aurigraph dev` serves it, with the
// projection's schema applied and a million synthetic transactions loaded.
var (
	testConn driver.Conn
	testDSN  string
	t0       = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
)

const (
	testBlocks       = 1000
	testTxsPerBlock  = 1000
	testTransactions = testBlocks * testTxsPerBlock
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dsn, stop, err := chhttptest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer stop()
	testDSN = dsn
	if err := load(dsn); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: load test data:", err)
		return 1
	}
	return m.Run()
}

// load applies the projector's migrations and fills the tables with one
// block a second from t0, each of testTxsPerBlock transactions among 50
// accounts, every 100th failed, every 5th in asset USD, commit latencies
// spread over 0..199 ms.
func load(dsn string) error {
	ctx := context.Background()
	p, err := projector.New(projector.Config{Brokers: []string{"127.0.0.1:1"}, ClickHouse: dsn, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.Migrate(ctx); err != nil {
		return err
	}
	if testConn, err = projector.OpenClickHouse(dsn); err != nil {
		return err
	}
	start := t0.UnixMilli()
	stmts := []string{
		fmt.Sprintf(`INSERT INTO aurigraph.blocks (height, hash, prev_hash, tx_root, timestamp, proposer, raft_term, raft_index, tx_count, failed_count)
			SELECT number + 1, hex(number + 1), hex(number), '', fromUnixTimestamp64Milli(toInt64(%d + number * 1000)), 1 + intDiv(number, 250) %% 3, 1 + intDiv(number, 250), number + 1, %d, %d
			FROM numbers(%d)`, start, testTxsPerBlock, testTxsPerBlock/100, testBlocks),
	}
	// In chunks of whole blocks, as the projector inserts, so the per-block
	// rollup sees each block in one insert.
	const chunk = 50
	for first := 0; first < testBlocks; first += chunk {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO aurigraph.transactions (id, height, idx, type, `+"`from`, `to`"+`, asset, amount, nonce, status, reason, submitted, block_time, commit_latency_ms)
			SELECT toString(number), intDiv(number, %[2]d) + 1, number %% %[2]d, 'transfer', concat('acct-', toString(number %% 50)), concat('acct-', toString((number + 7) %% 50)),
				if(number %% 5 = 0, 'USD', ''), number %% 100 + 1, number, if(number %% 100 = 0, 'failed', 'committed'), '',
				fromUnixTimestamp64Milli(toInt64(%[1]d + intDiv(number, %[2]d) * 1000 - number %% 200)), fromUnixTimestamp64Milli(toInt64(%[1]d + intDiv(number, %[2]d) * 1000)), number %% 200
			FROM numbers(%[3]d, %[4]d) SETTINGS max_block_size = %[4]d, max_insert_block_size = %[4]d`, start, testTxsPerBlock, first*testTxsPerBlock, chunk*testTxsPerBlock))
	}
	for _, s := range stmts {
		if err := testConn.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func svc() *Service { return New(testConn, "aurigraph") }

var all = Range{From: t0, To: t0.Add(testBlocks * time.Second)}

func count(t *testing.T, sql string) uint64 {
	t.Helper()
	var n uint64
	if err := testConn.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestSeriesAgreesWithDirectCounts(t *testing.T) {
	tests := []struct {
		metric Metric
		step   time.Duration
		// total is what the points add up to, times step seconds for rates.
		total string
		rate  bool
	}{
		{MetricTPS, time.Minute, "SELECT count() FROM aurigraph.transactions", true},
		{MetricFailed, 10 * time.Second, "SELECT countIf(status = 'failed') FROM aurigraph.transactions", false},
		{MetricVolume, time.Minute, "SELECT sum(amount) FROM aurigraph.transactions WHERE status = 'committed'", false},
		{MetricBlocks, 7 * time.Second, "SELECT count() FROM aurigraph.blocks", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.metric), func(t *testing.T) {
			s, err := svc().Series(t.Context(), tc.metric, all, tc.step)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, p := range s.Points {
				v := float64(p.V)
				if tc.rate {
					v *= tc.step.Seconds()
				}
				sum += v
			}
			if want := count(t, tc.total); math.Abs(sum-float64(want)) > 1e-6*float64(want) {
				t.Fatalf("points add up to %v, direct SQL says %d", sum, want)
			}
			span := all.To.Sub(all.From.Truncate(tc.step))
			if want := int((span + tc.step - 1) / tc.step); len(s.Points) != want {
				t.Fatalf("%d points, want %d", len(s.Points), want)
			}
		})
	}
	s, err := svc().Series(t.Context(), MetricBlockTimeMs, all, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if v := float64(s.Points[0].V); v != 1000 {
		t.Fatalf("block time in the first minute = %v ms, want 1000", v)
	}
}

func TestLatencyValidatorsAndTopLists(t *testing.T) {
	ctx := t.Context()
	lat, err := svc().Latency(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if lat.CommitMs.Count != testTransactions || math.Abs(lat.CommitMs.P50-100) > 3 || math.Abs(lat.CommitMs.P99-198) > 3 {
		t.Fatalf("commit latency %+v, want %d transactions, p50 ≈ 100, p99 ≈ 198", lat.CommitMs, testTransactions)
	}
	if lat.BlockTimeMs.Count != testBlocks-1 || lat.BlockTimeMs.P50 != 1000 || lat.BlockTimeMs.P99 != 1000 {
		t.Fatalf("block time %+v, want %d intervals of 1000 ms", lat.BlockTimeMs, testBlocks-1)
	}

	vals, err := svc().Validators(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	var blocks, txs uint64
	for _, v := range vals {
		blocks += v.Blocks
		txs += v.Txs
	}
	if len(vals) != 3 || blocks != testBlocks || txs != testTransactions || vals[0].Terms != 2 {
		t.Fatalf("validators %+v: want 3 proposers with %d blocks and %d txs in all, proposer 1 in 2 terms", vals, testBlocks, testTransactions)
	}

	top, err := svc().TopAccounts(ctx, all, 5)
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		account string
		volume  uint64
	}
	if err := testConn.QueryRow(ctx, `SELECT account, sum(amount) AS v FROM (
		SELECT `+"`from`"+` AS account, amount FROM aurigraph.transactions WHERE status = 'committed'
		UNION ALL SELECT `+"`to`"+`, amount FROM aurigraph.transactions WHERE status = 'committed')
		GROUP BY account ORDER BY v DESC, account LIMIT 1`).Scan(&want.account, &want.volume); err != nil {
		t.Fatal(err)
	}
	if len(top) != 5 || top[0].Key != want.account || uint64(top[0].Volume) != want.volume {
		t.Fatalf("top accounts %+v, direct SQL's first is %+v", top, want)
	}
	assets, err := svc().TopAssets(ctx, all, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) != 2 || assets[0].Txs+assets[1].Txs != count(t, "SELECT countIf(status = 'committed') FROM aurigraph.transactions") {
		t.Fatalf("top assets %+v: want the native asset and USD covering every committed transaction", assets)
	}
}

func TestAccountBalancesFollowCommittedTransfers(t *testing.T) {
	ctx := t.Context()
	var want string
	if err := testConn.QueryRow(ctx, `SELECT toString(toInt128(sumIf(amount, `+"`to`"+` = 'acct-7')) - toInt128(sumIf(amount, `+"`from`"+` = 'acct-7')))
		FROM aurigraph.transactions WHERE status = 'committed' AND asset = ''`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	got, err := svc().Account(ctx, "acct-7")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Asset != "AUR" || got[0].Balance != want || got[1].Asset != "USD" || got[0].LastHeight != testBlocks {
		t.Fatalf("acct-7 balances %+v, want AUR %s and USD, up to height %d", got, want, testBlocks)
	}
	var total string
	if err := testConn.QueryRow(ctx, "SELECT toString(sum(balance)) FROM aurigraph.accounts").Scan(&total); err != nil || total != "0" {
		t.Fatalf("transfers create nothing, yet balances add up to %s (%v)", total, err)
	}
	if none, err := svc().Account(ctx, "nobody"); err != nil || len(none) != 0 {
		t.Fatalf("an untouched account: %+v, %v", none, err)
	}
}

func TestCompareForecastAndAnomalies(t *testing.T) {
	ctx := t.Context()
	end := t0.Add(testBlocks * time.Second)
	c, err := svc().Compare(ctx, MetricTPS, end, 100*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Current != 1000 || c.Previous != 1000 || c.ChangePct != 0 {
		t.Fatalf("comparison %+v, want 1000 tx/s in both periods", c)
	}
	f, err := svc().Forecast(ctx, ForecastRequest{Metric: MetricTPS, To: end, Step: 10 * time.Second, History: testBlocks * time.Second, Season: 10, Horizon: 20, Coverage: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Points) != 20 || math.Abs(f.Points[0].Mean-1000) > 1 || !f.Points[19].T.Equal(end.Add(190*time.Second)) {
		t.Fatalf("forecast of a flat 1000 tx/s: %+v", f.Points[:2])
	}
	if _, err := svc().Forecast(ctx, ForecastRequest{To: t0.Add(time.Minute), Step: 10 * time.Second, History: time.Minute, Season: 10, Horizon: 5}); err == nil {
		t.Fatal("a forecast from less than two seasons succeeded")
	}
	a, err := svc().Anomalies(ctx, MetricTPS, all, 10*time.Second, 6, 3.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Points) != 0 {
		t.Fatalf("anomalies in a flat series: %+v", a.Points)
	}
}

func TestForecastDefaults(t *testing.T) {
	now := t0.Add(time.Hour)
	for _, tc := range []struct {
		in, want ForecastRequest
	}{
		{ForecastRequest{}, ForecastRequest{Metric: MetricTPS, To: now, Step: time.Minute, History: 48 * time.Hour, Season: 60, Horizon: 60, Coverage: 0.8}},
		{ForecastRequest{Step: 10 * time.Minute}, ForecastRequest{Metric: MetricTPS, To: now, Step: 10 * time.Minute, History: 48 * time.Hour, Season: 6, Horizon: 6, Coverage: 0.8}},
		{ForecastRequest{Metric: MetricVolume, To: t0, Step: time.Hour, History: time.Hour, Season: 3, Horizon: 9, Coverage: 0.5},
			ForecastRequest{Metric: MetricVolume, To: t0, Step: time.Hour, History: time.Hour, Season: 3, Horizon: 9, Coverage: 0.5}},
		{ForecastRequest{Season: 4}, ForecastRequest{Metric: MetricTPS, To: now, Step: time.Minute, History: 48 * time.Hour, Season: 4, Horizon: 4, Coverage: 0.8}},
	} {
		if got := tc.in.withDefaults(now); got != tc.want {
			t.Errorf("%+v with defaults = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// A request that leaves everything out gets the same forecast from the
// service and from its REST and gRPC faces: the defaults live in one place.
func TestForecastFacesShareTheServiceDefaults(t *testing.T) {
	end := t0.Add(testBlocks * time.Second)
	want, err := svc().Forecast(t.Context(), ForecastRequest{To: end})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHTTPHandler(svc()))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/forecast?to=" + end.Format(time.RFC3339))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rest Forecast
	if err := json.NewDecoder(resp.Body).Decode(&rest); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("REST: %d %v", resp.StatusCode, err)
	}
	grpc, err := PerformanceService(nil, svc()).Forecast(t.Context(), &aurigraphv1.GetForecastRequest{To: timestamppb.New(end)})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Metric != want.Metric || rest.Season != want.Season || rest.Coverage != want.Coverage || len(rest.Points) != len(want.Points) || len(rest.History) != len(want.History) {
		t.Fatalf("REST forecast %s season %d coverage %v, %d points over %d; the service's %s, %d, %v, %d over %d",
			rest.Metric, rest.Season, rest.Coverage, len(rest.Points), len(rest.History), want.Metric, want.Season, want.Coverage, len(want.Points), len(want.History))
	}
	if grpc.GetMetric() != string(want.Metric) || int(grpc.GetSeason()) != want.Season || grpc.GetCoverage() != want.Coverage || len(grpc.GetPoints()) != len(want.Points) {
		t.Fatalf("gRPC forecast %s season %d coverage %v, %d points; the service's %s, %d, %v, %d",
			grpc.GetMetric(), grpc.GetSeason(), grpc.GetCoverage(), len(grpc.GetPoints()), want.Metric, want.Season, want.Coverage, len(want.Points))
	}
	for i, p := range want.Points {
		if !rest.Points[i].T.Equal(p.T) || !grpc.GetPoints()[i].GetTime().AsTime().Equal(p.T) || grpc.GetPoints()[i].GetMean() != p.Mean {
			t.Fatalf("point %d: REST %v, gRPC %v, service %v", i, rest.Points[i], grpc.GetPoints()[i], p)
		}
	}
}

func TestHTTPEndpointsAnswerQuickly(t *testing.T) {
	srv := httptest.NewServer(NewHTTPHandler(svc()))
	defer srv.Close()
	from, to := t0.Format(time.RFC3339), t0.Add(testBlocks*time.Second).Format(time.RFC3339)
	window := "from=" + from + "&to=" + to
	for _, path := range []string{
		"/series?metric=tps&step=1m&" + window,
		"/series?metric=latency_p99&step=1m&" + window,
		"/latency?" + window,
		"/validators?" + window,
		"/top/accounts?limit=10&" + window,
		"/top/assets?" + window,
		"/accounts/acct-3",
		"/compare?metric=volume&period=5m&to=" + to,
		"/forecast?metric=tps&step=10s&history=1000s&season=6&horizon=12&to=" + to,
		"/anomalies?metric=tps&step=10s&season=6&" + window,
	} {
		t.Run(path, func(t *testing.T) {
			// Best of three: the first run of a query warms the engine's caches.
			best := time.Hour
			for range 3 {
				began := time.Now()
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				best = min(best, time.Since(began))
				if resp.StatusCode != http.StatusOK || !json.Valid(body) {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
				}
			}
			t.Logf("%v over %d transactions", best.Round(time.Millisecond), testTransactions)
		})
	}
	for path, want := range map[string]string{
		"/series?metric=nope":          "unknown metric",
		"/series?step=1ms":             "whole seconds",
		"/series?from=yesterday":       "not a time",
		"/series?step=1s&from=-240h":   "at most 10000",
		"/top/people":                  "/top/accounts",
		"/forecast?history=1m&step=1m": "two full seasons",
		"/compare?period=-1h":          "positive duration",
		"/latency?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z": "empty",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !json.Valid(body) || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s, want 400 saying %q", path, resp.StatusCode, body, want)
		}
	}
}

func TestHTTPExportStreamsTablesAndSeries(t *testing.T) {
	srv := httptest.NewServer(NewHTTPHandler(svc()))
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, body := get("/export?table=transactions&from_height=1&to_height=10&format=csv")
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != 200 || len(lines) != 10*testTxsPerBlock+1 || lines[0] != txHeader {
		t.Fatalf("table export: %d, %d lines, header %q", resp.StatusCode, len(lines), lines[0])
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="transactions-1-10.csv"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	window := "from=" + t0.Format(time.RFC3339) + "&to=" + t0.Add(testBlocks*time.Second).Format(time.RFC3339)
	resp, body = get("/export?metric=tps&step=1m&format=ndjson&" + window)
	lines = strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != 200 || len(lines) != 17 || !strings.Contains(lines[0], `"v":1000`) {
		t.Fatalf("series export: %d, %d lines, first %q", resp.StatusCode, len(lines), lines[0])
	}
	for path, want := range map[string]string{
		"/export?table=transactions&to_height=5&format=xml": "format",
		"/export?table=accounts&to_height=5":                "blocks or transactions",
		"/export?table=blocks":                              "to_height",
	} {
		if resp, body := get(path); resp.StatusCode != 400 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s, want 400 saying %q", path, resp.StatusCode, body, want)
		}
	}
}

// TestClickHouseConnectReads has a client nobody here wrote, Python's
// clickhouse-connect, read the projection over the engine's HTTP interface.
// CI installs it and sets AURIGRAPH_REQUIRE_PYTHON=1, so there it cannot be
// skipped.
func TestClickHouseConnectReads(t *testing.T) {
	if err := exec.Command("python3", "-c", "import clickhouse_connect").Run(); err != nil {
		if os.Getenv("AURIGRAPH_REQUIRE_PYTHON") != "" {
			t.Fatalf("python3 with clickhouse-connect is required here: %v (pip install clickhouse-connect)", err)
		}
		t.Skip("python3 with clickhouse-connect not installed (pip install clickhouse-connect); CI runs this")
	}
	u, err := url.Parse(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	script := `
import sys, clickhouse_connect
c = clickhouse_connect.get_client(host=sys.argv[1], port=int(sys.argv[2]))
n, ids, failed = c.query("SELECT count(), uniqExact(id), countIf(status = 'failed') FROM aurigraph.transactions").result_rows[0]
rows = c.query("SELECT id, height, amount, block_time FROM aurigraph.transactions ORDER BY height, idx LIMIT 2").result_rows
blocks = c.query_arrow("SELECT height, tx_count FROM aurigraph.blocks ORDER BY height LIMIT 3")
print(n, ids, failed, rows[1][0], rows[1][1], blocks.num_rows, blocks.column("tx_count").to_pylist()[0])
`
	out, err := exec.Command("python3", "-c", script, u.Hostname(), u.Port()).CombinedOutput()
	if err != nil {
		t.Fatalf("clickhouse-connect: %v\n%s", err, out)
	}
	want := fmt.Sprintf("%d %d %d 1 1 3 %d", testTransactions, testTransactions, testTransactions/100, testTxsPerBlock)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("clickhouse-connect read %q, want %q", got, want)
	}
}

// txHeader is schemas.TxView's fields that the projection holds, in its
// order: the columns of every table of transactions.
const txHeader = "id,type,from,to,amount,asset,nonce,status,reason,height,index,submitted_ms,block_timestamp"

func TestEveryResultAlsoExportsAsATable(t *testing.T) {
	srv := httptest.NewServer(NewHTTPHandler(svc()))
	defer srv.Close()
	from, to := t0.Format(time.RFC3339), t0.Add(testBlocks*time.Second).Format(time.RFC3339)
	window := "from=" + from + "&to=" + to
	for path, header := range map[string]string{
		"/series?metric=tps&step=1m&" + window:   "t,tps",
		"/latency?" + window:                     "measure,count,p50,p90,p99",
		"/validators?" + window:                  "proposer,blocks,txs,failed,terms,avg_txs_per_block,first,last",
		"/top/accounts?limit=3&" + window:        "key,txs,volume",
		"/accounts/acct-3?x=1":                   "account,asset,balance,txs,last_height,last_time",
		"/compare?metric=tps&period=5m&to=" + to: "metric,from,to,current,previous,change_pct",
		"/forecast?metric=tps&step=10s&history=1000s&season=6&horizon=12&to=" + to: "t,kind,value,lo,hi",
		"/anomalies?metric=tps&step=10s&season=6&" + window:                        "t,value,expected,score",
		"/blocks?limit=3":                  "height,hash,prev_hash,tx_root,timestamp,proposer,raft_term,tx_count,failed_count",
		"/accounts/acct-3/history?limit=3": txHeader,
		"/assets/USD?limit=3":              txHeader,
		"/leaders?limit=3":                 "term,proposer,first_height,last_height,blocks,first,last",
	} {
		for _, f := range []string{"csv", "ndjson", "arrow", "parquet"} {
			resp, err := http.Get(srv.URL + path + "&format=" + f)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || (len(body) == 0 && f != "ndjson") {
				t.Fatalf("%s as %s: %d %s", path, f, resp.StatusCode, body)
			}
			if f == "csv" && strings.Split(string(body), "\n")[0] != header {
				t.Fatalf("%s as csv: header %q, want %q", path, strings.Split(string(body), "\n")[0], header)
			}
		}
	}
	resp, err := http.Get(srv.URL + "/?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the index as csv: %d, want 400", resp.StatusCode)
	}
}
