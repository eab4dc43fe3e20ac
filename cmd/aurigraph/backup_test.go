package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/backup"
)

// TestBackupCommandWritesAtomically checks that aurigraph backup replaces
// --out only with a complete file that matches its manifest, sends the
// token, and leaves nothing behind when the transfer fails.
func TestBackupCommandWritesAtomically(t *testing.T) {
	var valid bytes.Buffer
	w := backup.NewWriter(&valid)
	for _, name := range []string{"raft-snapshot.meta", "raft-snapshot.data", "blocks"} {
		pw, err := w.Part(name)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(bytes.Repeat([]byte(name), 1000))
	}
	if _, err := w.Close(backup.Manifest{NodeID: 2, AppliedIndex: 10, Height: 3}); err != nil {
		t.Fatal(err)
	}
	var gotAuth string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v12/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Write(valid.Bytes())
	})
	mux.HandleFunc("GET /short/api/v12/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Write(valid.Bytes()[:valid.Len()-20])
	})
	mux.HandleFunc("GET /busy/api/v12/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "10")
		http.Error(w, `{"error":"no raft snapshot yet"}`, http.StatusServiceUnavailable)
	})
	busyOnce := 0
	mux.HandleFunc("GET /busyonce/api/v12/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		if busyOnce++; busyOnce == 1 {
			w.Header().Set("Retry-After", "10")
			http.Error(w, `{"error":"another backup of this validator is streaming"}`, http.StatusServiceUnavailable)
			return
		}
		w.Write(valid.Bytes())
	})
	mux.HandleFunc("GET /stall/api/v12/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Write(valid.Bytes()[:100])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	out := filepath.Join(dir, "node.backup")
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("secret-token\n"), 0o600)
	run := func(args ...string) (string, error) {
		var stdout bytes.Buffer
		cmd := newRootCommand()
		cmd.SetOut(&stdout)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(append([]string{"backup", "--out", out}, args...))
		err := cmd.ExecuteContext(context.Background())
		return stdout.String(), err
	}

	stdout, err := run("--from", srv.URL, "--token-file", token)
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer secret-token" || !strings.Contains(stdout, `"node_id":2`) {
		t.Fatalf("Authorization %q, output %s", gotAuth, stdout)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, valid.Bytes()) {
		t.Fatal("--out does not hold the backup served")
	}
	// A 503 is asked again, backing off, until --retry-for.
	os.Remove(out)
	if stdout, err := run("--from", srv.URL+"/busyonce/api/v12"); err != nil || busyOnce != 2 || !strings.Contains(stdout, `"node_id":2`) {
		t.Fatalf("backup from a validator busy at first = %v after %d requests, output %s", err, busyOnce, stdout)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"cut short", "/short", "incomplete or damaged"},
		{"not ready", "/busy", "503"},
		{"stalled", "/stall", "no progress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run("--from", srv.URL+tc.path+"/api/v12", "--timeout", "500ms", "--retry-for", "1500ms")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("backup = %v, want an error saying %q", err, tc.want)
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, valid.Bytes()) {
				t.Fatal("a failed backup changed --out")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Fatalf("a failed backup left files behind: %v", entries)
			}
		})
	}
}
