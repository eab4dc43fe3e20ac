package chainapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
)

// TestStatsAnswersWithoutConsistentRead: /chain/stats is a status read. With
// a quorum it is consistent ("stale":false); when the read barrier cannot
// finish (here no quorum; under load, WAL syncs and the applier's backlog)
// it answers the validator's applied state marked "stale":true within
// StatusTimeout instead of a 503 after ReadTimeout.
func TestStatsAnswersWithoutConsistentRead(t *testing.T) {
	t.Parallel()
	const readTimeout = 5 * time.Second
	tests := []struct {
		name       string
		loseQuorum bool
		path       string
		want       []string
	}{
		{"quorum", false, "/chain/stats", []string{`"height":1`, `"stale":false`}},
		{"quorum, stale asked", false, "/chain/stats?stale=true", []string{`"height":1`, `"stale":true`}},
		{"no quorum", true, "/chain/stats", []string{`"height":1`, `"stale":true`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, 3, nil)
			lead := c.leader()
			mustPropose(t, lead, batch(0, mint("m1", "alice", 1)))
			if tc.loseQuorum {
				for _, f := range c.followers(lead) {
					c.stop(f.ID())
				}
			}
			// With a quorum the barrier passes unless the machine stalls,
			// which parallel clusters under the race detector do for
			// hundreds of milliseconds.
			statusTimeout := 2 * time.Second
			if tc.loseQuorum {
				statusTimeout = 300 * time.Millisecond
			}
			srv := httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{lead}, ServiceOptions{
				Logger: testLogger(), ReadTimeout: readTimeout, StatusTimeout: statusTimeout,
			})))
			defer srv.Close()
			start := time.Now()
			code, body := httpGet(t, srv.URL+tc.path)
			took := time.Since(start)
			if code != http.StatusOK {
				t.Fatalf("GET %s = %d %s after %v, want 200", tc.path, code, body, took)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Fatalf("GET %s = %s, want it to contain %s", tc.path, body, w)
				}
			}
			if took > readTimeout/2 {
				t.Fatalf("GET %s took %v; a status read must answer within about %v", tc.path, took, statusTimeout)
			}
		})
	}
}
