// Package sqlscan splits ClickHouse SQL into tokens the way the engine's
// lexer does, so that checks made on the text (where inline INSERT data
// begins, which functions a statement calls, which settings it changes) see
// the same words the engine will. It tells words from string literals,
// quoted names, numbers, comments and punctuation, and tracks parenthesis
// depth; it does not parse.
package sqlscan

import "strings"

// Kind is what a token is.
type Kind uint8

// Token kinds.
const (
	Word        Kind = iota + 1 // a bare identifier or keyword
	Number                      // a numeric literal
	String                      // '...' or a $tag$...$tag$ heredoc
	QuotedIdent                 // `...` or "..."
	Punct                       // any other single byte
)

// Token is one token of a text.
type Token struct {
	Kind       Kind
	Start, End int
	// Depth is the count of open parentheses and brackets around the token;
	// a closing one carries the depth it returns to.
	Depth int
}

// Scanner walks a text token by token.
type Scanner struct {
	s     string
	i     int
	depth int
}

// New returns a Scanner over s.
func New(s string) *Scanner { return &Scanner{s: s} }

// Text is the text being scanned.
func (l *Scanner) Text() string { return l.s }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordChar(c byte) bool {
	return isWordStart(c) || (c >= '0' && c <= '9')
}

// IsSpace reports whether c is whitespace to ClickHouse's lexer.
func IsSpace(c byte) bool { return isSpace(c) }

// Next returns the next token, or false at the end of the text. Comments and
// whitespace are skipped. An unterminated string, quoted name, comment or
// heredoc runs to the end of the text, where the engine reports it.
func (l *Scanner) Next() (Token, bool) {
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
				return Token{}, false
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
					if j+1 < len(s) && s[j+1] == c {
						// A doubled quote is one quote character.
						j += 2
						continue
					}
					j++
					closed = true
					break
				}
				j++
			}
			if !closed || j > len(s) {
				j = len(s)
			}
			l.i = j
			kind := String
			if c != '\'' {
				kind = QuotedIdent
			}
			return Token{Kind: kind, Start: start, End: j, Depth: l.depth}, true
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
				return Token{Kind: String, Start: start, End: l.i, Depth: l.depth}, true
			}
			l.i++
			return Token{Kind: Punct, Start: l.i - 1, End: l.i, Depth: l.depth}, true
		case isWordStart(c):
			start := l.i
			for l.i < len(s) && isWordChar(s[l.i]) {
				l.i++
			}
			return Token{Kind: Word, Start: start, End: l.i, Depth: l.depth}, true
		case c >= '0' && c <= '9':
			start := l.i
			for l.i < len(s) && (isWordChar(s[l.i]) || s[l.i] == '.') {
				l.i++
			}
			return Token{Kind: Number, Start: start, End: l.i, Depth: l.depth}, true
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
			return Token{Kind: Punct, Start: start, End: l.i, Depth: d}, true
		}
	}
	return Token{}, false
}

func validTag(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isWordChar(t[i]) {
			return false
		}
	}
	return true
}

// Keyword is t upper-cased when it is a bare word, "" otherwise.
func (l *Scanner) Keyword(t Token) string {
	if t.Kind != Word {
		return ""
	}
	return strings.ToUpper(l.s[t.Start:t.End])
}

// Name is the identifier t spells: a bare word as written, a quoted name
// without its quotes and escapes; "" for any other token.
func (l *Scanner) Name(t Token) string {
	switch t.Kind {
	case Word:
		return l.s[t.Start:t.End]
	case QuotedIdent:
		return unquote(l.s[t.Start:t.End])
	}
	return ""
}

// unquote strips the quotes of a `name` or "name" and resolves its escapes
// as the engine does: \xHH is a byte, \N is nothing, \n, \t and their kin
// are control characters, a backslash before a quote, a backslash or a slash
// is that character, before anything else it stays; a doubled quote is one
// quote.
func unquote(q string) string {
	if len(q) < 2 {
		return ""
	}
	quote := q[0]
	body := q[1:]
	if body[len(body)-1] == quote {
		body = body[:len(body)-1]
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			n := body[i+1]
			switch {
			case (n == 'x' || n == 'X') && i+3 < len(body) && isHex(body[i+2]) && isHex(body[i+3]):
				b.WriteByte(unhex(body[i+2])<<4 | unhex(body[i+3]))
				i += 3
			case n == 'N':
				i++
			default:
				d := escaped(n)
				if d != '\\' && d != '\'' && d != '"' && d != '`' && d != '/' && d >= 0x20 && d != 0x7f {
					b.WriteByte('\\')
				}
				b.WriteByte(d)
				i++
			}
		case c == quote && i+1 < len(body) && body[i+1] == quote:
			i++
			b.WriteByte(quote)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func escaped(c byte) byte {
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'e':
		return 0x1b
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	case '0':
		return 0
	}
	return c
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// All returns every token of s.
func All(s string) (*Scanner, []Token) {
	l := New(s)
	var toks []Token
	for {
		t, ok := l.Next()
		if !ok {
			return l, toks
		}
		toks = append(toks, t)
	}
}
