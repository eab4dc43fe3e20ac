// Package analytics answers analysts' questions from the ClickHouse
// projection of the chain: throughput and volume over time, latency and
// block-time quantiles, validator production, top accounts and assets,
// period-over-period comparisons, forecasts and anomalies.
package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aurigraph/aurigraph/analytics/anomaly"
	"github.com/aurigraph/aurigraph/analytics/forecast"
	"github.com/aurigraph/aurigraph/schemas"
)

// MaxPoints bounds a series: a finer step over a longer range is refused,
// not silently thinned.
const MaxPoints = 10_000

// Metric names a series.
type Metric string

// The series Series can compute.
const (
	MetricTPS         Metric = "tps"           // committed and failed transactions per second
	MetricVolume      Metric = "volume"        // sum of committed amounts per step
	MetricFailed      Metric = "failed"        // failed transactions per step
	MetricBlocks      Metric = "blocks"        // blocks per step
	MetricBlockTimeMs Metric = "block_time_ms" // mean interval between blocks, ms
	MetricLatencyP50  Metric = "latency_p50"   // commit latency quantiles, ms
	MetricLatencyP90  Metric = "latency_p90"
	MetricLatencyP99  Metric = "latency_p99"
)

// Metrics lists every metric, in the order the API documents them.
var Metrics = []Metric{MetricTPS, MetricVolume, MetricFailed, MetricBlocks, MetricBlockTimeMs, MetricLatencyP50, MetricLatencyP90, MetricLatencyP99}

// The defaults of the service's requests. The service applies them, so that
// the REST and gRPC faces answer a request the same way: a face passes the
// zero value for what its caller left out.
const (
	// defaultMetric is the series of a request that names none.
	defaultMetric = MetricTPS
	// defaultSpan is a range's length when a request gives no start, and
	// Compare's period when it gives none.
	defaultSpan = time.Hour
	// defaultForecastStep and defaultForecastHistory are a forecast's
	// bucket and how far back its model fits.
	defaultForecastStep    = time.Minute
	defaultForecastHistory = 48 * time.Hour
	// defaultCoverage is the probability of a forecast's prediction
	// interval.
	defaultCoverage = 0.8
)

// RangeOf is the range a request names with from and to, either of which
// may be zero (not given): to defaults to now, from to an hour before to.
func RangeOf(from, to, now time.Time) Range {
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-defaultSpan)
	}
	return Range{From: from, To: to}
}

// DefaultStep is about 300 buckets over r, in whole seconds: the step of a
// series whose request gives none.
func DefaultStep(r Range) time.Duration {
	return max(r.To.Sub(r.From)/300, time.Second).Truncate(time.Second)
}

// DefaultSeason guesses the pattern a step shows, the season of a forecast
// or anomaly request that gives none: minutes of an hour for steps under an
// hour, hours of a day under a day, days of a week beyond.
func DefaultSeason(step time.Duration) int {
	switch {
	case step < time.Minute:
		return 60
	case step < time.Hour:
		return int(time.Hour / step)
	case step < 24*time.Hour:
		return int(24 * time.Hour / step)
	default:
		return 7
	}
}

// ErrBadRequest marks errors in what the caller asked for.
var ErrBadRequest = errors.New("analytics: bad request")

type metricQuery struct{ table, timeCol, expr string }

// metricSQL is each metric's aggregate over one bucket and the table it
// reads; {step} is the bucket's length in seconds. Transaction metrics read
// aurigraph.block_stats, the per-block rollup the projection keeps (one row
// per block; FINAL collapses blocks projected twice).
var metricSQL = map[Metric]metricQuery{
	MetricTPS:         {"block_stats FINAL", "block_time", "sum(txs) / {step}"},
	MetricVolume:      {"block_stats FINAL", "block_time", "toFloat64(sum(volume))"},
	MetricFailed:      {"block_stats FINAL", "block_time", "toFloat64(sum(failed))"},
	MetricBlocks:      {"blocks", "timestamp", "toFloat64(count())"},
	MetricBlockTimeMs: {"blocks", "timestamp", "if(count() > 1, (toUnixTimestamp64Milli(max(timestamp)) - toUnixTimestamp64Milli(min(timestamp))) / (count() - 1), nan)"},
	MetricLatencyP50:  {"block_stats FINAL", "block_time", "quantilesMerge(0.5, 0.9, 0.99)(latency)[1]"},
	MetricLatencyP90:  {"block_stats FINAL", "block_time", "quantilesMerge(0.5, 0.9, 0.99)(latency)[2]"},
	MetricLatencyP99:  {"block_stats FINAL", "block_time", "quantilesMerge(0.5, 0.9, 0.99)(latency)[3]"},
}

