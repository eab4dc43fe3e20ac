package hostile

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// malformedBodies are request bodies that are not a transaction, or not a
// valid one: syntax, types, ranges, encodings, shapes and sizes.
func malformedBodies() [][]byte {
	tx := func(fields string) []byte {
		return []byte(`{"type":"transfer","from":"a","to":"b","amount":1,"nonce":1` + fields + `}`)
	}
	bodies := []string{
		"", "null", "true", "0", `"x"`, "[]", "{}", "[null]", "[1,2]", "{", "[{", `{"type":}`, `{"type":"mint"`,
		`{"type":"mint","to":"x","amount":-1,"nonce":1}`,
		`{"type":"mint","to":"x","amount":1e3,"nonce":1}`,
		`{"type":"mint","to":"x","amount":"abc","nonce":1}`,
		`{"type":"mint","to":"x","amount":18446744073709551616,"nonce":1}`,
		`{"type":"mint","to":"x","amount":1.5,"nonce":1}`,
		`{"type":"mint","to":"x","amount":1,"nonce":-3}`,
		`{"type":"steal","from":"a","to":"b","amount":1,"nonce":1}`,
		`{"type":2,"from":"a","to":"b","amount":1,"nonce":1}`,
		`{"type":"transfer","type":"mint","from":"a","to":"b","amount":1,"nonce":1}`,
		`{"type":"transfer","from":"a b","to":"b","amount":1,"nonce":1}`,
		`{"type":"transfer","from":"","to":"b","amount":1,"nonce":1}`,
		"{\"type\":\"transfer\",\"from\":\"a\\u0000\",\"to\":\"b\",\"amount\":1,\"nonce\":1}",
		`{"type":"transfer","from":"ålice","to":"b","amount":1,"nonce":1}`,
		`{"type":"transfer","from":"` + strings.Repeat("a", 129) + `","to":"b","amount":1,"nonce":1}`,
		"{\"type\":\"transfer\",\"from\":\"a\xff\xfe\",\"to\":\"b\",\"amount\":1,\"nonce\":1}",
		"\xef\xbb\xbf" + string(tx("")),
		string(tx(`,"memo":"hi"`)),
		string(tx(`,"payload":"!!!not base64"`)),
		string(tx(`,"payload":"` + strings.Repeat("QUFB", 1500) + `"`)),
		string(tx(`,"pubkey":"zz","sig":"00"`)),
		string(tx(`,"pubkey":"` + strings.Repeat("ab", 31) + `","sig":"` + strings.Repeat("cd", 64) + `"`)),
		string(tx(`,"sig":"abc"`)),
		string(tx(`,"timestamp":"tomorrow"`)),
		string(tx(`,"timestamp":-1`)),
		string(tx(`,"timestamp":1e30`)),
		string(tx(`,"id":42`)),
		string(tx(`,"new_key":"00"`)),
		string(tx("")) + " trailing",
		"[" + string(tx("")) + "," + "{]",
		strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000),
		strings.Repeat(" ", 1<<20) + "{}",
		// One more than a request may carry.
		"[" + strings.TrimSuffix(strings.Repeat(`{"type":"mint","to":"x","amount":1,"nonce":1},`, 10_001), ",") + "]",
	}
	out := make([][]byte, len(bodies))
	for i, b := range bodies {
		out[i] = []byte(b)
	}
	return out
}

// restAttackers are the attacks on the REST API.
func (a *attack) restAttackers() []attacker {
	return []attacker{
		{"rest/malformed", a.restMalformed},
		{"rest/random", a.restRandom},
		{"rest/forbidden", a.restForbidden},
		{"rest/bad-requests", a.restBadRequests},
		{"rest/oversized", a.restOversized},
		{"rest/slow", a.restSlow},
		{"rest/raw-bytes", a.restRawBytes},
	}
}

// client is an HTTP client for one attacker, with a short deadline.
func shortClient() *http.Client { return &http.Client{Timeout: 15 * time.Second} }

// refusal checks the answer to input that had to be refused: a 2xx is a
// breach, and so is a 500 (bad input made the server fail).
func (a *attack) refusal(class string, code int, err error, body []byte, what string) {
	out := httpOutcome(code, err)
	switch {
	case err == nil && code >= 200 && code < 300:
		a.tally.breach(class, out, fmt.Sprintf("%s was accepted: %s", what, body))
	case err == nil && code == http.StatusInternalServerError:
		a.tally.breach(class, out, fmt.Sprintf("%s made the server fail: %s", what, body))
	default:
		a.tally.add(class, out)
	}
}

