// Package chhttptest serves the embedded ClickHouse engine over its HTTP
// interface on 127.0.0.1 for tests, the way `aurigraph dev` serves it.
package chhttptest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"

	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp"
	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// Start opens the engine on a temporary directory and serves it. The engine
// is process-global, so a test binary calls Start once, from TestMain, and
// its tests share the server. stop closes both and removes the directory.
func Start() (dsn string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "clickhouse-test-")
	if err != nil {
		return "", nil, err
	}
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("cannot open the embedded ClickHouse engine: %w", err)
	}
	srv := httptest.NewServer(chhttp.NewHandler(eng, chhttp.Options{Logger: slog.New(slog.DiscardHandler)}))
	return srv.URL, func() {
		srv.Close()
		eng.Close()
		os.RemoveAll(dir)
	}, nil
}
