package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aurigraph/aurigraph/analytics/export"
)

// queryTimeout bounds one analytics request's queries.
const queryTimeout = 10 * time.Second

// NewHTTPHandler serves the analytics API (mounted under
// /api/v12/analytics/):
//
//	GET /series?metric=tps&from=-1h&to=now&step=1m
//	GET /latency?from=&to=
//	GET /validators?from=&to=
//	GET /top/accounts?limit=10&from=&to=    and /top/assets
//	GET /accounts/{address}
//	GET /compare?metric=tps&period=1h&to=now
//	GET /forecast?metric=tps&step=1m&history=24h&horizon=60&season=60&coverage=0.8
//	GET /anomalies?metric=tps&from=-24h&step=1m&season=60&threshold=3.5
//	GET /export?table=transactions&from_height=1&to_height=1000&format=parquet
//	GET /export?metric=tps&step=1m&from=-24h&format=arrow
//	GET /blocks?from=&to=&proposer=&min_txs=&max_txs=&before=&limit=50
//	GET /accounts/{address}/history?before=H.I&limit=50
//	GET /assets/{asset}?limit=20
//	GET /leaders?limit=20
//
// Times are RFC 3339, Unix milliseconds, "now", or a negative duration
// relative to now ("-1h"); from defaults to an hour before to, to to now.
// Every endpoint answers JSON; with format=csv, ndjson, arrow or parquet it
// answers its result as a table in that format instead.
func NewHTTPHandler(s *Service) http.Handler {
	mux := http.NewServeMux()
	RegisterHTTP(mux, s, HTTPOptions{})
	return mux
}

// Mux is where the handlers register: an *http.ServeMux, or one that
// enforces an access policy per pattern and so must see every pattern.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// HTTPOptions configures RegisterHTTP.
type HTTPOptions struct {
	// Scope, when set, returns the accounts the caller of ctx may see (nil:
	// all). Chain-wide aggregates (series, latency, validators, assets,
	// forecasts, anomalies, the blocks table) are served whole; per-account
	// results (an account's balances, top accounts, the transactions
	// table) only for those accounts, whatever the request asks.
	Scope func(ctx context.Context) *AccountFilter
}

