package chhttp

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Results larger than the response buffer stream to the client as the
// engine produces them, plain or compressed.
func TestLargeResultsStream(t *testing.T) {
	const rows = 1_000_000
	check := func(t *testing.T, body io.Reader) {
		t.Helper()
		sc := bufio.NewScanner(body)
		var n int
		for sc.Scan() {
			if sc.Text() != fmt.Sprint(n) {
				t.Fatalf("line %d = %q", n, sc.Text())
			}
			n++
		}
		if err := sc.Err(); err != nil || n != rows {
			t.Fatalf("read %d lines, %v; want %d", n, err, rows)
		}
	}
	t.Run("plain", func(t *testing.T) {
		resp, err := http.Get(testServer.URL + q(fmt.Sprintf("SELECT number FROM numbers(%d)", rows)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.ContentLength != -1 {
			t.Fatalf("status %d, Content-Length %d; want 200 and a streamed body", resp.StatusCode, resp.ContentLength)
		}
		check(t, resp.Body)
	})
	t.Run("gzip", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, testServer.URL+q(fmt.Sprintf("SELECT number FROM numbers(%d)", rows))+"&enable_http_compression=1", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := testServer.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		check(t, zr)
	})
	t.Run("clickhouse-go, LZ4", func(t *testing.T) {
		conn, err := clickhouse.Open(&clickhouse.Options{
			Addr: []string{strings.TrimPrefix(testServer.URL, "http://")}, Protocol: clickhouse.HTTP,
			Compression: &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		r, err := conn.Query(context.Background(), fmt.Sprintf("SELECT number, toString(number) FROM numbers(%d)", rows))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var n uint64
		for r.Next() {
			var v uint64
			var s string
			if err := r.Scan(&v, &s); err != nil || v != n || s != fmt.Sprint(n) {
				t.Fatalf("row %d = %d %q, %v", n, v, s, err)
			}
			n++
		}
		if err := r.Err(); err != nil || n != rows {
			t.Fatalf("read %d rows, %v; want %d", n, err, rows)
		}
	})
}

// A query failing after its response started cannot change the status any
// more; the client gets the error text and a broken response, never a body
// that looks complete.
func TestFailureAfterTheResponseStarted(t *testing.T) {
	before := counterValue(t, "query", "aborted")
	for _, tc := range []struct{ name, query, code string }{
		{"engine error", "SELECT number, throwIf(number = 2000000) FROM numbers(3000000)", "Code: 395."},
		// The test engine returns at most 64 MiB per read.
		{"result limit", "SELECT number FROM numbers(100000000)", "Code: 396."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, testServer.URL+q(tc.query), nil)
			resp, err := testServer.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("status %d, read error %v; want 200 then a broken body", resp.StatusCode, err)
			}
			tail := string(body[max(0, len(body)-300):])
			if !strings.Contains(tail, tc.code) {
				t.Fatalf("body ends %q, want the error %s", tail, tc.code)
			}
		})
	}
	if after := counterValue(t, "query", "aborted"); after != before+2 {
		t.Fatalf("aborted responses counted %v -> %v, want +2", before, after)
	}
}
