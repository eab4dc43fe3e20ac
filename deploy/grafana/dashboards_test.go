package grafana

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]] and
// [[name:format]]. Names starting with __ are Grafana's built-ins and the
// ClickHouse plugin's macros.
var varRef = regexp.MustCompile(`\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)(?::(\w+))?\]\]`)

type varUse struct{ name, format string }

func varUses(s string) []varUse {
	var out []varUse
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		switch {
		case m[1] != "":
			out = append(out, varUse{m[1], m[2]})
		case m[3] != "":
			out = append(out, varUse{m[3], ""})
		default:
			out = append(out, varUse{m[4], m[5]})
		}
	}
	return out
}

// What Grafana puts for its built-in variables in a Prometheus query when it
// runs one; any other built-in is refused, so a dashboard using one that
// these tests do not know fails until they do.
var promBuiltins = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "30s",
	"__range":         "1h",
}

// The ClickHouse plugin's macros the analysts' dashboard uses; clickhouse_test
// expands each as the plugin does.
var clickhouseMacros = []string{"__timeFilter", "__timeInterval", "__interval_s", "__conditionalAll"}

var panelTypes = []string{"timeseries", "stat", "table", "state-timeline"}

func TestDashboardsAreValidModels(t *testing.T) {
	files := loadDashboards(t)
	uids, titles := map[string]string{}, map[string]string{}
	for _, f := range files {
		d := f.d
		t.Run(f.path, func(t *testing.T) {
			switch {
			case d.UID == "" || len(d.UID) > 40:
				t.Errorf("uid %q: want 1 to 40 characters", d.UID)
			case uids[d.UID] != "":
				t.Errorf("uid %q also used by %s", d.UID, uids[d.UID])
			}
			uids[d.UID] = f.path
			if d.Title == "" || titles[d.Title] != "" {
				t.Errorf("title %q: empty or also used by %s", d.Title, titles[d.Title])
			}
			titles[d.Title] = f.path
			if d.SchemaVersion < 36 {
				t.Errorf("schemaVersion %d: want 36 or later (datasource references as objects)", d.SchemaVersion)
			}
			// The dashboards link to each other by this tag.
			if !slices.Contains(d.Tags, "aurigraph") {
				t.Errorf("tags %v lack aurigraph", d.Tags)
			}
			if d.Time.From == "" || d.Time.To == "" {
				t.Errorf("time range %+v incomplete", d.Time)
			}
			checkPanels(t, d)
			checkVariables(t, d)
		})
	}
}

func checkPanels(t *testing.T, d dashboard) {
	t.Helper()
	if len(d.Panels) == 0 {
		t.Fatal("no panels")
	}
	vars := d.variables()
	ids := map[int]bool{}
	for i, p := range d.Panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 || ids[p.ID] {
			t.Errorf("%s: id not positive or not unique", where)
		}
		ids[p.ID] = true
		if p.Title == "" || !slices.Contains(panelTypes, p.Type) {
			t.Errorf("%s: want a title and a type of %v, got type %q", where, panelTypes, p.Type)
		}
		g := p.GridPos
		if g.W < 1 || g.H < 1 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("%s: gridPos %+v outside Grafana's 24 columns", where, g)
		}
		for _, q := range d.Panels[:i] {
			if overlap(p.GridPos, q.GridPos) {
				t.Errorf("%s: gridPos %+v overlaps panel %d %+v", where, g, q.ID, q.GridPos)
			}
		}
		if p.Datasource == nil {
			t.Errorf("%s: no datasource", where)
			continue
		}
		checkDatasourceRef(t, where, *p.Datasource, vars)
		if len(p.Targets) == 0 {
			t.Errorf("%s: no targets", where)
		}
		refIDs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refIDs[tg.RefID] {
				t.Errorf("%s: refId %q empty or repeated", where, tg.RefID)
			}
			refIDs[tg.RefID] = true
			if tg.Datasource == nil || *tg.Datasource != *p.Datasource {
				t.Errorf("%s target %s: datasource %v, want the panel's %v", where, tg.RefID, tg.Datasource, *p.Datasource)
			}
			switch p.Datasource.Type {
			case prometheusType:
				if tg.Expr == "" || tg.RawSQL != "" || tg.EditorType != "" || tg.Format != nil {
					t.Errorf("%s target %s: a Prometheus target has an expr and nothing of the ClickHouse plugin's", where, tg.RefID)
				}
			case clickhouseType:
				want := map[string]int{"table": formatTable, "timeseries": formatTimeSeries}
				f, ok := want[tg.QueryType]
				if tg.RawSQL == "" || tg.Expr != "" || tg.EditorType != "sql" || !ok || tg.Format == nil || *tg.Format != f {
					t.Errorf("%s target %s: a ClickHouse target has rawSql, editorType sql, queryType table (format %d) or timeseries (format %d)",
						where, tg.RefID, formatTable, formatTimeSeries)
				}
			}
		}
	}
}

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// checkDatasourceRef requires a data source to be chosen through a
// variable of the dashboard of the same type, so the dashboards work with
// whatever the data sources are called where they are installed.
func checkDatasourceRef(t *testing.T, where string, ref datasourceRef, vars map[string]variable) {
	t.Helper()
	uses := varUses(ref.UID)
	if len(uses) != 1 || "${"+uses[0].name+"}" != ref.UID {
		t.Errorf("%s: datasource uid %q, want ${variable}", where, ref.UID)
		return
	}
	v, ok := vars[uses[0].name]
	var typ string
	if ok {
		json.Unmarshal(v.Query, &typ)
	}
	if !ok || v.Type != "datasource" || typ != ref.Type {
		t.Errorf("%s: datasource %v: want a datasource variable %s of type %s", where, ref, uses[0].name, ref.Type)
	}
}

