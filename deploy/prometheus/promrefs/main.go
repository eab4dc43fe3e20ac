// Command promrefs reads the alert rules, their promtool tests and the
// Grafana dashboards, checks what a reviewer would (every alert carries a
// severity, a summary and its runbook's address, and has a test that fires
// it and one that does not), and prints every metric their PromQL names, one
// per line with where it is used:
//
//	promrefs -rules deploy/prometheus/rules -tests deploy/prometheus/tests -dashboards deploy/grafana
//
// A name ending in _bucket, _sum or _count is printed as written; whoever
// compares the list with a scrape maps it to its histogram. It is a module
// of its own so that the Prometheus parser it needs stays out of the
// dependencies of the aurigraph binary.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// RunbookBase is where the runbook of alert A lives: RunbookBase + A + ".md".
const RunbookBase = "https://github.com/aurigraph/aurigraph/blob/main/docs/runbooks/"

// synthetic are series Prometheus makes itself rather than scrapes.
var synthetic = map[string]bool{
	"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true,
	"scrape_samples_post_metric_relabeling": true, "scrape_series_added": true,
	"ALERTS": true, "ALERTS_FOR_STATE": true,
}

func main() {
	var rulesDir, testsDir string
	var dashboards multiFlag
	flag.StringVar(&rulesDir, "rules", "", "directory of Prometheus rule files (*.yml)")
	flag.StringVar(&testsDir, "tests", "", "directory of promtool rule tests (*.yml); every alert must have one firing and one quiet case there")
	flag.Var(&dashboards, "dashboards", "directory searched for Grafana dashboards (*.json) whose targets[].expr are PromQL; repeatable; a missing directory holds none")
	flag.Parse()
	if rulesDir == "" || testsDir == "" {
		fmt.Fprintln(os.Stderr, "promrefs: -rules and -tests are required")
		os.Exit(2)
	}
	refs, problems := run(rulesDir, testsDir, dashboards)
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		fmt.Printf("%s\t%s\n", name, strings.Join(slices.Sorted(maps.Keys(refs[name])), ","))
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "promrefs:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// refs maps a metric name to the places (file: alert or panel) using it.
type refs map[string]map[string]bool

func (r refs) add(name, where string) {
	if r[name] == nil {
		r[name] = map[string]bool{}
	}
	r[name][where] = true
}

func run(rulesDir, testsDir string, dashboardDirs []string) (refs, []string) {
	found := refs{}
	var problems []string
	alerts, recorded, p := readRules(rulesDir, found)
	problems = append(problems, p...)
	problems = append(problems, checkTested(alerts, testsDir)...)
	for _, dir := range dashboardDirs {
		problems = append(problems, readDashboards(dir, found)...)
	}
	for name := range found {
		if recorded[name] || synthetic[name] {
			delete(found, name)
		}
	}
	return found, problems
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// readRules adds the metrics of every rule to found and returns the alert
// names, the names recording rules define, and what is wrong with them.
func readRules(dir string, found refs) (map[string]bool, map[string]bool, []string) {
	alerts, recorded := map[string]bool{}, map[string]bool{}
	var problems []string
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		return nil, nil, []string{fmt.Sprintf("no rule files in %s (%v)", dir, err)}
	}
	for _, file := range files {
		var rf ruleFile
		if err := readYAML(file, &rf); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
					problems = append(problems, addExpr(found, r.Expr, fmt.Sprintf("%s: record %s", filepath.Base(file), r.Record))...)
					continue
				}
				alerts[r.Alert] = true
				where := fmt.Sprintf("%s: alert %s", filepath.Base(file), r.Alert)
				problems = append(problems, addExpr(found, r.Expr, where)...)
				if s := r.Labels["severity"]; s != "critical" && s != "warning" {
					problems = append(problems, fmt.Sprintf("%s: severity %q, want critical or warning", where, s))
				}
				if strings.TrimSpace(r.Annotations["summary"]) == "" {
					problems = append(problems, where+": no summary annotation")
				}
				if want := RunbookBase + r.Alert + ".md"; r.Annotations["runbook_url"] != want {
					problems = append(problems, fmt.Sprintf("%s: runbook_url %q, want %q", where, r.Annotations["runbook_url"], want))
				}
			}
		}
	}
	return alerts, recorded, problems
}