// Service runs the analytics queries on a clickhouse-go connection to the
// database the projector writes.
type Service struct {
	conn     driver.Conn
	database string
}

// New returns a Service reading database (aurigraph) through conn.
func New(conn driver.Conn, database string) *Service {
	return &Service{conn: conn, database: database}
}

// Range is a half-open time range [From, To).
type Range struct{ From, To time.Time }

func (r Range) check() error {
	if !r.From.Before(r.To) {
		return fmt.Errorf("%w: range from %s to %s is empty; from must come before to", ErrBadRequest, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return nil
}

// Point is one bucket of a series. V is NaN where the bucket holds no data
// for a metric that is undefined on nothing (latency, block time); counts
// and rates are 0 there.
type Point struct {
	T time.Time `json:"t"`
	V Value     `json:"v"`
}

// Series is a metric bucketed by Step over a range. Buckets start at
// multiples of Step since the Unix epoch; every bucket of the range is
// present.
type Series struct {
	Metric Metric        `json:"metric"`
	Step   time.Duration `json:"-"`
	Points []Point       `json:"points"`
}

// Series computes metric (default tps) over r in buckets of step (default
// DefaultStep(r)).
func (s *Service) Series(ctx context.Context, metric Metric, r Range, step time.Duration) (Series, error) {
	p, err := planSeries(metric, r, step)
	if err != nil {
		return Series{}, err
	}
	metric, step = p.metric, p.step
	from, n, secs := p.from, p.points, p.secs
	rows, err := s.conn.Query(ctx, seriesSQL(s.database, p.q, from, r.To, secs))
	if err != nil {
		return Series{}, fmt.Errorf("analytics: %s series: %w", metric, err)
	}
	defer rows.Close()
	empty := 0.0
	if metric == MetricBlockTimeMs || metric == MetricLatencyP50 || metric == MetricLatencyP90 || metric == MetricLatencyP99 {
		empty = math.NaN()
	}
	out := Series{Metric: metric, Step: step, Points: make([]Point, n)}
	for i := range out.Points {
		out.Points[i] = Point{T: from.Add(time.Duration(i) * step).UTC(), V: Value(empty)}
	}
	first := from.UnixMilli() / (secs * 1000)
	for rows.Next() {
		var bucket int64
		var v float64
		if err := rows.Scan(&bucket, &v); err != nil {
			return Series{}, fmt.Errorf("analytics: %s series: %w", metric, err)
		}
		if i := bucket - first; i >= 0 && i < int64(n) {
			out.Points[i].V = Value(v)
		}
	}
	if err := rows.Err(); err != nil {
		return Series{}, fmt.Errorf("analytics: %s series: %w", metric, err)
	}
	return out, nil
}

// seriesPlan is a checked series request with its defaults applied: the
// metric and its query, the step, the first bucket's start, the number of
// buckets and their length in seconds.
type seriesPlan struct {
	metric Metric
	q      metricQuery
	step   time.Duration
	from   time.Time
	points int
	secs   int64
}

func planSeries(metric Metric, r Range, step time.Duration) (seriesPlan, error) {
	metric = cmp.Or(metric, defaultMetric)
	if step == 0 {
		step = DefaultStep(r)
	}
	q, err := lookupMetric(metric)
	if err != nil {
		return seriesPlan{}, err
	}
	if err := r.check(); err != nil {
		return seriesPlan{}, err
	}
	if step < time.Second || step%time.Second != 0 {
		return seriesPlan{}, fmt.Errorf("%w: step %v: use whole seconds, at least 1s", ErrBadRequest, step)
	}
	from := r.From.Truncate(step)
	n := int((r.To.Sub(from) + step - 1) / step)
	if n > MaxPoints {
		return seriesPlan{}, fmt.Errorf("%w: %d points of %v between %s and %s; at most %d: use a larger step or a shorter range", ErrBadRequest, n, step, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), MaxPoints)
	}
	return seriesPlan{metric: metric, q: q, step: step, from: from, points: n, secs: int64(step / time.Second)}, nil
}

func lookupMetric(metric Metric) (metricQuery, error) {
	q, ok := metricSQL[metric]
	if !ok {
		return metricQuery{}, fmt.Errorf("%w: unknown metric %q: use one of %v", ErrBadRequest, metric, Metrics)
	}
	return q, nil
}

// inRange is the condition that q's time column lies in [from, to).
func (q metricQuery) inRange(from, to time.Time) string {
	return fmt.Sprintf("%s >= fromUnixTimestamp64Milli(%d) AND %s < fromUnixTimestamp64Milli(%d)", q.timeCol, from.UnixMilli(), q.timeCol, to.UnixMilli())
}

// seriesSQL selects (bucket, v) rows, bucket being the bucket's start in
// Unix milliseconds divided by its length.
func seriesSQL(database string, q metricQuery, from, to time.Time, secs int64) string {
	return fmt.Sprintf("SELECT intDiv(toUnixTimestamp64Milli(%s), %d) AS bucket, toFloat64(%s) AS v FROM %s.%s WHERE %s GROUP BY bucket ORDER BY bucket",
		q.timeCol, secs*1000, replaceStep(q.expr, secs), database, q.table, q.inRange(from, to))
}

// SeriesQuery is the query behind a series, with each bucket's start as a
// time column t: what an export streams.
type SeriesQuery struct {
	Metric Metric
	Step   time.Duration
	SQL    string
}

// ExportSQL is the query behind Series for metric over r in buckets of
// step, with Series' defaults for a zero metric and step.
func (s *Service) ExportSQL(metric Metric, r Range, step time.Duration) (SeriesQuery, error) {
	p, err := planSeries(metric, r, step)
	if err != nil {
		return SeriesQuery{}, err
	}
	sql := fmt.Sprintf("SELECT fromUnixTimestamp64Milli(toInt64(bucket * %d)) AS t, v FROM (%s)", p.secs*1000, seriesSQL(s.database, p.q, p.from, r.To, p.secs))
	return SeriesQuery{Metric: p.metric, Step: p.step, SQL: sql}, nil
}

// TableSQL selects the rows of database's blocks or transactions table
// between two heights, inclusive, in chain order; transactions in the names
// and encodings of schemas.TxView, as far as the projection holds them.
func TableSQL(database, table string, fromHeight, toHeight uint64) (string, error) {
	return tableSQL(database, table, fromHeight, toHeight, nil)
}

// tableSQL is TableSQL with the transactions table limited to those
// sending from or to an account of scope (nil: all).
func tableSQL(database, table string, fromHeight, toHeight uint64, scope *AccountFilter) (string, error) {
	if fromHeight == 0 || toHeight < fromHeight {
		return "", fmt.Errorf("%w: heights %d..%d: use 1 <= from_height <= to_height", ErrBadRequest, fromHeight, toHeight)
	}
	order := map[string]string{"blocks": "height", "transactions": "height, idx"}[table]
	if order == "" {
		return "", fmt.Errorf("%w: table %q: use blocks or transactions", ErrBadRequest, table)
	}
	where := ""
	if scope != nil && table == "transactions" {
		where = " AND (" + scope.SQL("`from`") + " OR " + scope.SQL("`to`") + ")"
	}
	columns := "*"
	if table == "transactions" {
		columns = txViewColumns
	}
	return fmt.Sprintf("SELECT %s FROM %s.%s WHERE height BETWEEN %d AND %d%s ORDER BY %s", columns, database, table, fromHeight, toHeight, where, order), nil
}

func replaceStep(expr string, secs int64) string {
	return strings.ReplaceAll(expr, "{step}", strconv.FormatInt(secs, 10))
}

// Value is a float that is written as JSON null when it is not a number:
// an empty bucket of a quantile, a change against nothing.
type Value float64

// MarshalJSON writes v, or null for NaN and infinities.
func (v Value) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Quantiles are milliseconds at the 50th, 90th and 99th percentile.
type Quantiles struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
}

