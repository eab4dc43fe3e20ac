package sqlscan

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // kind:text, depth after @ when not 0
	}{
		{"SELECT 1", []string{"w:SELECT", "n:1"}},
		{"select f(a, 'x''y')", []string{"w:select", "w:f", "p:(", "w:a@1", "p:,@1", "s:'x''y'@1", "p:)"}},
		{"-- c\nSELECT /* a /* b */ c */ `q``x` # d\n\"n\"", []string{"w:SELECT", "q:`q``x`", "q:\"n\""}},
		{"#!shebang\nx", []string{"w:x"}},
		{"x#y", []string{"w:x", "p:#", "w:y"}},
		{"$tag$ a ' b $tag$ $ $$", []string{"s:$tag$ a ' b $tag$", "p:$", "s:$$"}},
		{"'esc\\'aped' 1.5e3", []string{"s:'esc\\'aped'", "n:1.5e3"}},
		{"[a]", []string{"p:[", "w:a@1", "p:]"}},
		{"'unterminated", []string{"s:'unterminated"}},
		{"/* open", nil},
		{"é", []string{"w:é"}},
	} {
		l, toks := All(tc.text)
		var got []string
		for _, tok := range toks {
			s := string("wnsqp"[tok.Kind-1]) + ":" + l.Text()[tok.Start:tok.End]
			if tok.Depth != 0 {
				s += "@" + string(rune('0'+tok.Depth))
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("All(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Name resolves quoted names the way the engine does, so that a name
// spelled with escapes is recognised for what it is.
func TestName(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"file", "file"},
		{"`file`", "file"},
		{`"file"`, "file"},
		{"`\\x66ile`", "file"},
		{"`\\X66\\x69le`", "file"},
		{"`fi\\Nle`", "file"},
		{"`fi\\le`", "fi\\le"},
		{"`a``b`", "a`b"},
		{`"a""b"`, `a"b`},
		{"`a\\`b`", "a`b"},
		{"`tab\\there`", "tab\there"},
		{"`slash\\/`", "slash/"},
		{"`bad\\x6`", "bad\\x6"},
		{"'string'", ""},
		{"42", ""},
	} {
		l, toks := All(tc.text)
		if len(toks) != 1 {
			t.Fatalf("%q: %d tokens", tc.text, len(toks))
		}
		if got := l.Name(toks[0]); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"SELECT 1 FORMAT JSON", "INSERT INTO t FORMAT CSV\n1,2", "/* /* */ */ SELECT $$x$$", "'unterminated",
		"`\\x66ile`('x')", "SELECT \"a\"\"b\" -- c\n", "$t$ $t", "#!x\n#y", "((]])",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		l, toks := All(text)
		end := 0
		for _, tok := range toks {
			if tok.Start < end || tok.End <= tok.Start || tok.End > len(text) || tok.Depth < 0 {
				t.Fatalf("token %+v out of order or bounds (previous end %d, text %d bytes)", tok, end, len(text))
			}
			if tok.Kind < Word || tok.Kind > Punct {
				t.Fatalf("token %+v has no kind", tok)
			}
			// Bytes between tokens are whitespace or comments, never words.
			for _, c := range []byte(text[end:tok.Start]) {
				if isWordChar(c) && !strings.Contains(text[end:tok.Start], "--") && !strings.Contains(text[end:tok.Start], "/*") && !strings.Contains(text[end:tok.Start], "#") {
					t.Fatalf("word byte %q skipped between tokens in %q", c, text[end:tok.Start])
				}
			}
			_ = l.Name(tok)
			_ = l.Keyword(tok)
			end = tok.End
		}
	})
}
