package engine

import (
	"fmt"
	"strings"

	"github.com/aurigraph/aurigraph/internal/clickhouse/sqlscan"
)

// Some reach of the embedded engine is outside its access control: it runs
// as ClickHouse's local application, for which the file() function reads
// any path with no grant checked, and INTO OUTFILE and FROM INFILE are
// carried out by its client side. The guard refuses them in the text before
// any statement runs, with the engine's own lexing rules, so a quoted name,
// an escape or a comment does not hide a call.

// deniedFunctions are called by no statement, with the reason.
var deniedFunctions = map[string]string{
	"file": "reads files of the server's host",
	// Its scripts can only come from the engine's own empty user_scripts
	// directory; refused all the same.
	"executable": "runs programs on the server's host",
}

// deniedKeywords appear in no statement.
var deniedKeywords = map[string]string{
	"INFILE":  "FROM INFILE reads a file of the server's host; send the data in the request body instead",
	"OUTFILE": "INTO OUTFILE writes a file on the server's host; read the result from the response instead",
}

// readerSettingWords mark settings a read may not change, by the words
// their names are made of: a setting that names a path, a URL or a host, or
// that weakens this package's own accounting. The engine's constraints lock
// the ones known today (lockedSettings and the limits); this catches their
// kin by name.
var readerSettingWords = []string{
	"path", "file", "url", "uri", "host", "dir", "schema", "template", "proxy", "endpoint",
	"credential", "password", "secret", "profiler", "priority", "log_", "untracked", "overcommit",
	"_for_user", "_for_all", "readonly", "allow_ddl", "introspection", "workload", "trace",
	"opentelemetry", "jemalloc", "cache", "temporary", "external", "keeper", "insert",
	"async", "mutation", "alter", "allow_experimental", "backup", "restore",
}

// readerMaySet reports whether a read may change the setting name.
func readerMaySet(name string) bool {
	n := strings.ToLower(name)
	for _, w := range readerSettingWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	return true
}

func refuseReaderSetting(name string) *Error {
	return &Error{Code: codeReadonly, Message: fmt.Sprintf(
		"Code: %d. DB::Exception: Cannot modify '%s' setting in a read-only request: reads may not change settings that name files, URLs or hosts, or that loosen their limits. (READONLY)",
		codeReadonly, name)}
}

// guard checks the text of one call's statement before it runs.
func guard(c *call) error {
	l, toks := sqlscan.All(c.query)
	for i, t := range toks {
		if kw := l.Keyword(t); deniedKeywords[kw] != "" {
			return &Error{Code: codeAccessDenied, Message: fmt.Sprintf(
				"Code: %d. DB::Exception: Not allowed on this server: %s. (ACCESS_DENIED)", codeAccessDenied, deniedKeywords[kw])}
		}
		name := l.Name(t)
		if name == "" || i+1 == len(toks) || c.query[toks[i+1].Start:toks[i+1].End] != "(" {
			continue
		}
		if why := deniedFunctions[strings.ToLower(name)]; why != "" {
			return &Error{Code: codeAccessDenied, Message: fmt.Sprintf(
				"Code: %d. DB::Exception: Not allowed on this server: the function %s %s. (ACCESS_DENIED)", codeAccessDenied, name, why)}
		}
	}
	if c.role != reader {
		return nil
	}
	for name := range c.settings {
		if !readerMaySet(name) {
			return refuseReaderSetting(name)
		}
	}
	for _, name := range settingsClauseNames(l, toks) {
		if !readerMaySet(name) {
			return refuseReaderSetting(name)
		}
	}
	return nil
}

// settingsClauseNames lists the names a statement's SETTINGS clauses
// assign: each "name =" after the keyword SETTINGS, at its depth, until the
// clause ends. A text that only looks like a clause yields names too, which
// can only make the check stricter.
func settingsClauseNames(l *sqlscan.Scanner, toks []sqlscan.Token) []string {
	var names []string
	for i := 0; i < len(toks); i++ {
		if l.Keyword(toks[i]) != "SETTINGS" {
			continue
		}
		depth := toks[i].Depth
		for j := i + 1; j < len(toks); j++ {
			t := toks[j]
			if t.Depth < depth || (t.Depth == depth && endsSettingsClause(l, t)) {
				break
			}
			if t.Depth != depth || j+1 == len(toks) || l.Text()[toks[j+1].Start:toks[j+1].End] != "=" {
				continue
			}
			if name := l.Name(t); name != "" {
				names = append(names, name)
			}
		}
	}
	return names
}

func endsSettingsClause(l *sqlscan.Scanner, t sqlscan.Token) bool {
	switch l.Keyword(t) {
	case "FORMAT", "UNION", "EXCEPT", "INTERSECT", "INTO", "SETTINGS":
		return true
	}
	return t.Kind == sqlscan.Punct && l.Text()[t.Start:t.End] == ";"
}
