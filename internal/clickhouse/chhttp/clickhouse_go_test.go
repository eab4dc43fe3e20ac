package chhttp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

func openDriver(t testing.TB, database string, settings clickhouse.Settings) driver.Conn {
	t.Helper()
	u, err := url.Parse(testServer.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{u.Host},
		Protocol:    clickhouse.HTTP,
		Auth:        clickhouse.Auth{Database: database},
		Settings:    settings,
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("clickhouse.Open: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func TestClickHouseGoRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	conn := openDriver(t, "default", nil)
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	v, err := conn.ServerVersion()
	if err != nil || v.Version.Major < 20 {
		t.Fatalf("ServerVersion = %+v, %v; want the engine's version", v, err)
	}
	for _, q := range []string{
		"DROP DATABASE IF EXISTS gotest",
		"CREATE DATABASE gotest",
		`CREATE TABLE gotest.tx (
			height UInt64, idx UInt32, id String, amount Int64,
			ts DateTime64(3, 'UTC'), status Enum8('committed' = 1, 'failed' = 2),
			flags UInt8, tags Array(String)
		) ENGINE = ReplacingMergeTree ORDER BY (height, idx)`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("Exec %q: %v", q, err)
		}
	}

	const rows = 100_000
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO gotest.tx")
	if err != nil {
		t.Fatalf("PrepareBatch: %v", err)
	}
	base := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	var wantAmount int64
	for i := range rows {
		amount := int64(i%1000) - 500
		wantAmount += amount
		status := "committed"
		if i%10 == 0 {
			status = "failed"
		}
		if err := batch.Append(uint64(i/100), uint32(i%100), fmt.Sprintf("tx-%07d", i), amount,
			base.Add(time.Duration(i)*time.Millisecond), status, uint8(i%3), []string{"a", fmt.Sprint(i % 7)}); err != nil {
			t.Fatalf("Append row %d: %v", i, err)
		}
	}
	start := time.Now()
	if err := batch.Send(); err != nil {
		t.Fatalf("Send: %v", err)
	}
	t.Logf("sent %d rows in %v", rows, time.Since(start))

	var (
		count      uint64
		sumAmount  int64
		failed     uint64
		maxTS      time.Time
		tagEntries uint64
	)
	err = conn.QueryRow(ctx, `SELECT count(), sum(amount), countIf(status = 'failed'), max(ts), sum(length(tags)) FROM gotest.tx`).
		Scan(&count, &sumAmount, &failed, &maxTS, &tagEntries)
	if err != nil {
		t.Fatalf("QueryRow: %v", err)
	}
	wantMax := base.Add((rows - 1) * time.Millisecond)
	if count != rows || sumAmount != wantAmount || failed != rows/10 || !maxTS.Equal(wantMax) || tagEntries != 2*rows {
		t.Fatalf("read back count=%d sum=%d failed=%d max=%v tags=%d; want %d %d %d %v %d",
			count, sumAmount, failed, maxTS, tagEntries, rows, wantAmount, rows/10, wantMax, 2*rows)
	}

	// Rows come back typed through the Native format.
	r, err := conn.Query(ctx, "SELECT id, amount, ts, status, tags FROM gotest.tx WHERE height = 7 ORDER BY idx LIMIT 3")
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	var got []string
	for r.Next() {
		var (
			id     string
			amount int64
			ts     time.Time
			status string
			tags   []string
		)
		if err := r.Scan(&id, &amount, &ts, &status, &tags); err != nil {
			t.Fatalf("Scan: %v", err)
		}
		got = append(got, fmt.Sprintf("%s/%d/%s/%s/%v", id, amount, ts.Format("15:04:05.000"), status, tags))
	}
	if err := r.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	_ = r.Close()
	want := []string{"tx-0000700/200/03:04:05.706/failed/[a 0]", "tx-0000701/201/03:04:05.707/committed/[a 1]", "tx-0000702/202/03:04:05.708/committed/[a 2]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows = %v, want %v", got, want)
	}
}

func TestClickHouseGoException(t *testing.T) {
	ctx := context.Background()
	conn := openDriver(t, "default", nil)
	for _, tc := range []struct {
		name string
		run  func() error
		code int32
	}{
		{"unknown table", func() error { return conn.Exec(ctx, "SELECT * FROM no_such_table") }, 60},
		{"syntax", func() error {
			rows, err := conn.Query(ctx, "SELEC 1")
			if err == nil {
				rows.Close()
			}
			return err
		}, 62},
		{"unknown setting", func() error {
			return conn.Exec(clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"no_such_setting_x": 1})), "SELECT 1")
		}, 115},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var ex *clickhouse.Exception
			if !errors.As(err, &ex) {
				t.Fatalf("error %v (%T) is not a *clickhouse.Exception", err, err)
			}
			if ex.Code != tc.code {
				t.Fatalf("code = %d, want %d (%v)", ex.Code, tc.code, ex)
			}
		})
	}
}

