package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/certreload"
	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp"
	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
	"github.com/aurigraph/aurigraph/internal/listener"
)

// clickhouseClientFlags name a ClickHouse server this process connects to
// (dev and projector run write the projection there, gateway reads it) and
// the named user it logs in as.
type clickhouseClientFlags struct {
	url          string
	user         string
	passwordFile string
}

// register adds --clickhouse (documented by usage), --clickhouse-user and
// --clickhouse-password-file.
func (f *clickhouseClientFlags) register(fl *pflag.FlagSet, usage string) {
	fl.StringVar(&f.url, "clickhouse", "", usage)
	fl.StringVar(&f.user, "clickhouse-user", "", "user this process logs in to --clickhouse as (with --clickhouse-password-file; default: the server's default user)")
	fl.StringVar(&f.passwordFile, "clickhouse-password-file", "", "file holding --clickhouse-user's password, read at start")
}

// dsn is --clickhouse with the user and password of the flags, or "" when
// --clickhouse is not set.
func (f clickhouseClientFlags) dsn() (string, error) {
	if f.url == "" {
		if f.user != "" || f.passwordFile != "" {
			return "", errors.New("--clickhouse-user and --clickhouse-password-file need --clickhouse")
		}
		return "", nil
	}
	u, err := url.Parse(f.url)
	if err != nil || u.Host == "" {
		// url.Parse errors quote the input, which may hold a password.
		return "", fmt.Errorf("--clickhouse %s: want http://host:8123 or clickhouse://host:9000", redactedURL(f.url))
	}
	switch {
	case f.user == "" && f.passwordFile != "":
		return "", errors.New("--clickhouse-password-file needs --clickhouse-user")
	case f.user == "":
		return f.url, nil
	case u.User != nil:
		return "", fmt.Errorf("--clickhouse %s names a user, and so does --clickhouse-user: give it once", redactedURL(f.url))
	case f.passwordFile == "":
		u.User = url.User(f.user)
		return u.String(), nil
	}
	raw, err := os.ReadFile(f.passwordFile)
	if err != nil {
		return "", fmt.Errorf("--clickhouse-password-file: %w", err)
	}
	password := strings.TrimRight(string(raw), "\r\n")
	if password == "" {
		return "", fmt.Errorf("--clickhouse-password-file %s is empty", f.passwordFile)
	}
	u.User = url.UserPassword(f.user, password)
	return u.String(), nil
}

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

// embeddedClickHouseFlags configure the embedded engine and its ClickHouse
// HTTP interface (dev, and projector run without --clickhouse).
type embeddedClickHouseFlags struct {
	clickhouseHTTP string
	// clickhouseThreads caps the embedded engine's threads per query.
	clickhouseThreads  int
	clickhouseNice     int
	clickhouseReads    clickhouseReadFlags
	clickhouseAccess   clickhouseAccessFlags
	clickhouseMaxConns int
}

func (f *embeddedClickHouseFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.clickhouseHTTP, "clickhouse-http", "127.0.0.1:8123", "listen address of the embedded ClickHouse engine's HTTP interface")
	fl.IntVar(&f.clickhouseThreads, "clickhouse-threads", 1, "threads one query or insert of the embedded engine starts with (0: one per core); it shares the machine with the rest of the process (in dev, the validators), and parallel inserts and merges taking every core show up as commit-latency spikes. A query can raise it, up to one per core, with SETTINGS max_threads = N")
	fl.IntVar(&f.clickhouseNice, "clickhouse-nice", engine.DefaultThreadNice, "how many nice levels (1-19) below the rest of the process the embedded engine's own threads run, so that its merges and inserts yield the cores to the validators and the API when they need them and use the rest (Linux); 0 leaves the engine's threads as it starts them")
	f.clickhouseReads.register(fl)
	f.clickhouseAccess.register(fl)
	fl.IntVar(&f.clickhouseMaxConns, "clickhouse-http-max-conns", defaultClickHouseMaxConns, "connections the ClickHouse HTTP interface holds open at once; more are answered 503 and closed (negative: no cap)")
}

func (f embeddedClickHouseFlags) validate() error {
	if _, _, err := net.SplitHostPort(f.clickhouseHTTP); err != nil {
		return fmt.Errorf("--clickhouse-http %q: want host:port, e.g. 127.0.0.1:8123", f.clickhouseHTTP)
	}
	if f.clickhouseThreads < 0 {
		return fmt.Errorf("--clickhouse-threads %d: use 0 (one per core) or more", f.clickhouseThreads)
	}
	if f.clickhouseNice < 0 || f.clickhouseNice > 19 {
		return fmt.Errorf("--clickhouse-nice %d: use 1 to 19, or 0 to leave the engine's threads as they start", f.clickhouseNice)
	}
	_, err := f.clickhouseReads.limits()
	return err
}

