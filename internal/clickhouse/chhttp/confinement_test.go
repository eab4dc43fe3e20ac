package chhttp

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// servers are the shared engine served the way aurigraph dev serves it:
// the public interface, where the anonymous user default reads, and the
// writer's, which dev serves only in-process.
type servers struct{ public, writer *httptest.Server }

func usersServer(t *testing.T) servers {
	t.Helper()
	h := NewHandler(testEngine, Options{Logger: slog.New(slog.DiscardHandler), Access: &Access{}})
	s := servers{public: httptest.NewServer(h), writer: httptest.NewServer(h.Writer())}
	t.Cleanup(s.public.Close)
	t.Cleanup(s.writer.Close)
	return s
}

// send runs sql as a reader (GET, user default) or as the writer (POST).
func send(t *testing.T, s servers, asWriter bool, sql, params string) (int, string) {
	t.Helper()
	var req *http.Request
	srv := s.public
	if asWriter {
		srv = s.writer
		req, _ = http.NewRequest(http.MethodPost, srv.URL+"/?"+params, strings.NewReader(sql))
	} else {
		req, _ = http.NewRequest(http.MethodGet, srv.URL+"/?query="+url.QueryEscape(sql)+"&"+params, nil)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// countingListener stands in for every server a statement could reach.
func countingListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n := new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), n
}

