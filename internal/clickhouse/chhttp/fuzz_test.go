package chhttp

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		text                          string
		keyword, insertSQL, insFormat string
		data, outFormat               string
	}{
		{text: "SELECT 1", keyword: "SELECT"},
		{text: "select 1 format JSON", keyword: "SELECT", outFormat: "JSON"},
		{text: "SELECT format FROM t", keyword: "SELECT"},
		{text: "SELECT 'FORMAT CSV' FORMAT TSV SETTINGS max_threads = 1", keyword: "SELECT", outFormat: "TSV"},
		{text: "INSERT INTO t FORMAT CSV\n1,2\n", keyword: "INSERT", insertSQL: "INSERT INTO t ", insFormat: "CSV", data: "1,2\n"},
		{text: "INSERT INTO t FORMAT Native", keyword: "INSERT", insertSQL: "INSERT INTO t ", insFormat: "Native", data: ""},
		{text: "INSERT INTO t FORMAT TSV  \r\n\n x", keyword: "INSERT", insertSQL: "INSERT INTO t ", insFormat: "TSV", data: "\n x"},
		{text: "INSERT INTO t FORMAT TSV 1\t2", keyword: "INSERT", insertSQL: "INSERT INTO t ", insFormat: "TSV", data: "1\t2"},
		{text: "INSERT INTO t (`format`, \"values\") VALUES (1, 'a')", keyword: "INSERT", insertSQL: "INSERT INTO t (`format`, \"values\") ", insFormat: "Values", data: " (1, 'a')"},
		{text: "INSERT INTO t (a) /* FORMAT CSV */ -- VALUES\n SELECT 1", keyword: "INSERT"},
		{text: "INSERT INTO FUNCTION file('x.csv', 'CSV') FORMAT CSV\n1", keyword: "INSERT", insertSQL: "INSERT INTO FUNCTION file('x.csv', 'CSV') ", insFormat: "CSV", data: "1"},
		{text: "INSERT INTO t SETTINGS async_insert = 1 FORMAT JSONEachRow\n{}", keyword: "INSERT", insertSQL: "INSERT INTO t SETTINGS async_insert = 1 ", insFormat: "JSONEachRow", data: "{}"},
		{text: "  /* c */ (SELECT 1)", keyword: ""},
		{text: "", keyword: ""},
	} {
		st := analyze(tc.text)
		data := ""
		if st.dataStart >= 0 {
			data = tc.text[st.dataStart:]
		}
		if st.keyword != tc.keyword || st.insertSQL != tc.insertSQL || st.insertFormat != tc.insFormat || data != tc.data || st.outputFormat != tc.outFormat {
			t.Errorf("analyze(%q) = %+v data %q; want keyword %q insert %q/%q data %q out %q",
				tc.text, st, data, tc.keyword, tc.insertSQL, tc.insFormat, tc.data, tc.outFormat)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"SELECT 1 FORMAT JSON", "INSERT INTO t FORMAT CSV\n1,2", "INSERT INTO t VALUES (1)",
		"INSERT INTO t (a, b) FORMAT Native\n\x00\x01", "/* /* */ */ SELECT $$x$$", "'unterminated", "INSERT INTO t $a$ FORMAT",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		st := analyze(text)
		if st.insertFormat == "" {
			if st.dataStart != -1 || st.insertSQL != "" {
				t.Fatalf("data without a format: %+v", st)
			}
			return
		}
		if st.dataStart < len(st.insertSQL) || st.dataStart > len(text) {
			t.Fatalf("dataStart %d outside [%d, %d]", st.dataStart, len(st.insertSQL), len(text))
		}
		if !strings.HasPrefix(text, st.insertSQL) || !validFormatName(st.insertFormat) {
			t.Fatalf("insert %q / format %q not taken from %q", st.insertSQL, st.insertFormat, text)
		}
	})
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"query=SELECT+1&database=d&default_format=Native&client_protocol_version=54460&max_execution_time=5",
		"param_x=1&param_=2", "compress=1", "session_id=x", "a%20b=1", "enable_http_compression=1&wait_end_of_query=1",
	} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, raw, formatHeader string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		h := http.Header{}
		if formatHeader != "" {
			h.Set("X-ClickHouse-Format", formatHeader)
		}
		p, err := parseParams(values, h)
		if err != nil {
			var br *badRequest
			if !errors.As(err, &br) || br.status < 400 || br.code == 0 {
				t.Fatalf("error %v is not a well-formed refusal", err)
			}
			return
		}
		if p.database == "" || p.defaultFormat == "" {
			t.Fatalf("empty database or format: %+v", p)
		}
		for name := range p.settings {
			if !validSettingName(name) || consumed[name] || strings.HasPrefix(name, "param_") {
				t.Fatalf("%q passed through as a setting", name)
			}
		}
	})
}

func FuzzStatement(f *testing.F) {
	f.Add("", "SELECT 1")
	f.Add("INSERT INTO t FORMAT CSV", "1,2\n")
	f.Add("", "INSERT INTO t FORMAT CSV\n"+strings.Repeat("1,2\n", 40))
	f.Add("SELECT", strings.Repeat("1+", 50)+"1")
	h := &Handler{log: slog.New(slog.DiscardHandler), maxQuery: 64}
	f.Fuzz(func(t *testing.T, urlQuery, body string) {
		st, text, data, err := h.statement(urlQuery, strings.NewReader(body), h.maxQuery)
		if err != nil {
			return
		}
		if strings.TrimSpace(text) == "" {
			t.Fatalf("accepted empty statement from %q + %q", urlQuery, body)
		}
		if data == nil {
			if st.insertFormat != "" {
				t.Fatalf("insert %q without a data stream", text)
			}
			if len(text) > h.maxQuery && len(body) > 0 && urlQuery == "" {
				t.Fatalf("query of %d bytes accepted over the %d limit", len(text), h.maxQuery)
			}
			return
		}
		all, err := io.ReadAll(data)
		if err != nil {
			t.Fatal(err)
		}
		// Nothing the client sent is lost or duplicated between SQL and data.
		if len(text)+len(all) > len(urlQuery)+len(body)+1 {
			t.Fatalf("statement %q + data %q longer than input %q + %q", text, all, urlQuery, body)
		}
	})
}
