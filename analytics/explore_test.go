package analytics

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
)

func heights(blocks []BlockRow) []uint64 {
	out := make([]uint64, len(blocks))
	for i, b := range blocks {
		out[i] = b.Height
	}
	return out
}

func TestBlocksFilterAndPage(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name       string
		f          BlockFilter
		first      uint64
		n          int
		nextBefore uint64
	}{
		{"newest", BlockFilter{Limit: 10}, testBlocks, 10, testBlocks - 9},
		{"next page", BlockFilter{Limit: 10, Before: testBlocks - 9}, testBlocks - 10, 10, testBlocks - 19},
		// Proposer 2 made the blocks of heights 251..500 (the fixture's second term).
		{"proposer", BlockFilter{Limit: MaxPage, Proposer: 2}, 500, 250, 0},
		{"proposer, paged", BlockFilter{Limit: 100, Proposer: 2, Before: 300}, 299, 49, 0},
		// Block h has the timestamp t0 + (h-1) s.
		{"time range", BlockFilter{Limit: 50, From: t0.Add(100 * time.Second), To: t0.Add(110 * time.Second)}, 110, 10, 0},
		{"size", BlockFilter{Limit: 5, MinTxs: testTxsPerBlock, MaxTxs: testTxsPerBlock}, testBlocks, 5, testBlocks - 4},
		{"size none", BlockFilter{Limit: 5, MinTxs: testTxsPerBlock + 1}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := svc().Blocks(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got := heights(page.Blocks)
			if len(got) != tt.n || page.NextBefore != tt.nextBefore {
				t.Fatalf("%d blocks %v…, next_before %d; want %d from %d, next_before %d", len(got), got[:min(len(got), 3)], page.NextBefore, tt.n, tt.first, tt.nextBefore)
			}
			for i, h := range got {
				if h != tt.first-uint64(i) {
					t.Fatalf("block %d of the page is %d, want %d: newest first without gaps", i, h, tt.first-uint64(i))
				}
			}
			if tt.f.Proposer != 0 {
				for _, b := range page.Blocks {
					if b.Proposer != tt.f.Proposer {
						t.Fatalf("block %d proposed by %d", b.Height, b.Proposer)
					}
				}
			}
		})
	}
	for _, f := range []BlockFilter{{Limit: 0}, {Limit: MaxPage + 1}, {Limit: 5, MinTxs: 10, MaxTxs: 5}} {
		if _, err := svc().Blocks(ctx, f); err == nil {
			t.Errorf("filter %+v accepted", f)
		}
	}
}

