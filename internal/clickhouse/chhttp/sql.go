package chhttp

import (
	"strings"
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

type tokenKind uint8

const (
	tokWord tokenKind = iota + 1
	tokNumber
	tokString
	tokQuotedIdent
	tokPunct
)

type token struct {
	kind       tokenKind
	start, end int
	depth      int
}

// lexer walks ClickHouse SQL just well enough to tell words from literals,
// comments and quoted names, and to track parenthesis depth.
type lexer struct {
	s     string
	i     int
	depth int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordChar(c byte) bool {
	return isWordStart(c) || (c >= '0' && c <= '9')
}

// next returns the next token, or false at the end of the text.
func (l *lexer) next() (token, bool) {
	s := l.s
	for l.i < len(s) {
		c := s[l.i]
		switch {
		case isSpace(c):
			l.i++
		case c == '-' && l.i+1 < len(s) && s[l.i+1] == '-',
			c == '#' && l.i+1 < len(s) && (s[l.i+1] == ' ' || s[l.i+1] == '!'):
			nl := strings.IndexByte(s[l.i:], '\n')
			if nl < 0 {
				l.i = len(s)
				return token{}, false
			}
			l.i += nl + 1
		case c == '/' && l.i+1 < len(s) && s[l.i+1] == '*':
			// ClickHouse block comments nest.
			depth := 0
			j := l.i
			for j < len(s) {
				if j+1 < len(s) && s[j] == '/' && s[j+1] == '*' {
					depth++
					j += 2
				} else if j+1 < len(s) && s[j] == '*' && s[j+1] == '/' {
					depth--
					j += 2
					if depth == 0 {
						break
					}
				} else {
					j++
				}
			}
			l.i = j
		case c == '\'' || c == '"' || c == '`':
			start := l.i
			j := l.i + 1
			closed := false
			for j < len(s) {
				if s[j] == '\\' {
					j += 2
					continue
				}
				if s[j] == c {
					j++
					closed = true
					break
				}
				j++
			}
			if !closed {
				j = len(s)
			}
			l.i = j
			kind := tokString
			if c != '\'' {
				kind = tokQuotedIdent
			}
			return token{kind: kind, start: start, end: j, depth: l.depth}, true
		case c == '$':
			// Heredoc: $tag$ ... $tag$.
			if end := strings.IndexByte(s[l.i+1:], '$'); end >= 0 && validTag(s[l.i+1:l.i+1+end]) {
				tag := s[l.i : l.i+end+2]
				start := l.i
				rest := strings.Index(s[l.i+len(tag):], tag)
				if rest < 0 {
					l.i = len(s)
				} else {
					l.i += len(tag) + rest + len(tag)
				}
				return token{kind: tokString, start: start, end: l.i, depth: l.depth}, true
			}
			l.i++
			return token{kind: tokPunct, start: l.i - 1, end: l.i, depth: l.depth}, true
		case isWordStart(c):
			start := l.i
			for l.i < len(s) && isWordChar(s[l.i]) {
				l.i++
			}
			return token{kind: tokWord, start: start, end: l.i, depth: l.depth}, true
		case c >= '0' && c <= '9':
			start := l.i
			for l.i < len(s) && (isWordChar(s[l.i]) || s[l.i] == '.') {
				l.i++
			}
			return token{kind: tokNumber, start: start, end: l.i, depth: l.depth}, true
		default:
			start := l.i
			l.i++
			d := l.depth
			switch c {
			case '(', '[':
				l.depth++
			case ')', ']':
				if l.depth > 0 {
					l.depth--
				}
				d = l.depth
			}
			return token{kind: tokPunct, start: start, end: l.i, depth: d}, true
		}
	}
	return token{}, false
}

func validTag(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isWordChar(t[i]) {
			return false
		}
	}
	return true
}

func (l *lexer) word(t token) string {
	if t.kind != tokWord {
		return ""
	}
	return strings.ToUpper(l.s[t.start:t.end])
}

// analyze scans text. For an INSERT it stops where inline data begins.
func analyze(text string) statement {
	l := &lexer{s: text}
	st := statement{dataStart: -1}
	first, ok := l.next()
	if !ok {
		return st
	}
	st.keyword = l.word(first)
	if st.keyword == "INSERT" {
		analyzeInsert(l, &st)
		return st
	}
	// A trailing "FORMAT <name>" at top level, optionally followed by
	// SETTINGS or ';', names the output format.
	var toks []token
	for {
		t, ok := l.next()
		if !ok {
			break
		}
		toks = append(toks, t)
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].depth != 0 || l.word(toks[i]) != "FORMAT" || toks[i+1].kind != tokWord {
			continue
		}
		if i+2 == len(toks) || l.word(toks[i+2]) == "SETTINGS" || text[toks[i+2].start] == ';' {
			st.outputFormat = text[toks[i+1].start:toks[i+1].end]
		}
	}
	return st
}

func analyzeInsert(l *lexer, st *statement) {
	for {
		t, ok := l.next()
		if !ok {
			return
		}
		if t.depth != 0 {
			continue
		}
		switch l.word(t) {
		case "SELECT", "WITH":
			return
		case "VALUES":
			st.insertSQL = l.s[:t.start]
			st.insertFormat = "Values"
			st.dataStart = t.end
			return
		case "FORMAT":
			name, ok := l.next()
			if !ok || name.kind != tokWord || !validFormatName(l.s[name.start:name.end]) {
				return
			}
			st.insertSQL = l.s[:t.start]
			st.insertFormat = l.s[name.start:name.end]
			st.dataStart = dataStart(l.s, name.end)
			return
		}
	}
}

// dataStart applies ClickHouse's rule for inline INSERT data: it begins
// after the first newline following the format name, or, when there is no
// newline, after the whitespace.
func dataStart(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
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
