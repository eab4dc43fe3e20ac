package chhttp

import (
	"strings"

	"github.com/aurigraph/aurigraph/internal/clickhouse/sqlscan"
)

// statement is what the front needs to know about a request's SQL before the
// engine sees it. Only the text up to inline data is ever scanned: data that
// follows FORMAT or VALUES in an INSERT is arbitrary bytes.
type statement struct {
	// keyword is the first word, upper-cased ("SELECT", "INSERT", ...).
	keyword string
	// insertSQL is the INSERT without its FORMAT/VALUES tail, set when the
	// statement carries (or is followed by) data in insertFormat.
	insertSQL    string
	insertFormat string
	// dataStart is where inline data begins in the scanned text.
	dataStart int
	// outputFormat is the name in a trailing FORMAT clause of a query.
	outputFormat string
}

// analyze scans text. For an INSERT it stops where inline data begins.
func analyze(text string) statement {
	l := sqlscan.New(text)
	st := statement{dataStart: -1}
	first, ok := l.Next()
	if !ok {
		return st
	}
	st.keyword = l.Keyword(first)
	if st.keyword == "INSERT" {
		analyzeInsert(l, &st)
		return st
	}
	// A trailing "FORMAT <name>" at top level, optionally followed by
	// SETTINGS or ';', names the output format.
	var toks []sqlscan.Token
	for {
		t, ok := l.Next()
		if !ok {
			break
		}
		toks = append(toks, t)
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].Depth != 0 || l.Keyword(toks[i]) != "FORMAT" || toks[i+1].Kind != sqlscan.Word {
			continue
		}
		if i+2 == len(toks) || l.Keyword(toks[i+2]) == "SETTINGS" || text[toks[i+2].Start] == ';' {
			st.outputFormat = text[toks[i+1].Start:toks[i+1].End]
		}
	}
	return st
}

func analyzeInsert(l *sqlscan.Scanner, st *statement) {
	s := l.Text()
	for {
		t, ok := l.Next()
		if !ok {
			return
		}
		if t.Depth != 0 {
			continue
		}
		switch l.Keyword(t) {
		case "SELECT", "WITH":
			return
		case "VALUES":
			st.insertSQL = s[:t.Start]
			st.insertFormat = "Values"
			st.dataStart = t.End
			return
		case "FORMAT":
			name, ok := l.Next()
			if !ok || name.Kind != sqlscan.Word || !validFormatName(s[name.Start:name.End]) {
				return
			}
			st.insertSQL = s[:t.Start]
			st.insertFormat = s[name.Start:name.End]
			st.dataStart = dataStart(s, name.End)
			return
		}
	}
}

// dataStart applies ClickHouse's rule for inline INSERT data: it begins
// after the first newline following the format name, or, when there is no
// newline, after the whitespace.
func dataStart(s string, i int) int {
	for i < len(s) && sqlscan.IsSpace(s[i]) {
		if s[i] == '\n' {
			return i + 1
		}
		i++
	}
	return i
}

// isHandshake reports whether q is clickhouse-go's connection handshake.
func isHandshake(q string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(q), " "), "SELECT displayName(), version(), revision(), timezone()")
}
