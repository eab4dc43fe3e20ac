package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func startSubmit(t *testing.T, addr string, tweak func(*SubmitConfig)) (*SubmitHandler, string) {
	t.Helper()
	cfg := SubmitConfig{Brokers: []string{addr}, Topic: testTopic, Registerer: prometheus.NewRegistry(), RecentIDs: 4}
	if tweak != nil {
		tweak(&cfg)
	}
	h, err := NewSubmitHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return h, srv.URL + "/transactions"
}

type submitReply struct {
	IDs   []string `json:"ids"`
	Error string   `json:"error"`
	Index *int     `json:"index"`
}

func post(t *testing.T, url, method, body string) (int, submitReply) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var reply submitReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatalf("reply %q is not JSON: %v", raw, err)
	}
	return resp.StatusCode, reply
}

func TestSubmitHandler(t *testing.T) {
	addr := newCluster(t, 3)
	h, url := startSubmit(t, addr, func(cfg *SubmitConfig) { cfg.MaxTxs = 3; cfg.MaxBodyBytes = 1024 })
	cl := newClient(t, addr)

	one := `{"type":"transfer","from":"alice","to":"bob","amount":5,"nonce":1}`
	mintID := schemas.TxID(&aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "carol", Amount: 7})
	mintTx := `{"id":"` + mintID + `","type":"mint","to":"carol","amount":"7"}`
	bad := `{"type":"transfer","from":"alice","to":"bob","amount":0}`
	tests := []struct {
		name, method, body string
		status             int
		ids                int
		index              int // -1: no index expected
		errHas             string
	}{
		{"one object", http.MethodPost, one, http.StatusAccepted, 1, -1, ""},
		{"array", http.MethodPost, "[" + one + ",\n" + mintTx + "]", http.StatusAccepted, 2, -1, ""},
		{"bad second tx", http.MethodPost, "[" + one + "," + bad + "]", http.StatusBadRequest, 0, 1, "amount"},
		{"unknown field", http.MethodPost, `{"type":"mint","to":"b","amount":1,"memo":"x"}`, http.StatusBadRequest, 0, 0, "memo"},
		{"malformed element", http.MethodPost, "[" + one + ",{]", http.StatusBadRequest, 0, -1, "transaction 1"},
		{"too many", http.MethodPost, "[" + one + "," + one + "," + one + "," + one + "]", http.StatusBadRequest, 0, -1, "more than 3"},
		{"empty array", http.MethodPost, "[]", http.StatusBadRequest, 0, -1, "at least one"},
		{"empty body", http.MethodPost, "", http.StatusBadRequest, 0, -1, "empty body"},
		{"not json", http.MethodPost, "amount=5", http.StatusBadRequest, 0, -1, "JSON"},
		{"trailing data", http.MethodPost, "[" + one + "] x", http.StatusBadRequest, 0, -1, "after the array"},
		{"too large", http.MethodPost, "[" + strings.Repeat(" ", 1100) + one + "]", http.StatusRequestEntityTooLarge, 0, -1, "1024 bytes"},
		{"wrong method", http.MethodGet, "", http.StatusMethodNotAllowed, 0, -1, "POST"},
	}
	var accepted []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := endOffsets(t, cl, testTopic)
			status, reply := post(t, url, tc.method, tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%+v), want %d", status, reply, tc.status)
			}
			if len(reply.IDs) != tc.ids {
				t.Fatalf("ids %v, want %d", reply.IDs, tc.ids)
			}
			if tc.status != http.StatusAccepted {
				if !strings.Contains(reply.Error, tc.errHas) {
					t.Errorf("error %q does not mention %q", reply.Error, tc.errHas)
				}
				if (tc.index < 0) != (reply.Index == nil) || (reply.Index != nil && *reply.Index != tc.index) {
					t.Errorf("index %v, want %d", reply.Index, tc.index)
				}
				after := endOffsets(t, cl, testTopic)
				if sum(after) != sum(before) {
					t.Errorf("rejected request wrote %d records", sum(after)-sum(before))
				}
			}
			accepted = append(accepted, reply.IDs...)
		})
	}

	oneTx, err := schemas.ParseTxJSON([]byte(one))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{schemas.TxID(oneTx), schemas.TxID(oneTx), mintID}
	if strings.Join(accepted, ",") != strings.Join(want, ",") {
		t.Fatalf("accepted ids %v, want %v", accepted, want)
	}
	for _, id := range want {
		if !h.Pending(id) {
			t.Errorf("Pending(%s) = false after acceptance", id)
		}
	}
	if h.Pending("never-sent") {
		t.Error("Pending of an unknown id")
	}

	// Every accepted transaction is in the log, keyed by sender, and decodes
	// to the id the client was given.
	reader := newClient(t, addr, kgo.ConsumeTopics(testTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var recs []*kgo.Record
	waitFor(t, "submitted records", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		recs = append(recs, reader.PollFetches(ctx).Records()...)
		return len(recs) >= len(want)
	})
	keys := map[string]string{}
	for _, r := range recs {
		tx, err := DecodeRecord(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(tx); err != nil {
			t.Fatal(err)
		}
		keys[tx.Id] = string(r.Key)
	}
	if keys[want[0]] != "alice" || keys[mintID] != "carol" || len(recs) != 3 {
		t.Fatalf("records keyed %v (%d records), want alice for transfers and carol for the mint", keys, len(recs))
	}
}

func sum(m map[int32]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestSubmitHandlerBrokerDown(t *testing.T) {
	// Port 1 on loopback refuses connections: the write cannot happen.
	_, url := startSubmit(t, "127.0.0.1:1", func(cfg *SubmitConfig) {
		cfg.ClientOpts = []kgo.Opt{kgo.RecordDeliveryTimeout(time.Second), kgo.RetryTimeout(time.Second)}
	})
	status, reply := post(t, url, http.MethodPost, `{"type":"mint","to":"b","amount":1}`)
	if status != http.StatusServiceUnavailable || !strings.Contains(reply.Error, "retry") {
		t.Fatalf("status %d %+v, want 503 telling the client to retry", status, reply)
	}
}

// The ids a handler remembers must not keep the memory of the requests
// they came in: a client's id shares its request decoder's chunk.
func TestRecentIDsKeepNoRequestMemory(t *testing.T) {
	const requests = 2000
	addr := newCluster(t, 1)
	_, url := startSubmit(t, addr, func(cfg *SubmitConfig) { cfg.RecentIDs = requests })
	body := func(i int) string {
		tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "carol", Amount: uint64(i + 1)}
		return fmt.Sprintf(`{"id":%q,"type":"mint","to":"carol","amount":%d}`, schemas.TxID(tx), i+1)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	if status, reply := post(t, url, http.MethodPost, body(0)); status != http.StatusAccepted {
		t.Fatalf("first submission: %d %+v", status, reply)
	}
	before := heap()
	for i := 1; i <= requests; i++ {
		if status, reply := post(t, url, http.MethodPost, body(i)); status != http.StatusAccepted {
			t.Fatalf("submission %d: %d %+v", i, status, reply)
		}
	}
	// An id and its place in the set take about a hundred bytes; a
	// decoder's first chunk is 8 KiB.
	if grown := int64(heap()) - int64(before); grown > requests*2048 {
		t.Fatalf("the heap grew by %d bytes for %d remembered ids", grown, requests)
	}
}

func TestRecentSetEvictsOldest(t *testing.T) {
	s := newRecentSet(3)
	s.add("a")
	s.add("a")
	s.add("b")
	if !s.has("a") || !s.has("b") || s.has("x") {
		t.Fatal("window of a, a, b answered wrongly")
	}
	s.add("c") // evicts the first a; the second is still in the window
	if !s.has("a") {
		t.Fatal("an id still in the window must stay pending")
	}
	s.add("d")
	if s.has("a") || !s.has("b") || !s.has("c") || !s.has("d") {
		t.Fatal("oldest id not evicted")
	}
	empty := newRecentSet(0)
	empty.add("a")
	if empty.has("a") {
		t.Fatal("a zero-size window remembers nothing")
	}
}

func TestSubmitThenConsume(t *testing.T) {
	addr := newCluster(t, 3)
	_, url := startSubmit(t, addr, nil)
	chain := newFakeChain(t)
	chain.elect(1)
	startConsumer(t, addr, chain.node(1), 1, nil)

	var body bytes.Buffer
	body.WriteString("[")
	for i := range 50 {
		if i > 0 {
			body.WriteString(",")
		}
		tx := &aurigraphv1.Transaction{Type: transfer, From: "s" + string(rune('a'+i%5)), To: "r", Amount: uint64(i + 1), Nonce: uint64(i)}
		b, err := schemas.MarshalTxJSON(tx)
		if err != nil {
			t.Fatal(err)
		}
		body.Write(b)
	}
	body.WriteString("]")
	status, reply := post(t, url, http.MethodPost, body.String())
	if status != http.StatusAccepted {
		t.Fatalf("status %d: %+v", status, reply)
	}
	checkExactlyOnce(t, chain, newClient(t, addr), reply.IDs)
}
