package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestProjectorRunRefusesBadFlags runs the command as a user would, with
// flags it must refuse before connecting anywhere.
func TestProjectorRunRefusesBadFlags(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string
		notIn   string
	}{
		{"no trust anchor", []string{"--data", data}, "no trust anchor for the blocks topic", "--insecure-unverified-blocks"},
		{"short lease", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse", "http://ch:8123", "--clickhouse-lease", "1s"}, "--clickhouse-lease 1s", ""},
		{"user without server", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse-user", "aurigraph"}, "need --clickhouse", ""},
		{"bad embedded address", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse-http", "localhost"}, "--clickhouse-http", ""},
		{"exposed without protection", []string{"--data", data, "--validator-keys", "k.json", "--http", "0.0.0.0:0"}, "--http 0.0.0.0:0 is reachable beyond this machine", ""},
		{"unverified blocks", []string{"--data", data, "--insecure-unverified-blocks"}, "unknown flag: --insecure-unverified-blocks", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRootCommand()
			root.SetArgs(append([]string{"projector", "run"}, tt.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("projector run %q: %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Fatalf("projector run %q: %v offers %s, which the projector does not take", tt.args, err, tt.notIn)
			}
		})
	}
}