// RegisterHTTP registers NewHTTPHandler's routes on mux, with patterns
// relative to the analytics root.
func RegisterHTTP(mux Mux, s *Service, opts HTTPOptions) {
	scope := func(ctx context.Context) *AccountFilter {
		if opts.Scope == nil {
			return nil
		}
		return opts.Scope(ctx)
	}
	mux.HandleFunc("GET /{$}", handle(func(context.Context, params) (any, error) {
		return map[string]any{
			"endpoints": []string{"series", "latency", "validators", "top/accounts", "top/assets", "accounts/{address}", "compare", "forecast", "anomalies", "export",
				"blocks", "accounts/{address}/history", "assets/{asset}", "leaders"},
			"metrics": Metrics,
			"formats": export.Formats,
		}, nil
	}))
	mux.HandleFunc("GET /series", handle(func(ctx context.Context, q params) (any, error) {
		r, err := q.timeRange()
		if err != nil {
			return nil, err
		}
		step, err := q.duration("step")
		if err != nil {
			return nil, err
		}
		return s.Series(ctx, Metric(q.get("metric", "")), r, step)
	}))
	mux.HandleFunc("GET /latency", handle(func(ctx context.Context, q params) (any, error) {
		r, err := q.timeRange()
		if err != nil {
			return nil, err
		}
		return s.Latency(ctx, r)
	}))
	mux.HandleFunc("GET /validators", handle(func(ctx context.Context, q params) (any, error) {
		r, err := q.timeRange()
		if err != nil {
			return nil, err
		}
		v, err := s.Validators(ctx, r)
		return validatorList(v), err
	}))
	mux.HandleFunc("GET /top/{what}", handle(func(ctx context.Context, q params) (any, error) {
		r, err := q.timeRange()
		if err != nil {
			return nil, err
		}
		limit, err := q.int("limit", 10)
		if err != nil {
			return nil, err
		}
		var top []Ranked
		switch what := q.path("what"); what {
		case "accounts":
			top, err = s.topAccounts(ctx, r, limit, scope(ctx))
		case "assets":
			top, err = s.TopAssets(ctx, r, limit)
		default:
			return nil, fmt.Errorf("%w: /top/%s: use /top/accounts or /top/assets", ErrBadRequest, what)
		}
		return topList(top), err
	}))
	mux.HandleFunc("GET /accounts/{address}", handle(func(ctx context.Context, q params) (any, error) {
		if f := scope(ctx); f != nil && !f.Match(q.path("address")) {
			return nil, fmt.Errorf("%w: account %q is not one of your organisation's", ErrForbidden, q.path("address"))
		}
		b, err := s.Account(ctx, q.path("address"))
		return accountBalances{Account: q.path("address"), Balances: b}, err
	}))
	mux.HandleFunc("GET /compare", handle(func(ctx context.Context, q params) (any, error) {
		to, err := q.time("to")
		if err != nil {
			return nil, err
		}
		period, err := q.duration("period")
		if err != nil {
			return nil, err
		}
		return s.Compare(ctx, Metric(q.get("metric", "")), to, period)
	}))
	mux.HandleFunc("GET /forecast", handle(func(ctx context.Context, q params) (any, error) {
		var req ForecastRequest
		var err error
		req.Metric = Metric(q.get("metric", ""))
		if req.To, err = q.time("to"); err != nil {
			return nil, err
		}
		if req.Step, err = q.duration("step"); err != nil {
			return nil, err
		}
		if req.History, err = q.duration("history"); err != nil {
			return nil, err
		}
		if req.Season, err = q.int("season", 0); err != nil {
			return nil, err
		}
		if req.Horizon, err = q.int("horizon", 0); err != nil {
			return nil, err
		}
		if req.Coverage, err = q.float("coverage"); err != nil {
			return nil, err
		}
		return s.Forecast(ctx, req)
	}))
	mux.HandleFunc("GET /anomalies", handle(func(ctx context.Context, q params) (any, error) {
		r, err := q.timeRange()
		if err != nil {
			return nil, err
		}
		step, err := q.duration("step")
		if err != nil {
			return nil, err
		}
		season, err := q.int("season", 0)
		if err != nil {
			return nil, err
		}
		threshold, err := q.float("threshold")
		if err != nil {
			return nil, err
		}
		return s.Anomalies(ctx, Metric(q.get("metric", "")), r, step, season, threshold)
	}))
	registerExplore(mux, s, scope)
	mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		q := params{r: r, q: r.URL.Query(), now: time.Now()}
		sql, name, f, err := exportRequest(s, q, scope(r.Context()))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.TrimPrefix(err.Error(), ErrBadRequest.Error()+": ")})
			return
		}
		// Exports stream for as long as they need; the client's going away
		// ends them.
		w.Header().Set("Content-Type", f.ContentType())
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, f))
		if _, err := export.Query(r.Context(), s.conn, w, f, sql); err != nil {
			// The status line is gone once a row is out: the client sees a
			// truncated body, and the log says why.
			slog.Default().Warn("analytics export failed", "export", name, "err", err)
		}
	})
}

