package projector

import (
	"fmt"
	"os"
	"testing"

	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp/chhttptest"
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
	dsn, stop, err := chhttptest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer stop()
	testDSN = dsn
	return m.Run()
}
