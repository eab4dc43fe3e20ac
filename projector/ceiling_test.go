package projector

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestMeasureInsertUsesAScratchDatabase(t *testing.T) {
	e := newEnv(t)
	p, err := New(Config{Brokers: e.brokers, ClickHouse: testDSN})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := MeasureInsert(t.Context(), InsertBench{ClickHouse: testDSN, Rows: 10_000, Batches: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 10_000 || res.RowsPerSecond() <= 0 {
		t.Fatalf("MeasureInsert = %+v", res)
	}
	var left uint64
	if err := e.ch.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name LIKE 'aurigraph_ceiling_%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d scratch databases left behind", left)
	}
}

func TestMeasureInsertSaysToMigrateFirst(t *testing.T) {
	newEnv(t) // drops the aurigraph database
	_, err := MeasureInsert(t.Context(), InsertBench{ClickHouse: testDSN, Rows: 10, Batches: 1})
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) || !strings.Contains(err.Error(), "run the projector's migrations first") {
		t.Fatalf("MeasureInsert without the schema: %v; want the server's exception and how to fix it", err)
	}
}
