package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/audit"
)

// TestStandardErrorFollowsLogFormat checks that what a process writes to
// standard error besides its log (audit events without --audit-log, the
// error it exits with) takes --log-format: with json, a log collector must
// be able to parse every line. Audit events are written whatever the level.
func TestStandardErrorFollowsLogFormat(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			log, err := newLogger(&out, "error", format)
			if err != nil {
				t.Fatal(err)
			}
			auditLog, closeAudit, err := accessFlags{}.openAudit(log)
			if err != nil {
				t.Fatal(err)
			}
			defer closeAudit()
			al, err := audit.New(auditLog, nil)
			if err != nil {
				t.Fatal(err)
			}
			al.Record(t.Context(), audit.Event{Who: "apikey:k1", Action: "cluster.manage", Route: "POST /api/v12/cluster/members", Result: audit.Succeeded})
			al.Record(t.Context(), audit.Event{Who: "apikey:k2", Action: "cluster.manage", Route: "POST /api/v12/cluster/members", Result: audit.Denied})
			slog.SetDefault(log)
			exitError(&out, errors.New("--peers is empty"))

			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("standard error holds %d lines, want 2 audit events and the exit error:\n%s", len(lines), out.String())
			}
			if format == "text" {
				for _, l := range lines[:2] {
					if !strings.Contains(l, "log=audit") || !strings.Contains(l, "action=cluster.manage") {
						t.Errorf("audit line %q lacks log=audit and its action", l)
					}
				}
				if lines[2] != "aurigraph: --peers is empty" {
					t.Errorf("exit line %q, want the error for people", lines[2])
				}
				return
			}
			sc := bufio.NewScanner(strings.NewReader(out.String()))
			var recs []map[string]any
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
				}
				recs = append(recs, m)
			}
			for i, who := range []string{"apikey:k1", "apikey:k2"} {
				if recs[i]["log"] != "audit" || recs[i]["who"] != who || recs[i]["action"] != "cluster.manage" {
					t.Errorf("audit record %v, want log=audit who=%s action=cluster.manage", recs[i], who)
				}
			}
			if recs[2]["level"] != "ERROR" || recs[2]["err"] != "--peers is empty" {
				t.Errorf("exit record %v, want level ERROR and the error in err", recs[2])
			}
		})
	}
}
