package projector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aurigraph/aurigraph/internal/retry"
)

// The projection has one writer: the migrations, the cleanup of an
// interrupted batch at resume and the batches themselves assume that no
// other process writes the same tables. The embedded engine enforces it
// (one process opens its directory); a ClickHouse server does not, so a
// projector writing to one claims the database first, with a row of its own
// in aurigraph.projector_lease, and renews the claim while it runs.
//
// Of the claims that have not expired, the oldest holds the database. A
// projector claims only when no other claim is current, then waits
// leaseSettle and reads again, so that of two projectors claiming at once
// both see the same oldest claim; one that finds another's claim trusts it
// only once the claim is leaseSettle old, or has been seen for that long.
// Both hold while a claim's write is visible within leaseSettle of the
// moment it was stamped. Age and expiry are judged by the server's clock,
// so projectors on machines whose clocks disagree still agree.
//
// This keeps a second projector from writing beside a running one, which
// is what a mistaken deployment does. It is not a fence: a projector that
// stalls for longer than the lease while holding a batch can still send
// that batch after another took over. It stops writing once its own
// renewal is overdue, which leaves that window to a stall inside one insert.

const (
	leaseTable = Database + ".projector_lease"
	// leaseSettle is how long a new claim waits before it counts, so that a
	// competing claim inserted a moment before it is visible.
	leaseSettle = 500 * time.Millisecond
	// leaseReleaseTimeout bounds the write that gives the claim up at stop.
	leaseReleaseTimeout = 5 * time.Second
)

// The version column makes a later write of a holder's row replace the
// earlier one, a release included; the TTL drops rows of long-gone holders.
var leaseDDL = []string{
	"CREATE DATABASE IF NOT EXISTS " + Database,
	`CREATE TABLE IF NOT EXISTS ` + leaseTable + ` (
	holder String,
	acquired_ms UInt64,
	expires_ms UInt64,
	written DateTime64(9) DEFAULT now64(9)
) ENGINE = ReplacingMergeTree(written) ORDER BY holder TTL toDateTime(written) + INTERVAL 1 DAY`,
}

// ErrLeaseHeld is returned by Rebuild when another projector holds the
// database.
var ErrLeaseHeld = errors.New("projector: another projector holds the ClickHouse database")

// errLeaseLost ends Run: another projector holds the database now.
var errLeaseLost = errors.New("projector: another projector took the ClickHouse database over")

// errLeaseLapsed holds writes back while the claim's renewal is overdue;
// it is retried like an unreachable server until the claim is renewed.
var errLeaseLapsed = errors.New("projector: the claim on the ClickHouse database is not renewed yet; writes wait for it")

// claim is one row of the lease table as the server judges it now.
type claim struct {
	holder                string
	acquiredMs, expiresMs uint64
	// ageMs is how long before it was read, by the server's clock, the
	// claim was made.
	ageMs int64
}

// lease is this projector's claim on the database.
type lease struct {
	conn   driver.Conn
	holder string
	ttl    time.Duration
	log    *slog.Logger
	// settle is leaseSettle; tests lengthen it.
	settle time.Duration

	mu sync.Mutex
	// acquiredMs is the held claim's start, which renewals keep so that the
	// claim stays the oldest; until is when, by this process's monotonic
	// clock, the server may consider the claim expired.
	acquiredMs uint64
	until      time.Time
}

func newLease(conn driver.Conn, ttl time.Duration, log *slog.Logger) (*lease, error) {
	holder, err := leaseHolder()
	if err != nil {
		return nil, err
	}
	return &lease{conn: conn, holder: holder, ttl: ttl, settle: leaseSettle, log: log.With("lease_holder", holder)}, nil
}

// leaseHolder names this process in the lease table: the host and pid say
// where it runs, the random part keeps a restarted process from taking a
// claim its predecessor left for its own.
func leaseHolder() (string, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("projector: name the lease holder: %w", err)
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:])), nil
}

