package schemas

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBoundReason(t *testing.T) {
	long := strings.Repeat("x", MaxReasonBytes+10)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"insufficient balance", "insufficient balance"},
		{long[:MaxReasonBytes], long[:MaxReasonBytes]},
		{long, long[:MaxReasonBytes-3] + "..."},
	} {
		if got := BoundReason(tc.in); got != tc.want {
			t.Errorf("BoundReason(%d bytes) = %d bytes, want %d", len(tc.in), len(got), len(tc.want))
		}
	}
	got := BoundReason(strings.Repeat("é", MaxReasonBytes)) // 2 bytes each
	if len(got) > MaxReasonBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Errorf("BoundReason of 2-byte runes = %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}
