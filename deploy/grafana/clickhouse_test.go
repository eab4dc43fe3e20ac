package grafana

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aurigraph/aurigraph/projector"
)

// The projection the queries run over: testBlocks blocks, one a second from
// t0, of testTxsPerBlock transactions each among ten accounts, of several
// types, every seventh failed.
var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

const (
	testBlocks      = 600
	testTxsPerBlock = 10
	testAccount     = "acct-1"
	testInterval    = time.Minute
)

// loadProjection applies the projector's migrations to the engine and
// fills the tables, the materialized views keeping the rollups as they do
// behind the projector.
func loadProjection(t *testing.T) driver.Conn {
	t.Helper()
	ctx := t.Context()
	p, err := projector.New(projector.Config{Brokers: []string{"127.0.0.1:1"}, ClickHouse: testDSN, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := projector.OpenClickHouse(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	start := t0.UnixMilli()
	stmts := []string{
		fmt.Sprintf(`INSERT INTO aurigraph.blocks (height, hash, prev_hash, tx_root, timestamp, proposer, raft_term, raft_index, tx_count, failed_count)
			SELECT number + 1, hex(number + 1), hex(number), '', fromUnixTimestamp64Milli(toInt64(%d + number * 1000)), 1 + intDiv(number, 200) %% 3,
				1 + intDiv(number, 200), number + 1, %d, 1
			FROM numbers(%d)`, start, testTxsPerBlock, testBlocks),
		fmt.Sprintf(`INSERT INTO aurigraph.transactions (id, height, idx, type, `+"`from`, `to`"+`, asset, amount, nonce, status, reason, submitted, block_time, commit_latency_ms)
			SELECT hex(number), intDiv(number, %[2]d) + 1, number %% %[2]d, ['transfer', 'mint', 'asset_transfer', 'transfer', 'asset_create'][number %% 5 + 1],
				concat('acct-', toString(number %% 10)), concat('acct-', toString((number + 3) %% 10)), if(number %% 5 IN (2, 4), 'USD', ''),
				number %% 100 + 1, intDiv(number, 10) + 1, if(number %% 7 = 0, 'failed', 'committed'), if(number %% 7 = 0, 'nonce too low', ''),
				fromUnixTimestamp64Milli(toInt64(%[1]d + intDiv(number, %[2]d) * 1000 - number %% 200)), fromUnixTimestamp64Milli(toInt64(%[1]d + intDiv(number, %[2]d) * 1000)), number %% 200
			FROM numbers(%[3]d) SETTINGS max_block_size = %[3]d, max_insert_block_size = %[3]d`, start, testTxsPerBlock, testBlocks*testTxsPerBlock),
	}
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("load the projection: %v", err)
		}
	}
	return conn
}

// chVars are the values the dashboard's variables take in a run: every type
// (the plugin's $__conditionalAll drops the condition) or two of them.
type chVars struct {
	allTypes bool
	types    []string
	account  string
}

var chMacro = regexp.MustCompile(`\$(__timeFilter|__timeInterval)\(([^()]*)\)|\$__interval_s\b`)

// expandClickHouse turns a panel's SQL into what the plugin sends for the
// time range [from, to], as its macros (pkg/macros of
// grafana-clickhouse-datasource v4) and Grafana's variable formats do.
func expandClickHouse(sql string, vals chVars, from, to time.Time) (string, error) {
	var err error
	sql, err = expandConditionalAll(sql, vals)
	if err != nil {
		return "", err
	}
	sql = chMacro.ReplaceAllStringFunc(sql, func(m string) string {
		sub := chMacro.FindStringSubmatch(m)
		col := strings.TrimSpace(sub[2])
		switch sub[1] {
		case "__timeFilter":
			return fmt.Sprintf("%s >= toDateTime(%d) AND %s <= toDateTime(%d)", col, from.Unix(), col, to.Unix())
		case "__timeInterval":
			return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", col, int(testInterval.Seconds()))
		default:
			return fmt.Sprint(int(testInterval.Seconds()))
		}
	})
	var unknown []string
	sql = varRef.ReplaceAllStringFunc(sql, func(ref string) string {
		u := varUses(ref)[0]
		switch {
		case u.name == "tx_type" && u.format == "singlequote":
			q := make([]string, len(vals.types))
			for i, t := range vals.types {
				q[i] = "'" + strings.ReplaceAll(t, "'", `\'`) + "'"
			}
			return strings.Join(q, ",")
		case u.name == "account" && u.format == "sqlstring":
			return "'" + strings.ReplaceAll(vals.account, "'", "''") + "'"
		}
		unknown = append(unknown, ref)
		return ref
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("%v: not expanded by this test (a new variable, or a format without quoting)", unknown)
	}
	return sql, nil
}

// expandConditionalAll expands $__conditionalAll(condition, $variable): the
// condition while the variable has chosen values, 1=1 when it is All.
func expandConditionalAll(sql string, vals chVars) (string, error) {
	const macro = "$__conditionalAll("
	for {
		i := strings.Index(sql, macro)
		if i < 0 {
			return sql, nil
		}
		depth, end := 1, -1
		for j := i + len(macro); j < len(sql) && end < 0; j++ {
			switch sql[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			return "", fmt.Errorf("unbalanced %s", macro)
		}
		args := sql[i+len(macro) : end]
		comma := strings.LastIndex(args, ",")
		if comma < 0 || strings.TrimSpace(args[comma+1:]) != "$tx_type" {
			return "", fmt.Errorf("%s%s): this test knows it only over $tx_type", macro, args)
		}
		cond := "1=1"
		if !vals.allTypes {
			cond = args[:comma]
		}
		sql = sql[:i] + cond + sql[end+1:]
	}
}

// TestClickHouseQueriesRun runs every query of the ClickHouse dashboards on
// the embedded engine over the projection's schema, through its HTTP
// interface as a reader (readonly=2, the confined path Grafana's plugin
// takes), with the plugin's macros and the variables expanded: a wrong
// column, function or type fails here. Each must return rows over the test
// data, and a time-series query must start with a time column.
func TestClickHouseQueriesRun(t *testing.T) {
	conn := loadProjection(t)
	from, to := t0.Add(-time.Minute), t0.Add(testBlocks*time.Second+time.Minute)
	runs := []chVars{
		{allTypes: true, types: []string{"transfer", "mint", "asset_create", "asset_transfer", "set_key"}, account: testAccount},
		{types: []string{"transfer", "mint"}, account: testAccount},
	}
	queries := 0
	for _, f := range loadDashboards(t) {
		for _, p := range f.d.Panels {
			for _, tg := range p.Targets {
				if tg.RawSQL == "" {
					continue
				}
				queries++
				for _, vals := range runs {
					name := fmt.Sprintf("%s/%s/%s/all=%v", f.d.UID, p.Title, tg.RefID, vals.allTypes)
					t.Run(name, func(t *testing.T) {
						sql, err := expandClickHouse(tg.RawSQL, vals, from, to)
						if err != nil {
							t.Fatal(err)
						}
						checkQuery(t, conn, sql, tg.QueryType == "timeseries")
					})
				}
			}
		}
	}
	if queries == 0 {
		t.Fatal("no ClickHouse dashboard queries found")
	}
}

func checkQuery(t *testing.T, conn driver.Conn, sql string, timeSeries bool) {
	t.Helper()
	ctx := clickhouse.Context(t.Context(), clickhouse.WithSettings(clickhouse.Settings{"readonly": 2}))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	cols := rows.ColumnTypes()
	if timeSeries && (len(cols) < 2 || !strings.HasPrefix(cols[0].DatabaseTypeName(), "DateTime")) {
		t.Errorf("a time series starts with a time column and has values, got columns %v\n%s", columnTypes(cols), sql)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	if n == 0 {
		t.Errorf("no rows over the test data\n%s", sql)
	}
}

func columnTypes(cols []driver.ColumnType) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name() + " " + c.DatabaseTypeName()
	}
	return out
}