func TestAccountHistoryPagesMatchSQL(t *testing.T) {
	ctx := t.Context()
	var want []string
	rows, err := testConn.Query(ctx, "SELECT id FROM aurigraph.transactions WHERE `from` = 'acct-3' OR `to` = 'acct-3' ORDER BY height DESC, idx DESC LIMIT 75")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	rows.Close()

	var got []string
	before := TxCursor{}
	for len(got) < len(want) {
		page, err := svc().AccountHistory(ctx, "acct-3", before, 25)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range page.Transactions {
			if tx.From != "acct-3" && tx.To != "acct-3" {
				t.Fatalf("transaction %s moves %s → %s", tx.ID, tx.From, tx.To)
			}
			got = append(got, tx.ID)
		}
		if before, err = ParseTxCursor(page.NextBefore); err != nil || before.Height == 0 {
			t.Fatalf("next_before %q: %v", page.NextBefore, err)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("three pages of 25 differ from the newest 75 by SQL:\n got %v\nwant %v", got[:5], want[:5])
	}
	none, err := svc().AccountHistory(ctx, "nobody", TxCursor{}, 10)
	if err != nil || len(none.Transactions) != 0 || none.NextBefore != "" {
		t.Fatalf("an untouched account: %+v, %v", none, err)
	}
}

func TestAssetSummaryMatchesBalances(t *testing.T) {
	ctx := t.Context()
	a, err := svc().Asset(ctx, "USD", 5)
	if err != nil {
		t.Fatal(err)
	}
	var supply string
	var holders uint64
	if err := testConn.QueryRow(ctx, "SELECT toString(sum(balance)), countIf(balance > 0) FROM aurigraph.accounts WHERE asset = 'USD'").Scan(&supply, &holders); err != nil {
		t.Fatal(err)
	}
	if a.Supply != supply || a.Holders != holders || len(a.TopHolders) != min(5, int(holders)) || len(a.Recent) != 5 {
		t.Fatalf("USD summary %+v; SQL says supply %s, %d holders", a, supply, holders)
	}
	for _, tx := range a.Recent {
		if tx.Asset != "USD" {
			t.Fatalf("recent USD transactions hold %+v", tx)
		}
	}
	if a.Recent[0].Height != testBlocks {
		t.Fatalf("newest USD transaction at height %d, want %d", a.Recent[0].Height, testBlocks)
	}
	native, err := svc().Asset(ctx, NativeAsset, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range native.Recent {
		if tx.Asset != "" {
			t.Fatalf("native transactions hold %+v", tx)
		}
	}
}

func TestLeadersByTerm(t *testing.T) {
	terms, err := svc().Leaders(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's terms 1..4 last 250 blocks each, proposed by 1, 2, 3, 1.
	want := []LeaderTerm{{Term: 4, Proposer: 1, FirstHeight: 751, LastHeight: 1000, Blocks: 250}, {Term: 3, Proposer: 3, FirstHeight: 501, LastHeight: 750, Blocks: 250},
		{Term: 2, Proposer: 2, FirstHeight: 251, LastHeight: 500, Blocks: 250}, {Term: 1, Proposer: 1, FirstHeight: 1, LastHeight: 250, Blocks: 250}}
	if len(terms) != len(want) {
		t.Fatalf("terms %+v, want %d", terms, len(want))
	}
	for i, w := range want {
		g := terms[i]
		if g.Term != w.Term || g.Proposer != w.Proposer || g.FirstHeight != w.FirstHeight || g.LastHeight != w.LastHeight || g.Blocks != w.Blocks {
			t.Fatalf("term %d: %+v, want %+v", i, g, w)
		}
		if !g.First.Equal(t0.Add(time.Duration(w.FirstHeight-1) * time.Second)) {
			t.Fatalf("term %d began %v", w.Term, g.First)
		}
	}
	if _, err := svc().Leaders(t.Context(), 0); err == nil {
		t.Fatal("limit 0 accepted")
	}
}

func TestHTTPExplorer(t *testing.T) {
	srv := httptest.NewServer(NewHTTPHandler(svc()))
	defer srv.Close()
	for path, want := range map[string]int{
		"/blocks?limit=3":            http.StatusOK,
		"/blocks?limit=3&format=csv": http.StatusOK,
		"/blocks?proposer=3&from=" + fmt.Sprint(t0.UnixMilli()): http.StatusOK,
		"/accounts/acct-1/history?limit=2":                      http.StatusOK,
		"/accounts/acct-1/history?before=500.3":                 http.StatusOK,
		"/accounts/acct-1/history?format=parquet":               http.StatusOK,
		"/assets/USD?limit=2":                                   http.StatusOK,
		"/assets/AUR?format=ndjson":                             http.StatusOK,
		"/blocks?proposer=x":                                    http.StatusBadRequest,
		"/blocks?limit=100000":                                  http.StatusBadRequest,
		"/accounts/acct-1/history?before=x.1":                   http.StatusBadRequest,
		"/assets/USD?limit=0":                                   http.StatusBadRequest,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d %.200s, want %d", path, resp.StatusCode, body, want)
		}
	}
	resp, err := http.Get(srv.URL + "/accounts/acct-1/history?limit=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Transactions []json.RawMessage `json:"transactions"`
		NextBefore   string            `json:"next_before"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Transactions) != 2 || page.NextBefore == "" {
		t.Fatalf("history page %+v", page)
	}
	// The newest transaction of acct-1 is the fixture's number 999994, at
	// index 994 of block 1000, sent by acct-44 to acct-1.
	want := schemas.TxView{ID: "999994", Type: "transfer", From: "acct-44", To: "acct-1", Amount: 95, Nonce: 999994, Status: "committed",
		Height: 1000, Index: 994, SubmittedMs: t0.Add(999*time.Second).UnixMilli() - 194, BlockTimestamp: t0.Add(999 * time.Second).UnixMilli()}
	if wantJSON, _ := json.Marshal(want); string(page.Transactions[0]) != string(wantJSON) {
		t.Fatalf("newest of acct-1's history:\n got %s\nwant %s (schemas.TxView)", page.Transactions[0], wantJSON)
	}
}
