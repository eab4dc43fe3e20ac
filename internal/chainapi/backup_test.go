package chainapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/consensus"
)

func TestHTTPBackup(t *testing.T) {
	c := newCluster(t, 1, func(cfg *consensus.Config) { cfg.SnapshotEntries = 10 })
	lead := c.leader()
	srv := httptest.NewServer(http.StripPrefix("/api/v12", NewHTTPHandler(NewService([]*consensus.Node{lead}, ServiceOptions{Logger: testLogger()}))))
	defer srv.Close()
	get := func(path string) (int, http.Header, []byte) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/v12" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}

	if _, err := lead.NewestSnapshot(); err == nil {
		t.Fatal("a snapshot before any batch; the not-ready case is not reached")
	}
	if code, h, body := get("/admin/backup"); code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(string(body), "raft snapshot") {
		t.Fatalf("backup before any snapshot: %d %v %s, want 503 with Retry-After", code, h, body)
	}
	for i := range int64(12) {
		mustPropose(t, lead, batch(i, mint(fmt.Sprintf("b%d", i), "alice", 1)))
	}
	waitFor(t, "a snapshot", func() bool { _, err := lead.NewestSnapshot(); return err == nil })

	code, h, body := get("/admin/backup")
	if code != http.StatusOK || h.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("backup: %d %v %.200s", code, h, body)
	}
	m, err := consensus.VerifyBackup(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the streamed backup does not verify: %v", err)
	}
	if m.NodeID != lead.ID() || m.Height == 0 {
		t.Fatalf("manifest %+v", m)
	}
	for _, tc := range []struct{ query, want string }{
		{"?validator=9", "does not run in this process"},
		{"?validator=x", "is not a validator id"},
	} {
		if code, _, body := get("/admin/backup" + tc.query); code != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
			t.Errorf("backup%s: %d %s, want 400 saying %q", tc.query, code, body, tc.want)
		}
	}
}
