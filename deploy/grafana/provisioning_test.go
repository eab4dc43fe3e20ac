package grafana

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Grafana's provisioning files, with the fields these use; decoding refuses
// any other key.
type datasourcesFile struct {
	APIVersion  int                  `yaml:"apiVersion"`
	Datasources []provisionedDataSrc `yaml:"datasources"`
}

type provisionedDataSrc struct {
	Name           string            `yaml:"name"`
	UID            string            `yaml:"uid"`
	Type           string            `yaml:"type"`
	Access         string            `yaml:"access"`
	URL            string            `yaml:"url"`
	IsDefault      bool              `yaml:"isDefault"`
	JSONData       map[string]any    `yaml:"jsonData"`
	SecureJSONData map[string]string `yaml:"secureJsonData"`
}

type dashboardsFile struct {
	APIVersion int        `yaml:"apiVersion"`
	Providers  []provider `yaml:"providers"`
}

type provider struct {
	Name                  string `yaml:"name"`
	OrgID                 int    `yaml:"orgId"`
	Folder                string `yaml:"folder"`
	Type                  string `yaml:"type"`
	DisableDeletion       bool   `yaml:"disableDeletion"`
	AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
	UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
	Options               struct {
		Path                      string `yaml:"path"`
		FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
	} `yaml:"options"`
}

func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestProvisioning checks that the provisioning files load the dashboards
// from a directory and offer a data source of every type a dashboard's
// datasource variable asks for.
func TestProvisioning(t *testing.T) {
	var ds datasourcesFile
	decodeYAML(t, filepath.Join("provisioning", "datasources", "aurigraph.yaml"), &ds)
	var db dashboardsFile
	decodeYAML(t, filepath.Join("provisioning", "dashboards", "aurigraph.yaml"), &db)
	if ds.APIVersion != 1 || db.APIVersion != 1 {
		t.Errorf("apiVersion %d and %d, want 1", ds.APIVersion, db.APIVersion)
	}
	types := map[string]bool{}
	uids := map[string]bool{}
	for _, d := range ds.Datasources {
		if d.Name == "" || d.UID == "" || uids[d.UID] {
			t.Errorf("data source %+v: name and a unique uid needed", d)
		}
		uids[d.UID] = true
		types[d.Type] = true
		switch d.Type {
		case prometheusType:
			if d.URL == "" {
				t.Errorf("data source %s: no url", d.Name)
			}
		case clickhouseType:
			// The plugin's own settings: where and how to connect.
			for _, k := range []string{"host", "port", "protocol", "username", "defaultDatabase"} {
				if d.JSONData[k] == nil {
					t.Errorf("data source %s: jsonData.%s missing", d.Name, k)
				}
			}
		default:
			t.Errorf("data source %s: type %q, which no dashboard uses", d.Name, d.Type)
		}
	}
	if len(db.Providers) != 1 || db.Providers[0].Type != "file" || db.Providers[0].Options.Path == "" {
		t.Fatalf("providers %+v: want one of type file with a path", db.Providers)
	}
	for _, f := range loadDashboards(t) {
		for _, v := range f.d.Templating.List {
			var typ string
			if v.Type == "datasource" && json.Unmarshal(v.Query, &typ) == nil && !types[typ] {
				t.Errorf("%s: variable %s wants a %s data source, which is not provisioned", f.path, v.Name, typ)
			}
		}
	}
}
