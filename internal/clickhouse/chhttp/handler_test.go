package chhttp

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type httpCase struct {
	name       string
	method     string
	path       string // path and query string
	body       string
	header     map[string]string
	wantStatus int
	wantBody   string // exact, unless wantPrefix
	wantPrefix bool
	wantCode   string // X-ClickHouse-Exception-Code
	wantHeader map[string]string
}

func doCase(t *testing.T, tc httpCase) {
	t.Helper()
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	method := tc.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, testServer.URL+tc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tc.header {
		req.Header.Set(k, v)
	}
	// Transparent decompression would hide what the server sent.
	req.Header.Set("Accept-Encoding", req.Header.Get("Accept-Encoding"))
	resp, err := testServer.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != tc.wantStatus {
		t.Fatalf("status = %d, want %d; body %q", resp.StatusCode, tc.wantStatus, got)
	}
	if tc.wantPrefix && !strings.HasPrefix(string(got), tc.wantBody) || !tc.wantPrefix && string(got) != tc.wantBody {
		t.Fatalf("body = %q, want %q (prefix=%v)", got, tc.wantBody, tc.wantPrefix)
	}
	if c := resp.Header.Get("X-ClickHouse-Exception-Code"); c != tc.wantCode {
		t.Fatalf("X-ClickHouse-Exception-Code = %q, want %q", c, tc.wantCode)
	}
	for k, v := range tc.wantHeader {
		if got := resp.Header.Get(k); got != v {
			t.Fatalf("header %s = %q, want %q", k, got, v)
		}
	}
}

func q(s string) string { return "/?query=" + url.QueryEscape(s) }

