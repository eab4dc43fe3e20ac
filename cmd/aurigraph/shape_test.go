package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/aurigraph/aurigraph/schemas"
)

// TestOneTransactionShapeOnEveryFace commits a transaction whose amount is
// 2^53+1 and whose nonce is above 2^53 through a dev pipeline, then reads it
// back through every JSON face. Each face writes the same object, byte for
// byte (the projection's faces: the same names and encodings for the fields
// it holds), and a reader that parses JSON numbers as doubles, as
// JavaScript does, still gets both exactly.
func TestOneTransactionShapeOnEveryFace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	p := startPipeline(t, testDevFlags(t, t.TempDir()))
	defer p.stop(t)
	api := p.addrs.HTTP

	const account, amount, nonce = "shape-1", "9007199254740993", "9007199254740995"
	code, out := postTx(t, api, fmt.Sprintf(`{"type":"mint","from":%q,"to":%q,"amount":%q,"nonce":%q,"payload":"aGk=","timestamp":%d}`,
		account, account, amount, nonce, time.Now().UnixMilli()))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, out)
	}
	id := out["ids"].([]any)[0].(string)
	var tx schemas.TxView
	waitFor(t, 30*time.Second, "the transaction committed", func() (bool, string) {
		err := tryGetJSON(api, "/api/v12/transactions/"+id, &tx)
		return err == nil && tx.Status == "committed", fmt.Sprint(tx, err)
	})
	h := uint64(tx.Height)

	// want is GET /transactions/{id}; projected is what the projection
	// keeps of it, which has no payload, producer timestamp or keys.
	want := bytes.TrimSpace(get(t, api, "/api/v12/transactions/"+id))
	projected := tx
	projected.Payload, projected.Timestamp, projected.Pubkey, projected.Sig, projected.NewKey = "", 0, "", "", ""
	wantProjected, _ := json.Marshal(projected)
	for _, s := range []string{`"amount":"` + amount + `"`, `"nonce":"` + nonce + `"`, `"payload":"aGk="`, `"timestamp":`, `"submitted_ms":`, `"block_timestamp":`} {
		if !bytes.Contains(want, []byte(s)) {
			t.Fatalf("GET /transactions/%s = %s, want %s in it", id, want, s)
		}
	}

	faces := []struct {
		name      string
		projected bool
		read      func(t *testing.T) []byte
	}{
		{"REST transaction", false, func(t *testing.T) []byte {
			return bytes.TrimSpace(get(t, api, "/api/v12/transactions/"+id))
		}},
		{"REST block", false, func(t *testing.T) []byte {
			var b struct{ Txs []json.RawMessage }
			mustDecode(t, get(t, api, fmt.Sprintf("/api/v12/blocks/%d", h)), &b)
			return b.Txs[tx.Index]
		}},
		{"REST block list", false, func(t *testing.T) []byte {
			var l struct {
				Blocks []struct{ Txs []json.RawMessage }
			}
			mustDecode(t, get(t, api, fmt.Sprintf("/api/v12/blocks?from_height=%d&limit=1", h)), &l)
			return l.Blocks[0].Txs[tx.Index]
		}},
		{"WebSocket", false, func(t *testing.T) []byte {
			return txOfFrame(t, firstWebSocketTx(t, fmt.Sprintf("ws://%s/api/v12/live/stream?types=tx&account=%s&from_height=%d", api, account, h)))
		}},
		{"SSE", false, func(t *testing.T) []byte {
			return txOfFrame(t, firstSSETx(t, fmt.Sprintf("http://%s/api/v12/live/events?types=tx&account=%s&from_height=%d", api, account, h)))
		}},
		{"account history", true, func(t *testing.T) []byte {
			var page struct{ Transactions []json.RawMessage }
			mustDecode(t, projectedGet(t, api, "/api/v12/analytics/accounts/"+account+"/history"), &page)
			return page.Transactions[0]
		}},
		{"account history as NDJSON", true, func(t *testing.T) []byte {
			line, _, _ := bytes.Cut(projectedGet(t, api, "/api/v12/analytics/accounts/"+account+"/history?format=ndjson"), []byte("\n"))
			return line
		}},
		{"export JSON", true, func(t *testing.T) []byte {
			var rows []json.RawMessage
			mustDecode(t, projectedGet(t, api, fmt.Sprintf("/api/v12/analytics/export?table=transactions&from_height=%d&to_height=%d&format=json", h, h)), &rows)
			return rows[tx.Index]
		}},
	}
	for _, f := range faces {
		t.Run(f.name, func(t *testing.T) {
			got := f.read(t)
			if !f.projected && !bytes.Equal(got, want) {
				t.Fatalf("%s writes\n%s\nGET /transactions/{id} writes\n%s", f.name, got, want)
			}
			var view schemas.TxView
			mustDecode(t, got, &view)
			if f.projected {
				// Tables write every column, the empty ones too; decoded,
				// they are the projection's part of the transaction.
				if again, _ := json.Marshal(view); !bytes.Equal(again, wantProjected) {
					t.Fatalf("%s writes\n%s\nwhich is\n%s\nnot what the projection holds of it\n%s", f.name, got, again, wantProjected)
				}
			}
			// A reader that takes every number for a double, as JavaScript
			// does, reads both integers exactly.
			var js map[string]any
			mustDecode(t, got, &js)
			if js["amount"] != amount || js["nonce"] != nonce {
				t.Fatalf("%s: a double-based reader gets amount %v, nonce %v; want %s, %s", f.name, js["amount"], js["nonce"], amount, nonce)
			}
		})
	}
}

func get(t *testing.T, api, path string) []byte {
	t.Helper()
	resp, err := http.Get("http://" + api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", path, resp.Status, body)
	}
	return body
}

// projectedGet is get once the projection holds a transaction of the
// account the path names.
func projectedGet(t *testing.T, api, path string) []byte {
	t.Helper()
	var body []byte
	waitFor(t, 60*time.Second, "the transaction projected", func() (bool, string) {
		body = get(t, api, path)
		return bytes.Contains(body, []byte(`"id":`)), string(body)
	})
	return body
}

func mustDecode(t *testing.T, b []byte, into any) {
	t.Helper()
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// txOfFrame is the transaction of a tx event, after checking its envelope.
func txOfFrame(t *testing.T, frame []byte) []byte {
	t.Helper()
	var f struct {
		Type string          `json:"type"`
		ID   string          `json:"id"`
		Tx   json.RawMessage `json:"tx"`
	}
	mustDecode(t, frame, &f)
	if f.Type != "tx" || f.ID == "" {
		t.Fatalf("frame %s is not a tx event", frame)
	}
	return f.Tx
}

func firstWebSocketTx(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer conn.CloseNow()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("%s: no tx event: %v", url, err)
		}
		if bytes.HasPrefix(data, []byte(`{"type":"tx"`)) {
			return data
		}
	}
}

func firstSSETx(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	event := ""
	for lines.Scan() {
		line := lines.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && event == "tx" {
			return []byte(data)
		}
	}
	t.Fatalf("%s: no tx event: %v", url, lines.Err())
	return nil
}
