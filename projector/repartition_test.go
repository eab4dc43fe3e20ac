package projector

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// projectBeforeDays projects heights 1..h into a database migrated only as
// far as before day partitions, as a deployment of that time left it.
func (e *env) projectBeforeDays(h uint64) {
	e.t.Helper()
	p := e.projector(Config{})
	p.migrations = slices.DeleteFunc(p.migrations, func(m migration) bool { return m.version == 4 })
	e.publish(1, h)
	r := start(p)
	r.waitHeight(e.t, h)
	if err := r.stop(e.t); err != nil {
		e.t.Fatal(err)
	}
	if key := e.partitionKey("transactions"); key != monthPartitions {
		e.t.Fatalf("before the migration transactions are partitioned by %q, want %q", key, monthPartitions)
	}
}

func (e *env) partitionKey(table string) string {
	e.t.Helper()
	key, _, err := partitionKey(context.Background(), e.ch, table)
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

func (e *env) exec(stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		if err := e.ch.Exec(context.Background(), s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestTransactionsMoveToDayPartitions(t *testing.T) {
	e := newEnv(t)
	e.projectBeforeDays(30)

	p := e.projector(Config{})
	r := start(p)
	r.waitHeight(t, 30)
	if key := e.partitionKey("transactions"); key != dayPartitions {
		t.Fatalf("transactions partitioned by %q after the migration, want %q", key, dayPartitions)
	}
	if _, ok, _ := partitionKey(context.Background(), e.ch, transactionsTwin); ok {
		t.Fatalf("%s is still there after the migration", transactionsTwin)
	}
	e.wantExactly(30)
	// The rollups' views must read the new table: blocks projected after the
	// exchange reach them.
	e.publish(31, 45)
	r.waitHeight(t, 45)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	e.wantExactly(45)
	var skip uint64
	if err := e.ch.QueryRow(context.Background(), "SELECT count() FROM system.data_skipping_indices WHERE database = 'aurigraph' AND table = 'transactions' AND name = 'id_bloom'").Scan(&skip); err != nil || skip != 1 {
		t.Fatalf("id_bloom index on the new table: %d (%v), want 1", skip, err)
	}
}

func TestNewDatabaseIsPartitionedByDay(t *testing.T) {
	e := newEnv(t)
	p := e.projector(Config{})
	defer p.Close()
	if err := p.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if key := e.partitionKey("transactions"); key != dayPartitions {
		t.Fatalf("transactions partitioned by %q, want %q", key, dayPartitions)
	}
}

// A migration cut short at any point is finished by the next start, and one
// that finds the tables in a state it did not leave stops without dropping
// anything.
func TestDayPartitionMigrationResumesOrStops(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		before  func(e *env)
		wantErr string
	}{
		{
			name: "cut short during the copy",
			before: func(e *env) {
				e.exec(`CREATE TABLE aurigraph.transactions_by_day AS aurigraph.transactions
					ENGINE = ReplacingMergeTree PARTITION BY toYYYYMMDD(block_time) ORDER BY (height, idx)`,
					"INSERT INTO aurigraph.transactions_by_day SELECT * FROM aurigraph.transactions WHERE height <= 10")
			},
		},
		{
			name: "cut short after the exchange",
			before: func(e *env) {
				if err := copyIntoDayTwin(ctx, e.ch); err != nil {
					e.t.Fatal(err)
				}
			},
		},
		{
			name: "rows missing from the new table",
			before: func(e *env) {
				if err := copyIntoDayTwin(ctx, e.ch); err != nil {
					e.t.Fatal(err)
				}
				e.exec("DELETE FROM aurigraph.transactions WHERE height = 5")
			},
			wantErr: "is kept for inspection",
		},
		{
			name: "a view still reads the old table",
			before: func(e *env) {
				if err := copyIntoDayTwin(ctx, e.ch); err != nil {
					e.t.Fatal(err)
				}
				e.exec("CREATE TABLE aurigraph.sink (id String) ENGINE = Null",
					"CREATE MATERIALIZED VIEW aurigraph.sink_mv TO aurigraph.sink AS SELECT id FROM aurigraph.transactions_by_day")
			},
			wantErr: "views [sink_mv] still read the old table",
		},
		{
			name: "a day-partitioned table under the twin's name",
			before: func(e *env) {
				if err := copyIntoDayTwin(ctx, e.ch); err != nil {
					e.t.Fatal(err)
				}
				e.exec("DROP TABLE aurigraph.transactions_by_day SYNC",
					"CREATE TABLE aurigraph.transactions_by_day AS aurigraph.transactions")
			},
			wantErr: "not the old table",
		},
		{
			name: "partitioned by something else",
			before: func(e *env) {
				e.exec("DROP TABLE aurigraph.block_stats_mv SYNC", "DROP TABLE aurigraph.account_deltas_mv SYNC",
					"DROP TABLE aurigraph.transactions SYNC",
					"CREATE TABLE aurigraph.transactions (id String, height UInt64, block_time DateTime64(3, 'UTC')) ENGINE = MergeTree PARTITION BY height % 4 ORDER BY height")
			},
			wantErr: "neither by month nor by day",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.projectBeforeDays(20)
			tt.before(e)
			p := e.projector(Config{})
			defer p.Close()
			err := p.Migrate(ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Migrate = %v, want an error containing %q", err, tt.wantErr)
				}
				if !strings.Contains(tt.wantErr, "neither") {
					if _, ok, _ := partitionKey(ctx, e.ch, transactionsTwin); !ok {
						t.Fatalf("%s was dropped after %v", transactionsTwin, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if key := e.partitionKey("transactions"); key != dayPartitions {
				t.Fatalf("transactions partitioned by %q, want %q", key, dayPartitions)
			}
			if _, ok, _ := partitionKey(ctx, e.ch, transactionsTwin); ok {
				t.Fatalf("%s is still there", transactionsTwin)
			}
			e.wantExactly(20)
		})
	}
}

func TestGoMigrationsShareTheFilesNumbering(t *testing.T) {
	files := []migration{{version: 1, name: "0001_a.sql"}, {version: 5, name: "0005_c.sql"}}
	got, err := withGoMigrations(files, []migration{{version: 3, name: "0003_b"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range got {
		names = append(names, m.name)
	}
	if want := []string{"0001_a.sql", "0003_b", "0005_c.sql"}; !slices.Equal(names, want) {
		t.Fatalf("order = %v, want %v", names, want)
	}
	if _, err := withGoMigrations(files, []migration{{version: 5, name: "0005_d"}}); err == nil || !strings.Contains(err.Error(), "share version 5") {
		t.Fatalf("duplicate version: err = %v", err)
	}
}

// BenchmarkDayPartitionMigration times the migration of a month-partitioned
// table of one million transactions spread over 40 days.
func BenchmarkDayPartitionMigration(b *testing.B) {
	e := newEnv(b)
	p := e.projector(Config{})
	defer p.Close()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		e.exec("DROP DATABASE IF EXISTS aurigraph SYNC")
		p.migrations = slices.DeleteFunc(slices.Clone(p.migrations), func(m migration) bool { return m.version >= 4 })
		if err := p.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		e.exec(`INSERT INTO aurigraph.transactions (id, height, idx, type, from, to, asset, amount, status, submitted, block_time, commit_latency_ms)
			SELECT toString(number), intDiv(number, 1000) + 1, number % 1000, 'transfer', 'alice', 'bob', '', number % 100, 'committed',
			       toDateTime64('2026-10-01 00:00:00', 3, 'UTC') + intDiv(number, 1000) * 3456, toDateTime64('2026-10-01 00:00:00', 3, 'UTC') + intDiv(number, 1000) * 3456, 10
			FROM numbers(1000000)`)
		b.StartTimer()
		if err := partitionTransactionsByDay(ctx, e.ch); err != nil {
			b.Fatal(err)
		}
	}
}