// exportRequest reads GET /export: a raw table between heights
// (table=transactions&from_height=1&to_height=1000) or a series
// (metric=tps&step=1m&from=-1h), and format=csv|json|ndjson|arrow|parquet.
func exportRequest(s *Service, q params, scope *AccountFilter) (sql, name string, f export.Format, err error) {
	if f, err = export.ParseFormat(q.get("format", "csv")); err != nil {
		return "", "", "", fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if table := q.get("table", ""); table != "" {
		from, err1 := q.int("from_height", 1)
		to, err2 := q.int("to_height", 0)
		if err := errors.Join(err1, err2); err != nil {
			return "", "", "", err
		}
		if to == 0 {
			return "", "", "", fmt.Errorf("%w: give to_height, the last block to export", ErrBadRequest)
		}
		if from < 1 {
			return "", "", "", fmt.Errorf("%w: from_height %d: heights start at 1", ErrBadRequest, from)
		}
		sql, err = tableSQL(s.database, table, uint64(from), uint64(to), scope)
		return sql, fmt.Sprintf("%s-%d-%d", table, from, to), f, err
	}
	r, err := q.timeRange()
	if err != nil {
		return "", "", "", err
	}
	step, err := q.duration("step")
	if err != nil {
		return "", "", "", err
	}
	sq, err := s.ExportSQL(Metric(q.get("metric", "")), r, step)
	return sq.SQL, fmt.Sprintf("%s-%s", sq.Metric, sq.Step), f, err
}

func handle(fn func(ctx context.Context, q params) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		q := params{r: r, q: r.URL.Query(), now: time.Now()}
		format := export.JSON
		if f := q.get("format", "json"); f != "json" {
			var err error
			if format, err = export.ParseFormat(f); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
		}
		out, err := fn(ctx, q)
		if err == nil && format != export.JSON {
			t, ok := out.(tabular)
			if !ok {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": r.URL.Path + " answers JSON only; drop format"})
				return
			}
			writeTable(w, format, t)
			return
		}
		switch {
		case errors.Is(err, ErrForbidden):
			writeJSON(w, http.StatusForbidden, map[string]string{"error": strings.TrimPrefix(err.Error(), ErrForbidden.Error()+": ")})
		case errors.Is(err, ErrBadRequest):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": strings.TrimPrefix(err.Error(), ErrBadRequest.Error()+": ")})
		case errors.Is(err, context.DeadlineExceeded):
			writeJSON(w, http.StatusGatewayTimeout, map[string]string{"error": fmt.Sprintf("the query took longer than %v: narrow the range or use a larger step", queryTimeout)})
		case err != nil:
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "ClickHouse query failed: " + err.Error()})
		default:
			writeJSON(w, http.StatusOK, out)
		}
	}
}

// writeTable writes a result in a table format. The result is complete
// before the first byte, so a failure can still be a status.
func writeTable(w http.ResponseWriter, f export.Format, t tabular) {
	var buf bytes.Buffer
	tw, err := export.NewTable(&buf, f, t.columns())
	if err == nil {
		if err = t.rows(tw.Row); err == nil {
			err = tw.Close()
		}
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "encode " + string(f) + ": " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"encode response: `+strings.ReplaceAll(err.Error(), `"`, `'`)+`"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// params reads a request's query with errors that say which parameter
// was wrong and what it accepts.
type params struct {
	r   *http.Request
	q   url.Values
	now time.Time
}

func (p params) get(key, def string) string {
	if v := p.q.Get(key); v != "" {
		return v
	}
	return def
}

func (p params) path(key string) string { return p.r.PathValue(key) }

func (p params) int(key string, def int) (int, error) {
	v := p.q.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not an integer", ErrBadRequest, key, v)
	}
	return n, nil
}

// float reads a number; 0 when absent, which the service takes as its
// default.
func (p params) float(key string) (float64, error) {
	v := p.q.Get(key)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not a number", ErrBadRequest, key, v)
	}
	return f, nil
}

// duration reads a positive duration; 0 when absent, which the service
// takes as its default.
func (p params) duration(key string) (time.Duration, error) {
	v := p.q.Get(key)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: %s=%q is not a positive duration such as 10s, 1m or 24h", ErrBadRequest, key, v)
	}
	return d, nil
}

// time reads an RFC 3339 time, Unix milliseconds, "now", or a negative
// duration before now; the zero time when absent, which the service takes
// as its default.
func (p params) time(key string) (time.Time, error) {
	v := p.q.Get(key)
	switch {
	case v == "":
		return time.Time{}, nil
	case v == "now":
		return p.now, nil
	case strings.HasPrefix(v, "-"):
		if d, err := time.ParseDuration(v[1:]); err == nil {
			return p.now.Add(-d), nil
		}
	default:
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.UnixMilli(ms), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %s=%q is not a time: use RFC 3339 (2026-12-01T10:00:00Z), Unix milliseconds, now, or -DURATION (-1h)", ErrBadRequest, key, v)
}

func (p params) timeRange() (Range, error) {
	to, err := p.time("to")
	if err != nil {
		return Range{}, err
	}
	from, err := p.time("from")
	if err != nil {
		return Range{}, err
	}
	return RangeOf(from, to, p.now), nil
}
