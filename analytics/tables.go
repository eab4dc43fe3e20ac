package analytics

import (
	"encoding/json"
	"math"

	"github.com/aurigraph/aurigraph/analytics/export"
)

// tabular is a result that can also be written as a table: CSV, NDJSON,
// Arrow or Parquet, with ?format= on its endpoint.
type tabular interface {
	columns() []export.Column
	rows(row func(values ...any) error) error
}

func (s Series) columns() []export.Column {
	return []export.Column{{Name: "t", Type: export.Time}, {Name: string(s.Metric), Type: export.Float}}
}

func (s Series) rows(row func(...any) error) error {
	for _, p := range s.Points {
		if err := row(p.T, float64(p.V)); err != nil {
			return err
		}
	}
	return nil
}

func (l Latency) columns() []export.Column {
	return []export.Column{{Name: "measure", Type: export.String}, {Name: "count", Type: export.Uint},
		{Name: "p50", Type: export.Float}, {Name: "p90", Type: export.Float}, {Name: "p99", Type: export.Float}}
}

func (l Latency) rows(row func(...any) error) error {
	for _, m := range []struct {
		name string
		q    Quantiles
	}{{"commit_latency_ms", l.CommitMs}, {"block_time_ms", l.BlockTimeMs}} {
		if err := row(m.name, m.q.Count, m.q.P50, m.q.P90, m.q.P99); err != nil {
			return err
		}
	}
	return nil
}

// validatorList is GET /validators' result: {"validators": [...]}.
type validatorList []ValidatorStats

func (v validatorList) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]ValidatorStats{"validators": v})
}

func (v validatorList) columns() []export.Column {
	return []export.Column{{Name: "proposer", Type: export.Uint}, {Name: "blocks", Type: export.Uint}, {Name: "txs", Type: export.Uint},
		{Name: "failed", Type: export.Uint}, {Name: "terms", Type: export.Uint}, {Name: "avg_txs_per_block", Type: export.Float},
		{Name: "first", Type: export.Time}, {Name: "last", Type: export.Time}}
}

func (v validatorList) rows(row func(...any) error) error {
	for _, s := range v {
		if err := row(s.Proposer, s.Blocks, s.Txs, s.Failed, s.Terms, s.AvgTxsPerBlock, s.First, s.Last); err != nil {
			return err
		}
	}
	return nil
}

// topList is GET /top/...'s result: {"top": [...]}.
type topList []Ranked

func (t topList) MarshalJSON() ([]byte, error) { return json.Marshal(map[string][]Ranked{"top": t}) }

func (t topList) columns() []export.Column {
	return []export.Column{{Name: "key", Type: export.String}, {Name: "txs", Type: export.Uint}, {Name: "volume", Type: export.Uint}}
}

func (t topList) rows(row func(...any) error) error {
	for _, r := range t {
		if err := row(r.Key, r.Txs, uint64(r.Volume)); err != nil {
			return err
		}
	}
	return nil
}

// accountBalances is GET /accounts/{address}'s result.
type accountBalances struct {
	Account  string    `json:"account"`
	Balances []Balance `json:"balances"`
}

func (a accountBalances) columns() []export.Column {
	return []export.Column{{Name: "account", Type: export.String}, {Name: "asset", Type: export.String}, {Name: "balance", Type: export.String},
		{Name: "txs", Type: export.Uint}, {Name: "last_height", Type: export.Uint}, {Name: "last_time", Type: export.Time}}
}

func (a accountBalances) rows(row func(...any) error) error {
	for _, b := range a.Balances {
		if err := row(a.Account, b.Asset, b.Balance, b.Txs, b.LastHeight, b.LastTime); err != nil {
			return err
		}
	}
	return nil
}

func (c Comparison) columns() []export.Column {
	return []export.Column{{Name: "metric", Type: export.String}, {Name: "from", Type: export.Time}, {Name: "to", Type: export.Time},
		{Name: "current", Type: export.Float}, {Name: "previous", Type: export.Float}, {Name: "change_pct", Type: export.Float}}
}

func (c Comparison) rows(row func(...any) error) error {
	return row(string(c.Metric), c.From, c.To, float64(c.Current), float64(c.Previous), float64(c.ChangePct))
}

func (f Forecast) columns() []export.Column {
	return []export.Column{{Name: "t", Type: export.Time}, {Name: "kind", Type: export.String}, {Name: "value", Type: export.Float},
		{Name: "lo", Type: export.Float}, {Name: "hi", Type: export.Float}}
}

// rows gives the history, then the forecast, one table: kind says which.
func (f Forecast) rows(row func(...any) error) error {
	for _, p := range f.History {
		if err := row(p.T, "history", float64(p.V), math.NaN(), math.NaN()); err != nil {
			return err
		}
	}
	for _, p := range f.Points {
		if err := row(p.T, "forecast", p.Mean, p.Lo, p.Hi); err != nil {
			return err
		}
	}
	return nil
}

func (a Anomalies) columns() []export.Column {
	return []export.Column{{Name: "t", Type: export.Time}, {Name: "value", Type: export.Float},
		{Name: "expected", Type: export.Float}, {Name: "score", Type: export.Float}}
}

func (a Anomalies) rows(row func(...any) error) error {
	for _, p := range a.Points {
		if err := row(p.T, p.Value, p.Expected, p.Score); err != nil {
			return err
		}
	}
	return nil
}
