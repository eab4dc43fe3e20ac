package projector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// migration is one schema step: the statements of an embedded DDL file,
// NNNN_description.sql, or a step written in Go (apply).
type migration struct {
	version    uint32
	name       string
	statements []string
	apply      func(context.Context, driver.Conn) error
}

// withGoMigrations merges steps written in Go into the DDL files' order.
func withGoMigrations(files, steps []migration) ([]migration, error) {
	out := slices.Clone(files)
	for _, s := range steps {
		for _, m := range out {
			if m.version == s.version {
				return nil, fmt.Errorf("migrations %q and %q share version %d", m.name, s.name, s.version)
			}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	return out, nil
}

// loadMigrations reads every *.sql file in dir of fsys, ordered by version.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations directory %q: %w", dir, err)
	}
	var out []migration
	seen := map[uint32]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseUint(prefix, 10, 32)
		if !ok || err != nil || v == 0 {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_description.sql with NNNN > 0", e.Name())
		}
		if prev, dup := seen[uint32(v)]; dup {
			return nil, fmt.Errorf("migration files %q and %q share version %d", prev, e.Name(), v)
		}
		seen[uint32(v)] = e.Name()
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		stmts := splitStatements(string(body))
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %q holds no statements", e.Name())
		}
		out = append(out, migration{version: uint32(v), name: e.Name(), statements: stmts})
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	return out, nil
}

// splitStatements cuts a DDL file into statements. A statement ends at a line
// whose last non-blank character is ';'; whole-line "--" comments are dropped.
// This deliberately small grammar is the file convention, not a SQL parser:
// a ';' inside a line (a string literal, a trailing comment) does not split.
func splitStatements(sql string) []string {
	var (
		out []string
		cur strings.Builder
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for line := range strings.Lines(sql) {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		if strings.HasSuffix(trimmed, ";") {
			cur.WriteString(strings.TrimSuffix(strings.TrimRight(line, " \t\r\n"), ";"))
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// ClickHouse error codes the migration runner treats as "nothing applied yet".
const (
	codeUnknownTable    = 60
	codeUnknownDatabase = 81
)

func (p *Projector) appliedMigrations(ctx context.Context) (map[uint32]bool, error) {
	rows, err := p.conn.Query(ctx, "SELECT version FROM aurigraph.schema_migrations")
	if err != nil {
		var ex *clickhouse.Exception
		if errors.As(err, &ex) && (ex.Code == codeUnknownTable || ex.Code == codeUnknownDatabase) {
			return map[uint32]bool{}, nil
		}
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	applied := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("scan applied migration: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return applied, nil
}

// Migrate applies the embedded ClickHouse migrations that are not yet recorded
// in aurigraph.schema_migrations, in version order. Every statement and Go
// step is idempotent, so a run interrupted between a statement and its record
// is completed by the next one.
func (p *Projector) Migrate(ctx context.Context) error {
	applied, err := p.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range p.migrations {
		if applied[m.version] {
			continue
		}
		for i, stmt := range m.statements {
			if err := p.conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s, statement %d: %w", m.name, i+1, err)
			}
		}
		if m.apply != nil {
			if err := m.apply(ctx, p.conn); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if err := p.conn.Exec(ctx, "INSERT INTO aurigraph.schema_migrations (version, name) VALUES (?, ?)",
			m.version, m.name); err != nil {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
		p.log.Info("applied clickhouse migration", "version", m.version, "name", m.name)
	}
	return nil
}