// clickhouseTarget is where one process's projection lives: the DSN the
// projector writes through and analytics read through (as read-only
// sessions), how their connections are made, and what analysts are told.
type clickhouseTarget struct {
	writer string
	// dial, when set, makes every connection (the embedded engine's
	// in-process writer); nil dials writer's host.
	dial func(ctx context.Context, addr string) (net.Conn, error)
	// public is where analysts read: the embedded interface, or the
	// external ClickHouse (with its password; redact it for logs).
	public string
	// engine is the embedded engine, nil for an external ClickHouse.
	engine *engine.Engine
}

// external is a ClickHouse server at dsn.
func externalClickHouse(dsn string) clickhouseTarget {
	return clickhouseTarget{writer: dsn, public: dsn}
}

// embeddedDeps are what the embedded engine's assembly takes from the
// process around it.
type embeddedDeps struct {
	stack    *shutdownStack
	lim      *limits
	hw       *healthWatch
	reg      prometheus.Registerer
	audit    *audit.Log
	insecure bool
	log      *slog.Logger
}

// open opens the engine under dataDir and serves its HTTP interface for
// analysts, which only reads; the projector writes, and the analytics API
// reads, over a listener only this process can reach, so --clickhouse-http
// has no account that writes and no credential to steal for one. Every
// part closes with d.stack; call stopReads once the APIs serve.
func (f embeddedClickHouseFlags) open(ctx context.Context, dataDir string, d embeddedDeps) (clickhouseTarget, error) {
	lib, err := engine.LibraryPath()
	if err != nil {
		return clickhouseTarget{}, err
	}
	reads, err := f.clickhouseReads.limits()
	if err != nil {
		return clickhouseTarget{}, err
	}
	eng, err := engine.Open(ctx, engine.Options{LibPath: lib, DataDir: filepath.Join(dataDir, "clickhouse"), MaxThreads: f.clickhouseThreads,
		ThreadNice: cmp.Or(f.clickhouseNice, -1), Reads: reads, Logger: d.log.With("component", "clickhouse"), Registerer: d.reg})
	if err != nil {
		return clickhouseTarget{}, fmt.Errorf("open embedded ClickHouse engine: %w", err)
	}
	d.stack.push("clickhouse engine", func(context.Context) error { return eng.Close() })
	d.hw.watchEngine(eng)
	chAccess, chTLS, err := f.clickhouseAccess.build(f.clickhouseHTTP, d.insecure, d.audit, d.reg, d.log)
	if err != nil {
		return clickhouseTarget{}, err
	}
	h := chhttp.NewHandler(eng, chhttp.Options{Logger: d.log.With("component", "clickhouse-http"), Registerer: d.reg, Access: chAccess})
	srv, addr, err := d.lim.serveHTTP("clickhouse-http", f.clickhouseHTTP, chTLS, h, capOr(f.clickhouseMaxConns, defaultClickHouseMaxConns))
	if err != nil {
		return clickhouseTarget{}, fmt.Errorf("--clickhouse-http: %w", err)
	}
	d.stack.push("clickhouse http", srv.Shutdown)
	inproc := listener.NewInProcess("clickhouse-in-process")
	writer := listener.NewHTTPServer(h.Writer(), d.lim.http, "clickhouse-in-process", d.lim.metrics, d.log)
	go func() {
		if err := writer.Serve(inproc); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("in-process ClickHouse server stopped", "err", err)
		}
	}()
	d.stack.push("clickhouse writer", writer.Shutdown)
	scheme := "http"
	if chTLS != nil {
		scheme = "https"
	}
	d.log.Info("embedded ClickHouse HTTP interface listening; it only reads, and only the projector, in this process, writes", "addr", addr, "tls", chTLS != nil,
		"named_users", chAccess.Users != nil, "anonymous", f.clickhouseAccess.anonymous)
	return clickhouseTarget{
		writer: "http://clickhouse.in-process",
		dial:   func(ctx context.Context, _ string) (net.Conn, error) { return inproc.Dial(ctx) },
		public: scheme + "://" + addr,
		engine: eng,
	}, nil
}

// stopReads, for the embedded engine, is unwound first of all, so that
// nothing waits for a long read while the rest stops; writes go on until
// the projector has stopped.
func (c clickhouseTarget) stopReads(stack *shutdownStack) {
	if c.engine != nil {
		stack.push("clickhouse reads", func(context.Context) error { return c.engine.StopReads() })
	}
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