func TestCurlStyle(t *testing.T) {
	setup := []httpCase{
		{name: "drop db", method: "POST", path: "/", body: "DROP DATABASE IF EXISTS curl", wantStatus: 200},
		{name: "create db", method: "POST", path: "/", body: "CREATE DATABASE curl", wantStatus: 200},
		{name: "create table", method: "POST", path: "/?database=curl", body: "CREATE TABLE t (a UInt64, s String) ENGINE = MergeTree ORDER BY a", wantStatus: 200},
	}
	cases := []httpCase{
		{name: "ping", path: "/ping", wantStatus: 200, wantBody: "Ok.\n"},
		{name: "bare root", path: "/", wantStatus: 200, wantBody: "Ok.\n"},
		{name: "get tsv", path: q("SELECT 1 + 1, 'a\tb'"), wantStatus: 200, wantBody: "2\ta\\tb\n",
			wantHeader: map[string]string{"Content-Type": "text/tab-separated-values; charset=UTF-8", "X-ClickHouse-Format": "TabSeparated"}},
		{name: "post body", method: "POST", path: "/", body: "SELECT number FROM numbers(3)", wantStatus: 200, wantBody: "0\n1\n2\n"},
		{name: "query param and body concatenate", method: "POST", path: q("SELECT"), body: "42", wantStatus: 200, wantBody: "42\n"},
		{name: "default_format", path: q("SELECT 1 AS x") + "&default_format=JSONEachRow", wantStatus: 200, wantBody: "{\"x\":1}\n",
			wantHeader: map[string]string{"X-ClickHouse-Format": "JSONEachRow"}},
		{name: "format clause wins", path: q("SELECT 1 AS x FORMAT CSVWithNames"), wantStatus: 200, wantBody: "\"x\"\n1\n",
			wantHeader: map[string]string{"X-ClickHouse-Format": "CSVWithNames"}},
		{name: "format header", path: q("SELECT 1 AS x"), header: map[string]string{"X-ClickHouse-Format": "JSONCompactEachRow"}, wantStatus: 200, wantBody: "[1]\n"},
		{name: "param", path: q("SELECT {x:UInt8} + 1, {s:String}") + "&param_x=41&param_s=" + url.QueryEscape("a b"), wantStatus: 200, wantBody: "42\ta b\n"},
		{name: "setting applied", path: q("SELECT value FROM system.settings WHERE name = 'max_block_size'") + "&max_block_size=1234", wantStatus: 200, wantBody: "1234\n"},
		{name: "setting not leaked", path: q("SELECT value != '1234' FROM system.settings WHERE name = 'max_block_size'"), wantStatus: 200, wantBody: "1\n"},
		{name: "insert format in url", method: "POST", path: q("INSERT INTO curl.t FORMAT CSV"), body: "1,one\n2,two\n", wantStatus: 200},
		{name: "insert all in body", method: "POST", path: "/?database=curl", body: "INSERT INTO t FORMAT TabSeparated\n3\tthree\n", wantStatus: 200},
		{name: "insert values in body", method: "POST", path: "/", body: "INSERT INTO curl.t VALUES (4, 'four'), (5, 'fi''ve')", wantStatus: 200},
		{name: "insert values url plus body", method: "POST", path: q("INSERT INTO curl.t (a, s) VALUES"), body: "(6, 'six')", wantStatus: 200},
		{name: "insert select", method: "POST", path: "/", body: "INSERT INTO curl.t SELECT 7, 'seven'", wantStatus: 200},
		{name: "read inserts", path: q("SELECT count(), sum(a), groupArray(s) FROM (SELECT * FROM t ORDER BY a)") + "&database=curl", wantStatus: 200,
			wantBody: "7\t28\t['one','two','three','four','fi\\'ve','six','seven']\n"},
		{name: "database header", path: q("SELECT count() FROM t"), header: map[string]string{"X-ClickHouse-Database": "curl"}, wantStatus: 200, wantBody: "7\n"},
		{name: "unknown table", path: q("SELECT * FROM nope"), wantStatus: 500, wantCode: "60", wantBody: "Code: 60. DB::Exception: ", wantPrefix: true},
		{name: "bad insert data", method: "POST", path: q("INSERT INTO curl.t FORMAT CSV"), body: "x,y\n", wantStatus: 500, wantCode: "27", wantBody: "Code: 27. DB::Exception: ", wantPrefix: true},
		{name: "unknown database", path: q("SELECT 1") + "&database=nodb", wantStatus: 500, wantCode: "81", wantBody: "Code: 81. DB::Exception: ", wantPrefix: true},
		{name: "get is readonly", path: q("CREATE TABLE curl.x (a UInt8) ENGINE = Memory"), wantStatus: 403, wantCode: "164", wantBody: "Code: 164. DB::Exception: Cannot execute query in readonly mode", wantPrefix: true},
		{name: "get insert is readonly", path: q("INSERT INTO curl.t VALUES (9, 'x')"), wantStatus: 403, wantCode: "164", wantBody: "Code: 164.", wantPrefix: true},
		{name: "readonly param", method: "POST", path: "/?readonly=1", body: "DROP TABLE curl.t", wantStatus: 403, wantCode: "164", wantBody: "Code: 164.", wantPrefix: true},
		{name: "readonly param insert", method: "POST", path: q("INSERT INTO curl.t FORMAT CSV") + "&readonly=1", body: "8,x\n", wantStatus: 403, wantCode: "164", wantBody: "Code: 164.", wantPrefix: true},
		{name: "readonly param select", method: "POST", path: "/?readonly=2", body: "SELECT count() FROM curl.t", wantStatus: 200, wantBody: "7\n"},
		{name: "multi statements", method: "POST", path: "/", body: "SELECT 1; SELECT 2", wantStatus: 400, wantCode: "62", wantBody: "Code: 62. DB::Exception: Multi-statements are not allowed", wantPrefix: true},
		{name: "use refused", method: "POST", path: "/", body: "USE curl", wantStatus: 400, wantCode: "48", wantBody: "Code: 48. DB::Exception: USE needs a session", wantPrefix: true},
		{name: "set refused", method: "POST", path: "/", body: "SET max_threads = 1", wantStatus: 400, wantCode: "48", wantBody: "Code: 48. DB::Exception: SET needs a session", wantPrefix: true},
		{name: "session accepted", path: q("SELECT 1") + "&session_id=abc&session_timeout=60", wantStatus: 200, wantBody: "1\n"},
		{name: "tool settings", path: q("SELECT toDateTime('2026-01-02 03:04:05', 'UTC')") + "&send_progress_in_http_headers=1&http_headers_progress_interval_ms=1000" +
			"&cancel_http_readonly_queries_on_client_close=1&wait_end_of_query=1&date_time_output_format=iso&max_execution_time=30",
			wantStatus: 200, wantBody: "2026-01-02T03:04:05Z\n"},
		{name: "bad compression method", path: q("SELECT 1") + "&compress=1&network_compression_method=lzma", wantStatus: 400, wantCode: "36", wantBody: "Code: 36.", wantPrefix: true},
		{name: "corrupt native compression", method: "POST", path: q("INSERT INTO curl.t FORMAT CSV") + "&decompress=1", body: "8,not compressed\n", wantStatus: 400, wantCode: "33", wantBody: "Code: 33.", wantPrefix: true},
		{name: "unknown setting", path: q("SELECT 1") + "&no_such_setting=1", wantStatus: 500, wantCode: "115", wantBody: "Code: 115. DB::Exception: ", wantPrefix: true},
		{name: "bad setting name", path: q("SELECT 1") + "&" + url.QueryEscape("max threads") + "=1", wantStatus: 400, wantCode: "115", wantBody: "Code: 115.", wantPrefix: true},
		{name: "empty post", method: "POST", path: "/", wantStatus: 400, wantCode: "62", wantBody: "Code: 62. DB::Exception: Empty query", wantPrefix: true},
		{name: "unknown path", path: "/play", wantStatus: 404, wantCode: "36", wantBody: "Code: 36.", wantPrefix: true},
		{name: "method", method: "PUT", path: "/", body: "x", wantStatus: 405, wantCode: "36", wantBody: "Code: 36.", wantPrefix: true},
		{name: "multipart refused", method: "POST", path: q("SELECT 1"), body: "--x--", header: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, wantStatus: 400, wantCode: "48", wantBody: "Code: 48. DB::Exception: external tables", wantPrefix: true},
		{name: "unknown encoding", method: "POST", path: "/", body: "SELECT 1", header: map[string]string{"Content-Encoding": "lzma"}, wantStatus: 415, wantCode: "48", wantBody: "Code: 48.", wantPrefix: true},
		{name: "corrupt gzip", method: "POST", path: "/", body: "not gzip", header: map[string]string{"Content-Encoding": "gzip"}, wantStatus: 400, wantCode: "33", wantBody: "Code: 33.", wantPrefix: true},
	}
	for _, tc := range append(setup, cases...) {
		t.Run(tc.name, func(t *testing.T) { doCase(t, tc) })
	}
}

