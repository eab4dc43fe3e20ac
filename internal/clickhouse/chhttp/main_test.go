package chhttp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// The engine is process-global (one storage path per process), so the whole
// test binary shares one engine and one server.
var (
	testEngine   *engine.Engine
	testServer   *httptest.Server
	testRegistry *prometheus.Registry
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "chhttp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Sessions start with one thread, as in aurigraph dev, so that a
	// request raising max_threads shows whether the raise outlives it.
	testEngine, err = engine.Open(context.Background(), engine.Options{
		DataDir: dir, Logger: slog.New(slog.DiscardHandler), MaxThreads: 1,
		Reads: engine.ReadLimits{MaxThreads: 4, MaxResultBytes: 64 << 20},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: cannot open the embedded engine:", err)
		return 1
	}
	defer testEngine.Close()
	testRegistry = prometheus.NewRegistry()
	testServer = httptest.NewServer(NewHandler(testEngine, Options{Registerer: testRegistry, Logger: slog.New(slog.DiscardHandler)}))
	defer testServer.Close()
	return m.Run()
}