func (a *attack) restMalformed(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	bodies := malformedBodies()
	for sleep(ctx, 5*time.Millisecond) {
		b := bodies[rng.IntN(len(bodies))]
		code, _, raw, err := post(ctx, c, a.d, b)
		a.refusal("rest/malformed", code, err, raw, fmt.Sprintf("body %.80q", b))
	}
}

func (a *attack) restRandom(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	for sleep(ctx, 5*time.Millisecond) {
		shape, b := a.garbage(rng)
		class := "rest/random-" + shape
		code, reply, raw, err := post(ctx, c, a.d, b)
		if shape == "mutated" && err == nil && code == http.StatusAccepted {
			// A change that left the mutant's transaction valid (a
			// digit of its amount, say): an ordinary acknowledgement.
			a.led.ack("attack/mutated", reply.IDs...)
			a.tally.add(class, httpOutcome(code, err))
			continue
		}
		a.refusal(class, code, err, raw, fmt.Sprintf("%s body %.80q", shape, b))
	}
}

// restForbidden sends transactions the rules refuse, the attacker's own
// unfunded ones, which must be accepted and fail, and repeats of
// acknowledged transactions, which the chain holds or will hold once.
func (a *attack) restForbidden(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	for i := 0; sleep(ctx, 10*time.Millisecond); i++ {
		switch i % 4 {
		case 0:
			tx := a.unfunded()
			code, reply, _, err := post(ctx, c, a.d, txJSON(tx))
			a.tally.add("rest/unfunded", httpOutcome(code, err))
			if err == nil && code == http.StatusAccepted {
				a.led.ack("attack/unfunded", reply.IDs...)
			}
		case 1:
			body := a.led.older(rng.IntN)
			if body == nil {
				continue
			}
			code, _, _, err := post(ctx, c, a.d, body)
			a.tally.add("rest/repeat", httpOutcome(code, err))
		default:
			f := a.forbiddenTx(rng)
			code, _, raw, err := post(ctx, c, a.d, txJSON(f.tx))
			a.refusal("rest/"+f.kind, code, err, raw, describe(f.tx))
			a.led.refuse("rest/"+f.kind, f.contentID())
		}
	}
}

// badRequests are requests to the other endpoints with wrong methods,
// paths and parameters.
func (a *attack) badRequests(rng *mrand.Rand) (method, path string) {
	long := strings.Repeat("9", 300)
	reqs := []struct{ method, path string }{
		{"PUT", "/api/v12/transactions"}, {"DELETE", "/api/v12/transactions"}, {"PATCH", "/api/v12/transactions"},
		{"GET", "/api/v12/transactions/" + strings.Repeat("f", 10_000)},
		{"GET", "/api/v12/transactions/%00%ff"},
		{"GET", "/api/v12/blocks/-1"}, {"GET", "/api/v12/blocks/" + long}, {"GET", "/api/v12/blocks/abc"},
		{"GET", "/api/v12/blocks?from_height=-5"}, {"GET", "/api/v12/blocks?limit=1000000"}, {"GET", "/api/v12/blocks?from_height=1&to_height=0"},
		{"GET", "/api/v12/search?q=" + strings.Repeat("%27", 2000)},
		{"GET", "/api/v12/chain/stats?stale=maybe"},
		{"POST", "/api/v12/cluster/members"}, {"DELETE", "/api/v12/cluster/members/abc"}, {"POST", "/api/v12/cluster/leader"},
		{"GET", "/api/v12/analytics/series?metric=drop+table&step=0s"},
		{"GET", "/api/v12/analytics/series?metric=tps&step=1ms&from=-100000h"},
		{"GET", "/api/v12/analytics/top/accounts?limit=-1"},
		{"GET", "/api/v12/analytics/accounts/" + strings.Repeat("a", 300)},
		{"GET", "/api/v12/analytics/export?table=system.users&format=parquet"},
		{"GET", "/api/v12/analytics/export?table=transactions&from_height=1&to_height=" + long},
		{"GET", "/api/v12/analytics/forecast?metric=tps&horizon=100000000&season=0"},
		{"GET", "/api/v12/analytics/blocks?before=x&limit=1000000"},
		{"GET", "/api/v12/analytics/accounts/a/history?before=1.2.3"},
		{"GET", "/api/v12/analytics/assets/%27%20OR%201=1"},
		{"GET", "/../../../../etc/passwd"},
		{"GET", "/static/..%2f..%2f..%2fetc%2fpasswd"},
	}
	r := reqs[rng.IntN(len(reqs))]
	return r.method, r.path
}