func TestHTTPCompression(t *testing.T) {
	var zbody bytes.Buffer
	zw := gzip.NewWriter(&zbody)
	_, _ = zw.Write([]byte("SELECT count() FROM numbers(1000)"))
	_ = zw.Close()

	req, _ := http.NewRequest(http.MethodPost, testServer.URL+"/?enable_http_compression=1", &zbody)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := testServer.Client().Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q; want 200 gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != "1000\n" {
		t.Fatalf("body = %q, want 1000", got)
	}
}

func TestMetrics(t *testing.T) {
	before := counterValue(t, "ping", "200")
	doCase(t, httpCase{path: "/ping", wantStatus: 200, wantBody: "Ok.\n"})
	if after := counterValue(t, "ping", "200"); after != before+1 {
		t.Fatalf("ping counter %v -> %v, want +1", before, after)
	}
	doCase(t, httpCase{path: q("SELECT * FROM nope"), wantStatus: 500, wantCode: "60", wantBody: "Code: 60.", wantPrefix: true})
	if v := counterValue(t, "query", "500"); v < 1 {
		t.Fatalf("query/500 counter = %v, want >= 1", v)
	}
	mfs, err := testRegistry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var observed uint64
	for _, mf := range mfs {
		if mf.GetName() == "aurigraph_clickhouse_http_request_duration_seconds" {
			for _, m := range mf.GetMetric() {
				observed += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if observed == 0 {
		t.Fatal("aurigraph_clickhouse_http_request_duration_seconds observed nothing")
	}
}

func counterValue(t *testing.T, kind, code string) float64 {
	t.Helper()
	mfs, err := testRegistry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_clickhouse_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["code"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
