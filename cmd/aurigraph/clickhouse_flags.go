package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/certreload"
	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp"
	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
)

// clickhouseReadFlags bound the reads of the embedded engine: analysts on
// the ClickHouse HTTP interface and the analytics API.
type clickhouseReadFlags struct {
	timeout      time.Duration
	memory       string
	resultSize   string
	rows         int64
	concurrency  int
	queueTimeout time.Duration
}

func (f *clickhouseReadFlags) register(fl *pflag.FlagSet) {
	d := engine.DefaultReadLimits()
	fl.DurationVar(&f.timeout, "clickhouse-read-timeout", d.Timeout, "longest a read of the embedded engine may run before it is cancelled (whole seconds)")
	fl.StringVar(&f.memory, "clickhouse-read-memory", "1GiB", "memory one read may use, e.g. 512MiB; a query may lower it, not raise it")
	fl.StringVar(&f.resultSize, "clickhouse-read-result-size", "1GiB", "largest result one read may return, e.g. 256MiB")
	fl.Int64Var(&f.rows, "clickhouse-read-rows", d.MaxRowsToRead, "rows one read may scan; a query may lower it, not raise it")
	fl.IntVar(&f.concurrency, "clickhouse-reads", d.Concurrency, "reads that run at once; more wait for --clickhouse-read-queue-timeout, then are refused")
	fl.DurationVar(&f.queueTimeout, "clickhouse-read-queue-timeout", d.QueueTimeout, "how long a read waits for one of the --clickhouse-reads slots")
}

// limits are the engine's read limits these flags ask for; a zero value
// (flags built in code rather than parsed) takes the engine's default.
func (f clickhouseReadFlags) limits() (engine.ReadLimits, error) {
	l := engine.ReadLimits{
		Timeout: f.timeout, MaxRowsToRead: f.rows, Concurrency: f.concurrency, QueueTimeout: f.queueTimeout,
	}
	var err error
	if f.memory != "" {
		if l.MaxMemory, err = parseSize(f.memory); err != nil {
			return l, fmt.Errorf("--clickhouse-read-memory %q: %w", f.memory, err)
		}
	}
	if f.resultSize != "" {
		if l.MaxResultBytes, err = parseSize(f.resultSize); err != nil {
			return l, fmt.Errorf("--clickhouse-read-result-size %q: %w", f.resultSize, err)
		}
	}
	switch {
	case f.timeout < 0 || f.timeout%time.Second != 0:
		return l, fmt.Errorf("--clickhouse-read-timeout %s: use whole seconds, at least 1s", f.timeout)
	case f.rows < 0:
		return l, fmt.Errorf("--clickhouse-read-rows %d: use at least 1", f.rows)
	case f.concurrency < 0:
		return l, fmt.Errorf("--clickhouse-reads %d: use at least 1", f.concurrency)
	case f.queueTimeout < 0:
		return l, fmt.Errorf("--clickhouse-read-queue-timeout %s: use a positive duration", f.queueTimeout)
	}
	return l, nil
}

// clickhouseAccessFlags decide who may use the embedded engine's
// ClickHouse HTTP interface (dev).
type clickhouseAccessFlags struct {
	users     string
	anonymous string
	tlsCert   string
	tlsKey    string
}

func (f *clickhouseAccessFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.users, "clickhouse-users", "", "named users of the ClickHouse HTTP interface: those of this users file (aurigraph user add) whose role is viewer or above read, with their passwords")
	fl.StringVar(&f.anonymous, "clickhouse-anonymous", "loopback", "where the interface takes requests without a user (or as default without a password): loopback (clients on this machine), none or any")
	fl.StringVar(&f.tlsCert, "clickhouse-tls-cert", "", "serve --clickhouse-http over TLS (https) with this PEM certificate, reloaded when the file changes (with --clickhouse-tls-key)")
	fl.StringVar(&f.tlsKey, "clickhouse-tls-key", "", "PEM private key of --clickhouse-tls-cert")
}

// build returns the interface's access rules and TLS, refusing an address
// beyond loopback without named users and TLS (or with anonymous readers
// from anywhere) unless insecure.
func (f clickhouseAccessFlags) build(addr string, insecure bool, al *audit.Log, reg prometheus.Registerer, log *slog.Logger) (*chhttp.Access, *tls.Config, error) {
	a := &chhttp.Access{Audit: al}
	anon, ok := chhttp.ParseAnonymous(f.anonymous)
	if !ok {
		return nil, nil, fmt.Errorf("--clickhouse-anonymous %q: use loopback, none or any", f.anonymous)
	}
	a.Anonymous = anon
	if f.users != "" {
		u, err := auth.OpenUsers(f.users)
		if err != nil {
			return nil, nil, fmt.Errorf("--clickhouse-users: %w", err)
		}
		a.Users = u
	}
	var tlsCfg *tls.Config
	switch {
	case f.tlsCert == "" && f.tlsKey == "":
	case f.tlsCert == "" || f.tlsKey == "":
		return nil, nil, fmt.Errorf("--clickhouse-tls-cert and --clickhouse-tls-key go together (got cert %q, key %q)", f.tlsCert, f.tlsKey)
	default:
		rl, err := certreload.New(f.tlsCert, f.tlsKey, 0, log.With("component", "clickhouse-tls"))
		if err != nil {
			return nil, nil, fmt.Errorf("--clickhouse-tls-cert: %w", err)
		}
		if err := exportExpiry(reg, "clickhouse", rl.NotAfter); err != nil {
			return nil, nil, err
		}
		tlsCfg = rl.Config()
	}
	err := access.CheckExposure([]access.Listener{{
		Flag: "--clickhouse-http", Addr: addr, Authenticated: a.Users != nil && anon != chhttp.AnonymousAny,
		FixAuth:  "--clickhouse-users, and --clickhouse-anonymous loopback or none",
		NeedsTLS: true, TLS: tlsCfg != nil, FixTLS: "--clickhouse-tls-cert and --clickhouse-tls-key",
	}}, insecure, log)
	if err != nil {
		return nil, nil, err
	}
	return a, tlsCfg, nil
}
