package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDashboardExpressions(t *testing.T) {
	dir := t.TempDir()
	// A row holding a panel, a panel of its own, a ClickHouse target
	// (rawSql, no expr) and Grafana's variables in ranges and label values.
	dash := `{"panels": [
	  {"type": "row", "title": "Consensus", "panels": [
	    {"title": "Commit p99", "targets": [{"expr": "histogram_quantile(0.99, sum by (le) (rate(aurigraph_consensus_commit_latency_seconds_bucket{job=~\"$job\"}[$__rate_interval])))"}]}
	  ]},
	  {"title": "TPS", "targets": [
	    {"expr": "sum(aurigraph_consensus_committed_txs_per_second{instance=~\"${instance:regex}\"})"},
	    {"expr": "rate({__name__=\"go_gc_duration_seconds_count\"}[$window]) and on() up"}
	  ]},
	  {"title": "Analysts", "targets": [{"rawSql": "SELECT count() FROM aurigraph.blocks"}]}
	]}`
	if err := os.MkdirAll(filepath.Join(dir, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nested", "d.json"), []byte(dash), 0o644); err != nil {
		t.Fatal(err)
	}
	found := refs{}
	if problems := readDashboards(dir, found); len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []string{"aurigraph_consensus_commit_latency_seconds_bucket", "aurigraph_consensus_committed_txs_per_second", "go_gc_duration_seconds_count", "up"}
	if got := slices.Sorted(maps.Keys(found)); !slices.Equal(got, want) {
		t.Fatalf("metrics %v, want %v", got, want)
	}
	if !found["aurigraph_consensus_commit_latency_seconds_bucket"][`d.json: panel "Commit p99"`] {
		t.Fatalf("the row's panel is not named: %v", found["aurigraph_consensus_commit_latency_seconds_bucket"])
	}

	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"panels":[{"title":"Broken","targets":[{"expr":"rate(x[5m]"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if problems := readDashboards(dir, refs{}); len(problems) != 1 || !strings.Contains(problems[0], `panel "Broken"`) {
		t.Fatalf("a broken expression gave %v, want one problem naming its panel", problems)
	}
	if problems := readDashboards(filepath.Join(dir, "absent"), refs{}); len(problems) != 0 {
		t.Fatalf("a missing dashboard directory gave %v, want nothing", problems)
	}
}

func TestRuleChecks(t *testing.T) {
	dir := t.TempDir()
	rules := `groups:
  - name: g
    rules:
      - record: job:x:rate5m
        expr: sum by (job) (rate(x_total[5m]))
      - alert: Good
        expr: job:x:rate5m > 1 and up == 1
        labels: {severity: warning}
        annotations: {summary: s, runbook_url: "` + RunbookBase + `Good.md"}
      - alert: Bad
        expr: y > 1
        labels: {severity: page}
        annotations: {runbook_url: "` + RunbookBase + `Other.md"}
`
	tests := `tests:
  - alert_rule_test:
      - {alertname: Good, exp_alerts: [{exp_labels: {severity: warning}}]}
      - {alertname: Good, exp_alerts: []}
      - {alertname: Bad, exp_alerts: []}
`
	for name, body := range map[string]string{"rules/r.yml": rules, "tests/t.yml": tests} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, problems := run(filepath.Join(dir, "rules"), filepath.Join(dir, "tests"), nil)
	if got := slices.Sorted(maps.Keys(found)); !slices.Equal(got, []string{"x_total", "y"}) {
		t.Fatalf("metrics %v, want x_total and y (recorded and synthetic names left out)", got)
	}
	for _, want := range []string{`alert Bad: severity "page"`, "alert Bad: no summary", "Other.md", "alert Bad: no test in"} {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("no problem mentions %q; got %q", want, problems)
		}
	}
	if len(problems) != 4 {
		t.Errorf("%d problems, want 4: %q", len(problems), problems)
	}
}