// ensureTable creates the lease table; every statement is idempotent.
func (l *lease) ensureTable(ctx context.Context) error {
	for _, stmt := range leaseDDL {
		if err := l.conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("create %s: %w", leaseTable, err)
		}
	}
	return nil
}

// current returns the claim that holds the database now, if any.
func (l *lease) current(ctx context.Context) (claim, bool, error) {
	rows, err := l.conn.Query(ctx, `SELECT holder, acquired_ms, expires_ms,
		toInt64(toUnixTimestamp64Milli(now64(3))) - toInt64(acquired_ms) FROM `+leaseTable+` FINAL
		WHERE expires_ms > toUnixTimestamp64Milli(now64(3)) ORDER BY acquired_ms, holder LIMIT 1`)
	if err != nil {
		return claim{}, false, fmt.Errorf("read %s: %w", leaseTable, err)
	}
	defer rows.Close()
	var c claim
	found := rows.Next()
	if found {
		if err := rows.Scan(&c.holder, &c.acquiredMs, &c.expiresMs, &c.ageMs); err != nil {
			return claim{}, false, fmt.Errorf("read %s: %w", leaseTable, err)
		}
	}
	if err := rows.Err(); err != nil {
		return claim{}, false, fmt.Errorf("read %s: %w", leaseTable, err)
	}
	return c, found, nil
}

// write stores this holder's row: a new claim starting now (acquiredMs 0)
// or the held one, expiring ttl from now by the server's clock.
func (l *lease) write(ctx context.Context, acquiredMs uint64, ttl time.Duration) error {
	start := "toUnixTimestamp64Milli(now64(3))"
	args := []any{l.holder}
	if acquiredMs > 0 {
		start = "?"
		args = append(args, acquiredMs)
	}
	args = append(args, uint64(ttl.Milliseconds()))
	q := `INSERT INTO ` + leaseTable + ` (holder, acquired_ms, expires_ms) SELECT ?, ` + start + `, toUnixTimestamp64Milli(now64(3)) + ?`
	if err := l.conn.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("write %s: %w", leaseTable, err)
	}
	return nil
}

// settled returns the current claim once it has settled. A claim younger
// than leaseSettle may yet lose to an older one whose write is still on its
// way, as its own claimant finds when it reads again after leaseSettle;
// read before then, it would name a holder that no claimant agrees on. A
// claim seen for leaseSettle has settled too, whatever its stamp says, so
// that a stamp ahead of a server clock set back since holds nothing up for
// longer: every claim written before it was first seen is visible by then.
func (l *lease) settled(ctx context.Context) (claim, bool, error) {
	var seen claim
	var seenAt time.Time
	for {
		cur, ok, err := l.current(ctx)
		if err != nil || !ok || cur.holder == l.holder {
			return cur, ok, err
		}
		if cur.holder != seen.holder || cur.acquiredMs != seen.acquiredMs {
			seen, seenAt = cur, time.Now()
		}
		wait := min(l.settle-time.Duration(cur.ageMs)*time.Millisecond, l.settle-time.Since(seenAt))
		if wait <= 0 {
			return cur, ok, nil
		}
		if err := retry.Sleep(ctx, wait); err != nil {
			return claim{}, false, err
		}
	}
}

// tryClaim claims the database unless another claim is current; it returns
// the claim that holds the database afterwards.
func (l *lease) tryClaim(ctx context.Context) (claim, error) {
	cur, ok, err := l.settled(ctx)
	if err != nil || (ok && cur.holder != l.holder) {
		return cur, err
	}
	// Before the write, which starts the claim's life on the server.
	start := time.Now()
	if err := l.write(ctx, 0, l.ttl); err != nil {
		return claim{}, err
	}
	if err := retry.Sleep(ctx, l.settle); err != nil {
		return claim{}, err
	}
	if cur, ok, err = l.current(ctx); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("read %s: the claim just written is not there", leaseTable)
		}
		return claim{}, err
	}
	if cur.holder == l.holder {
		l.mu.Lock()
		l.acquiredMs, l.until = cur.acquiredMs, start.Add(l.ttl)
		l.mu.Unlock()
	}
	return cur, nil
}

