package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestDevFlagsValidate(t *testing.T) {
	good := func(t *testing.T) devFlags {
		return devFlags{
			dataDir: t.TempDir(), validators: 3, httpAddr: "127.0.0.1:8080", grpcAddr: "127.0.0.1:9004",
			kafka: "127.0.0.1:9092", embeddedClickHouseFlags: embeddedClickHouseFlags{clickhouseHTTP: "127.0.0.1:8123"}, raftHost: "127.0.0.1",
			raftBasePort: 7000, txPartitions: 6, drainTimeout: time.Second,
		}
	}
	tests := []struct {
		name    string
		mutate  func(*devFlags)
		wantErr string
	}{
		{"defaults", func(*devFlags) {}, ""},
		{"no validators", func(f *devFlags) { f.validators = 0 }, "--validators 0"},
		{"raft ports overflow", func(f *devFlags) { f.raftBasePort = 65534 }, "--raft-port 65534"},
		{"bad http address", func(f *devFlags) { f.httpAddr = "8080" }, "--http \"8080\""},
		{"bad clickhouse address", func(f *devFlags) { f.clickhouseHTTP = "localhost" }, "--clickhouse-http"},
		{"no partitions", func(f *devFlags) { f.txPartitions = 0 }, "--tx-partitions 0"},
		{"read timeout in parts of a second", func(f *devFlags) { f.clickhouseReads.timeout = 1500 * time.Millisecond }, "--clickhouse-read-timeout 1.5s"},
		{"read memory not a size", func(f *devFlags) { f.clickhouseReads.memory = "lots" }, "--clickhouse-read-memory \"lots\""},
		{"read result not a size", func(f *devFlags) { f.clickhouseReads.resultSize = "-1GiB" }, "--clickhouse-read-result-size"},
		{"negative reads", func(f *devFlags) { f.clickhouseReads.concurrency = -1 }, "--clickhouse-reads -1"},
		{"read limits", func(f *devFlags) {
			f.clickhouseReads = clickhouseReadFlags{timeout: 5 * time.Second, memory: "256MiB", resultSize: "1GiB", rows: 1000, concurrency: 4, queueTimeout: time.Second}
		}, ""},
		{"block limit too small", func(f *devFlags) { f.limits.maxBlockBytes = 1000 }, "--max-block-bytes 1000"},
		{"negative record limit", func(f *devFlags) { f.limits.maxRecordBytes = -1 }, "--max-record-bytes -1"},
		{"bad topic id", func(f *devFlags) { f.limits.acceptTxTopicID = "nope" }, "--accept-tx-topic-id"},
		{"topic id", func(f *devFlags) { f.limits.acceptTxTopicID = "AAECAwQFBgcICQoLDA0ODw" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good(t)
			tt.mutate(&f)
			err := f.validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRaftPeers(t *testing.T) {
	f := devFlags{validators: 3, raftHost: "127.0.0.1", raftBasePort: 7000}
	peers := f.raftPeers()
	want := map[uint64]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002", 3: "127.0.0.1:7003"}
	if len(peers) != len(want) {
		t.Fatalf("raftPeers() = %v, want %v", peers, want)
	}
	for id, addr := range want {
		if peers[id] != addr {
			t.Fatalf("raftPeers()[%d] = %q, want %q", id, peers[id], addr)
		}
	}
}

func TestVerifyWithoutStore(t *testing.T) {
	cmd := newRootCommand()
	cmd.SetArgs([]string{"verify", "--data", t.TempDir()})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "no block store") {
		t.Fatalf("verify on an empty directory = %v, want an error naming the missing block store", err)
	}
}

func TestNewLoggerRejectsUnknownSettings(t *testing.T) {
	if _, err := newLogger(io.Discard, "loud", "text"); err == nil {
		t.Fatal("newLogger accepted level \"loud\"")
	}
	if _, err := newLogger(io.Discard, "info", "xml"); err == nil {
		t.Fatal("newLogger accepted format \"xml\"")
	}
}

func TestParsePeers(t *testing.T) {
	tests := []struct {
		in      string
		want    map[uint64]string
		wantErr string
	}{
		{in: "1=127.0.0.1:7001,2=127.0.0.1:7002", want: map[uint64]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002"}},
		{in: " 3=h:1 , ", want: map[uint64]string{3: "h:1"}},
		{in: "", wantErr: "--peers is empty"},
		{in: "0=h:1", wantErr: "id of 1 or more"},
		{in: "x=h:1", wantErr: "want id=host:port"},
		{in: "1=nohostport", wantErr: "not host:port"},
		{in: "1=h:1,1=h:2", wantErr: "names validator 1 twice"},
	}
	for _, tt := range tests {
		got, err := parsePeers(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parsePeers(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("parsePeers(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for id, addr := range tt.want {
			if got[id] != addr {
				t.Errorf("parsePeers(%q)[%d] = %q, want %q", tt.in, id, got[id], addr)
			}
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"448MiB", 448 << 20, true},
		{"2GiB", 2 << 30, true},
		{"1024", 1024, true},
		{"512 KiB", 512 << 10, true},
		{"100B", 100, true},
		{"0", 0, false},
		{"-1MiB", 0, false},
		{"lots", 0, false},
		{"1.5GiB", 0, false},
		{"9000000TiB", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
