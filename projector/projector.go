// Package projector writes the block log into ClickHouse: every block of the
// blocks topic that verifies (signed by the chain's validators, linked to
// the block before it; see internal/blockfeed) becomes one row in
// aurigraph.blocks and one row per transaction result in
// aurigraph.transactions. Records that do not verify are skipped and
// counted, and the real block of their height is still found after them.
//
// Exactly-once without consumer-group offsets: max(height) of
// aurigraph.blocks is the only progress record, and its row holds the hash
// the next block must link to and the offset of its record in the topic.
// Each batch inserts its transactions first and its blocks second, so a
// block row proves its transactions are stored. On start the projector
// deletes transaction rows above that height (left by a batch interrupted
// between its two inserts) and reads on after that offset. A retried insert
// carries the same insert_deduplication_token, so ClickHouse drops it if the
// first attempt in fact landed. The projector also commits each projected
// height as an offset of the group projectorpos.Group, for the validators'
// projector_lag_ms alerts; it never reads that offset back.
package projector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/internal/projectorpos"
	"github.com/aurigraph/aurigraph/internal/retry"
	"github.com/aurigraph/aurigraph/internal/tracing"
	"github.com/aurigraph/aurigraph/schemas"
)

// DefaultTopic is the topic validators publish committed blocks to.
const DefaultTopic = schemas.TopicBlocks

// Database is the ClickHouse database the projection lives in. It is part of
// the contract with analysts and the analytics package, so it is not
// configurable.
const Database = "aurigraph"

const (
	defaultMaxBatchBlocks = 1000
	defaultMaxBatchRows   = 200_000
	// maxBatchRows leaves room below ClickHouse's max_insert_block_size
	// (1,048,449) for the block that tips a batch over MaxBatchRows.
	maxBatchRows         = 1_000_000
	defaultFlushInterval = 200 * time.Millisecond

	defaultMinInsertInterval = time.Second

	// minLease leaves a renewal, every third of the lease, time to
	// complete against a loaded server.
	minLease = 3 * time.Second

	retryMinDelay     = 100 * time.Millisecond
	retryMaxDelay     = 5 * time.Second
	defaultTopicCheck = 10 * time.Second
)

// Config configures a Projector. Zero values take the documented defaults.
type Config struct {
	// Brokers are the Kafka-protocol seed brokers, host:port.
	Brokers []string
	// Topic is the blocks topic; default DefaultTopic, with a single
	// partition.
	Topic string
	// Trust supplies the validator keys and genesis hash blocks are
	// verified with; Run requires it.
	Trust blockfeed.Trust
	// ClickHouse is a DSN: http://host:8123 (HTTP protocol) or
	// clickhouse://host:9000 (native protocol). A path, if any, must be
	// /aurigraph. Query parameters are clickhouse-go's (e.g. username, dial_timeout).
	ClickHouse string
	// ClickHouseDial, when set, makes every connection to ClickHouse
	// instead of dialing the DSN's host (dev's in-process writer path).
	ClickHouseDial func(ctx context.Context, addr string) (net.Conn, error)
	// MaxBatchBlocks caps the blocks per insert; default 1000.
	MaxBatchBlocks int
	// RawTTL, when set, lets ClickHouse drop transaction rows whose block
	// is older than this; blocks, the progress record, are kept. Zero keeps
	// everything (and removes a TTL set before).
	RawTTL time.Duration
	// MaxBatchRows flushes a batch once it holds this many transaction rows;
	// default 200_000. A single larger block is still inserted whole.
	MaxBatchRows int
	// FlushInterval is the longest a consumed block waits for its batch to
	// fill before being inserted; default 200ms.
	FlushInterval time.Duration
	// MinInsertInterval is the least time between the starts of two
	// inserts; default 1s, negative for none. A batch whose FlushInterval
	// is over waits for it unless it is full (MaxBatchBlocks, MaxBatchRows),
	// so a block after a quiet spell is inserted FlushInterval after it
	// came, and a steady flow about once a second. ClickHouse writes a part
	// of every table an insert reaches, four here with the views, and merges
	// them in the background: at one insert every 200ms the inserts and
	// their merges took a fifth of the CPU of dev at half its maximum rate.
	MinInsertInterval time.Duration
	// TopicCheck is how often the topic's id is checked, so that a topic
	// deleted or created again is consumed anew; default 10s.
	TopicCheck time.Duration
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the aurigraph_projector_* metrics; nil means none.
	Registerer prometheus.Registerer
	// ClientOpts are appended to the Kafka client's options (TLS, SASL,
	// timeouts). They must not configure a consumer group: the projector
	// assigns the partition itself.
	ClientOpts []kgo.Opt
	// Health, when set, is told of every failure the projector retries
	// through; whether blocks are projected again is for its watcher to see.
	Health health.Reporter
	// Lease, when set, makes Run claim the ClickHouse database before it
	// writes and renew the claim every Lease/3 (see lease.go): a second
	// projector on the same database waits until the first stops, or until
	// Lease after it died, instead of writing beside it. Rebuild refuses to
	// run while another projector holds it. Zero claims nothing, for the
	// embedded engine, which only one process can open.
	Lease time.Duration
}

