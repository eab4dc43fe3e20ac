package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chainapi"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

func TestParseNodeURLs(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"http://127.0.0.1:8081", []string{"http://127.0.0.1:8081/api/v12"}, ""},
		{"127.0.0.1:8081, https://v2.example:443/api/v12/ ,", []string{"http://127.0.0.1:8081/api/v12", "https://v2.example:443/api/v12"}, ""},
		{"http://gw.example/aurigraph/api/v12", []string{"http://gw.example/aurigraph/api/v12"}, ""},
		{"", nil, "--node is empty"},
		{" , ", nil, "--node is empty"},
		{"ftp://h:21", nil, `scheme "ftp"`},
		{"http://h:1/api/v12?x=1", nil, "want http://host:port"},
		{"http://:8080", nil, "want http://host:port"},
		{"http://h:port", nil, "--node"},
	}
	for _, tt := range tests {
		got, err := parseNodeURLs(tt.in)
		switch {
		case tt.wantErr == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("parseNodeURLs(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("parseNodeURLs(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestClusterFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"add without id", []string{"cluster", "add", "--raft-address", "h:7004"}, "--id is required"},
		{"add without address", []string{"cluster", "add", "--id", "4"}, `--raft-address ""`},
		{"add with bad address", []string{"cluster", "add", "--id", "4", "--raft-address", "h"}, `--raft-address "h"`},
		{"remove without id", []string{"cluster", "remove"}, "--id is required"},
		{"bad node URL", []string{"cluster", "status", "--node", "ftp://x:1"}, "use http or https"},
		{"zero timeout", []string{"cluster", "status", "--timeout", "0s"}, "--timeout 0s"},
		{"node: partial TLS", []string{"node", "--id", "1", "--peers", "1=127.0.0.1:7001", "--peer-cert", "c.pem"}, "go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRootCommand()
			root.SetArgs(tt.args)
			root.SetOut(&bytes.Buffer{})
			if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("%v: error %v, want one containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestClusterCommandFindsLeader runs the command against two real
// validators: it must skip an unreachable URL and the follower's 421 and
// land on the leader.
func TestClusterCommandFindsLeader(t *testing.T) {
	peers := map[uint64]string{}
	lis := map[uint64]net.Listener{}
	for id := uint64(1); id <= 2; id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id], peers[id] = l, l.Addr().String()
	}
	urls := map[uint64]string{}
	nodes := map[uint64]*consensus.Node{}
	for id := uint64(1); id <= 2; id++ {
		n, err := consensus.Start(context.Background(), consensus.Config{
			ID: id, Peers: peers, Listener: lis[id], DataDir: t.TempDir(), TickInterval: 20 * time.Millisecond, Logger: testLog(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		srv := httptest.NewServer(http.StripPrefix("/api/v12", chainapi.NewHTTPHandler(chainapi.NewService([]*consensus.Node{n}, chainapi.ServiceOptions{Logger: testLog(t)}))))
		t.Cleanup(srv.Close)
		nodes[id], urls[id] = n, srv.URL
	}
	var leader, follower uint64
	deadline := time.Now().Add(10 * time.Second)
	for leader == 0 && time.Now().Before(deadline) {
		for id, n := range nodes {
			if ok, _ := n.Leader(); ok {
				leader, follower = id, 3-id
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if leader == 0 {
		t.Fatal("no leader elected")
	}
	dead := "http://" + reserveClosedPort(t)
	run := func(args ...string) (string, error) {
		root := newRootCommand()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs(args)
		err := root.ExecuteContext(context.Background())
		return out.String(), err
	}
	nodesFlag := strings.Join([]string{dead, urls[follower], urls[leader]}, ",")

	out, err := run("cluster", "add", "--id", "3", "--raft-address", "127.0.0.1:7003", "--node", nodesFlag)
	if err != nil {
		t.Fatalf("cluster add: %v", err)
	}
	var st raftnode.ClusterStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Members) != 3 || st.Members[2].Role != "learner" {
		t.Fatalf("cluster add printed %s (%v)", out, err)
	}
	if _, err := run("cluster", "add", "--id", "3", "--raft-address", "127.0.0.1:7003", "--node", nodesFlag); err == nil || !strings.Contains(err.Error(), "HTTP 409") {
		t.Fatalf("adding 3 again: %v, want the leader's 409", err)
	}
	if _, err := run("cluster", "remove", "--id", "3", "--node", urls[follower]); err == nil || !strings.Contains(err.Error(), "the leader is validator") {
		t.Fatalf("remove through the follower only: %v, want a hint naming the leader", err)
	}
	if _, err := run("cluster", "remove", "--id", "3", "--node", nodesFlag); err != nil {
		t.Fatalf("cluster remove: %v", err)
	}
	out, err = run("cluster", "status", "--node", dead+","+urls[follower])
	if err != nil || !strings.Contains(out, `"leader": `) || strings.Contains(out, `"id": 3`) {
		t.Fatalf("cluster status = %s, %v", out, err)
	}
}

// reserveClosedPort returns a loopback address nothing listens on.
func reserveClosedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
