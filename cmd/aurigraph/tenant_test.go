package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestTenantIsolation commits transactions of two organisations and reads
// them back as a viewer of one of them over every way out: REST reads,
// gRPC reads, WebSocket, SSE and gRPC streams, analytics and exports. It
// never sees the other organisation's transactions or accounts, whatever
// it asks for; an admin sees both.
func TestTenantIsolation(t *testing.T) {
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys.json")
	ks, err := auth.OpenKeyStore(keysFile)
	if err != nil {
		t.Fatal(err)
	}
	key := func(name string, role auth.Role, org string) string {
		_, secret, err := ks.Create(auth.NewKey{Name: name, Role: role, Organisation: org}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	admin := key("admin", auth.RoleAdmin, "")
	acmeProducer := key("acme-producer", auth.RoleSubmitter, "acme")
	globexProducer := key("globex-producer", auth.RoleSubmitter, "globex")
	globex := key("globex-viewer", auth.RoleViewer, "globex")

	f := testDevFlags(t, dir)
	f.validators = 1
	f.access = accessFlags{apiKeys: keysFile, anonymous: "none", tenants: writeTenants(t, dir)}
	p := startPipeline(t, f)
	defer p.stop(t)
	api := "http://" + p.addrs.HTTP + "/api/v12"

	ids := map[string][]string{}
	for i := 1; i <= 3; i++ {
		for _, org := range []struct{ name, key string }{{"acme", acmeProducer}, {"globex", globexProducer}} {
			acct := fmt.Sprintf("%s-%d", org.name, i)
			code, body := call(t, http.MethodPost, api+"/transactions", org.key, fmt.Sprintf(`{"type":"mint","from":%q,"to":%q,"amount":%d,"nonce":1}`, acct, acct, 10*i))
			if code != http.StatusAccepted {
				t.Fatalf("mint for %s: %d %v", acct, code, body)
			}
			ids[org.name] = append(ids[org.name], body["ids"].([]any)[0].(string))
		}
	}
	var lastHeight uint64
	for _, id := range append(ids["acme"], ids["globex"]...) {
		waitFor(t, 30*time.Second, "transaction "+id+" committed", func() (bool, string) {
			code, body := call(t, http.MethodGet, api+"/transactions/"+id, admin, "")
			if h, ok := body["height"].(float64); ok && uint64(h) > lastHeight {
				lastHeight = uint64(h)
			}
			return code == http.StatusOK && body["status"] == "committed", fmt.Sprint(code, body)
		})
	}
	isGlobex := func(accounts ...string) bool {
		for _, a := range accounts {
			if a != "" && !strings.HasPrefix(a, "globex-") {
				return false
			}
		}
		return true
	}

	t.Run("REST transactions", func(t *testing.T) {
		for _, id := range ids["acme"] {
			if code, body := call(t, http.MethodGet, api+"/transactions/"+id, globex, ""); code != http.StatusNotFound {
				t.Errorf("globex reads acme's %s: %d %v, want 404", id, code, body)
			}
		}
		for _, id := range ids["globex"] {
			if code, body := call(t, http.MethodGet, api+"/transactions/"+id, globex, ""); code != http.StatusOK {
				t.Errorf("globex reads its own %s: %d %v", id, code, body)
			}
		}
	})
	t.Run("REST blocks", func(t *testing.T) {
		seen, adminSeen := 0, 0
		for h := uint64(1); h <= lastHeight; h++ {
			_, b := call(t, http.MethodGet, fmt.Sprintf("%s/blocks/%d", api, h), globex, "")
			for _, tx := range b["txs"].([]any) {
				m := tx.(map[string]any)
				if !isGlobex(fmt.Sprint(m["from"]), fmt.Sprint(m["to"])) {
					t.Errorf("block %d shows globex %v", h, m)
				}
				seen++
			}
			_, b = call(t, http.MethodGet, fmt.Sprintf("%s/blocks/%d", api, h), admin, "")
			adminSeen += len(b["txs"].([]any))
		}
		if seen != 3 || adminSeen < 6 {
			t.Errorf("globex saw %d transactions in blocks, want 3; the admin %d, want 6 or more", seen, adminSeen)
		}
	})

	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	gctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+globex)

	t.Run("gRPC reads", func(t *testing.T) {
		txs := aurigraphv1.NewTransactionServiceClient(conn)
		for _, id := range ids["acme"] {
			if _, err := txs.Get(gctx, &aurigraphv1.GetTransactionRequest{Id: id}); err == nil || !strings.Contains(err.Error(), "not") {
				t.Errorf("gRPC Get of acme's %s as globex: %v, want not found", id, err)
			}
		}
		page, err := aurigraphv1.NewBlockServiceClient(conn).List(gctx, &aurigraphv1.ListBlocksRequest{FromHeight: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range page.GetBlocks() {
			for _, r := range b.GetTxs() {
				n++
				if !isGlobex(r.GetTx().GetFrom(), r.GetTx().GetTo()) {
					t.Errorf("gRPC List shows globex %v", r.GetTx())
				}
			}
		}
		if n != 3 {
			t.Errorf("gRPC List showed globex %d transactions, want 3", n)
		}
	})

	// collect reads tx events (from, to) until it has want of them, and a
	// moment longer, to catch anything that should not come.
	collect := func(t *testing.T, want int, next func() (string, string, error)) {
		t.Helper()
		got := 0
		deadline := time.Now().Add(3 * time.Second)
		for got < want || time.Now().Before(deadline) {
			from, to, err := next()
			if err != nil {
				if got < want {
					t.Fatalf("after %d of %d events: %v", got, want, err)
				}
				return
			}
			if !isGlobex(from, to) {
				t.Errorf("stream delivered %s -> %s to globex", from, to)
			}
			got++
		}
	}
	ticket := func(t *testing.T) string {
		code, body := call(t, http.MethodPost, api+"/auth/ticket", globex, "")
		if code != http.StatusOK {
			t.Fatalf("ticket: %d %v", code, body)
		}
		return body["ticket"].(string)
	}
	// Asking for acme's account explicitly, and for everything: only
	// globex's events arrive either way.
	for _, filter := range []string{"types=tx&from_height=1", "types=tx&from_height=1&account=acme-1,globex-1,globex-2,globex-3"} {
		t.Run("WebSocket "+filter, func(t *testing.T) {
			wctx, wcancel := context.WithTimeout(ctx, 4*time.Second)
			defer wcancel()
			c, _, err := websocket.Dial(wctx, "ws://"+p.addrs.HTTP+"/api/v12/live/stream?"+filter+"&ticket="+url.QueryEscape(ticket(t)), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			collect(t, 3, func() (string, string, error) {
				for {
					_, data, err := c.Read(wctx)
					if err != nil {
						return "", "", err
					}
					var ev struct{ Type, From, To string }
					if json.Unmarshal(data, &ev) == nil && ev.Type == "tx" {
						return ev.From, ev.To, nil
					}
				}
			})
		})
		t.Run("SSE "+filter, func(t *testing.T) {
			sctx, scancel := context.WithTimeout(ctx, 4*time.Second)
			defer scancel()
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, api+"/live/events?"+filter+"&ticket="+url.QueryEscape(ticket(t)), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("SSE: %s", resp.Status)
			}
			lines := bufio.NewScanner(resp.Body)
			collect(t, 3, func() (string, string, error) {
				for lines.Scan() {
					data, ok := strings.CutPrefix(lines.Text(), "data: ")
					var ev struct{ Type, From, To string }
					if ok && json.Unmarshal([]byte(data), &ev) == nil && ev.Type == "tx" {
						return ev.From, ev.To, nil
					}
				}
				return "", "", fmt.Errorf("stream ended: %v", lines.Err())
			})
		})
	}
	t.Run("gRPC stream", func(t *testing.T) {
		sctx, scancel := context.WithTimeout(gctx, 4*time.Second)
		defer scancel()
		sub, err := aurigraphv1.NewStreamServiceClient(conn).Subscribe(sctx, &aurigraphv1.SubscribeRequest{
			FromHeight: 1, Types: []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_TX}, Accounts: []string{"acme-1", "acme-2", "globex-1"}})
		if err != nil {
			t.Fatal(err)
		}
		collect(t, 1, func() (string, string, error) {
			ev, err := sub.Recv()
			if err != nil {
				return "", "", err
			}
			return ev.GetTx().GetTx().GetFrom(), ev.GetTx().GetTx().GetTo(), nil
		})
	})
	t.Run("a ticket is spent once", func(t *testing.T) {
		tk := ticket(t)
		wctx, wcancel := context.WithTimeout(ctx, 4*time.Second)
		defer wcancel()
		c, _, err := websocket.Dial(wctx, "ws://"+p.addrs.HTTP+"/api/v12/live/stream?ticket="+url.QueryEscape(tk), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.CloseNow()
		if _, resp, err := websocket.Dial(wctx, "ws://"+p.addrs.HTTP+"/api/v12/live/stream?ticket="+url.QueryEscape(tk), nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("second use of a ticket: %v %v, want 401", resp, err)
		}
	})

	waitFor(t, 60*time.Second, "the projection", func() (bool, string) {
		return p.addrs.Projected() >= lastHeight, fmt.Sprintf("projected %d of %d", p.addrs.Projected(), lastHeight)
	})
	t.Run("analytics", func(t *testing.T) {
		if code, body := call(t, http.MethodGet, api+"/analytics/accounts/acme-1", globex, ""); code != http.StatusForbidden {
			t.Errorf("globex reads acme-1's balances: %d %v, want 403", code, body)
		}
		if code, body := call(t, http.MethodGet, api+"/analytics/accounts/globex-1", globex, ""); code != http.StatusOK || len(body["balances"].([]any)) == 0 {
			t.Errorf("globex reads globex-1's balances: %d %v", code, body)
		}
		_, top := call(t, http.MethodGet, api+"/analytics/top/accounts?from=-1h", globex, "")
		ranked, _ := top["top"].([]any)
		for _, r := range ranked {
			if k := r.(map[string]any)["key"].(string); !isGlobex(k) {
				t.Errorf("top accounts show globex %s", k)
			}
		}
		if len(ranked) != 3 {
			t.Errorf("globex's top accounts: %v, want its 3", top)
		}
		_, all := call(t, http.MethodGet, api+"/analytics/top/accounts?from=-1h", admin, "")
		if n := len(all["top"].([]any)); n < 6 {
			t.Errorf("the admin's top accounts: %d, want 6 or more", n)
		}
	})
	t.Run("exports", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/analytics/export?table=transactions&from_height=1&to_height=%d&format=ndjson", api, lastHeight), nil)
		req.Header.Set("Authorization", "Bearer "+globex)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rows := 0
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			var row struct{ From, To string }
			if err := json.Unmarshal(lines.Bytes(), &row); err != nil {
				t.Fatalf("export line %q: %v", lines.Text(), err)
			}
			if !isGlobex(row.From, row.To) {
				t.Errorf("export shows globex %v", row)
			}
			rows++
		}
		if rows != 3 {
			t.Errorf("globex exported %d transactions, want 3", rows)
		}
	})
}
