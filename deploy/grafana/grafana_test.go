// Package grafana checks the Grafana dashboards and provisioning files kept
// in deploy/grafana: each dashboard is a model Grafana loads, every PromQL
// expression parses with the Prometheus parser, every ClickHouse query runs
// on the real engine over the projection's schema, and every variable a
// query uses is defined.
package grafana

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp/chhttptest"
)

// The embedded engine is process-global: the test binary starts one, as
// `aurigraph dev` serves it, for the ClickHouse dashboard's queries.
var testDSN string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dsn, stop, err := chhttptest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer stop()
	testDSN = dsn
	return m.Run()
}

// The fields of a dashboard that Grafana needs and these tests read. Decoding
// is strict: a key that is not here (a typo such as "gridpos") fails, and
// whatever Grafana reads without these tests looking is kept raw.
type dashboard struct {
	UID           string          `json:"uid"`
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	Tags          []string        `json:"tags"`
	Timezone      string          `json:"timezone"`
	Editable      bool            `json:"editable"`
	GraphTooltip  int             `json:"graphTooltip"`
	SchemaVersion int             `json:"schemaVersion"`
	Version       int             `json:"version"`
	Refresh       string          `json:"refresh"`
	Time          timeRange       `json:"time"`
	Templating    templating      `json:"templating"`
	Annotations   json.RawMessage `json:"annotations"`
	Links         json.RawMessage `json:"links"`
	Panels        []panel         `json:"panels"`
}

type timeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type templating struct {
	List []variable `json:"list"`
}

type variable struct {
	Name       string          `json:"name"`
	Label      string          `json:"label"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Definition string          `json:"definition"`
	Datasource *datasourceRef  `json:"datasource"`
	Current    json.RawMessage `json:"current"`
	Options    []option        `json:"options"`
	Hide       int             `json:"hide"`
	Refresh    int             `json:"refresh"`
	Regex      string          `json:"regex"`
	IncludeAll bool            `json:"includeAll"`
	Multi      bool            `json:"multi"`
	AllValue   string          `json:"allValue"`
	Sort       int             `json:"sort"`
}

type option struct {
	Selected bool   `json:"selected"`
	Text     string `json:"text"`
	Value    string `json:"value"`
}

// A query variable's query, as Grafana 10 and later save it.
type variableQuery struct {
	Query string `json:"query"`
	RefID string `json:"refId"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID          int             `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	GridPos     gridPos         `json:"gridPos"`
	Datasource  *datasourceRef  `json:"datasource"`
	Targets     []target        `json:"targets"`
	FieldConfig json.RawMessage `json:"fieldConfig"`
	Options     json.RawMessage `json:"options"`
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// A target of the Prometheus data source (expr) or of the
// grafana-clickhouse-datasource plugin (rawSql, editorType, queryType,
// format).
type target struct {
	RefID         string         `json:"refId"`
	Datasource    *datasourceRef `json:"datasource"`
	Expr          string         `json:"expr"`
	LegendFormat  string         `json:"legendFormat"`
	Range         bool           `json:"range"`
	EditorType    string         `json:"editorType"`
	PluginVersion string         `json:"pluginVersion"`
	QueryType     string         `json:"queryType"`
	Format        *int           `json:"format"`
	RawSQL        string         `json:"rawSql"`
}

// Data source types the dashboards use.
const (
	prometheusType = "prometheus"
	clickhouseType = "grafana-clickhouse-datasource"
)

// The clickhouse plugin's formats (grafana-plugin-sdk-go's sqlutil).
const (
	formatTimeSeries = 0
	formatTable      = 1
)

type dashboardFile struct {
	path string
	d    dashboard
}

func loadDashboards(t *testing.T) []dashboardFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("dashboards", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no dashboards in deploy/grafana/dashboards")
	}
	slices.Sort(paths)
	out := make([]dashboardFile, 0, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := decodeDashboard(raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, dashboardFile{path: p, d: d})
	}
	return out
}

func decodeDashboard(raw []byte) (dashboard, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d dashboard
	if err := dec.Decode(&d); err != nil {
		return d, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return d, fmt.Errorf("data after the dashboard object")
	}
	// encoding/json matches keys regardless of case, Grafana does not: every
	// key must also be spelt as the struct spells it.
	again, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	var in, out any
	if err := json.Unmarshal(raw, &in); err != nil {
		return d, err
	}
	if err := json.Unmarshal(again, &out); err != nil {
		return d, err
	}
	return d, sameKeys(in, out, "")
}

// sameKeys reports a key of in that out lacks, where out is in decoded into
// the structs and encoded again.
func sameKeys(in, out any, path string) error {
	switch in := in.(type) {
	case map[string]any:
		o, _ := out.(map[string]any)
		for k, v := range in {
			w, ok := o[k]
			if !ok {
				return fmt.Errorf("%s: unknown key %q (keys are case sensitive)", path, k)
			}
			if err := sameKeys(v, w, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		o, _ := out.([]any)
		if len(o) != len(in) {
			return fmt.Errorf("%s: %d elements decoded as %d", path, len(in), len(o))
		}
		for i := range in {
			if err := sameKeys(in[i], o[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// variables returns the dashboard's variables by name.
func (d dashboard) variables() map[string]variable {
	vars := make(map[string]variable, len(d.Templating.List))
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	return vars
}