func checkVariables(t *testing.T, d dashboard) {
	t.Helper()
	vars := d.variables()
	if len(vars) != len(d.Templating.List) {
		t.Errorf("variable names repeat: %v", d.Templating.List)
	}
	used := map[string]bool{}
	use := func(where, s string, builtins func(string) bool) {
		for _, u := range varUses(s) {
			if strings.HasPrefix(u.name, "__") {
				if !builtins(u.name) {
					t.Errorf("%s: built-in $%s is not one these tests expand; teach them how Grafana expands it", where, u.name)
				}
				continue
			}
			if _, ok := vars[u.name]; !ok {
				t.Errorf("%s: $%s is not a variable of the dashboard", where, u.name)
			}
			used[u.name] = true
		}
	}
	isProm := func(n string) bool { _, ok := promBuiltins[n]; return ok }
	isMacro := func(n string) bool { return slices.Contains(clickhouseMacros, n) }
	for _, p := range d.Panels {
		if p.Datasource != nil {
			use(p.Title, p.Datasource.UID, isProm)
		}
		for _, tg := range p.Targets {
			use(p.Title, tg.Expr, isProm)
			use(p.Title, tg.RawSQL, isMacro)
		}
	}
	for i, v := range d.Templating.List {
		where := "variable " + v.Name
		switch v.Type {
		case "datasource", "custom", "textbox":
			var q string
			if err := json.Unmarshal(v.Query, &q); err != nil {
				t.Errorf("%s: query %s: want a string", where, v.Query)
			}
			if v.Type == "custom" {
				checkCustomOptions(t, v, q)
			}
		case "query":
			if v.Datasource == nil {
				t.Errorf("%s: no datasource", where)
				continue
			}
			checkDatasourceRef(t, where, *v.Datasource, vars)
			use(where, v.Datasource.UID, isProm)
			var q variableQuery
			if err := json.Unmarshal(v.Query, &q); err != nil || q.Query == "" || q.Query != v.Definition {
				t.Errorf("%s: query %s: want {query, refId} with the query also in definition (%q)", where, v.Query, v.Definition)
				continue
			}
			// A variable may only refer to those defined before it, which
			// Grafana resolves first.
			for _, u := range varUses(q.Query) {
				if !slices.ContainsFunc(d.Templating.List[:i], func(w variable) bool { return w.Name == u.name }) {
					t.Errorf("%s: uses $%s, which is not defined before it", where, u.name)
				}
			}
			use(where, q.Query, isProm)
			if err := checkLabelValues(q.Query, vars); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		default:
			t.Errorf("%s: type %q", where, v.Type)
		}
	}
	for name := range vars {
		if !used[name] {
			t.Errorf("variable %s is defined but no query uses it", name)
		}
	}
}

