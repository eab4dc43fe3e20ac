package chainapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

func TestHTTPBlockListAndSearch(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 100), transfer("bad", "bob", "alice", 5, 1)))
	mustPropose(t, lead, batch(2, transfer("t1", "alice", "bob", 10, 1)))
	mustPropose(t, lead, batch(3, transfer("42", "alice", "bob", 1, 2)))
	srv := httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{lead}, ServiceOptions{
		Pending: func(id string) bool { return id == "queued" },
		Logger:  testLogger(),
	})))
	defer srv.Close()
	b1, _ := lead.Blocks().Get(1)
	hash1 := hexOf(b1.GetHeader().GetHash())

	tests := []struct {
		path     string
		code     int
		contains []string
	}{
		{"/blocks", 200, []string{`"head":3`, `"next_height":0`, `"height":1`, `"height":3`, `"id":"t1"`}},
		{"/blocks?from_height=2&limit=1&headers_only=true", 200, []string{`"height":2`, `"next_height":3`, `"txs":[]`}},
		{"/blocks?from_height=2&to_height=2", 200, []string{`"height":2`, `"next_height":0`}},
		{"/blocks?from_height=0", 400, []string{`from_height`}},
		{"/blocks?limit=x", 400, []string{`not a non-negative integer`}},
		{"/blocks?limit=100000", 400, []string{`out of range`}},
		{"/blocks?headers_only=maybe", 400, []string{`headers_only`}},
		{"/search?q=2", 200, []string{`"kind":"block"`, `"height":2`}},
		{"/search?q=" + hash1, 200, []string{`"kind":"block"`, `"height":1`, `"hash":"` + hash1 + `"`}},
		{"/search?q=0x" + strings.ToUpper(hash1), 200, []string{`"kind":"block"`, `"height":1`}},
		{"/search?q=t1", 200, []string{`"kind":"transaction"`, `"id":"t1"`, `"status":"committed"`, `"height":2`}},
		{"/search?q=bad", 200, []string{`"kind":"transaction"`, `"status":"failed"`, `"index":1`}},
		{"/search?q=queued", 200, []string{`"kind":"transaction"`, `"status":"pending"`}},
		// A number beyond the head may still be a transaction id.
		{"/search?q=42", 200, []string{`"kind":"transaction"`, `"id":"42"`, `"height":3`}},
		{"/search?q=" + strings.Repeat("ab", 32), 200, []string{`"kind":"none"`}},
		{"/search?q=nothing", 200, []string{`"kind":"none"`, `"query":"nothing"`}},
		{"/search?q=", 400, []string{`"error":`}},
		{"/search?q=" + strings.Repeat("x", 300), 400, []string{`"error":`}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, body := doJSON(t, http.MethodGet, srv.URL+tc.path, "")
			if code != tc.code || !json.Valid([]byte(body)) {
				t.Fatalf("status %d, want %d: %s", code, tc.code, body)
			}
			for _, want := range tc.contains {
				if !strings.Contains(body, want) {
					t.Fatalf("body %s\ndoes not contain %s", body, want)
				}
			}
		})
	}
}

func TestHTTPTransferLeadership(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	lead := c.leader()
	srv := map[uint64]*httptest.Server{}
	for id, n := range c.nodes {
		srv[id] = httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{n}, ServiceOptions{Logger: testLogger()})))
		t.Cleanup(srv[id].Close)
	}
	target := c.followers(lead)[0]

	// A follower points at the leader.
	code, body := doJSON(t, http.MethodPost, srv[target.ID()].URL+"/cluster/leader", `{"id":1}`)
	if code != http.StatusMisdirectedRequest || !strings.Contains(body, `"leader":`) {
		t.Fatalf("transfer through a follower = %d %s, want 421 naming the leader", code, body)
	}
	for body, want := range map[string]int{`{"id":0}`: 400, `{"id":"x"}`: 400, `{"id":1,"more":1}`: 400, `{"id":9}`: 409} {
		if code, resp := doJSON(t, http.MethodPost, srv[lead.ID()].URL+"/cluster/leader", body); code != want {
			t.Errorf("POST /cluster/leader %s = %d %s, want %d", body, code, resp, want)
		}
	}

	code, body = doJSON(t, http.MethodPost, srv[lead.ID()].URL+"/cluster/leader", `{"id":`+jsonNum(target.ID())+`}`)
	var st raftnode.ClusterStatus
	if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil || st.Leader != target.ID() {
		t.Fatalf("transfer to %d = %d %s", target.ID(), code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if isLead, _ := target.Leader(); isLead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("validator %d does not lead 10s after the transfer", target.ID())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Asking the new leader to keep the leadership changes nothing.
	if code, body := doJSON(t, http.MethodPost, srv[target.ID()].URL+"/cluster/leader", `{"id":`+jsonNum(target.ID())+`}`); code != http.StatusOK {
		t.Fatalf("transfer to the leader itself = %d %s", code, body)
	}
}

func jsonNum(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
