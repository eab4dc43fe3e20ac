package chhttp

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkInsertHTTP measures rows/s through clickhouse-go's HTTP transport,
// this front and the engine's streaming insert, 100K-row batches.
func BenchmarkInsertHTTP(b *testing.B) {
	ctx := context.Background()
	conn := openDriver(b, "default", nil)
	if err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS bench_tx (height UInt64, id String, amount Int64, ts DateTime64(3)) ENGINE = MergeTree ORDER BY height"); err != nil {
		b.Fatal(err)
	}
	const rows = 100_000
	ids := make([]string, rows)
	for i := range ids {
		ids[i] = fmt.Sprintf("tx-%08d", i)
	}
	ts := time.Now()
	b.ResetTimer()
	for b.Loop() {
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO bench_tx")
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if err := batch.Append(uint64(i), ids[i], int64(i), ts); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQueryHTTP measures a small aggregate round trip, the latency
// floor of one request through the front.
func BenchmarkQueryHTTP(b *testing.B) {
	ctx := context.Background()
	conn := openDriver(b, "default", nil)
	var n uint64
	for b.Loop() {
		if err := conn.QueryRow(ctx, "SELECT count() FROM numbers(1000)").Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}
