package chainapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

func doJSON(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestClusterAdminHTTP(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, nil)
	lead := c.leader()
	srv := map[uint64]*httptest.Server{}
	for id, n := range c.nodes {
		srv[id] = httptest.NewServer(NewHTTPHandler(NewService([]*consensus.Node{n}, ServiceOptions{Logger: testLogger()})))
		t.Cleanup(srv[id].Close)
	}
	leaderURL := srv[lead.ID()].URL
	follower := c.followers(lead)[0]
	followerURL := srv[follower.ID()].URL

	// Status through a follower: membership and leader, no progress.
	code, body := doJSON(t, http.MethodGet, followerURL+"/cluster/status", "")
	var st raftnode.ClusterStatus
	if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
		t.Fatalf("GET /cluster/status on follower = %d %s", code, body)
	}
	if st.ID != follower.ID() || st.Leader != lead.ID() || len(st.Members) != 3 || st.Members[0].Active != nil {
		t.Fatalf("follower status = %+v", st)
	}
	// Through the leader: progress of every member, once the leader heard
	// from each since its election.
	waitFor(t, "the leader to know every member's progress", func() bool {
		code, body = doJSON(t, http.MethodGet, leaderURL+"/cluster/status", "")
		if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
			t.Fatalf("GET /cluster/status on leader = %d %s", code, body)
		}
		for _, m := range st.Members {
			if m.Match == 0 {
				return false
			}
		}
		return true
	})
	for _, m := range st.Members {
		if m.Match == 0 || m.Active == nil || !m.Voter || m.RaftAddress != c.peers[m.ID] {
			t.Fatalf("leader's view of member %+v", m)
		}
		if want := map[bool]string{true: "leader", false: "follower"}[m.ID == lead.ID()]; m.Role != want {
			t.Fatalf("member %d role %q, want %q", m.ID, m.Role, want)
		}
	}

	tests := []struct {
		name, method, url, body string
		code                    int
		contains                string
	}{
		{"add on a follower", "POST", followerURL + "/cluster/members", `{"id":4,"raft_address":"127.0.0.1:7004"}`, http.StatusMisdirectedRequest, `"leader":` + itoa(lead.ID())},
		{"remove on a follower", "DELETE", followerURL + "/cluster/members/2", "", http.StatusMisdirectedRequest, `"error":"not the leader"`},
		{"not JSON", "POST", leaderURL + "/cluster/members", `id=4`, http.StatusBadRequest, "body must be JSON"},
		{"unknown field", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"127.0.0.1:7004","voter":true}`, http.StatusBadRequest, "unknown field"},
		{"no id", "POST", leaderURL + "/cluster/members", `{"raft_address":"127.0.0.1:7004"}`, http.StatusBadRequest, "id is missing"},
		{"no port", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"127.0.0.1"}`, http.StatusBadRequest, "not host:port"},
		{"bad port", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"h:99999"}`, http.StatusBadRequest, "not 1-65535"},
		{"two values", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"h:1"} {}`, http.StatusBadRequest, "more than one"},
		{"existing id", "POST", leaderURL + "/cluster/members", `{"id":2,"raft_address":"127.0.0.1:7004"}`, http.StatusConflict, "already a member"},
		{"add", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"127.0.0.1:7004"}`, http.StatusOK, `{"id":4,"raft_address":"127.0.0.1:7004","voter":false,"role":"learner"`},
		{"add again", "POST", leaderURL + "/cluster/members", `{"id":4,"raft_address":"127.0.0.1:7004"}`, http.StatusConflict, "already a member"},
		{"bad id", "DELETE", leaderURL + "/cluster/members/four", "", http.StatusBadRequest, "not a validator id"},
		{"zero id", "DELETE", leaderURL + "/cluster/members/0", "", http.StatusBadRequest, "not a validator id"},
		{"remove", "DELETE", leaderURL + "/cluster/members/4", "", http.StatusOK, `"members":[`},
		{"remove again", "DELETE", leaderURL + "/cluster/members/4", "", http.StatusConflict, "no validator with this id"},
		{"wrong method", "PUT", leaderURL + "/cluster/members", "", http.StatusNotFound, "no endpoint PUT"},
	}
	for _, tc := range tests {
		code, body := doJSON(t, tc.method, tc.url, tc.body)
		if code != tc.code || !strings.Contains(body, tc.contains) {
			t.Fatalf("%s: %s %s = %d %s, want %d containing %s", tc.name, tc.method, tc.url, code, body, tc.code, tc.contains)
		}
	}
	if got := lead.Members(); len(got) != 3 {
		t.Fatalf("members after add and remove = %v", got)
	}
}

func itoa(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func FuzzDecodeAddMember(f *testing.F) {
	f.Add(`{"id":4,"raft_address":"127.0.0.1:7004"}`)
	f.Add(`{"id":0}`)
	f.Add(`{"id":4,"raft_address":"[::1]:7004"} x`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := decodeAddMember(strings.NewReader(body))
		if err != nil {
			return
		}
		if req.ID == 0 || req.RaftAddress == "" {
			t.Fatalf("accepted %q as %+v", body, req)
		}
	})
}

// TestDecodeAddMemberRefusesTrailingData checks that nothing may follow the
// request's object, a stray closing bracket or brace included.
func TestDecodeAddMemberRefusesTrailingData(t *testing.T) {
	const req = `{"id":4,"raft_address":"127.0.0.1:7004"}`
	if _, err := decodeAddMember(strings.NewReader(req + " \n")); err != nil {
		t.Fatalf("a request followed by white space: %v", err)
	}
	for _, tail := range []string{"]", "}", " {}", "x", "1"} {
		if _, err := decodeAddMember(strings.NewReader(req + tail)); err == nil {
			t.Errorf("a request followed by %q was accepted", tail)
		}
	}
}
