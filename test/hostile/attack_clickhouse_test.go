package hostile

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// clickhouseAttackers are the attacks on the ClickHouse HTTP interface.
func (a *attack) clickhouseAttackers(scratch string) []attacker {
	return []attacker{
		{"clickhouse/reach", func(ctx context.Context, rng *mrand.Rand) { a.chReach(ctx, rng, scratch) }},
		{"clickhouse/heavy", a.chHeavy},
	}
}

// chRequest is one request to the ClickHouse interface: query in the URL
// (GET) or in the body (POST), with extra URL parameters.
type chRequest struct {
	post   bool
	query  string
	params url.Values
	user   string // basic-auth user, with password
	pass   string
}

// chExceptionName finds ClickHouse's error name, e.g. ACCESS_DENIED, in an
// error answer.
var chExceptionName = regexp.MustCompile(`\(([A-Z][A-Z_]+)\)`)

// do sends r and returns the status, the first MiB of the body, and an
// outcome naming both the status and, for an error, ClickHouse's error name.
func (a *attack) chDo(ctx context.Context, c *http.Client, r chRequest) (int, []byte, string) {
	params := url.Values{}
	for k, v := range r.params {
		params[k] = v
	}
	var body io.Reader
	method := http.MethodGet
	if r.post {
		method, body = http.MethodPost, strings.NewReader(r.query)
	} else {
		params.Set("query", r.query)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+a.d.clickhouse+"/?"+params.Encode(), body)
	if err != nil {
		return 0, nil, "client " + err.Error()
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, netOutcome(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	out := fmt.Sprint(resp.StatusCode)
	if m := chExceptionName.FindAllSubmatch(raw, -1); resp.StatusCode != http.StatusOK && len(m) > 0 {
		out += " " + string(m[len(m)-1][1])
	}
	if err != nil {
		out += " then " + netOutcome(err)
	}
	return resp.StatusCode, raw, out
}

// reach is a statement no reader, nor the writer, may run: one that reads
// the host's files, reaches the network or another server, runs a program,
// writes, or changes what later requests get.
type reach struct {
	class string
	req   chRequest
}

func (a *attack) reaches(scratch string) []reach {
	get := func(q string) chRequest { return chRequest{query: q} }
	with := func(q string, kv ...string) chRequest {
		p := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Set(kv[i], kv[i+1])
		}
		return chRequest{query: q, params: p}
	}
	return []reach{
		{"clickhouse/file", get("SELECT * FROM file('/etc/passwd', 'LineAsString')")},
		{"clickhouse/file", chRequest{post: true, query: "SELECT * FROM `\\x66ile`('/etc/passwd', 'LineAsString')"}},
		{"clickhouse/file", get("SELECT * FROM /* x */ file ( '/etc/passwd' , 'LineAsString' )")},
		{"clickhouse/file", get("SELECT * FROM sqlite('/etc/passwd', 't')")},
		{"clickhouse/file", get("SELECT * FROM aurigraph.blocks INTO OUTFILE '" + filepath.Join(scratch, "outfile.csv") + "'")},
		{"clickhouse/file", get("INSERT INTO FUNCTION file('" + filepath.Join(scratch, "insert.csv") + "', 'CSV', 'a UInt8') SELECT 1")},
		{"clickhouse/url", get("SELECT * FROM url('http://" + a.d.http + "/q/health', 'LineAsString')")},
		{"clickhouse/url", get("SELECT * FROM s3('http://" + a.d.http + "/x', 'CSV', 'a String')")},
		{"clickhouse/remote", get("SELECT * FROM remote('" + a.d.kafka + "', system.one)")},
		{"clickhouse/remote", get("SELECT * FROM remoteSecure('127.0.0.1:9440', system.one)")},
		{"clickhouse/remote", get("SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')")},
		{"clickhouse/remote", get("SELECT * FROM postgresql('127.0.0.1:5432', 'db', 't', 'u', 'p')")},
		{"clickhouse/executable", get("SELECT * FROM executable('id', 'TSV', 'x String')")},
		{"clickhouse/write", get("INSERT INTO aurigraph.transactions (id, `to`, amount, status) VALUES ('forged', 'x', 1, 'committed')")},
		{"clickhouse/write", chRequest{post: true, query: "INSERT INTO aurigraph.transactions (id) VALUES ('forged')"}},
		{"clickhouse/write", get("DROP TABLE aurigraph.blocks")},
		{"clickhouse/write", get("ALTER TABLE aurigraph.transactions DELETE WHERE 1")},
		{"clickhouse/write", get("CREATE TABLE default.hostile (a Int8) ENGINE = Memory")},
		{"clickhouse/write", get("SELECT 1; DROP TABLE aurigraph.blocks")},
		{"clickhouse/system", get("SYSTEM SHUTDOWN")},
		{"clickhouse/system", get("KILL QUERY WHERE 1")},
		{"clickhouse/system", get("CREATE USER hostile IDENTIFIED BY 'x'")},
		{"clickhouse/settings-raise", with("SELECT 1", "max_memory_usage", "100000000000000")},
		{"clickhouse/settings-raise", with("SELECT 1", "max_result_bytes", "100000000000000")},
		{"clickhouse/settings-raise", with("SELECT 1", "max_rows_to_read", "100000000000000")},
		{"clickhouse/settings-raise", get("SELECT 1 SETTINGS max_memory_usage = 100000000000000")},
		{"clickhouse/settings-raise", with("CREATE TABLE default.hostile (a Int8) ENGINE = Memory", "readonly", "0")},
		{"clickhouse/settings-raise", with("INSERT INTO aurigraph.transactions (id) VALUES ('forged')", "readonly", "0")},
		{"clickhouse/settings-raise", get("SET max_memory_usage = 100000000000000")},
		{"clickhouse/settings-path", with("SELECT 1", "format_schema", "/etc/passwd")},
		{"clickhouse/settings-path", with("SELECT 1", "format_avro_schema_registry_url", "http://"+a.d.http)},
		{"clickhouse/auth", chRequest{query: "SELECT 1", user: "aurigraph", pass: "guess"}},
		{"clickhouse/auth", chRequest{query: "SELECT 1", user: "admin", pass: ""}},
	}
}

// chReach sends the statements of reaches, random SQL and bytes, and
// requests whose settings try to outlive them; every one that works is a
// breach.
func (a *attack) chReach(ctx context.Context, rng *mrand.Rand, scratch string) {
	c := shortClient()
	defer c.CloseIdleConnections()
	all := a.reaches(scratch)
	for i := 0; sleep(ctx, 20*time.Millisecond); i++ {
		switch i % 6 {
		case 0, 1, 2:
			r := all[rng.IntN(len(all))]
			code, body, out := a.chDo(ctx, c, r.req)
			if code == http.StatusOK || strings.Contains(string(body), "root:x:0:0") {
				a.tally.breach(r.class, out, fmt.Sprintf("%q (params %v) ran: %.200s", r.req.query, r.req.params, body))
				continue
			}
			a.tally.add(r.class, out)
		case 3:
			// A setting must not stick to the requests after it.
			_, _, out := a.chDo(ctx, c, chRequest{query: "SELECT 1", params: url.Values{"max_block_size": {"12345"}, "max_threads": {"2"}}})
			a.tally.add("clickhouse/settings-per-request", out)
			code, body, out := a.chDo(ctx, c, chRequest{query: "SELECT getSetting('max_block_size')"})
			if code == http.StatusOK && strings.TrimSpace(string(body)) == "12345" {
				a.tally.breach("clickhouse/settings-stick", out, "max_block_size=12345 of an earlier request held for a later one")
				continue
			}
			a.tally.add("clickhouse/settings-stick", out)
			// Nor can a reader lower its read-only level.
			code, body, out = a.chDo(ctx, c, chRequest{query: "SELECT getSetting('readonly')", params: url.Values{"readonly": {"0"}}})
			if code == http.StatusOK {
				level := strings.TrimSpace(string(body))
				out += " readonly=" + level
				if level == "0" {
					a.tally.breach("clickhouse/readonly-lowered", out, "a reader's request ran with readonly=0")
					continue
				}
			}
			a.tally.add("clickhouse/readonly-lowered", out)
		case 4:
			_, sql := a.garbage(rng)
			_, _, out := a.chDo(ctx, c, chRequest{post: true, query: string(sql)})
			a.tally.add("clickhouse/random", out)
		default:
			a.tally.add("clickhouse/raw-bytes", rawTCP(ctx, a.d.clickhouse, 5*time.Second, randomBytes(rng, 1+rng.IntN(4096))))
		}
	}
	for _, name := range []string{"outfile.csv", "insert.csv"} {
		if _, err := os.Stat(filepath.Join(scratch, name)); err == nil {
			a.tally.breach("clickhouse/file", "file written", "a reader's statement wrote "+filepath.Join(scratch, name))
		}
	}
}

// chHeavy runs the reads that would take the node down if unbounded: a
// count over 10^12 rows, and a slow one within the row limit, from a
// client that gives up after two seconds (also with a raised time limit),
// and a groupArray of 5·10^8 numbers, 4 GB unless the memory limit stops
// it.
func (a *attack) chHeavy(ctx context.Context, rng *mrand.Rand) {
	impatient := &http.Client{Timeout: 2 * time.Second}
	patient := &http.Client{Timeout: 90 * time.Second}
	defer impatient.CloseIdleConnections()
	defer patient.CloseIdleConnections()
	const slow = "SELECT count() FROM numbers(900000000) WHERE sipHash64(number) % 7 = 1"
	for i := 0; sleep(ctx, time.Second); i++ {
		switch i % 4 {
		case 0:
			_, _, out := a.chDo(ctx, impatient, chRequest{query: "SELECT count() FROM numbers(1e12)"})
			a.tally.add("clickhouse/numbers-1e12-abandoned", out)
		case 1:
			_, _, out := a.chDo(ctx, impatient, chRequest{query: slow})
			a.tally.add("clickhouse/slow-read-abandoned", out)
		case 2:
			_, _, out := a.chDo(ctx, impatient, chRequest{query: slow, params: url.Values{"max_execution_time": {"3600"}}})
			a.tally.add("clickhouse/slow-read-raised-time-abandoned", out)
		default:
			// Not ctx: the engine's own limit must end it, not the run's end.
			_, _, out := a.chDo(context.Background(), patient, chRequest{query: "SELECT length(groupArray(number)) FROM numbers(500000000)"})
			a.tally.add("clickhouse/groupArray-5e8", out)
		}
	}
}
