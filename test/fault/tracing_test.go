package fault

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// collector is an OTLP/gRPC trace receiver that keeps, per trace id, which
// service made which span.
type collector struct {
	coltracepb.UnimplementedTraceServiceServer
	mu     sync.Mutex
	traces map[string]map[string][]string // trace id → span name → services
}

func (c *collector) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				id := hex.EncodeToString(s.GetTraceId())
				if c.traces[id] == nil {
					c.traces[id] = map[string][]string{}
				}
				c.traces[id][s.GetName()] = append(c.traces[id][s.GetName()], service)
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// widest returns the trace with the most distinct span names, its span
// names and the services that made them.
func (c *collector) widest() (id string, stages, services []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tid, spans := range c.traces {
		if len(spans) <= len(stages) {
			continue
		}
		id, stages, services = tid, nil, nil
		for name, by := range spans {
			stages = append(stages, name)
			for _, s := range by {
				if !slices.Contains(services, s) {
					services = append(services, s)
				}
			}
		}
	}
	slices.Sort(stages)
	slices.Sort(services)
	return id, stages, services
}

func startCollector(t *testing.T) (*collector, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{traces: map[string]map[string][]string{}}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return c, ln.Addr().String()
}

// TestTraceOfOneBatch submits one batch over REST to a three-validator
// cluster whose validators, projector and gateway all export to one OTLP
// collector, and finds the batch's trace there: the submit, the ingest
// batch, its proposal and apply, the block's publish, its projection and its
// fan-out to stream subscribers, made by at least three processes.
func TestTraceOfOneBatch(t *testing.T) {
	col, otlp := startCollector(t)
	traceFlags := []string{"--otlp-endpoint", otlp, "--otlp-insecure", "--trace-sample-ratio", "1"}
	c := startCluster(t, 3, traceFlags...)
	addrs := testbin.ReserveAddrs(t, 4)
	projHTTP, chHTTP, gwHTTP, gwGRPC := addrs[0], addrs[1], addrs[2], addrs[3]
	var validators []string
	for _, id := range c.ids() {
		validators = append(validators, "http://"+c.nodes[id].httpAddr)
	}
	trust := strings.Join(validators, ",")
	proc := func(name string, args ...string) *testbin.Process {
		p := testbin.NewProcess(binary, name, filepath.Join(c.logs, name+".log"), append(args, traceFlags...)...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("---- last lines of %s (%s) ----\n%s", name, p.LogPath(), p.Tail(40))
			}
			p.Kill()
		})
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	proj := proc("projector", "projector", "run", "--kafka", c.kafka, "--validators", trust,
		"--data", filepath.Join(c.dataRoot, "projector"), "--http", projHTTP, "--clickhouse-http", chHTTP)
	gw := proc("gateway", "gateway", "--kafka", c.kafka, "--validators", trust, "--http", gwHTTP, "--grpc", gwGRPC)
	for p, addr := range map[*testbin.Process]string{proj: projHTTP, gw: gwHTTP} {
		testbin.WaitFor(t, 30*time.Second, p.Name()+" to serve /q/health/live", func() (bool, string) {
			if !p.Running() {
				t.Fatalf("%s exited: %v\n%s", p.Name(), p.ExitError(), p.Tail(30))
			}
			code, body, err := httpGet(c.client, "http://"+addr+"/q/health/live")
			return err == nil && code == http.StatusOK, fmt.Sprintf("%d %s %v", code, body, err)
		})
	}
	leader, _ := c.waitLeader(30*time.Second, 0)

	body := `[{"type":"mint","from":"acct-1","to":"acct-1","amount":10,"nonce":1},
	         {"type":"transfer","from":"acct-1","to":"acct-2","amount":5,"nonce":2}]`
	resp, err := c.client.Post("http://"+c.nodes[leader].httpAddr+"/api/v12/transactions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/v12/transactions: %s", resp.Status)
	}

	want := []string{"aurigraph.apply", "aurigraph.ingest.batch", "aurigraph.project", "aurigraph.propose", "aurigraph.publish", "aurigraph.stream.fanout", "aurigraph.submit"}
	// The exporters send every five seconds; a loaded machine may take a
	// few rounds.
	testbin.WaitFor(t, 90*time.Second, "one trace through every stage from three processes", func() (bool, string) {
		id, stages, services := col.widest()
		ok := len(services) >= 3
		for _, w := range want {
			ok = ok && slices.Contains(stages, w)
		}
		return ok, fmt.Sprintf("widest trace %s: stages %v from %v", id, stages, services)
	})
	id, stages, services := col.widest()
	t.Logf("trace %s: stages %v from %v", id, stages, services)
}
