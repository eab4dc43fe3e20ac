package chhttp

import (
	"net/http"
	"strings"
	"testing"
)

// Whether a statement may run on a read-only request is decided by the
// engine's parser before the statement runs. Settings in the request change
// what that parser accepts (max_parser_depth, max_parser_backtracks, ...),
// so the decision must be taken under the same settings as the execution:
// a statement the default parser gives up on must not slip through as
// "unparsed" and then run, parsed, as a write.
func TestReadonlyHoldsUnderRequestParserSettings(t *testing.T) {
	for _, tc := range []httpCase{
		{method: "POST", path: "/", body: "DROP DATABASE IF EXISTS ro", wantStatus: 200},
		{method: "POST", path: "/", body: "CREATE DATABASE ro", wantStatus: 200},
		{method: "POST", path: "/", body: "CREATE TABLE ro.t (a UInt64) ENGINE = MergeTree ORDER BY a", wantStatus: 200},
	} {
		doCase(t, tc)
	}
	deep := strings.Repeat("(", 1010) + "1" + strings.Repeat(")", 1010)
	parser := "&max_parser_depth=100000&max_parser_backtracks=1000000000"
	cases := []httpCase{
		{name: "get insert select", path: q("INSERT INTO ro.t SELECT "+deep) + parser},
		{name: "readonly post insert select", method: "POST", path: "/?readonly=1" + parser, body: "INSERT INTO ro.t SELECT " + deep},
		{name: "get create as select", path: q("CREATE TABLE ro.u ENGINE = Memory AS SELECT "+deep+" AS a") + parser},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.wantStatus, tc.wantCode, tc.wantBody, tc.wantPrefix = http.StatusForbidden, "164", "Code: 164.", true
			doCase(t, tc)
		})
	}
	doCase(t, httpCase{path: q("SELECT count() FROM ro.t"), wantStatus: 200, wantBody: "0\n"})
	doCase(t, httpCase{path: q("EXISTS TABLE ro.u"), wantStatus: 200, wantBody: "0\n"})
	// The same request settings still let a deep read through.
	doCase(t, httpCase{path: q("SELECT "+deep) + parser, wantStatus: 200, wantBody: "1\n"})
}