// Nothing sent to the ClickHouse interface reads the host's files, writes
// them, or makes the server open a connection: not as a reader, and not as
// the writer either.
func TestNoStatementReachesTheHost(t *testing.T) {
	srv := usersServer(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("top-secret-line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, connections := countingListener(t)
	r := strings.NewReplacer("{S}", secret, "{A}", addr, "{T}", dir)
	for _, q := range []string{
		"DROP DATABASE IF EXISTS host", "CREATE DATABASE host",
		"CREATE TABLE host.t (line String) ENGINE = MergeTree ORDER BY line",
	} {
		if status, body := send(t, srv, true, q, ""); status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
	}
	for _, tc := range []struct{ name, sql, params string }{
		{"file", "SELECT * FROM file('{S}', 'LineAsString')", ""},
		{"file function", "SELECT file('{S}')", ""},
		{"file function, escaped name", "SELECT `\\x66ile`('{S}')", ""},
		{"file as a table", "SELECT * FROM `{S}`", ""},
		{"file as a string table", "SELECT * FROM '{S}'", ""},
		{"url", "SELECT * FROM url('http://{A}/x', 'LineAsString')", ""},
		{"remote", "SELECT * FROM remote('{A}', system.one)", ""},
		{"remoteSecure", "SELECT * FROM remoteSecure('{A}', system.one)", ""},
		{"mysql", "SELECT * FROM mysql('{A}', 'd', 't', 'u', 'p')", ""},
		{"postgresql", "SELECT * FROM postgresql('{A}', 'd', 't', 'u', 'p')", ""},
		{"s3", "SELECT * FROM s3('http://{A}/bucket-name/x.csv', 'CSV', 'a String')", ""},
		{"hdfs", "SELECT * FROM hdfs('hdfs://{A}/x', 'CSV', 'a String')", ""},
		{"jdbc", "SELECT * FROM jdbc('jdbc:mysql://{A}/d', 't')", ""},
		{"odbc", "SELECT * FROM odbc('DSN=x', 't')", ""},
		{"azureBlobStorage", "SELECT * FROM azureBlobStorage('http://{A}/account', 'c', 'b', 'CSV')", ""},
		{"mongodb", "SELECT * FROM mongodb('{A}', 'd', 'c', 'u', 'p', 'a String')", ""},
		{"sqlite", "SELECT * FROM sqlite('{S}', 't')", ""},
		{"cluster", "SELECT * FROM cluster('default', system.one)", ""},
		{"urlCluster", "SELECT * FROM urlCluster('default', 'http://{A}/x', 'CSV', 'a String')", ""},
		{"executable", "SELECT * FROM executable('cat', 'LineAsString', 'a String')", ""},
		{"input", "SELECT * FROM input('a String')", ""},
		{"dictionary", "SELECT dictGet('host.d', 'line', 1)", ""},
		{"dictionary from a file", "CREATE DICTIONARY host.d (line String) PRIMARY KEY line SOURCE(FILE(path '{S}' format 'LineAsString')) LAYOUT(FLAT()) LIFETIME(0)", ""},
		{"dictionary from a URL", "CREATE DICTIONARY host.e (line String) PRIMARY KEY line SOURCE(HTTP(url 'http://{A}/x' format 'LineAsString')) LAYOUT(FLAT()) LIFETIME(0)", ""},
		{"into outfile", "SELECT 1 INTO OUTFILE '{T}/out.txt'", ""},
		{"from infile", "INSERT INTO host.t FROM INFILE '{S}' FORMAT LineAsString", ""},
		{"insert into a file", "INSERT INTO FUNCTION file('{T}/inserted.csv', 'CSV') FORMAT CSV\n1\n", ""},
		{"insert into a URL", "INSERT INTO FUNCTION url('http://{A}/x', 'CSV', 'a String') VALUES ('a')", ""},
		{"system", "SYSTEM DROP DNS CACHE", ""},
		{"system shutdown", "SYSTEM SHUTDOWN", ""},
		{"attach file engine", "ATTACH TABLE host.f (line String) ENGINE = File(LineAsString, '{S}')", ""},
		{"create file engine", "CREATE TABLE host.g (line String) ENGINE = File(LineAsString, '{S}')", ""},
		{"create url engine", "CREATE TABLE host.u (line String) ENGINE = URL('http://{A}/x', LineAsString)", ""},
		{"filesystem database", "CREATE DATABASE fs ENGINE = Filesystem('{T}')", ""},
		{"schema read from a file", "SELECT 'x' AS a FORMAT Protobuf SETTINGS format_schema = '{S}:M'", ""},
		{"template read from a file", "SELECT 'x' AS a FORMAT Template SETTINGS format_template_row = '{S}'", ""},
		{"schema written to a file", "SELECT 'x' AS a FORMAT Protobuf SETTINGS output_format_schema = '{T}/written.proto'", ""},
		{"errors written to a file", "SELECT * FROM format(CSV, 'a UInt8', 'x') SETTINGS input_format_record_errors_file_path = '{T}/errors.txt', input_format_allow_errors_num = 1", ""},
		{"schema registry", "SELECT * FROM format(AvroConfluent, 'a UInt8', 'x') SETTINGS format_avro_schema_registry_url = 'http://{A}/'", ""},
		{"schema setting as a parameter", "SELECT 'x' AS a FORMAT Protobuf", "format_schema=" + url.QueryEscape("{S}:M")},
	} {
		for _, asWriter := range []bool{false, true} {
			who := map[bool]string{false: "reader", true: "writer"}[asWriter]
			t.Run(tc.name+" as "+who, func(t *testing.T) {
				status, body := send(t, srv, asWriter, r.Replace(tc.sql), r.Replace(tc.params))
				if status == http.StatusOK || !strings.HasPrefix(body, "Code: ") {
					t.Fatalf("%d %q; want a refusal in ClickHouse's shape", status, body)
				}
				if strings.Contains(body, "top-secret") {
					t.Fatalf("the refusal quotes the file: %q", body)
				}
			})
		}
	}
	if n := connections.Load(); n != 0 {
		t.Fatalf("statements made the server open %d connections", n)
	}
	for _, name := range []string{"out.txt", "written.proto", "errors.txt", "inserted.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Fatalf("a statement wrote %s (%v)", name, err)
		}
	}
	if status, body := send(t, srv, false, "SELECT count() FROM host.t", ""); status != 200 || body != "0\n" {
		t.Fatalf("host.t after the refused statements: %d %q", status, body)
	}
}

// What analysts and their tools send still works for a reader.
func TestReadersStillRead(t *testing.T) {
	srv := usersServer(t)
	for _, q := range []string{
		"DROP DATABASE IF EXISTS analyst", "CREATE DATABASE analyst",
		"CREATE TABLE analyst.t (n UInt64, s String) ENGINE = MergeTree ORDER BY n",
		"INSERT INTO analyst.t SELECT number, toString(number) FROM numbers(100)",
	} {
		if status, body := send(t, srv, true, q, ""); status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
	}
	for _, tc := range []struct{ sql, params, want string }{
		{"SELECT count(), sum(n) FROM analyst.t", "", "100\t4950\n"},
		{"SELECT n FROM t WHERE s = '42'", "database=analyst", "42\n"},
		{"SELECT name FROM system.tables WHERE database = 'analyst'", "", "t\n"},
		{"SHOW TABLES FROM analyst", "", "t\n"},
		{"EXISTS TABLE analyst.t", "", "1\n"},
		{"DESCRIBE TABLE analyst.t", "", "n\tUInt64\t\t\t\t\t\ns\tString\t\t\t\t\t\n"},
		{"SELECT count() FROM numbers(10)", "", "10\n"},
		{"SELECT n FROM analyst.t ORDER BY n DESC LIMIT 1 SETTINGS max_threads = 2", "", "99\n"},
		{"SELECT 1 AS x FORMAT JSONEachRow", "", "{\"x\":1}\n"},
		// clickhouse-connect's handshake and the settings it sends.
		{"SELECT version() != '', timezone() != ''", "session_id=abc", "1\t1\n"},
		{"SELECT count() > 100 FROM (SELECT name, value, readonly FROM system.settings LIMIT 10000)",
			"date_time_input_format=best_effort&cast_string_to_dynamic_use_inference=1", "1\n"},
	} {
		if status, body := send(t, srv, false, tc.sql, tc.params); status != 200 || body != tc.want {
			t.Errorf("%s: %d %q, want 200 %q", tc.sql, status, body, tc.want)
		}
	}
	status, body := send(t, srv, false, "SELECT 1 AS check", "client_protocol_version=54405&default_format=Native")
	if status != 200 || !strings.Contains(body, "check") {
		t.Fatalf("clickhouse-connect's protocol probe: %d %q", status, body)
	}
}