// Projector consumes the blocks topic into ClickHouse. Create it with New,
// call Run once, and Close after Run has returned.
type Projector struct {
	cfg        Config
	log        *slog.Logger
	conn       driver.Conn
	migrations []migration
	metrics    *metrics
	height     atomic.Uint64
	running    atomic.Bool
	// pos is the last block inserted and where its record is; only Run's
	// goroutine uses it.
	pos blockfeed.Position
	// lease is the claim Run holds on the database, nil without one; only
	// Run's goroutine uses it.
	lease *lease
	// position tells the validators how far the projection is (their
	// projector_lag_ms alerts); the projector never reads it back.
	position *projectorpos.Reporter
}

// New validates cfg and prepares the ClickHouse connection pool. It does not
// contact the broker or ClickHouse; Run does.
func New(cfg Config) (*Projector, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("projector: no Kafka brokers configured; set Config.Brokers, e.g. 127.0.0.1:9092")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.MaxBatchBlocks <= 0 {
		cfg.MaxBatchBlocks = defaultMaxBatchBlocks
	}
	if cfg.MaxBatchRows <= 0 {
		cfg.MaxBatchRows = defaultMaxBatchRows
	}
	// aurigraph.block_stats' view must see each block in one insert block.
	if cfg.MaxBatchRows > maxBatchRows {
		return nil, fmt.Errorf("projector: MaxBatchRows %d: at most %d, so that an insert stays one block for the per-block rollup", cfg.MaxBatchRows, maxBatchRows)
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = defaultFlushInterval
	}
	switch {
	case cfg.MinInsertInterval == 0:
		cfg.MinInsertInterval = defaultMinInsertInterval
	case cfg.MinInsertInterval < 0:
		cfg.MinInsertInterval = 0
	}
	if cfg.TopicCheck <= 0 {
		cfg.TopicCheck = defaultTopicCheck
	}
	if cfg.Lease < 0 || (cfg.Lease > 0 && cfg.Lease < minLease) {
		return nil, fmt.Errorf("projector: Lease %v: use at least %v, or 0 for none", cfg.Lease, minLease)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	conn, err := OpenClickHouseDial(cfg.ClickHouse, cfg.ClickHouseDial)
	if err != nil {
		return nil, err
	}
	files, err := loadMigrations(schemas.ClickHouseMigrations, "clickhouse")
	if err != nil {
		return nil, fmt.Errorf("projector: %w", err)
	}
	migrations, err := withGoMigrations(files, goMigrations)
	if err != nil {
		return nil, fmt.Errorf("projector: %w", err)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("projector: %w", err)
	}
	log = log.With("component", "projector")
	position, err := projectorpos.NewReporter(projectorpos.ReporterConfig{
		Kafka: projectorpos.Kafka{Brokers: cfg.Brokers, ClientOpts: cfg.ClientOpts, Topic: cfg.Topic, Logger: log}, Registerer: cfg.Registerer,
	})
	if err != nil {
		return nil, fmt.Errorf("projector: %w", err)
	}
	return &Projector{
		cfg:        cfg,
		log:        log,
		conn:       conn,
		migrations: migrations,
		metrics:    m,
		position:   position,
	}, nil
}

// OpenClickHouse opens a clickhouse-go client for dsn (http://, https://,
// clickhouse:// or tcp://; the scheme picks the protocol), checked as the
// projector checks its own. Readers of the projection use it too.
func OpenClickHouse(dsn string) (driver.Conn, error) { return OpenClickHouseDial(dsn, nil) }

// OpenClickHouseDial is OpenClickHouse with every connection made by dial,
// when set.
func OpenClickHouseDial(dsn string, dial func(ctx context.Context, addr string) (net.Conn, error)) (driver.Conn, error) {
	opts, err := clickhouseOptions(dsn)
	if err != nil {
		return nil, err
	}
	opts.DialContext = dial
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("projector: open ClickHouse %s: %w", redact(dsn), err)
	}
	return conn, nil
}

