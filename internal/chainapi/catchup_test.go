package chainapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/blocklog"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestHTTPWhileCatchingUp: a validator that lacks blocks below its applied
// height (a raft snapshot install skipped them) and has no peer to fetch
// them from says so, 503 with catching_up, for what lies in the gap, and
// serves what it holds; without a quorum a consistent read is 503 naming
// ?stale=true, and the status read /chain/stats answers its local state.
func TestHTTPWhileCatchingUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		gap  func(snap uint64) (lo, hi uint64)
	}{
		{"gap up to the snapshot", func(snap uint64) (uint64, uint64) { return 3, snap }},
		{"gap below the snapshot", func(snap uint64) (uint64, uint64) { return 2, snap - 2 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, 3, func(cfg *consensus.Config) { cfg.SnapshotEntries = 2 })
			lead := c.leader()
			var height uint64
			commit := func(lead *consensus.Node) {
				mustPropose(t, lead, batch(int64(height), mint(fmt.Sprintf("m%d", height), "alice", 1)))
				height++
			}
			for range 8 {
				commit(lead)
			}
			fid := c.followers(lead)[0].ID()
			var snapHeight uint64
			for tries := 1; ; tries++ {
				waitFor(t, "the follower at the head", func() bool { return c.nodes[fid].Blocks().Height() == height })
				for id := range c.peers {
					c.stop(id)
				}
				if snapHeight = snapshotHeight(t, c.dirs[fid]); snapHeight >= 5 {
					break
				}
				if tries == 5 {
					t.Fatalf("newest snapshot at height %d, want one of at least 5", snapHeight)
				}
				// A snapshot still being written when the last blocks
				// applied kept the next from starting; a block more starts it.
				for id := range c.peers {
					c.start(id)
				}
				commit(c.leader())
			}
			lo, hi := tc.gap(snapHeight)
			punchGap(t, filepath.Join(c.dirs[fid], consensus.BlocksFile), lo, hi)
			latestCode := http.StatusOK
			if hi == height {
				latestCode = http.StatusServiceUnavailable
			}

			f := c.start(fid)
			if !f.Status().CatchingUp {
				t.Fatalf("restarted with blocks %d..%d missing: %+v", lo, hi, f.Status())
			}
			srv := httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{f}, ServiceOptions{Logger: testLogger(), ReadTimeout: 300 * time.Millisecond})))
			defer srv.Close()
			for _, q := range []struct {
				path     string
				code     int
				contains string
			}{
				{"/chain/stats", http.StatusOK, `"stale":true`},
				{"/chain/stats?stale=true", http.StatusOK, `"catching_up":true`},
				{"/chain/stats?stale=maybe", http.StatusBadRequest, `not a boolean`},
				{"/blocks/" + strconv.FormatUint(lo, 10), http.StatusServiceUnavailable, `no raft leader`},
				{"/blocks/" + strconv.FormatUint(lo, 10) + "?stale=true", http.StatusServiceUnavailable, `"catching_up":true`},
				{"/blocks/1", http.StatusOK, `"height":1`},
				{"/blocks/latest?stale=true", latestCode, fmt.Sprintf(`"height":%d`, height)},
				{"/transactions/m" + strconv.FormatUint(lo-1, 10) + "?stale=true", http.StatusServiceUnavailable, `catching up`},
			} {
				code, body := httpGet(t, srv.URL+q.path)
				if code != q.code || !strings.Contains(body, q.contains) {
					t.Fatalf("GET %s = %d %s, want %d containing %s", q.path, code, body, q.code, q.contains)
				}
			}
		})
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !json.Valid(body) {
		t.Fatalf("GET %s: invalid JSON %s", url, body)
	}
	return resp.StatusCode, string(body)
}

// snapshotHeight is the chain height of the newest raft snapshot in a
// stopped validator's data dir.
func snapshotHeight(t *testing.T, dataDir string) uint64 {
	t.Helper()
	s, err := snap.New(zap.NewNop(), filepath.Join(dataDir, "snap")).Load()
	if err != nil {
		t.Fatal(err)
	}
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(s.Data, &st); err != nil {
		t.Fatal(err)
	}
	return st.GetHeight()
}

// punchGap deletes blocks lo..hi from a stopped validator's block store,
// with its index, which is the state a crash leaves after a snapshot
// install, before block catch-up: the block log copied without them, and
// beside it the chain's rules, the one other file the store needs.
func punchGap(t *testing.T, dir string, lo, hi uint64) {
	t.Helper()
	src, err := blocklog.Open(dir, blocklog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), consensus.BlocksFile)
	out, err := blocklog.Open(dst, blocklog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := out.NewWriter()
	for _, sp := range src.Spans() {
		for h := sp.First; h <= sp.Last; h++ {
			if h >= lo && h <= hi {
				continue
			}
			raw, aux, err := src.Read(h)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Add(h, aux, raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	src.Close()
	rules, err := os.ReadFile(filepath.Join(dir, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "rules.json"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dst, dir); err != nil {
		t.Fatal(err)
	}
}
