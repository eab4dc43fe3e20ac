package projector

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// lossyFront sits between the projector and the real ClickHouse HTTP front.
// It forwards every request, but for the first `lose` inserts into table it
// throws the response away and drops the connection, as a network failure
// after the server committed would. A real proxy rather than a fake server:
// the rows really land, so the retry must be deduplicated by the engine.
type lossyFront struct {
	target *url.URL
	table  string
	lose   atomic.Int32
}

func (f *lossyFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = f.target.Scheme, f.target.Host
	out.Host = f.target.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	query := r.URL.Query().Get("query")
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(query, "INSERT INTO aurigraph."+f.table+" ") && f.lose.Add(-1) >= 0 {
		panic(http.ErrAbortHandler)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

func TestInsertWhoseResponseIsLostIsRetriedOnce(t *testing.T) {
	for _, table := range []string{"transactions", "blocks"} {
		t.Run(table, func(t *testing.T) {
			e := newEnv(t)
			e.publish(1, 100)
			target, err := url.Parse(testDSN)
			if err != nil {
				t.Fatal(err)
			}
			front := &lossyFront{target: target, table: table}
			front.lose.Store(2)
			srv := httptest.NewServer(front)
			defer srv.Close()

			p := e.projector(Config{ClickHouse: srv.URL, MaxBatchBlocks: 30})
			r := start(p)
			r.waitHeight(t, 100)
			if err := r.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if front.lose.Load() >= 0 {
				t.Fatalf("the front lost fewer inserts than planned (%d left)", front.lose.Load())
			}
			var m dto.Metric
			if err := p.metrics.errors.WithLabelValues("insert").Write(&m); err != nil {
				t.Fatal(err)
			}
			if got := m.GetCounter().GetValue(); got != 2 {
				t.Errorf("insert errors = %v, want 2", got)
			}
			e.wantExactly(100)
		})
	}
}

// ClickHouse coming up after the projector (a routine start-up order) must
// delay the projector, not stop it, whether or not it claims the database.
func TestWaitsForClickHouseAtStart(t *testing.T) {
	for _, lease := range []time.Duration{0, testLease} {
		t.Run(fmt.Sprintf("lease %v", lease), func(t *testing.T) { waitsForClickHouseAtStart(t, lease) })
	}
}

func waitsForClickHouseAtStart(t *testing.T, lease time.Duration) {
	e := newEnv(t)
	e.publish(1, 20)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there until the front starts below

	target, err := url.Parse(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	r := start(e.projector(Config{ClickHouse: "http://" + addr, Lease: lease}))
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-r.errc:
		t.Fatalf("Run gave up while ClickHouse was unreachable: %v", err)
	default:
	}

	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(&lossyFront{target: target})
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	defer srv.Close()

	r.waitHeight(t, 20)
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	e.wantExactly(20)
}
