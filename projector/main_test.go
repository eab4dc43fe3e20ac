package projector

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aurigraph/aurigraph/analytics/chdb"
	"github.com/aurigraph/aurigraph/analytics/chhttp"
)

// The embedded engine is process-global (one storage path per process), so
// the test binary shares one engine, served over HTTP on 127.0.0.1 exactly as
// `aurigraph dev` serves it; tests that use it run one after another and
// start from an empty aurigraph database.
var testDSN string

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "projector-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	eng, err := chdb.Open(context.Background(), chdb.Options{DataDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: cannot open the embedded ClickHouse engine:", err)
		return 1
	}
	defer eng.Close()
	srv := httptest.NewServer(chhttp.NewHandler(eng, chhttp.Options{}))
	defer srv.Close()
	testDSN = srv.URL
	return m.Run()
}