// Latency is the commit-latency and block-time distribution over a range.
type Latency struct {
	CommitMs    Quantiles `json:"commit_latency_ms"`
	BlockTimeMs Quantiles `json:"block_time_ms"`
}

// Latency computes commit-latency quantiles over the transactions and
// block-time quantiles over consecutive blocks committed in r.
func (s *Service) Latency(ctx context.Context, r Range) (Latency, error) {
	if err := r.check(); err != nil {
		return Latency{}, err
	}
	var out Latency
	commit := fmt.Sprintf(`SELECT count(), quantiles(0.5, 0.9, 0.99)(commit_latency_ms) FROM %s.transactions
		WHERE block_time >= fromUnixTimestamp64Milli(%d) AND block_time < fromUnixTimestamp64Milli(%d) AND commit_latency_ms >= 0`,
		s.database, r.From.UnixMilli(), r.To.UnixMilli())
	if err := s.quantiles(ctx, commit, &out.CommitMs); err != nil {
		return Latency{}, fmt.Errorf("analytics: commit latency: %w", err)
	}
	blocks := fmt.Sprintf(`SELECT count(), quantiles(0.5, 0.9, 0.99)(d) FROM (
		SELECT toUnixTimestamp64Milli(timestamp) - lagInFrame(toUnixTimestamp64Milli(timestamp)) OVER w AS d, row_number() OVER w AS n
		FROM %s.blocks WHERE timestamp >= fromUnixTimestamp64Milli(%d) AND timestamp < fromUnixTimestamp64Milli(%d)
		WINDOW w AS (ORDER BY height ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) WHERE n > 1`,
		s.database, r.From.UnixMilli(), r.To.UnixMilli())
	if err := s.quantiles(ctx, blocks, &out.BlockTimeMs); err != nil {
		return Latency{}, fmt.Errorf("analytics: block time: %w", err)
	}
	return out, nil
}

