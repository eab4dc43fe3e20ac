package projector

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aurigraph/aurigraph/schemas"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "empty", in: "", want: nil},
		{name: "comments only", in: "-- a\n  -- b\n", want: nil},
		{name: "one", in: "CREATE DATABASE x;\n", want: []string{"CREATE DATABASE x"}},
		{name: "no final newline", in: "SELECT 1;", want: []string{"SELECT 1"}},
		{name: "trailing statement without semicolon", in: "SELECT 1;\nSELECT 2", want: []string{"SELECT 1", "SELECT 2"}},
		{
			name: "multi-line with comments and CRLF",
			in:   "-- header\r\nCREATE TABLE t\r\n(\r\n  a UInt8 -- why\r\n)\r\nENGINE = Memory;  \r\n\r\nSELECT 2;\r\n",
			want: []string{"CREATE TABLE t\r\n(\r\n  a UInt8 -- why\r\n)\r\nENGINE = Memory", "SELECT 2"},
		},
		{
			name: "semicolon inside a line does not split",
			in:   "SELECT 'a;b' AS x\nFROM t;\n",
			want: []string{"SELECT 'a;b' AS x\nFROM t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitStatements(tt.in); !slices.Equal(got, tt.want) {
				t.Fatalf("splitStatements = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadMigrations(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("SELECT 1;\n")}
	tests := []struct {
		name     string
		files    fstest.MapFS
		versions []uint32
		wantErr  string
	}{
		{
			name:     "ordered by version, not listing order",
			files:    fstest.MapFS{"m/0010_b.sql": sql, "m/0002_a.sql": sql, "m/README.md": sql},
			versions: []uint32{2, 10},
		},
		{name: "bad name", files: fstest.MapFS{"m/init.sql": sql}, wantErr: "NNNN_description.sql"},
		{name: "version zero", files: fstest.MapFS{"m/0000_x.sql": sql}, wantErr: "NNNN > 0"},
		{name: "duplicate version", files: fstest.MapFS{"m/0001_a.sql": sql, "m/01_b.sql": sql}, wantErr: "share version 1"},
		{name: "empty file", files: fstest.MapFS{"m/0001_a.sql": &fstest.MapFile{Data: []byte("-- nothing\n")}}, wantErr: "no statements"},
		{name: "missing dir", files: fstest.MapFS{}, wantErr: "read migrations directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := loadMigrations(tt.files, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []uint32
			for _, m := range ms {
				got = append(got, m.version)
			}
			if !slices.Equal(got, tt.versions) {
				t.Fatalf("versions = %v, want %v", got, tt.versions)
			}
		})
	}
}

// The shipped DDL must stay runnable by the runner: database first, every
// statement idempotent, and the tables the projector writes present.
func TestEmbeddedMigrations(t *testing.T) {
	ms, err := loadMigrations(schemas.ClickHouseMigrations, "clickhouse")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 {
		t.Fatalf("first migration = %+v, want version 1", ms)
	}
	if got := ms[0].statements[0]; got != "CREATE DATABASE IF NOT EXISTS aurigraph" {
		t.Fatalf("first statement = %q, want the database", got)
	}
	var all []string
	for _, m := range ms {
		for _, s := range m.statements {
			// Backfills of the per-block rollups are idempotent too: a rerun
			// writes the same rows again and ReplacingMergeTree keeps one.
			if !strings.Contains(s, "IF NOT EXISTS") && !strings.HasPrefix(s, "INSERT INTO aurigraph.block_stats") && !strings.HasPrefix(s, "INSERT INTO aurigraph.account_deltas") {
				t.Errorf("%s: statement is not idempotent: %s", m.name, s)
			}
			all = append(all, s)
		}
	}
	joined := strings.Join(all, "\n")
	for _, table := range []string{"aurigraph.schema_migrations", "aurigraph.blocks", "aurigraph.transactions"} {
		if !strings.Contains(joined, "CREATE TABLE IF NOT EXISTS "+table) {
			t.Errorf("no migration creates %s", table)
		}
	}
}
