package chhttp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A client that starts an insert and then stops sending holds a write slot
// of the engine while its body is read. The receive timeout must end that
// insert, and others must be served meanwhile.
func TestStalledInsertBodyReleasesTheEngine(t *testing.T) {
	const receiveTimeout = 300 * time.Millisecond
	srv := httptest.NewServer(NewHandler(testEngine, Options{Logger: slog.New(slog.DiscardHandler), ReceiveTimeout: receiveTimeout}))
	defer srv.Close()
	doCase(t, httpCase{method: "POST", path: "/", body: "DROP DATABASE IF EXISTS stall", wantStatus: 200})
	doCase(t, httpCase{method: "POST", path: "/", body: "CREATE DATABASE stall", wantStatus: 200})
	doCase(t, httpCase{method: "POST", path: "/", body: "CREATE TABLE stall.t (a UInt64, s String) ENGINE = MergeTree ORDER BY a", wantStatus: 200})

	// The stalled client: it announces a large body, sends one row, then waits.
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /?query=%s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n1,one\n",
		url.QueryEscape("INSERT INTO stall.t FORMAT CSV"))

	// Give the insert time to take the engine, then ask for something else.
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+q("SELECT count() FROM stall.t"), nil)
	start := time.Now()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("query behind a stalled insert: %v after %s; the stalled client blocks others", err, time.Since(start).Round(time.Millisecond))
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "0\n" {
		t.Fatalf("query behind a stalled insert: status %d, body %q; want 200 and no rows from the unfinished insert", resp.StatusCode, body)
	}

	// The stalled client is told why, in ClickHouse's shape.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	sresp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read the stalled insert's response: %v", err)
	}
	sbody, _ := io.ReadAll(sresp.Body)
	sresp.Body.Close()
	if sresp.StatusCode != http.StatusBadRequest || sresp.Header.Get("X-ClickHouse-Exception-Code") != "209" ||
		!strings.HasPrefix(string(sbody), "Code: 209. DB::Exception: ") {
		t.Fatalf("stalled insert answered %d, code %q, body %q; want 400 with Code: 209 (SOCKET_TIMEOUT)",
			sresp.StatusCode, sresp.Header.Get("X-ClickHouse-Exception-Code"), sbody)
	}
}
