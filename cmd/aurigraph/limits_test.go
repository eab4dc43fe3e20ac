package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/aurigraph/aurigraph/internal/listener"
)

// TestDevListenersAreBounded runs dev with small caps and short deadlines
// and checks each from a client's side: a body trickling in is cut off at
// the read timeout, connections over a cap are refused while those within
// it keep working, and live streams outlast the write timeout.
func TestDevListenersAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	const readTimeout, writeTimeout = time.Second, time.Second
	f := testDevFlags(t, t.TempDir())
	f.validators = 1
	f.listen = listenerFlags{
		httpMaxConns: 4,
		http:         listener.HTTPLimits{ReadTimeout: readTimeout, WriteTimeout: writeTimeout},
		grpcMaxConns: 2,
	}
	p := startPipeline(t, f)
	defer p.stop(t)

	t.Run("slow body", func(t *testing.T) {
		c, err := net.Dial("tcp", p.addrs.HTTP)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		fmt.Fprintf(c, "POST /api/v12/transactions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
		answered := make(chan string, 1)
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			b, _ := io.ReadAll(c)
			answered <- string(b)
		}()
		trickle := time.NewTicker(200 * time.Millisecond)
		defer trickle.Stop()
		giveUp := time.After(15 * time.Second)
		for {
			select {
			case got := <-answered:
				took := time.Since(start)
				if took > readTimeout+5*time.Second {
					t.Fatalf("a body sent a byte every 200ms was read for %v; the read timeout is %v", took, readTimeout)
				}
				if !strings.HasPrefix(got, "HTTP/1.1 4") {
					t.Errorf("the cut request was answered %q, want a 4xx", firstLine(got))
				}
				return
			case <-trickle.C:
				_, _ = c.Write([]byte(" "))
			case <-giveUp:
				t.Fatal("a body sent a byte every 200ms was still being read after 15s")
			}
		}
	})

	t.Run("live streams outlast the write timeout", func(t *testing.T) {
		ws := dialLive(t, p.addrs.HTTP, 0)
		sse := dialSSE(t, p.addrs.HTTP)
		produceTxs(t, p.addrs.Kafka, 0, 10)
		time.Sleep(3 * writeTimeout)
		produceTxs(t, p.addrs.Kafka, 10, 10)
		waitFor(t, 30*time.Second, "both streams carry blocks committed after the pause", func() (bool, string) {
			head := chainHeight(t, p.addrs.HTTP)
			got := ws.blocks()
			return head >= 2 && len(got) > 0 && got[len(got)-1] == head && sse.last() == head,
				fmt.Sprintf("head %d, websocket %v, sse %d", head, got, sse.last())
		})
	})

	t.Run("connections over the cap", func(t *testing.T) {
		// Other connections (the streams above, pooled client connections)
		// hold some of the four slots: take the rest until one is refused.
		var open []*keptConn
		refused := false
		for range 5 {
			k := keepAlive(t, p.addrs.HTTP)
			code, err := k.tryGet("/q/health/live", io.Discard)
			if err == nil && code == http.StatusServiceUnavailable && k.refusedWithRetry {
				refused = true
				break
			}
			if err != nil || code != 200 {
				t.Fatalf("connection within the cap: %d %v", code, err)
			}
			open = append(open, k)
		}
		if !refused {
			t.Fatal("no connection was refused with --http-max-conns 4")
		}
		if len(open) == 0 {
			t.Fatal("every new connection was refused; the cap left no room for the test")
		}
		for i, k := range open {
			if code, err := k.tryGet("/api/v12/chain/stats", io.Discard); err != nil || code != 200 {
				t.Fatalf("connection %d within the cap after the refusal: %d %v", i, code, err)
			}
		}
		var metrics strings.Builder
		if _, err := open[0].tryGet("/metrics", &metrics); err != nil {
			t.Fatal(err)
		}
		// The gauge is read after the refusal, when a pooled connection of
		// another part of the test may have closed: it must be within the
		// cap and count at least the connections this test holds.
		var held int
		_, _ = fmt.Sscanf(grepLines(metrics.String(), `aurigraph_listener_connections{listener="http"}`), `aurigraph_listener_connections{listener="http"} %d`, &held)
		if !strings.Contains(metrics.String(), `aurigraph_listener_connections_refused_total{listener="http"} 1`) ||
			held > 4 || held < len(open) {
			t.Errorf("/metrics does not show the cap held and the refusal counted:\n%s", grepLines(metrics.String(), `listener="http"`))
		}

		// gRPC: two connections within the cap, the third refused.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := range 3 {
			conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			callCtx, callCancel := context.WithTimeout(ctx, 3*time.Second)
			_, err = healthpb.NewHealthClient(conn).Check(callCtx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(false))
			callCancel()
			if i < 2 && err != nil {
				t.Fatalf("gRPC connection %d within the cap: %v", i+1, err)
			}
			if i == 2 && err == nil {
				t.Fatal("a third gRPC connection was served with --grpc-max-conns 2")
			}
		}
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// keptConn is one kept-alive HTTP/1.1 connection.
type keptConn struct {
	c  net.Conn
	br *bufio.Reader
	// refusedWithRetry is set when the answer was the over-cap refusal.
	refusedWithRetry bool
}

func keepAlive(t *testing.T, addr string) *keptConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &keptConn{c: c, br: bufio.NewReader(c)}
}

// tryGet sends one GET over the connection and copies the body to w.
func (k *keptConn) tryGet(path string, w io.Writer) (int, error) {
	_ = k.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(k.c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		return 0, fmt.Errorf("GET %s on a kept connection: %w", path, err)
	}
	defer resp.Body.Close()
	k.refusedWithRetry = resp.Header.Get("Retry-After") != "" && resp.Close
	_, err = io.Copy(w, resp.Body)
	return resp.StatusCode, err
}

// sseClient follows /api/v12/live/events and keeps the last block height.
type sseClient struct {
	height chan uint64
	latest uint64
}

func (s *sseClient) last() uint64 {
	for {
		select {
		case h := <-s.height:
			s.latest = h
		default:
			return s.latest
		}
	}
}

func dialSSE(t *testing.T, addr string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/v12/live/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		cancel()
		t.Fatalf("GET /live/events: %v %v", resp, err)
	}
	s := &sseClient{height: make(chan uint64, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "block":
				var h uint64
				if i := strings.Index(line, `"height":`); i >= 0 {
					fmt.Sscanf(line[i+len(`"height":`):], "%d", &h)
				}
				select {
				case s.height <- h:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return s
}