// clickhouseOptions parses a DSN; the scheme picks the protocol.
func clickhouseOptions(dsn string) (*clickhouse.Options, error) {
	if dsn == "" {
		return nil, errors.New("projector: no ClickHouse DSN; set Config.ClickHouse, e.g. http://127.0.0.1:8123 or clickhouse://host:9000/aurigraph")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse errors quote the input, which may hold a password.
		return nil, fmt.Errorf("projector: ClickHouse DSN %s is not a URL", redact(dsn))
	}
	switch u.Scheme {
	case "clickhouse", "tcp", "http", "https":
	default:
		return nil, fmt.Errorf("projector: ClickHouse DSN scheme %q is not supported; use http, https (HTTP protocol) or clickhouse, tcp (native protocol)", u.Scheme)
	}
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("projector: ClickHouse DSN %s: %w", redact(dsn), err)
	}
	// Every statement names its database, and the database may not exist
	// before the first migration, so the session stays on the server default.
	if opts.Auth.Database != "" && opts.Auth.Database != Database {
		return nil, fmt.Errorf("projector: ClickHouse DSN names database %q, but the projection lives in %q; drop the path or use /%s",
			opts.Auth.Database, Database, Database)
	}
	opts.Auth.Database = ""
	return opts, nil
}

// redact renders a DSN for messages without its password.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

// Height returns the highest block height known to be fully projected: the
// resume point after Run starts, then the last inserted batch.
func (p *Projector) Height() uint64 { return p.height.Load() }

// Close releases the ClickHouse connections. Call it after Run has returned.
func (p *Projector) Close() error {
	p.position.Close()
	if err := p.conn.Close(); err != nil {
		return fmt.Errorf("projector: close ClickHouse connections: %w", err)
	}
	return nil
}

// Run migrates the schema, resumes from ClickHouse, then projects blocks until
// ctx is done, when it returns nil. Blocks buffered but not yet inserted at
// that moment are dropped; the next Run reads them again. Records that are
// not the next valid block are skipped and counted, never a reason to stop.
// With a Lease, it first waits until it holds the database. Any other
// return is an error the projector cannot get past alone: no trust anchor,
// a block the validators signed that the projection cannot hold, a
// ClickHouse error that retrying cannot fix, or another projector having
// taken the database over.
func (p *Projector) Run(ctx context.Context) error {
	if p.cfg.Trust == nil {
		return errors.New("projector: no validator keys to verify blocks with; set Config.Trust")
	}
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("projector: Run is already running")
	}
	defer p.running.Store(false)

	runCtx := ctx
	if p.cfg.Lease > 0 {
		l, err := newLease(p.conn, p.cfg.Lease, p.log)
		if err != nil {
			return err
		}
		if err := l.acquire(ctx, p.report); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("projector: claim the ClickHouse database: %w", err)
		}
		var lost context.CancelCauseFunc
		runCtx, lost = context.WithCancelCause(ctx)
		kept := make(chan struct{})
		go func() {
			defer close(kept)
			l.keep(runCtx, p.report, lost)
		}()
		p.lease = l
		defer func() {
			lost(nil)
			<-kept
			l.release()
			p.lease = nil
		}()
	}

	err := p.run(runCtx)
	if cause := context.Cause(runCtx); errors.Is(cause, errLeaseLost) {
		return cause
	}
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// report tells Health of a failure the projector retries through.
func (p *Projector) report(err error) {
	if p.cfg.Health != nil {
		p.cfg.Health.Report(err)
	}
}

