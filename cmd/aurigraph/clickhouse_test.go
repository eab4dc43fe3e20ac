package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestDevSurvivesHeavyAnalystReads has two analysts run a query that would
// take minutes on each core, and checks that the node does not notice:
// /q/health stays UP, transactions are committed and projected, and a stop
// returns promptly, ending the reads.
func TestDevSurvivesHeavyAnalystReads(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	f := testDevFlags(t, t.TempDir())
	// A third read slot lets the test watch the other two.
	f.clickhouseReads = clickhouseReadFlags{timeout: 10 * time.Minute, concurrency: 3}
	p := startPipeline(t, f)
	defer p.stop(t)

	waitFor(t, 30*time.Second, "/q/health UP", func() (bool, string) {
		err := healthUp(p.addrs.HTTP)
		return err == nil, fmt.Sprint(err)
	})

	u, err := url.Parse(p.addrs.ClickHouseHTTP)
	if err != nil {
		t.Fatal(err)
	}
	// An analyst: the user default, no password.
	analyst := "http://" + u.Host + "/?query="
	reads := make(chan error, 2)
	readCtx, cancelReads := context.WithCancel(context.Background())
	defer cancelReads()
	for i := range 2 {
		go func() {
			q := fmt.Sprintf("SELECT count() FROM numbers(4e8) WHERE NOT ignore(SHA256(toString(number))) -- analyst %d", i)
			req, _ := http.NewRequestWithContext(readCtx, http.MethodGet, analyst+url.QueryEscape(q), nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
			}
			reads <- err
		}()
	}
	waitFor(t, 30*time.Second, "both heavy reads running", func() (bool, string) {
		var n int
		resp, err := http.Get(analyst + url.QueryEscape("SELECT count() FROM system.processes WHERE query LIKE '%-- analyst%' AND query NOT LIKE '%system.processes%'"))
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Sscan(string(body), &n)
		return n == 2, fmt.Sprintf("%d running (%d %s)", n, resp.StatusCode, body)
	})

	const txs = 2000
	produceTxs(t, p.addrs.Kafka, 0, txs)
	healthy := make(chan error, 1)
	go func() {
		for range 20 {
			if err := healthUp(p.addrs.HTTP); err != nil {
				healthy <- err
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		healthy <- nil
	}()
	assertProjected(t, p.addrs.ClickHouseHTTP, txs)
	if err := <-healthy; err != nil {
		t.Fatalf("/q/health during heavy reads: %v", err)
	}
	select {
	case err := <-reads:
		t.Fatalf("a heavy read ended before the stop: %v; the test proves nothing", err)
	default:
	}

	start := time.Now()
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("pipeline stopped with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline still running 60s after the stop, with heavy reads in flight")
	}
	p.cancel = nil
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("stopping took %s with heavy reads in flight", took)
	}
	t.Logf("stopped in %s with two heavy reads in flight", time.Since(start).Round(time.Millisecond))
	for range 2 {
		select {
		case err := <-reads:
			t.Logf("heavy read ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("a heavy read still running after the stop")
		}
	}
}

// healthUp asks /q/health once, with a 2s deadline, and wants every check UP.
func healthUp(httpAddr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+"/q/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var report struct {
		Status string `json:"status"`
		Checks []struct {
			Name, Status string
			Data         map[string]any
		} `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		return err
	}
	if resp.StatusCode != 200 || report.Status != "UP" {
		return fmt.Errorf("%d %+v", resp.StatusCode, report)
	}
	return nil
}
