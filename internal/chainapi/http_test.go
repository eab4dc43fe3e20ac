package chainapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestHTTPHandler(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	mustPropose(t, lead, batch(0, mint("m1", "alice", 100), transfer("bad", "bob", "alice", 5, 1)))
	mustPropose(t, lead, batch(2, transfer("t1", "alice", "bob", 10, 1)))

	srv := httptest.NewServer(http.StripPrefix("/api/v12", NewHTTPHandler(NewService([]*consensus.Node{lead}, ServiceOptions{
		Pending: func(id string) bool { return id == "queued" },
		Logger:  testLogger(),
	}))))
	defer srv.Close()
	latest, _ := lead.Blocks().Latest()

	tests := []struct {
		path     string
		code     int
		contains []string
	}{
		{"/blocks/latest", 200, []string{`"height":2`, `"hash":"` + hexOf(latest.GetHeader().GetHash()) + `"`, `"id":"t1"`, `"type":"transfer"`, `"status":"committed"`}},
		{"/blocks/1", 200, []string{`"height":1`, `"prev_hash":"` + hexOf(chain.GenesisHash(chain.DefaultGenesis())) + `"`, `"reason":"insufficient balance"`, `"failed_count":1`, `"topic":"aurigraph.tx.v1"`}},
		{"/blocks/3", 404, []string{`"error":`}},
		{"/blocks/0", 400, []string{`"error":"height 0 does not exist`}},
		{"/blocks/abc", 400, []string{`"error":`}},
		{"/blocks/-1", 400, []string{`"error":`}},
		{"/blocks/99999999999999999999999", 400, []string{`out of range`}},
		{"/chain/stats", 200, []string{`"height":2`, `"tx_count":3`, `"last_hash":"` + hexOf(latest.GetHeader().GetHash()) + `"`}},
		{"/chain/verify", 200, []string{`"ok":true`, `"height":2`, `"tx_count":3`, `"duplicates":0`, `"errors":[]`}},
		{"/validators", 200, []string{`"leader":1`, `"validators":[{"id":1,"state":"leader","applied":`}},
		{"/transactions/t1", 200, []string{`{"id":"t1","type":"transfer","from":"alice","to":"bob","amount":10,"nonce":1,"status":"committed","height":2,"index":0,"block_timestamp":`}},
		{"/transactions/bad", 200, []string{`"status":"failed"`, `"height":1`, `"index":1`, `"reason":"insufficient balance"`}},
		{"/transactions/queued", 200, []string{`{"id":"queued","status":"pending"}`}},
		{"/transactions/unknown", 404, []string{`"error":`}},
		{"/blocks/", 404, []string{`"error":"no endpoint GET /blocks/"`}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/api/v12" + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (%s), want %d: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.code, body)
			}
			if !json.Valid(body) {
				t.Fatalf("invalid JSON: %s", body)
			}
			for _, want := range tc.contains {
				if !strings.Contains(string(body), want) {
					t.Fatalf("body %s\ndoes not contain %s", body, want)
				}
			}
		})
	}
}

// Amounts and nonces above 2^53 are strings in every REST read: a
// JavaScript client reading them as numbers would round them.
func TestHTTPKeepsIntegersAbove2To53Exact(t *testing.T) {
	c := newCluster(t, 1, nil)
	lead := c.leader()
	big := mint("big", "alice", 1<<53+1)
	big.Nonce = 1<<53 + 2
	mustPropose(t, lead, batch(0, big))
	srv := httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{lead}, ServiceOptions{Logger: testLogger()})))
	defer srv.Close()
	for _, path := range []string{"/blocks/1", "/blocks/latest", "/blocks?from_height=1", "/transactions/big"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		for _, want := range []string{`"amount":"9007199254740993"`, `"nonce":"9007199254740994"`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s: %s\nwant %s, which a JavaScript client reads without rounding", path, body, want)
			}
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func FuzzParseHeight(f *testing.F) {
	for _, s := range []string{"1", "0", "", "-1", "+1", "18446744073709551615", "18446744073709551616", "1e3", " 1", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeight(s)
		if err != nil {
			return
		}
		if h == 0 {
			t.Fatalf("parseHeight(%q) accepted height 0", s)
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				t.Fatalf("parseHeight(%q) accepted a non-digit", s)
			}
		}
	})
}

// FuzzBlockJSON: whatever decodes as a block with a header, as the block
// store decodes what it reads, has a JSON shape.
func FuzzBlockJSON(f *testing.F) {
	good, _ := proto.Marshal(&aurigraphv1.Block{
		Header: &aurigraphv1.BlockHeader{Height: 1, Sources: []*aurigraphv1.SourceRange{{Topic: "t"}}},
		Txs:    []*aurigraphv1.TxResult{{Tx: &aurigraphv1.Transaction{Id: "a", Amount: 1 << 60}}},
	})
	f.Add(good)
	f.Add([]byte{0x0a, 0x02, 0x08})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var blk aurigraphv1.Block
		if proto.Unmarshal(raw, &blk) != nil || blk.GetHeader() == nil {
			return
		}
		if _, err := json.Marshal(BlockJSON(&blk)); err != nil {
			t.Fatalf("BlockJSON of a decodable block does not encode: %v", err)
		}
	})
}