func TestClickHouseGoParamsAndSettings(t *testing.T) {
	ctx := context.Background()
	conn := openDriver(t, "default", clickhouse.Settings{"max_threads": 2})

	var sum uint64
	var s string
	pctx := clickhouse.Context(ctx, clickhouse.WithParameters(clickhouse.Parameters{"n": "10", "s": "it's"}))
	if err := conn.QueryRow(pctx, "SELECT sum(number), {s:String} FROM numbers({n:UInt64})").Scan(&sum, &s); err != nil {
		t.Fatalf("param query: %v", err)
	}
	if sum != 45 || s != "it's" {
		t.Fatalf("param query = %d %q, want 45 \"it's\"", sum, s)
	}

	// Named args in {name:Type} form also travel as param_ URL parameters.
	if err := conn.QueryRow(ctx, "SELECT {a:UInt64} * 2", clickhouse.Named("a", "21")).Scan(&sum); err != nil || sum != 42 {
		t.Fatalf("named arg query = %d, %v; want 42", sum, err)
	}

	// Per-query settings apply to that query only.
	var threads string
	sctx := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_threads": 1}))
	if err := conn.QueryRow(sctx, "SELECT value FROM system.settings WHERE name = 'max_threads'").Scan(&threads); err != nil || threads != "1" {
		t.Fatalf("max_threads in query = %q, %v; want 1", threads, err)
	}
	if err := conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'max_threads'").Scan(&threads); err != nil || threads != "2" {
		t.Fatalf("max_threads from connection settings = %q, %v; want 2", threads, err)
	}

	// insert_deduplication_token makes a retried insert a no-op.
	for _, q := range []string{
		"DROP DATABASE IF EXISTS dedup",
		"CREATE DATABASE dedup",
		"CREATE TABLE dedup.t (k UInt64, v String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("Exec %q: %v", q, err)
		}
	}
	send := func(token string) {
		t.Helper()
		bctx := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_deduplication_token": token}))
		b, err := conn.PrepareBatch(bctx, "INSERT INTO dedup.t (k, v)")
		if err != nil {
			t.Fatalf("PrepareBatch: %v", err)
		}
		for i := range 10 {
			if err := b.Append(uint64(i), "x"); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatalf("Send with token %q: %v", token, err)
		}
	}
	send("blocks-0-9")
	send("blocks-0-9")
	send("blocks-10-19")
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM dedup.t").Scan(&n); err != nil || n != 20 {
		t.Fatalf("count after deduplicated retry = %d, %v; want 20", n, err)
	}

	// A connection whose database is set resolves unqualified names in it.
	dconn := openDriver(t, "dedup", nil)
	if err := dconn.QueryRow(ctx, "SELECT count() FROM t").Scan(&n); err != nil || n != 20 {
		t.Fatalf("count via database=dedup = %d, %v; want 20", n, err)
	}
}

// Writers share one engine connection; the front serializes them.
func TestClickHouseGoConcurrentWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := openDriver(t, "default", nil)
	for _, q := range []string{"DROP TABLE IF EXISTS conc", "CREATE TABLE conc (w UInt8, n UInt64) ENGINE = MergeTree ORDER BY (w, n)"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const writers, batches, rows = 4, 5, 5000
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for b := range batches {
				batch, err := conn.PrepareBatch(ctx, "INSERT INTO conc")
				if err != nil {
					errs <- err
					return
				}
				for i := range rows {
					if err := batch.Append(uint8(w), uint64(b*rows+i)); err != nil {
						errs <- err
						return
					}
				}
				if err := batch.Send(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var n, uniq uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(w, n) FROM conc").Scan(&n, &uniq); err != nil {
		t.Fatal(err)
	}
	if want := uint64(writers * batches * rows); n != want || uniq != want {
		t.Fatalf("count %d uniq %d, want %d", n, uniq, want)
	}
}

// The driver's LZ4 and ZSTD options use ClickHouse's native block
// compression (compress=1 / decompress=1) in both directions.
func TestClickHouseGoNativeCompression(t *testing.T) {
	ctx := context.Background()
	setup := openDriver(t, "default", nil)
	for _, q := range []string{"DROP TABLE IF EXISTS comp", "CREATE TABLE comp (m String, n UInt64, s String) ENGINE = MergeTree ORDER BY (m, n)"} {
		if err := setup.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, method := range []clickhouse.CompressionMethod{clickhouse.CompressionLZ4, clickhouse.CompressionZSTD} {
		t.Run(method.String(), func(t *testing.T) {
			u, _ := url.Parse(testServer.URL)
			conn, err := clickhouse.Open(&clickhouse.Options{
				Addr:        []string{u.Host},
				Protocol:    clickhouse.HTTP,
				Compression: &clickhouse.Compression{Method: method},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			const rows = 50_000
			batch, err := conn.PrepareBatch(ctx, "INSERT INTO comp")
			if err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				if err := batch.Append(method.String(), uint64(i), fmt.Sprintf("value-%d", i%100)); err != nil {
					t.Fatal(err)
				}
			}
			if err := batch.Send(); err != nil {
				t.Fatalf("Send: %v", err)
			}
			r, err := conn.Query(ctx, "SELECT n, s FROM comp WHERE m = ? ORDER BY n", method.String())
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			defer r.Close()
			var got int
			for r.Next() {
				var n uint64
				var s string
				if err := r.Scan(&n, &s); err != nil {
					t.Fatal(err)
				}
				if n != uint64(got) || s != fmt.Sprintf("value-%d", got%100) {
					t.Fatalf("row %d = %d %q", got, n, s)
				}
				got++
			}
			if err := r.Err(); err != nil || got != rows {
				t.Fatalf("read %d rows, %v; want %d", got, err, rows)
			}
			var ex *clickhouse.Exception
			if err := conn.Exec(ctx, "SELECT * FROM nope"); !errors.As(err, &ex) || ex.Code != 60 {
				t.Fatalf("error over compressed connection = %v, want exception 60", err)
			}
		})
	}
}