type testFile struct {
	Tests []struct {
		Name       string `yaml:"name"`
		AlertTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// checkTested wants, for each alert, a promtool case expecting it to fire
// and one expecting it not to.
func checkTested(alerts map[string]bool, dir string) []string {
	fires, quiet := map[string]bool{}, map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		return []string{fmt.Sprintf("no promtool tests in %s (%v)", dir, err)}
	}
	var problems []string
	for _, file := range files {
		var tf testFile
		if err := readYAML(file, &tf); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, t := range tf.Tests {
			for _, at := range t.AlertTests {
				if len(at.ExpAlerts) > 0 {
					fires[at.Alertname] = true
				} else {
					quiet[at.Alertname] = true
				}
			}
		}
	}
	for _, a := range slices.Sorted(maps.Keys(alerts)) {
		if !fires[a] {
			problems = append(problems, fmt.Sprintf("alert %s: no test in %s expects it to fire", a, dir))
		}
		if !quiet[a] {
			problems = append(problems, fmt.Sprintf("alert %s: no test in %s expects it to stay quiet", a, dir))
		}
	}
	return problems
}

func readYAML(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// readDashboards adds the metrics of every targets[].expr in the dashboards
// under dir, at any depth of panels and rows.
func readDashboards(dir string, found refs) []string {
	var problems []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			return nil
		}
		walkTargets(doc, "", func(panel, expr string) {
			problems = append(problems, addExpr(found, grafanaToPromQL(expr), fmt.Sprintf("%s: panel %q", filepath.Base(path), panel))...)
		})
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, fmt.Sprintf("dashboards in %s: %v", dir, err))
	}
	return problems
}

// walkTargets calls f with each PromQL target expression in v and the title
// of the panel holding it.
func walkTargets(v any, title string, f func(panel, expr string)) {
	switch v := v.(type) {
	case map[string]any:
		if t, ok := v["title"].(string); ok {
			title = t
		}
		if targets, ok := v["targets"].([]any); ok {
			for _, t := range targets {
				if m, ok := t.(map[string]any); ok {
					if expr, ok := m["expr"].(string); ok && strings.TrimSpace(expr) != "" {
						f(title, expr)
					}
				}
			}
		}
		for k, child := range v {
			if k != "targets" {
				walkTargets(child, title, f)
			}
		}
	case []any:
		for _, child := range v {
			walkTargets(child, title, f)
		}
	}
}

var (
	// Grafana's interval variables, and any variable used as a range.
	grafanaInterval = regexp.MustCompile(`\$\{?__(rate_interval|interval|range)(_ms|_s)?\}?`)
	grafanaRange    = regexp.MustCompile(`\[\s*\$\{?\w+(:\w+)?\}?\s*\]`)
)

// grafanaToPromQL replaces dashboard variables where PromQL wants a
// duration; variables inside label values are strings already.
func grafanaToPromQL(expr string) string {
	expr = grafanaRange.ReplaceAllString(expr, "[5m]")
	return grafanaInterval.ReplaceAllString(expr, "5m")
}

var promql = parser.NewParser(parser.Options{})

// addExpr adds the metric names expr selects and returns a problem when it
// does not parse.
func addExpr(found refs, expr, where string) []string {
	e, err := promql.ParseExpr(expr)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			name := vs.Name
			for _, m := range vs.LabelMatchers {
				if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
					name = m.Value
				}
			}
			if name != "" {
				found.add(name, where)
			}
		}
		return nil
	})
	return nil
}
