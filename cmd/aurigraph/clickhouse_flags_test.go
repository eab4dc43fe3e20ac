package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClickHouseClientFlags(t *testing.T) {
	dir := t.TempDir()
	password := filepath.Join(dir, "password")
	if err := os.WriteFile(password, []byte("s3cret/#?\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		flags   clickhouseClientFlags
		want    string
		wantErr string
	}{
		{name: "none"},
		{name: "url alone", flags: clickhouseClientFlags{url: "http://ch:8123"}, want: "http://ch:8123"},
		{name: "user without password", flags: clickhouseClientFlags{url: "clickhouse://ch:9000/aurigraph", user: "reader"}, want: "clickhouse://reader@ch:9000/aurigraph"},
		{name: "user and password", flags: clickhouseClientFlags{url: "http://ch:8123", user: "aurigraph", passwordFile: password}, want: "http://aurigraph:s3cret%2F%23%3F@ch:8123"},
		{name: "user without url", flags: clickhouseClientFlags{user: "reader"}, wantErr: "need --clickhouse"},
		{name: "password without user", flags: clickhouseClientFlags{url: "http://ch:8123", passwordFile: password}, wantErr: "needs --clickhouse-user"},
		{name: "user twice", flags: clickhouseClientFlags{url: "http://a:b@ch:8123", user: "reader"}, wantErr: "give it once"},
		{name: "missing password file", flags: clickhouseClientFlags{url: "http://ch:8123", user: "u", passwordFile: password + ".missing"}, wantErr: "--clickhouse-password-file"},
		{name: "empty password file", flags: clickhouseClientFlags{url: "http://ch:8123", user: "u", passwordFile: empty}, wantErr: "is empty"},
		{name: "not a url", flags: clickhouseClientFlags{url: "ch:8123"}, wantErr: "want http://host:8123"},
		{name: "password not echoed", flags: clickhouseClientFlags{url: "http://u:s3cret@ch:8123", user: "v"}, wantErr: "xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.flags.dsn()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("dsn() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the password: %v", err)
				}
			case err != nil || got != tt.want:
				t.Fatalf("dsn() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
