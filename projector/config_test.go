package projector

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestClickHouseOptions(t *testing.T) {
	tests := []struct {
		name     string
		dsn      string
		protocol clickhouse.Protocol
		addr     string
		wantErr  string
	}{
		{name: "http", dsn: "http://127.0.0.1:8123", protocol: clickhouse.HTTP, addr: "127.0.0.1:8123"},
		{name: "native with database", dsn: "clickhouse://db.example:9000/aurigraph", protocol: clickhouse.Native, addr: "db.example:9000"},
		{name: "tcp", dsn: "tcp://db.example:9000", protocol: clickhouse.Native, addr: "db.example:9000"},
		{name: "empty", dsn: "", wantErr: "no ClickHouse DSN"},
		{name: "unknown scheme", dsn: "postgres://db:5432", wantErr: `scheme "postgres" is not supported`},
		{name: "no scheme", dsn: "127.0.0.1:8123", wantErr: "not"},
		{name: "other database", dsn: "http://127.0.0.1:8123/analytics", wantErr: `names database "analytics"`},
		{name: "bad driver option", dsn: "http://127.0.0.1:8123?dial_timeout=soon", wantErr: "dial timeout"},
		{name: "password not echoed", dsn: "http://u:s3cret@127.0.0.1:8123?dial_timeout=soon", wantErr: "xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := clickhouseOptions(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.Protocol != tt.protocol || len(opts.Addr) != 1 || opts.Addr[0] != tt.addr {
				t.Fatalf("protocol %v addr %v, want %v %s", opts.Protocol, opts.Addr, tt.protocol, tt.addr)
			}
			if opts.Auth.Database != "" {
				t.Fatalf("session database = %q, want the server default", opts.Auth.Database)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "no brokers", cfg: Config{ClickHouse: "http://127.0.0.1:8123"}, wantErr: "no Kafka brokers"},
		{name: "no clickhouse", cfg: Config{Brokers: []string{"127.0.0.1:9092"}}, wantErr: "no ClickHouse DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}

	p, err := New(Config{Brokers: []string{"127.0.0.1:9092"}, ClickHouse: "http://127.0.0.1:8123"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.cfg.Topic != DefaultTopic || p.cfg.MaxBatchBlocks != 1000 || p.cfg.MaxBatchRows != 200_000 || p.cfg.FlushInterval.Milliseconds() != 200 ||
		p.cfg.MinInsertInterval != time.Second {
		t.Fatalf("defaults not applied: %+v", p.cfg)
	}
}

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "too many parts", err: &clickhouse.Exception{Code: 252}, want: true},
		{name: "wrapped timeout", err: fmt.Errorf("send: %w", &clickhouse.Exception{Code: 159}), want: true},
		{name: "syntax error", err: &clickhouse.Exception{Code: 62}, want: false},
		{name: "unknown table", err: &clickhouse.Exception{Code: 60}, want: false},
		{name: "connection refused", err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, want: true},
		{name: "reset", err: fmt.Errorf("read: %w", syscall.ECONNRESET), want: true},
		{name: "eof", err: io.ErrUnexpectedEOF, want: true},
		{name: "client-side conversion", err: errors.New("column 3: converting string to UInt64 is unsupported"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Fatalf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