func checkCustomOptions(t *testing.T, v variable, query string) {
	t.Helper()
	var values []string
	for _, o := range v.Options {
		if o.Value != "$__all" {
			values = append(values, o.Value)
		}
	}
	if want := strings.Split(query, ","); !slices.Equal(values, want) {
		t.Errorf("variable %s: options %v, want the query's values %v", v.Name, values, want)
	}
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

// checkLabelValues parses a query variable's label_values(selector, label)
// with the Prometheus parser.
func checkLabelValues(q string, vars map[string]variable) error {
	m := labelValues.FindStringSubmatch(q)
	if m == nil {
		return fmt.Errorf("query %q: want label_values(selector, label)", q)
	}
	expr, err := parsePromQL(m[1], vars, false)
	if err != nil {
		return err
	}
	if _, ok := expr.(*parser.VectorSelector); !ok {
		return fmt.Errorf("query %q: %s is not a series selector", q, m[1])
	}
	return nil
}

func TestPromQLParses(t *testing.T) {
	for _, f := range loadDashboards(t) {
		vars := f.d.variables()
		for _, p := range f.d.Panels {
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					continue
				}
				if _, err := parsePromQL(tg.Expr, vars, true); err != nil {
					t.Errorf("%s: panel %q target %s: %v", f.path, p.Title, tg.RefID, err)
				}
			}
		}
	}
}

// varSentinel stands for a template variable while an expression is parsed,
// so that afterwards each use can be found among the label matchers.
func varSentinel(name string) string { return "__grafana_variable_" + name + "__" }

// parsePromQL expands Grafana's built-ins as Grafana would, puts a sentinel
// for each template variable, and parses the result with the Prometheus
// parser (stable features only). Then it checks what the parser does not:
// template variables appear only as label matcher values, multi-value ones
// only in regex matchers; every selector names an aurigraph, Go runtime or
// process metric (or up), and in a panel also filters on $job; and every
// histogram_quantile aggregates buckets by le.
func parsePromQL(expr string, vars map[string]variable, inPanel bool) (parser.Expr, error) {
	var unknown []string
	sentinels := 0
	src := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		u := varUses(ref)[0]
		if v, ok := promBuiltins[u.name]; ok {
			return v
		}
		if _, ok := vars[u.name]; !ok {
			unknown = append(unknown, u.name)
		}
		sentinels++
		return varSentinel(u.name)
	})
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%q uses undefined variables %v", expr, unknown)
	}
	e, err := parser.NewParser(parser.Options{}).ParseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	var problems []string
	inMatchers := 0
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			inMatchers += checkSelector(n, vars, inPanel, &problems)
		case *parser.Call:
			if n.Func.Name == "histogram_quantile" {
				checkQuantile(n, &problems)
			}
		}
		return nil
	})
	if inMatchers != sentinels {
		problems = append(problems, "a variable is used outside a label matcher's value")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%q: %s", expr, strings.Join(problems, "; "))
	}
	return e, nil
}

var dashboardMetric = regexp.MustCompile(`^(aurigraph_|go_|process_)[a-z0-9_]+$|^up$`)

func checkSelector(vs *parser.VectorSelector, vars map[string]variable, inPanel bool, problems *[]string) int {
	found := 0
	if !dashboardMetric.MatchString(vs.Name) {
		*problems = append(*problems, fmt.Sprintf("selector %s: want an aurigraph_, go_ or process_ metric, or up", vs))
	}
	var job bool
	for _, m := range vs.LabelMatchers {
		if m.Name == "job" && m.Value == varSentinel("job") {
			job = true
		}
		for name, v := range vars {
			n := strings.Count(m.Value, varSentinel(name))
			found += n
			regex := m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp
			if n > 0 && (v.Multi || v.IncludeAll) && !regex {
				*problems = append(*problems, fmt.Sprintf("selector %s: $%s takes several values, so it needs =~ or !~", vs, name))
			}
		}
	}
	if inPanel && !job {
		*problems = append(*problems, fmt.Sprintf(`selector %s: want job=~"$job", so the dashboard's job filter applies`, vs))
	}
	return found
}

func checkQuantile(c *parser.Call, problems *[]string) {
	arg := c.Args[1]
	for {
		p, ok := arg.(*parser.ParenExpr)
		if !ok {
			break
		}
		arg = p.Expr
	}
	agg, ok := arg.(*parser.AggregateExpr)
	if !ok || agg.Without || !slices.Contains(agg.Grouping, "le") {
		*problems = append(*problems, fmt.Sprintf("%s: aggregate the buckets by le", c))
		return
	}
	parser.Inspect(agg.Expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok && !strings.HasSuffix(vs.Name, "_bucket") {
			*problems = append(*problems, fmt.Sprintf("%s: %s is not a histogram's _bucket series", c, vs.Name))
		}
		return nil
	})
}
