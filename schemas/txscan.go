package schemas

import (
	"encoding/json"
	"fmt"
)

// scanTxObject splits a transaction's JSON text into its members. The shape
// is one flat object whose values are strings, numbers or null, so a strict
// single-pass scanner replaces encoding/json's reflection, which cost most of
// the decode time of a record. It is stricter than encoding/json: keys match
// exactly (not case-insensitively) and a repeated key is an error rather
// than last-one-wins, so no two readers can see different transactions in
// the same bytes.
func scanTxObject(b []byte, raw *txJSON) error {
	s := txScanner{b: b}
	s.space()
	if !s.take('{') {
		return s.fail("expected a JSON object")
	}
	s.space()
	if s.take('}') {
		return s.end()
	}
	for {
		s.space()
		keyTok, err := s.str()
		if err != nil {
			return err
		}
		// Known keys need no unescaping, and their text is only copied out
		// for an error message.
		key := keyTok[1 : len(keyTok)-1]
		slot := raw.member(key)
		if slot == nil {
			var name string
			if err := json.Unmarshal(keyTok, &name); err != nil {
				return s.fail("bad key: %v", err)
			}
			return fmt.Errorf("transaction JSON: unknown field %q (known: id, type, from, to, amount, asset, nonce, payload, timestamp, pubkey, sig, new_key)", name)
		}
		s.space()
		if !s.take(':') {
			return s.fail("expected ':' after key %q", key)
		}
		if *slot != nil {
			return fmt.Errorf("transaction JSON: field %q appears twice", key)
		}
		s.space()
		if *slot, err = s.value(key); err != nil {
			return err
		}
		s.space()
		if s.take(',') {
			continue
		}
		if s.take('}') {
			return s.end()
		}
		return s.fail("expected ',' or '}' after field %q", key)
	}
}

type txScanner struct {
	b []byte
	i int
}

func (s *txScanner) fail(format string, args ...any) error {
	return fmt.Errorf("transaction JSON: offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *txScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *txScanner) take(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *txScanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return s.fail("unexpected data after the object")
	}
	return nil
}

// value returns the raw token of a string, number or null.
func (s *txScanner) value(key []byte) (json.RawMessage, error) {
	if s.i >= len(s.b) {
		return nil, s.fail("missing value for %q", key)
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 'n' || c == 't' || c == 'f':
		start := s.i
		for _, lit := range []string{"null", "true", "false"} {
			if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return s.b[start:s.i], nil
			}
		}
		return nil, s.fail("invalid literal for %q", key)
	case c == '{' || c == '[':
		return nil, &FieldError{Field: string(key), Err: fmt.Errorf("must be a string or number, not %s", map[byte]string{'{': "an object", '[': "an array"}[c])}
	}
	return nil, s.fail("invalid value for %q", key)
}

// str returns a string token, quotes included, after checking its escapes
// and that it holds no raw control characters.
func (s *txScanner) str() (json.RawMessage, error) {
	start := s.i
	if !s.take('"') {
		return nil, s.fail("expected a string")
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], nil
		case c < ' ':
			return nil, s.fail("control character 0x%02x in string; escape it", c)
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return nil, s.fail("unterminated escape")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 || !isHex4(s.b[s.i+1:s.i+5]) {
					return nil, s.fail(`\u must be followed by 4 hex digits`)
				}
				s.i += 5
			default:
				return nil, s.fail("invalid escape \\%c", s.b[s.i])
			}
		default:
			s.i++
		}
	}
	return nil, s.fail("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number returns a token matching JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *txScanner) number() (json.RawMessage, error) {
	start := s.i
	s.take('-')
	switch {
	case s.take('0'):
	case s.digits() == 0:
		return nil, s.fail("invalid number")
	}
	if s.take('.') && s.digits() == 0 {
		return nil, s.fail("invalid number: digits must follow '.'")
	}
	if s.take('e') || s.take('E') {
		if !s.take('+') {
			s.take('-')
		}
		if s.digits() == 0 {
			return nil, s.fail("invalid number: digits must follow the exponent")
		}
	}
	return s.b[start:s.i], nil
}

func (s *txScanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}