func (s *Service) quantiles(ctx context.Context, sql string, into *Quantiles) error {
	var qs []float64
	if err := s.conn.QueryRow(ctx, sql).Scan(&into.Count, &qs); err != nil {
		return err
	}
	if into.Count > 0 && len(qs) == 3 {
		into.P50, into.P90, into.P99 = qs[0], qs[1], qs[2]
	}
	return nil
}

// ValidatorStats is one validator's block production over a range.
type ValidatorStats struct {
	Proposer uint64 `json:"proposer"`
	Blocks   uint64 `json:"blocks"`
	Txs      uint64 `json:"txs"`
	Failed   uint64 `json:"failed"`
	// Terms counts the raft terms in which it proposed: each is a period of
	// leadership.
	Terms uint64 `json:"terms"`
	// AvgTxsPerBlock is Txs / Blocks.
	AvgTxsPerBlock float64   `json:"avg_txs_per_block"`
	First          time.Time `json:"first"`
	Last           time.Time `json:"last"`
}

// Validators reports block production per proposing validator in r.
func (s *Service) Validators(ctx context.Context, r Range) ([]ValidatorStats, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	sql := fmt.Sprintf(`SELECT proposer, count(), sum(tx_count), sum(failed_count), uniqExact(raft_term), min(timestamp), max(timestamp)
		FROM %s.blocks WHERE timestamp >= fromUnixTimestamp64Milli(%d) AND timestamp < fromUnixTimestamp64Milli(%d)
		GROUP BY proposer ORDER BY proposer`, s.database, r.From.UnixMilli(), r.To.UnixMilli())
	return queryAll(ctx, s.conn, "validators", sql, func(rows driver.Rows) (ValidatorStats, error) {
		var v ValidatorStats
		err := rows.Scan(&v.Proposer, &v.Blocks, &v.Txs, &v.Failed, &v.Terms, &v.First, &v.Last)
		if v.Blocks > 0 {
			v.AvgTxsPerBlock = float64(v.Txs) / float64(v.Blocks)
		}
		v.First, v.Last = v.First.UTC(), v.Last.UTC()
		return v, err
	})
}