func (p *Projector) run(ctx context.Context) error {
	if err := p.retry(ctx, "schema migration", func() error { return p.Migrate(ctx) }); err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	if err := p.retry(ctx, "retention", func() error { return p.applyTTL(ctx) }); err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	err := p.retry(ctx, "resume", func() (err error) {
		p.pos, err = p.resume(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	p.height.Store(p.pos.Height)
	p.metrics.height.Set(float64(p.pos.Height))
	p.position.Set(p.pos.Height, p.pos.Offset)
	reporting, stopReporting := context.WithCancel(ctx)
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		_ = p.position.Run(reporting)
	}()
	defer func() {
		stopReporting()
		<-reported
	}()

	session, err := newSession()
	if err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	// A reader that cannot go on (the topic was deleted or created again) is
	// made anew from the last inserted block, after a pause that grows while
	// that keeps happening and resets once blocks arrive. Each reader's
	// inserts carry a session of their own (see txToken).
	backoff := retry.Backoff{Min: retryMinDelay, Max: retryMaxDelay}
	for reader := 1; ; reader++ {
		err := p.follow(ctx, fmt.Sprintf("%s.%d", session, reader), backoff.Reset)
		if !errors.Is(err, errRestart) {
			return err
		}
		wait := backoff.Next()
		p.log.Warn("following the blocks topic again", "err", err, "from_height", p.Height()+1, "retry_in", wait)
		if err := retry.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// errRestart asks run to follow the topic with a new client.
var errRestart = errors.New("projector: the blocks topic must be followed anew")

// follow projects the blocks after p.pos with one reader; progress is
// called whenever records arrive.
func (p *Projector) follow(ctx context.Context, session string, progress func()) error {
	r, err := blockfeed.Open(ctx, blockfeed.Config{
		Brokers: p.cfg.Brokers, Topic: p.cfg.Topic, ClientOpts: p.cfg.ClientOpts, Trust: p.cfg.Trust,
		TopicCheck: p.cfg.TopicCheck, Logger: p.log, Rejections: p.metrics.rejected,
	}, p.pos)
	if err != nil {
		p.metrics.errors.WithLabelValues("fetch").Inc()
		return fmt.Errorf("%w: %w", errRestart, err)
	}
	defer r.Close()
	start := r.Position()
	p.log.Info("projecting blocks", "topic", p.cfg.Topic, "resume_height", start.Height, "from_offset", start.Offset, "session", session)
	return p.consume(ctx, r, session, progress)
}

// applyTTL sets or removes the transactions table's TTL to match RawTTL.
func (p *Projector) applyTTL(ctx context.Context) error {
	var current string
	if err := p.conn.QueryRow(ctx, "SELECT create_table_query FROM system.tables WHERE database = ? AND name = 'transactions'", Database).Scan(&current); err != nil {
		return fmt.Errorf("read the transactions table's definition: %w", err)
	}
	has := strings.Contains(current, " TTL ")
	var stmt string
	switch secs := int64(p.cfg.RawTTL / time.Second); {
	case secs > 0:
		stmt = fmt.Sprintf("ALTER TABLE %s.transactions MODIFY TTL toDateTime(block_time) + INTERVAL %d SECOND", Database, secs)
	case has:
		stmt = fmt.Sprintf("ALTER TABLE %s.transactions REMOVE TTL", Database)
	default:
		return nil
	}
	if err := p.conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("set the transactions table's TTL (%s): %w", stmt, err)
	}
	p.log.Info("raw transaction retention set", "ttl", p.cfg.RawTTL)
	return nil
}

// rowsByHeight are the tables, besides the aurigraph.blocks progress
// record, whose rows belong to a height: the transactions and the per-block
// rollups their views keep.
var rowsByHeight = []string{"transactions", "block_stats", "account_deltas"}

// Rebuild removes the projection of heights from and above, so that the
// next Run projects them again from the blocks topic: after a schema change
// or a suspected corruption. Run it while no projector runs on the same
// ClickHouse; the topic must still hold those heights.
func (p *Projector) Rebuild(ctx context.Context, from uint64) error {
	if from == 0 {
		return errors.New("projector: rebuild from height 0: heights start at 1")
	}
	if p.running.Load() {
		return errors.New("projector: rebuild while Run is running; stop it first")
	}
	if p.cfg.Lease > 0 {
		l, err := newLease(p.conn, p.cfg.Lease, p.log)
		if err != nil {
			return err
		}
		if err := l.ensureTable(ctx); err != nil {
			return fmt.Errorf("projector: %w", err)
		}
		cur, err := l.tryClaim(ctx)
		if err != nil {
			return fmt.Errorf("projector: claim the ClickHouse database: %w", err)
		}
		if cur.holder != l.holder {
			return fmt.Errorf("%w (projector %s): stop it, then rebuild", ErrLeaseHeld, cur.holder)
		}
		defer l.release()
	}
	if err := p.Migrate(ctx); err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	// Blocks first: they mark progress, so a rebuild cut short leaves
	// orphaned transactions, which the next Run removes.
	for _, table := range append([]string{"blocks"}, rowsByHeight...) {
		if err := p.conn.Exec(ctx, fmt.Sprintf("DELETE FROM %s.%s WHERE height >= %d", Database, table, from)); err != nil {
			return fmt.Errorf("projector: rebuild: delete %s from height %d: %w", table, from, err)
		}
	}
	p.log.Info("projection removed for a rebuild; the next run projects it again", "from_height", from)
	return nil
}

// resume returns the last projected block, with where its record is, and
// removes transaction and rollup rows above it.
func (p *Projector) resume(ctx context.Context) (blockfeed.Position, error) {
	var h uint64
	if err := p.conn.QueryRow(ctx, "SELECT max(height) FROM aurigraph.blocks").Scan(&h); err != nil {
		return blockfeed.Position{}, fmt.Errorf("read projected height from aurigraph.blocks: %w", err)
	}
	incomplete, err := p.firstIncomplete(ctx, h)
	if err != nil {
		return blockfeed.Position{}, err
	}
	if incomplete > 0 {
		p.log.Warn("recent blocks are projected without all their transactions; projecting them again",
			"from_height", incomplete, "projected_height", h)
		q := fmt.Sprintf("DELETE FROM %s.blocks WHERE height >= %d", Database, incomplete)
		if err := p.conn.Exec(ctx, q); err != nil {
			return blockfeed.Position{}, fmt.Errorf("rewind the projection to height %d: %w", incomplete-1, err)
		}
		h = incomplete - 1
	}
	// The per-block rollups are written by views as transactions arrive, so
	// an interrupted batch can leave rows there too.
	for _, table := range rowsByHeight {
		var orphans uint64
		q := fmt.Sprintf("SELECT count() FROM %s.%s WHERE height > %d", Database, table, h)
		if err := p.conn.QueryRow(ctx, q).Scan(&orphans); err != nil {
			return blockfeed.Position{}, fmt.Errorf("count %s rows above height %d: %w", table, h, err)
		}
		if orphans == 0 {
			// Checked first because every lightweight delete leaves a
			// mutation behind, and almost every start has nothing to remove.
			continue
		}
		p.log.Warn("removing rows of an interrupted batch", "table", table, "above_height", h, "rows", orphans)
		if err := p.conn.Exec(ctx, fmt.Sprintf("DELETE FROM %s.%s WHERE height > %d", Database, table, h)); err != nil {
			return blockfeed.Position{}, fmt.Errorf("delete %d %s rows above height %d: %w", orphans, table, h, err)
		}
	}
	return p.positionOf(ctx, h)
}

// positionOf reads where the projected block h is: its hash, which the next
// block must link to, and its record's offset and topic.
func (p *Projector) positionOf(ctx context.Context, h uint64) (blockfeed.Position, error) {
	if h == 0 {
		return blockfeed.Position{}, nil
	}
	var (
		hash, topicID string
		offset        int64
	)
	q := fmt.Sprintf("SELECT hash, topic_offset, topic_id FROM %s.blocks FINAL WHERE height = %d", Database, h)
	if err := p.conn.QueryRow(ctx, q).Scan(&hash, &offset, &topicID); err != nil {
		return blockfeed.Position{}, fmt.Errorf("read the projected block %d: %w", h, err)
	}
	pos := blockfeed.Position{Height: h, Offset: offset + 1}
	var err error
	if pos.Hash, err = hex.DecodeString(hash); err != nil || len(pos.Hash) != chain.HashSize {
		return blockfeed.Position{}, fmt.Errorf("the projected block %d has hash %q, not %d hex-encoded bytes: rebuild the projection from there (--rebuild-projection-from %d)", h, hash, chain.HashSize, h)
	}
	if topicID != "" {
		// An id that does not parse only means the offset is not used.
		pos.TopicID, _ = kafkatopic.ParseID(topicID)
	}
	return pos, nil
}

// recheckBlocks is how many of the newest projected blocks a start checks
// for missing transactions.
const recheckBlocks = 1024

// firstIncomplete returns the lowest of the newest recheckBlocks heights up
// to h whose block is projected but whose transactions are not all there,
// or 0. A block's row is written only after its transactions, so this only
// happens when an insert of blocks from a projector that has since died
// reaches ClickHouse after its successor resumed and deleted those
// transactions as orphans: a proxy holding the request could do that. The
// per-block rollup stands for the transactions, because raw rows may have
// expired under RawTTL.
func (p *Projector) firstIncomplete(ctx context.Context, h uint64) (uint64, error) {
	lo := h - min(h, recheckBlocks)
	q := fmt.Sprintf(`SELECT min(b.height) FROM (SELECT height, tx_count FROM %[1]s.blocks FINAL WHERE height > %[2]d) AS b
		LEFT JOIN (SELECT height, txs FROM %[1]s.block_stats FINAL WHERE height > %[2]d) AS s USING height
		WHERE b.tx_count != s.txs`, Database, lo)
	var first uint64
	if err := p.conn.QueryRow(ctx, q).Scan(&first); err != nil {
		return 0, fmt.Errorf("check heights %d..%d for missing transactions: %w", lo+1, h, err)
	}
	return first, nil
}

// newSession names one Run in deduplication tokens. Tokens must be stable
// across retries within a run, but must differ across runs: a run that
// deleted an interrupted batch's rows re-inserts that range, and with the
// same token ClickHouse would silently drop those rows as duplicates.
func newSession() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate session id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// consume projects the blocks r accepts until ctx ends, an error, or the
// topic is replaced (then it returns errRestart).
func (p *Projector) consume(ctx context.Context, r *blockfeed.Reader, session string, progress func()) error {
	var (
		batch    pending
		deadline time.Time
		inserted time.Time // when the last insert started
		hw       int64     // partition high watermark as of the last fetch
		topicID  string    // empty on brokers without topic ids
		// A failing fetch comes back at once: without a pause the loop
		// would spin on it and flood the log.
		backoff = retry.Backoff{Min: retryMinDelay, Max: retryMaxDelay}
		gate    retry.Gate
	)
	if id := r.TopicID(); len(id) > 0 {
		topicID = kafkatopic.FormatID(id)
	}
	defer batch.reset()
	flush := func() error {
		inserted = time.Now()
		projected, committed := batch.lastOffset, batch.lastCommitted
		if err := p.flush(ctx, &batch, session, r.TopicID()); err != nil {
			return err
		}
		behind := max(hw-projected-1, 0)
		p.metrics.lag.Set(float64(behind))
		if behind > 0 && committed.UnixMilli() > 0 {
			p.metrics.lagSeconds.Set(time.Since(committed).Seconds())
		} else {
			p.metrics.lagSeconds.Set(0)
		}
		return nil
	}
	for {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if batch.blocks.len() > 0 {
			pollCtx, cancel = context.WithDeadline(ctx, deadline)
		}
		got, err := r.Poll(pollCtx, p.cfg.MaxBatchBlocks-batch.blocks.len())
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case errors.Is(err, kafkatopic.ErrReplaced):
			return fmt.Errorf("%w: %w", errRestart, err)
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			p.metrics.errors.WithLabelValues("fetch").Inc()
			if ok, held := gate.Allow(err.Error()); ok {
				p.log.Warn("fetch from blocks topic failed; retrying", "topic", p.cfg.Topic, "err", err, "repeats_not_logged", held)
			}
		}
		switch {
		case got.Records > 0:
			backoff.Reset()
			gate.Clear()
			progress()
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			if err := backoff.Wait(ctx); err != nil {
				return err
			}
		}
		if got.HighWatermark >= 0 {
			hw = got.HighWatermark
		}
		for _, blk := range got.Blocks {
			if err := checkProjectable(blk.Event); err != nil {
				p.metrics.errors.WithLabelValues("decode").Inc()
				return fmt.Errorf("projector: topic %s offset %d: %w; the block is signed by the validators, so the projection must learn to hold it",
					p.cfg.Topic, blk.Offset, err)
			}
			if batch.blocks.len() == 0 {
				deadline = time.Now().Add(p.cfg.FlushInterval)
				if gap := inserted.Add(p.cfg.MinInsertInterval); gap.After(deadline) {
					deadline = gap
				}
			}
			batch.add(blk.Event, blk.Offset, topicID)
			batch.traces = tracing.Join(batch.traces, blk.Trace)
			p.stage(ctx, &batch, insertTransactions, session)
			if batch.blocks.len() >= p.cfg.MaxBatchBlocks || batch.txs.len() >= p.cfg.MaxBatchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if batch.blocks.len() > 0 && !time.Now().Before(deadline) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// flush inserts the batch, transactions before blocks, and empties it.
func (p *Projector) flush(ctx context.Context, b *pending, session string, topicID []byte) (err error) {
	if len(b.traces) > 0 {
		var span trace.Span
		ctx, span = tracing.StartJoined(ctx, "aurigraph.project", b.traces, trace.WithAttributes(
			attribute.Int64("aurigraph.block.first", int64(b.first)), attribute.Int64("aurigraph.block.last", int64(b.last)),
			attribute.Int("aurigraph.txs", b.txs.len())))
		defer func() {
			if err != nil {
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}()
	}
	if n := b.txs.len(); n > 0 {
		if err := p.insert(ctx, "transactions", insertTransactions, txToken(b.first, session), b.txs.values, n, &b.txStage); err != nil {
			return err
		}
	}
	if err := p.insert(ctx, "blocks", insertBlocks, blocksToken(b.first, session), b.blocks.values, b.blocks.len(), nil); err != nil {
		return err
	}
	p.pos = blockfeed.Position{Height: b.last, Hash: b.lastHash, Offset: b.lastOffset + 1, TopicID: topicID}
	p.position.Set(b.last, p.pos.Offset)
	p.height.Store(b.last)
	p.metrics.height.Set(float64(b.last))
	p.metrics.blocks.Add(float64(b.blocks.len()))
	p.log.Debug("projected blocks", "first", b.first, "last", b.last, "transactions", b.txs.len())
	b.reset()
	return nil
}

// txToken and blocksToken are the deduplication tokens of a batch's two
// inserts. A batch is staged before its last block is known, so they name
// it by its first height and the session, which is new for every reader
// (see run). With one reader, one first height names one set of rows: a
// batch is sent whole or not at all, and tried again with the same rows
// until it lands or the reader ends; a batch cut again from the same height
// comes from the next reader, under another session, after resume removed
// the rows of a half-inserted batch or the reader restarted before the
// batch was sent.
func txToken(first uint64, session string) string { return fmt.Sprintf("tx-%d-%s", first, session) }

func blocksToken(first uint64, session string) string {
	return fmt.Sprintf("blocks-%d-%s", first, session)
}

// insert writes one table's rows, sending what st staged of them if it
// holds them all (st may be nil). Otherwise, and for every retry, it builds
// the insert from the columns build returns. Retries reuse token, so an
// attempt that reached the table before its response was lost is not
// written twice.
func (p *Projector) insert(ctx context.Context, table, stmt, token string, build func() []any, rows int, st *staged) error {
	ctx = tokenContext(ctx, token)
	var ready driver.Batch
	if st != nil {
		ready = st.take(rows)
	}
	defer func() {
		if ready != nil {
			_ = ready.Abort()
		}
	}()
	err := p.retry(ctx, fmt.Sprintf("insert of %d rows into %s.%s (token %s)", rows, Database, table, token), func() error {
		start := time.Now()
		var err error
		if ready != nil {
			err, ready = ready.Send(), nil
		} else {
			err = p.insertOnce(ctx, stmt, build())
		}
		if err != nil {
			p.metrics.errors.WithLabelValues("insert").Inc()
			return err
		}
		p.metrics.insertDuration.WithLabelValues(table).Observe(time.Since(start).Seconds())
		return nil
	})
	if err != nil {
		return fmt.Errorf("projector: insert %d rows into %s.%s (token %s): %w", rows, Database, table, token, err)
	}
	p.metrics.rows.WithLabelValues(table).Add(float64(rows))
	return nil
}

// retry runs fn until it succeeds, fails in a way retrying cannot fix, or ctx
// is done, backing off exponentially. ClickHouse being briefly unreachable,
// at start or mid-stream, is routine and must not stop the projector. While
// the claim on the database is overdue for renewal, fn waits.
func (p *Projector) retry(ctx context.Context, what string, fn func() error) error {
	delay := retryMinDelay
	for {
		err := errLeaseLapsed
		if p.lease == nil || p.lease.held() {
			err = fn()
		}
		if err == nil || ctx.Err() != nil || !transient(err) {
			return err
		}
		p.log.Warn(what+" failed; retrying", "retry_in", delay, "err", err)
		p.report(fmt.Errorf("%s: %w", what, err))
		if err := retry.Sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(2*delay, retryMaxDelay)
	}
}

func (p *Projector) insertOnce(ctx context.Context, stmt string, cols []any) error {
	return insertColumns(ctx, p.conn, stmt, cols)
}

// insertColumns sends one insert of whole columns, in the order of stmt's
// column list.
func insertColumns(ctx context.Context, conn driver.Conn, stmt string, cols []any) error {
	b, err := conn.PrepareBatch(ctx, stmt)
	if err != nil {
		return err
	}
	defer b.Close()
	for i, c := range cols {
		if err := b.Column(i).Append(c); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return b.Send()
}

// Server error codes worth retrying: overload, timeouts and lost
// connections, which clear up on their own.
var transientCodes = map[int32]bool{
	159: true, // TIMEOUT_EXCEEDED
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203: true, // NO_FREE_CONNECTION
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	319: true, // UNKNOWN_STATUS_OF_INSERT
	425: true, // SYSTEM_ERROR
	999: true, // KEEPER_EXCEPTION
}

// transient reports whether err may succeed on retry. Client-side errors
// (bad values, unknown columns) and server exceptions outside transientCodes
// would fail identically forever, so they are not.
func transient(err error) bool {
	if errors.Is(err, errLeaseLapsed) {
		return true
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return transientCodes[ex.Code]
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
