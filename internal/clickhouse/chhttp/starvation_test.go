package chhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// heavyRead keeps one core busy for minutes; each test marks its copy with
// a comment so that system.processes tells them apart.
const heavyRead = "SELECT count() FROM numbers(4e8) WHERE NOT ignore(SHA256(toString(number)))"

// get runs a GET with its own deadline and returns status and body.
func get(t *testing.T, path string, timeout time.Duration) (int, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, testServer.URL+path, nil)
	resp, err := testServer.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// runningLike counts the queries the engine runs whose text holds marker.
func runningLike(t *testing.T, marker string) (int, error) {
	t.Helper()
	status, body, err := get(t, q(fmt.Sprintf("SELECT count() FROM system.processes WHERE query LIKE '%%%s%%' AND query NOT LIKE '%%system.processes%%'", marker)), 5*time.Second)
	if err != nil || status != 200 {
		return 0, fmt.Errorf("count running queries: %d %q %v", status, body, err)
	}
	var n int
	_, err = fmt.Sscan(body, &n)
	return n, err
}

func waitRunningLike(t *testing.T, marker string, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		n, err := runningLike(t, marker)
		if err == nil && n == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%d queries marked %s running after %s (%v), want %d", n, marker, within, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startHeavyRead sends heavyRead as a GET whose client gives up when the
// returned cancel is called.
func startHeavyRead(t *testing.T, marker string) (cancel func(), done <-chan error) {
	t.Helper()
	ctx, cancelReq := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, testServer.URL+q(heavyRead+" -- "+marker), nil)
		resp, err := testServer.Client().Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		ch <- err
	}()
	waitRunningLike(t, marker, 1, 20*time.Second)
	return cancelReq, ch
}

// A query whose HTTP client goes away is cancelled: the engine lets go of it
// within about a second and answers the next query.
func TestClientGoneEndsTheQuery(t *testing.T) {
	cancel, done := startHeavyRead(t, "client-gone")
	time.Sleep(time.Second)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the client's request: %v, want context.Canceled", err)
	}
	took := waitRunningLike(t, "client-gone", 0, 10*time.Second)
	// About a second, and on a loaded machine whose niced engine threads
	// wait for a core, a few.
	if took > 6*time.Second {
		t.Fatalf("the engine ran the abandoned query %s longer, want about 1s", took)
	}
	t.Logf("the engine let go of the abandoned query %s after its client left", took.Round(time.Millisecond))
	if status, body, err := get(t, q("SELECT 1"), 5*time.Second); err != nil || status != 200 || body != "1\n" {
		t.Fatalf("SELECT 1 after the abandoned query: %d %q %v", status, body, err)
	}
}

// A long read neither delays writes nor other reads: each request has a
// session of its own.
func TestHeavyReadDoesNotBlockOthers(t *testing.T) {
	doCase(t, httpCase{method: "POST", path: "/", body: "CREATE TABLE IF NOT EXISTS starve (n UInt64) ENGINE = MergeTree ORDER BY n", wantStatus: 200})
	cancel, done := startHeavyRead(t, "heavy-read")
	defer func() {
		cancel()
		<-done
	}()
	for i := range 5 {
		start := time.Now()
		if status, body, err := get(t, q("SELECT 1"), 5*time.Second); err != nil || status != 200 || body != "1\n" {
			t.Fatalf("SELECT 1 during a heavy read: %d %q %v after %s", status, body, err, time.Since(start))
		}
		ctx, cancelInsert := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, testServer.URL+q("INSERT INTO starve FORMAT TSV"), strings.NewReader(fmt.Sprintf("%d\n", i)))
		resp, err := testServer.Client().Do(req)
		if err != nil {
			cancelInsert()
			t.Fatalf("insert during a heavy read: %v after %s", err, time.Since(start))
		}
		resp.Body.Close()
		cancelInsert()
		if resp.StatusCode != 200 {
			t.Fatalf("insert during a heavy read: status %d", resp.StatusCode)
		}
	}
	if n, err := runningLike(t, "heavy-read"); err != nil || n != 1 {
		t.Fatalf("the heavy read ended early (%d, %v); the test proves nothing", n, err)
	}
	doCase(t, httpCase{path: q("SELECT count() FROM starve"), wantStatus: 200, wantBody: "5\n"})
}

// A setting sent with one request applies to that request only; the next
// one runs with what every session starts with.
func TestRequestSettingsDoNotStick(t *testing.T) {
	threads := q("SELECT getSetting('max_threads')")
	doCase(t, httpCase{path: threads, wantStatus: 200, wantBody: "1\n"})
	doCase(t, httpCase{path: threads + "&max_threads=2", wantStatus: 200, wantBody: "2\n"})
	doCase(t, httpCase{path: threads, wantStatus: 200, wantBody: "1\n"})
	doCase(t, httpCase{method: "POST", path: "/?max_threads=3", body: "SELECT getSetting('max_threads')", wantStatus: 200, wantBody: "3\n"})
	doCase(t, httpCase{method: "POST", path: "/", body: "SELECT getSetting('max_threads')", wantStatus: 200, wantBody: "1\n"})
}
