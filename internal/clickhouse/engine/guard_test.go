package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	for _, tc := range []struct {
		query    string
		settings map[string]string
		role     role
		wantCode int // 0: allowed
	}{
		{query: "SELECT 1", role: reader},
		{query: "SELECT file('/etc/passwd')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT file('/etc/passwd')", role: writer, wantCode: codeAccessDenied},
		{query: "SELECT `file` /* x */ ('/etc/passwd')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT \"file\"\n(\n'/etc/passwd')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT `\\x66ile`('/etc/passwd')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT `fi\\Nle`('/etc/passwd')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT FILE('x')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT arrayMap(x -> file(x), ['a'])", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT * FROM file('x', 'CSV')", role: reader, wantCode: codeAccessDenied},
		{query: "SELECT * FROM executable('x.sh', 'CSV', 'a String')", role: writer, wantCode: codeAccessDenied},
		// A name or a string that only mentions file is no call.
		{query: "SELECT 'file(x)', file_name, `file` FROM t WHERE s LIKE '%file(%' -- file(", role: reader},
		{query: "SELECT profile(1)", role: reader},
		{query: "SELECT 1 INTO OUTFILE '/tmp/x'", role: writer, wantCode: codeAccessDenied},
		{query: "INSERT INTO t FROM INFILE '/etc/passwd' FORMAT CSV", role: writer, wantCode: codeAccessDenied},
		{query: "SELECT 'INTO OUTFILE'", role: writer},
		// Settings a read may and may not change, as parameters or in the
		// statement.
		{query: "SELECT 1", settings: map[string]string{"max_threads": "2", "date_time_output_format": "iso", "output_format_json_quote_64bit_integers": "0"}, role: reader},
		{query: "SELECT 1", settings: map[string]string{"format_schema": "/etc/x:M"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"output_format_schema": "/tmp/x"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"format_avro_schema_registry_url": "http://x"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"input_format_record_errors_file_path": "/tmp/x"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"max_untracked_memory": "1000000000000"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"profile": "default"}, role: reader, wantCode: codeReadonly},
		{query: "SELECT 1", settings: map[string]string{"format_schema": "/etc/x:M"}, role: writer},
		{query: "SELECT 1 SETTINGS max_threads = 1, extremes = 1 FORMAT JSON", role: reader},
		{query: "SELECT 1 SETTINGS format_schema = '/etc/x:M'", role: reader, wantCode: codeReadonly},
		{query: "SELECT 1 SETTINGS max_threads = 1, `output_format_schema` = '/tmp/x'", role: reader, wantCode: codeReadonly},
		{query: "SELECT * FROM (SELECT 1 SETTINGS format_template_row = 'x') WHERE 1 = 1", role: reader, wantCode: codeReadonly},
		// Outside a SETTINGS clause "name =" is a comparison.
		{query: "SELECT name = 'x', value FROM system.settings WHERE name = 'format_schema' SETTINGS max_threads = 1", role: reader},
		{query: "SELECT 1 SETTINGS max_threads = 1 FORMAT JSON", role: reader},
	} {
		c := &call{query: tc.query, settings: tc.settings, role: tc.role}
		err := guard(c)
		var ee *Error
		switch {
		case tc.wantCode == 0 && err != nil:
			t.Errorf("guard(%q, %v, %s) = %v, want allowed", tc.query, tc.settings, tc.role, err)
		case tc.wantCode != 0 && (!errors.As(err, &ee) || ee.Code != tc.wantCode):
			t.Errorf("guard(%q, %v, %s) = %v, want code %d", tc.query, tc.settings, tc.role, err, tc.wantCode)
		case err != nil && !strings.HasPrefix(ee.Message, "Code: "):
			t.Errorf("refusal %q is not in ClickHouse's shape", ee.Message)
		}
	}
}

func FuzzGuard(f *testing.F) {
	for _, s := range []string{
		"SELECT file('x')", "SELECT `\\x66ile`(1)", "SELECT 1 SETTINGS a = 1, b = (2) FORMAT X",
		"SELECT 1 INTO OUTFILE 'x'", "((SETTINGS x = ))", "SETTINGS `a\\`b` = 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, r := range []role{reader, writer} {
			err := guard(&call{query: query, role: r})
			if err == nil {
				continue
			}
			var ee *Error
			if !errors.As(err, &ee) || ee.Code == 0 || !strings.HasPrefix(ee.Message, "Code: ") {
				t.Fatalf("refusal %v is not an engine error in ClickHouse's shape", err)
			}
			// A refusal names something the text holds.
			low := strings.ToLower(query)
			if !strings.Contains(low, "file") && !strings.Contains(low, "executable") && !strings.Contains(low, `\x`) && !strings.Contains(low, `\n`) &&
				!strings.Contains(low, "settings") {
				t.Fatalf("%q refused (%v) without a file call, a file keyword or a SETTINGS clause", query, err)
			}
		}
	})
}