// queryAll runs sql and scans every row with scan; what names the query in
// errors. An empty result is an empty slice, which JSON writes as [].
func queryAll[T any](ctx context.Context, conn driver.Conn, what, sql string, scan func(driver.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("analytics: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("analytics: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analytics: %s: %w", what, err)
	}
	return out, nil
}

// Ranked is one entry of a top list.
type Ranked struct {
	Key string `json:"key"`
	Txs uint64 `json:"txs"`
	// Volume is a sum of amounts, which exceeds 2^53 as they do.
	Volume schemas.Uint `json:"volume"`
}

func checkTop(r Range, limit int) error {
	if err := r.check(); err != nil {
		return err
	}
	if limit < 1 || limit > 1000 {
		return fmt.Errorf("%w: limit %d: use 1 to 1000", ErrBadRequest, limit)
	}
	return nil
}

// TopAccounts ranks accounts by committed volume sent or received in r.
func (s *Service) TopAccounts(ctx context.Context, r Range, limit int) ([]Ranked, error) {
	return s.topAccounts(ctx, r, limit, nil)
}

// topAccounts is TopAccounts ranking only the accounts of scope (nil: all).
func (s *Service) topAccounts(ctx context.Context, r Range, limit int, scope *AccountFilter) ([]Ranked, error) {
	if err := checkTop(r, limit); err != nil {
		return nil, err
	}
	having := ""
	if scope != nil {
		having = " HAVING " + scope.SQL("account")
	}
	where := fmt.Sprintf("block_time >= fromUnixTimestamp64Milli(%d) AND block_time < fromUnixTimestamp64Milli(%d) AND status = 'committed'", r.From.UnixMilli(), r.To.UnixMilli())
	sql := fmt.Sprintf(`SELECT account, count(), sum(amount) FROM (
		SELECT `+"`from`"+` AS account, amount FROM %[1]s.transactions WHERE %[2]s AND `+"`from`"+` != ''
		UNION ALL
		SELECT `+"`to`"+` AS account, amount FROM %[1]s.transactions WHERE %[2]s AND `+"`to`"+` != '' AND `+"`to`"+` != `+"`from`"+`)
		GROUP BY account%[4]s ORDER BY sum(amount) DESC, account LIMIT %[3]d`, s.database, where, limit, having)
	return s.ranked(ctx, "top accounts", sql)
}

// TopAssets ranks assets by committed volume in r; the native asset is "".
func (s *Service) TopAssets(ctx context.Context, r Range, limit int) ([]Ranked, error) {
	if err := checkTop(r, limit); err != nil {
		return nil, err
	}
	sql := fmt.Sprintf(`SELECT asset, count(), sum(amount) FROM %s.transactions
		WHERE block_time >= fromUnixTimestamp64Milli(%d) AND block_time < fromUnixTimestamp64Milli(%d) AND status = 'committed'
		GROUP BY asset ORDER BY sum(amount) DESC, asset LIMIT %d`, s.database, r.From.UnixMilli(), r.To.UnixMilli(), limit)
	return s.ranked(ctx, "top assets", sql)
}

func (s *Service) ranked(ctx context.Context, what, sql string) ([]Ranked, error) {
	return queryAll(ctx, s.conn, what, sql, func(rows driver.Rows) (Ranked, error) {
		var r Ranked
		var volume uint64
		err := rows.Scan(&r.Key, &r.Txs, &volume)
		r.Volume = schemas.Uint(volume)
		return r, err
	})
}

// Balance is an account's holding of one asset, from the projection's
// account snapshot (aurigraph.accounts).
type Balance struct {
	Asset      string    `json:"asset"`
	Balance    string    `json:"balance"` // decimal: balances exceed JSON's exact integers
	Txs        uint64    `json:"txs"`
	LastHeight uint64    `json:"last_height"`
	LastTime   time.Time `json:"last_time"`
}

// Account returns address's balances by asset; none for an address no
// committed transaction touched.
func (s *Service) Account(ctx context.Context, address string) ([]Balance, error) {
	if address == "" || len(address) > 256 {
		return nil, fmt.Errorf("%w: account address %q: give 1 to 256 characters", ErrBadRequest, address)
	}
	sql := fmt.Sprintf("SELECT asset, toString(balance), txs, last_height, last_time FROM %s.accounts WHERE account = ? ORDER BY asset", s.database)
	return queryAll(ctx, s.conn, fmt.Sprintf("account %q", address), sql, func(rows driver.Rows) (Balance, error) {
		var b Balance
		err := rows.Scan(&b.Asset, &b.Balance, &b.Txs, &b.LastHeight, &b.LastTime)
		b.LastTime = b.LastTime.UTC()
		return b, err
	}, address)
}

// Comparison sets a metric over a period against the period before it.
type Comparison struct {
	Metric   Metric `json:"metric"`
	Current  Value  `json:"current"`
	Previous Value  `json:"previous"`
	// ChangePct is (Current - Previous) / Previous × 100; NaN (JSON null)
	// when Previous is 0.
	ChangePct Value     `json:"change_pct"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

// Compare computes metric over [to-period, to) and [to-2·period, to-period)
// as one bucket each.
func (s *Service) Compare(ctx context.Context, metric Metric, to time.Time, period time.Duration) (Comparison, error) {
	metric = cmp.Or(metric, defaultMetric)
	if to.IsZero() {
		to = time.Now()
	}
	if period == 0 {
		period = defaultSpan
	}
	if period < time.Second || period%time.Second != 0 {
		return Comparison{}, fmt.Errorf("%w: period %v: use whole seconds, at least 1s", ErrBadRequest, period)
	}
	to = to.Truncate(time.Second)
	var vals [2]float64
	for i, end := range []time.Time{to, to.Add(-period)} {
		v, err := s.total(ctx, metric, Range{From: end.Add(-period), To: end}, period)
		if err != nil {
			return Comparison{}, err
		}
		vals[i] = v
	}
	c := Comparison{Metric: metric, Current: Value(vals[0]), Previous: Value(vals[1]), ChangePct: Value(math.NaN()), From: to.Add(-period).UTC(), To: to.UTC()}
	if vals[1] != 0 {
		c.ChangePct = Value((vals[0] - vals[1]) / vals[1] * 100)
	}
	return c, nil
}

// total is metric over r as a single bucket of length span.
func (s *Service) total(ctx context.Context, metric Metric, r Range, span time.Duration) (float64, error) {
	q, err := lookupMetric(metric)
	if err != nil {
		return 0, err
	}
	var v float64
	sql := fmt.Sprintf("SELECT toFloat64(%s) FROM %s.%s WHERE %s", replaceStep(q.expr, int64(span/time.Second)), s.database, q.table, q.inRange(r.From, r.To))
	if err := s.conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		return 0, fmt.Errorf("analytics: %s over %v: %w", metric, span, err)
	}
	return v, nil
}

// Forecast is a metric's recent history and its predicted continuation.
type Forecast struct {
	Metric   Metric          `json:"metric"`
	Season   int             `json:"season"`
	Coverage float64         `json:"coverage"`
	History  []Point         `json:"history"`
	Points   []ForecastPoint `json:"forecast"`
}

// ForecastPoint is one predicted bucket with its prediction interval.
type ForecastPoint struct {
	T    time.Time `json:"t"`
	Mean float64   `json:"mean"`
	Lo   float64   `json:"lo"`
	Hi   float64   `json:"hi"`
}

// ForecastRequest asks for a forecast. Each zero field takes the default
// its comment gives.
type ForecastRequest struct {
	// Metric is the series to forecast; default tps.
	Metric Metric
	// To ends the history; default now. It is cut to a whole step, since
	// the bucket in progress would read as a drop.
	To time.Time
	// Step is the bucket; default one minute.
	Step time.Duration
	// History is how far before To the model fits; default 48 hours.
	History time.Duration
	// Season is the pattern's length in buckets; default DefaultSeason(Step).
	Season int
	// Horizon is how many buckets to predict; default Season.
	Horizon int
	// Coverage is the probability of the prediction interval; default 0.8.
	Coverage float64
}

func (r ForecastRequest) withDefaults(now time.Time) ForecastRequest {
	r.Metric = cmp.Or(r.Metric, defaultMetric)
	if r.To.IsZero() {
		r.To = now
	}
	r.Step = cmp.Or(r.Step, defaultForecastStep)
	r.History = cmp.Or(r.History, defaultForecastHistory)
	r.Season = cmp.Or(r.Season, DefaultSeason(r.Step))
	r.Horizon = cmp.Or(r.Horizon, r.Season)
	r.Coverage = cmp.Or(r.Coverage, defaultCoverage)
	return r
}

// Forecast fits a Holt-Winters model with a season of req.Season buckets to
// the metric over req.History and predicts req.Horizon buckets after it,
// with prediction intervals of the given coverage. Empty buckets of latency
// and block time are carried over from the bucket before.
func (s *Service) Forecast(ctx context.Context, req ForecastRequest) (Forecast, error) {
	req = req.withDefaults(time.Now())
	if req.Horizon < 1 || req.Horizon > MaxPoints {
		return Forecast{}, fmt.Errorf("%w: horizon %d: use 1 to %d buckets", ErrBadRequest, req.Horizon, MaxPoints)
	}
	end := req.To.Truncate(req.Step)
	series, err := s.Series(ctx, req.Metric, Range{From: end.Add(-req.History), To: end}, req.Step)
	if err != nil {
		return Forecast{}, err
	}
	y := values(series)
	m, err := forecast.Fit(y, req.Season)
	if err != nil {
		return Forecast{}, fmt.Errorf("%w: %v (history holds %d buckets of %v; a season of %d needs at least %d: lengthen the range or shorten the season)", ErrBadRequest, err, len(y), req.Step, req.Season, 2*req.Season)
	}
	pts, err := m.Forecast(req.Horizon, req.Coverage)
	if err != nil {
		return Forecast{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	out := Forecast{Metric: req.Metric, Season: req.Season, Coverage: req.Coverage, History: series.Points}
	next := series.Points[len(series.Points)-1].T
	for _, p := range pts {
		next = next.Add(req.Step)
		out.Points = append(out.Points, ForecastPoint{T: next, Mean: p.Mean, Lo: p.Lo, Hi: p.Hi})
	}
	return out, nil
}

// Anomalies are the buckets of a series that do not fit its shape.
type Anomalies struct {
	Metric Metric         `json:"metric"`
	Season int            `json:"season"`
	Points []AnomalyPoint `json:"anomalies"`
}

// AnomalyPoint is one anomalous bucket.
type AnomalyPoint struct {
	T        time.Time `json:"t"`
	Value    float64   `json:"value"`
	Expected float64   `json:"expected"`
	Score    float64   `json:"score"`
}

// Anomalies scores metric over r in buckets of step against a robust
// seasonal baseline (anomaly.Detect) with the given season and threshold.
// Zero metric and step take Series' defaults, a zero season
// DefaultSeason(step), a zero threshold anomaly.Detect's.
func (s *Service) Anomalies(ctx context.Context, metric Metric, r Range, step time.Duration, season int, threshold float64) (Anomalies, error) {
	series, err := s.Series(ctx, metric, r, step)
	if err != nil {
		return Anomalies{}, err
	}
	season = cmp.Or(season, DefaultSeason(series.Step))
	found, err := anomaly.Detect(values(series), anomaly.Options{Period: season, Threshold: threshold})
	if err != nil {
		return Anomalies{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	out := Anomalies{Metric: series.Metric, Season: season, Points: []AnomalyPoint{}}
	for _, a := range found {
		out.Points = append(out.Points, AnomalyPoint{T: series.Points[a.Index].T, Value: a.Value, Expected: a.Expected, Score: a.Score})
	}
	return out, nil
}

// values is the series' values with undefined buckets carried over from
// the bucket before (0 before the first defined one).
func values(s Series) []float64 {
	y := make([]float64, len(s.Points))
	last := 0.0
	for i, p := range s.Points {
		if !math.IsNaN(float64(p.V)) {
			last = float64(p.V)
		}
		y[i] = last
	}
	return y
}
