package chhttp

import (
	"strings"
	"testing"
)

// ClickHouse reads up to max_query_size bytes of a POST body as SQL, and
// clients raise it with the max_query_size URL parameter when a long query
// is refused; the front must honour that parameter rather than keep its own
// default, or the advice in its error leads nowhere.
func TestMaxQuerySizeParameter(t *testing.T) {
	long := "SELECT length('" + strings.Repeat("x", defaultMaxQuerySize) + "')"
	for _, tc := range []httpCase{
		{name: "default limit", method: "POST", path: "/", body: long, wantStatus: 400, wantCode: "62",
			wantBody: "Code: 62. DB::Exception: query is longer than 262144 bytes", wantPrefix: true},
		{name: "raised by the client", method: "POST", path: "/?max_query_size=1000000", body: long, wantStatus: 200, wantBody: "262144\n"},
		{name: "lowered by the client", method: "POST", path: "/?max_query_size=10", body: "SELECT 1 + 1 + 1", wantStatus: 400, wantCode: "62",
			wantBody: "Code: 62. DB::Exception: query is longer than 10 bytes", wantPrefix: true},
		// A short query under a lowered limit runs under it, in a session
		// of its own...
		{name: "lowered, short query", method: "POST", path: "/?max_query_size=20", body: "SELECT 1", wantStatus: 200, wantBody: "1\n"},
		// ...so the next request parses under the default again.
		{name: "after lowering", method: "POST", path: "/", body: "SELECT 1", wantStatus: 200, wantBody: "1\n"},
		{name: "above the ceiling", method: "POST", path: "/?max_query_size=1000000000000", body: "SELECT 1", wantStatus: 400, wantCode: "36",
			wantBody: "Code: 36. DB::Exception: max_query_size", wantPrefix: true},
		{name: "not a number", method: "POST", path: "/?max_query_size=big", body: "SELECT 1", wantStatus: 400, wantCode: "36",
			wantBody: "Code: 36. DB::Exception: max_query_size", wantPrefix: true},
	} {
		t.Run(tc.name, func(t *testing.T) { doCase(t, tc) })
	}
}