func (a *attack) restBadRequests(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	for sleep(ctx, 20*time.Millisecond) {
		method, path := a.badRequests(rng)
		req, err := http.NewRequestWithContext(ctx, method, a.d.url(path), strings.NewReader(`{"id":"x"}`))
		if err != nil {
			a.tally.add("rest/bad-requests", "client "+err.Error())
			continue
		}
		resp, err := c.Do(req)
		code := 0
		var body []byte
		if err == nil {
			code = resp.StatusCode
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		out := httpOutcome(code, err)
		if err == nil && bytes.Contains(body, []byte("root:x:0:0")) {
			a.tally.breach("rest/bad-requests", out, method+" "+path+" served a file of the host")
			continue
		}
		if err == nil && (code < 300 || code >= 500) {
			// Taken, or failed: name the request, so the summary says which.
			out += fmt.Sprintf(" (%s %.50s)", method, path)
		}
		a.tally.add("rest/bad-requests", out)
	}
}

// restOversized posts bodies past the 16 MiB limit: one with its length
// announced, one chunked.
func (a *attack) restOversized(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	const size = 16<<20 + 4096
	for i := 0; sleep(ctx, 2*time.Second); i++ {
		body := io.LimitReader(repeatReader('['), size)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.d.url("/api/v12/transactions"), body)
		if err != nil {
			continue
		}
		if i%2 == 0 {
			req.ContentLength = size
		} else {
			req.ContentLength = -1 // chunked
		}
		resp, err := c.Do(req)
		code := 0
		var raw []byte
		if err == nil {
			code = resp.StatusCode
			raw, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
		}
		a.refusal("rest/oversized", code, err, raw, fmt.Sprintf("a %d-byte body", size))
	}
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// restSlow keeps connections that send their body, or their headers, a
// byte a second; the server must cut them (the body at the read timeout,
// 30 s, the headers at 10 s) rather than hold them. Each ends counted as
// the server answered it, or "held" if the run ended first.
func (a *attack) restSlow(ctx context.Context, rng *mrand.Rand) {
	const conns = 16
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				headersOnly := i%4 == 0
				class := "rest/slow-body"
				if headersOnly {
					class = "rest/slow-headers"
				}
				a.tally.add(class, a.trickle(ctx, headersOnly))
			}
		})
	}
	wg.Wait()
}

// trickle opens one connection and sends a request a byte a second until
// the server answers or closes, or ctx ends.
func (a *attack) trickle(ctx context.Context, headersOnly bool) string {
	conn, err := net.DialTimeout("tcp", a.d.http, 5*time.Second)
	if err != nil {
		sleep(ctx, time.Second)
		return "dial " + netOutcome(err)
	}
	defer conn.Close()
	head := "POST /api/v12/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"
	rest := strings.Repeat(" ", 4096)
	if headersOnly {
		head, rest = "POST /api/v12/transactions HTTP/1.1\r\nHost: x\r\n", "X-Slow: "+strings.Repeat("a", 4096)
	}
	if _, err := conn.Write([]byte(head)); err != nil {
		return "write " + netOutcome(err)
	}
	answered := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(conn).ReadString('\n')
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
			answered <- f[1]
			return
		}
		answered <- netOutcome(err)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; i < len(rest); i++ {
		select {
		case out := <-answered:
			return out
		case <-ctx.Done():
			return "held"
		case <-tick.C:
		}
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write([]byte{rest[i]}); err != nil {
			select {
			case out := <-answered:
				return out
			case <-time.After(5 * time.Second):
				return "write " + netOutcome(err)
			}
		}
	}
	select {
	case out := <-answered:
		return out
	case <-ctx.Done():
		return "held"
	}
}

// restRawBytes sends bytes that are not HTTP to the HTTP port.
func (a *attack) restRawBytes(ctx context.Context, rng *mrand.Rand) {
	for sleep(ctx, 50*time.Millisecond) {
		a.tally.add("rest/raw-bytes", rawTCP(ctx, a.d.http, 5*time.Second, randomBytes(rng, 1+rng.IntN(8192))))
	}
}