// acquire claims the database, waiting while another projector holds it;
// report hears why it waits.
func (l *lease) acquire(ctx context.Context, report func(error)) error {
	backoff := retry.Backoff{Min: retryMinDelay, Max: retryMaxDelay}
	var gate retry.Gate
	created := false
	for {
		var cur claim
		var err error
		if !created {
			err = l.ensureTable(ctx)
			created = err == nil
		}
		if err == nil {
			cur, err = l.tryClaim(ctx)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait time.Duration
		switch {
		case err != nil && !transient(err):
			return err
		case err != nil:
			report(err)
			wait = backoff.Next()
			if ok, held := gate.Allow(err.Error()); ok {
				l.log.Warn("cannot claim the ClickHouse database yet; retrying", "err", err, "retry_in", wait, "repeats_not_logged", held)
			}
		case cur.holder == l.holder:
			l.log.Info("claimed the ClickHouse database; this projector is its only writer", "ttl", l.ttl)
			return nil
		default:
			report(fmt.Errorf("waiting for the ClickHouse database: projector %s holds it (its claim is renewed every %s while it runs)", cur.holder, l.ttl/3))
			wait = l.ttl / 3
			if ok, _ := gate.Allow(cur.holder); ok {
				l.log.Warn("another projector writes to this ClickHouse database; waiting until it stops or its claim expires",
					"holder", cur.holder, "ttl", l.ttl)
			}
		}
		if err := retry.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// held reports whether writes may go on: the last renewal is recent enough
// that the claim has not expired.
func (l *lease) held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.until)
}

// renew extends the held claim. A claim that expired while renewals failed
// is made again as a new one, which loses to any claim made meanwhile.
func (l *lease) renew(ctx context.Context) error {
	if !l.held() {
		cur, err := l.tryClaim(ctx)
		switch {
		case err != nil:
			return err
		case cur.holder != l.holder:
			return fmt.Errorf("%w: projector %s claimed it while this one's claim was expired", errLeaseLost, cur.holder)
		}
		return nil
	}
	start := time.Now()
	cur, ok, err := l.current(ctx)
	switch {
	case err != nil:
		return err
	case ok && cur.holder != l.holder:
		return fmt.Errorf("%w: projector %s holds it", errLeaseLost, cur.holder)
	}
	l.mu.Lock()
	acquired := l.acquiredMs
	l.mu.Unlock()
	if err := l.write(ctx, acquired, l.ttl); err != nil {
		return err
	}
	l.mu.Lock()
	l.until = start.Add(l.ttl)
	l.mu.Unlock()
	return nil
}

// keep renews the claim every third of its life until ctx ends, or calls
// lost once another projector holds the database.
func (l *lease) keep(ctx context.Context, report func(error), lost func(error)) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	var gate retry.Gate
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := l.renew(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errLeaseLost):
			l.mu.Lock()
			l.until = time.Time{}
			l.mu.Unlock()
			lost(err)
			return
		case err != nil:
			report(fmt.Errorf("renew the claim on the ClickHouse database: %w", err))
			if ok, held := gate.Allow(err.Error()); ok {
				l.log.Warn("renewing the claim on the ClickHouse database failed; retrying", "err", err, "held", l.held(), "repeats_not_logged", held)
			}
		default:
			gate.Clear()
		}
	}
}

// release gives the claim up, so that another projector need not wait for
// it to expire.
func (l *lease) release() {
	if !l.held() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaseReleaseTimeout)
	defer cancel()
	l.mu.Lock()
	acquired := l.acquiredMs
	l.until = time.Time{}
	l.mu.Unlock()
	if err := l.write(ctx, acquired, 0); err != nil {
		l.log.Warn("could not give the claim on the ClickHouse database up; another projector waits until it expires", "err", err, "ttl", l.ttl)
		return
	}
	l.log.Info("gave the claim on the ClickHouse database up")
}
