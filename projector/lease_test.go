package projector

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// reports keeps what a projector told its health reporter.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) Report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) saw(substr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, err := range r.errs {
		if strings.Contains(err.Error(), substr) {
			return true
		}
	}
	return false
}

const testLease = minLease

// TestSecondProjectorWaitsForTheFirst runs two projectors with leases on
// one database: the second must not write while the first runs, must say
// why it waits, and must take over when the first stops, which gives its
// claim up rather than leaving it to expire.
func TestSecondProjectorWaitsForTheFirst(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 50)
	first := start(e.projector(Config{Lease: testLease}))
	first.waitHeight(t, 50)

	var waiting reports
	second := start(e.projector(Config{Lease: testLease, Health: &waiting}))
	defer second.stop(t)
	e.publish(51, 80)
	first.waitHeight(t, 80)
	// Longer than a lease: the first keeps its claim by renewing it.
	deadline := time.Now().Add(2 * testLease)
	for time.Now().Before(deadline) {
		if h := second.p.Height(); h != 0 {
			t.Fatalf("the second projector resumed at height %d while the first ran", h)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !waiting.saw("waiting for the ClickHouse database: projector ") {
		t.Fatalf("the second projector waits without saying so; it reported %v", waiting.errs)
	}

	reader, err := newLease(e.ch, testLease, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	holding, ok, err := reader.current(context.Background())
	if err != nil || !ok {
		t.Fatalf("the running projector's claim: %v, %v", ok, err)
	}
	if err := first.stop(t); err != nil {
		t.Fatalf("first projector: %v", err)
	}
	// The first gave its claim up: the second need not wait for it to
	// expire.
	var expired uint8
	if err := e.ch.QueryRow(context.Background(), `SELECT expires_ms <= toUnixTimestamp64Milli(now64(3)) FROM `+leaseTable+` FINAL WHERE holder = ?`,
		holding.holder).Scan(&expired); err != nil || expired != 1 {
		t.Fatalf("the stopped projector's claim is still current (%d, %v); it should have given it up", expired, err)
	}
	e.publish(81, 120)
	second.waitHeight(t, 120)
	e.wantExactly(120)
}

// TestClaimOfADeadProjectorExpires leaves a claim that nobody renews, as a
// killed projector does: Rebuild refuses to run, and Run starts once the
// claim has expired.
func TestClaimOfADeadProjectorExpires(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 20)
	dead, err := newLease(e.ch, testLease, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.ensureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cur, err := dead.tryClaim(context.Background()); err != nil || cur.holder != dead.holder {
		t.Fatalf("claim = %+v, %v", cur, err)
	}
	claimed := time.Now()

	p := e.projector(Config{Lease: testLease})
	if err := p.Rebuild(context.Background(), 1); !errors.Is(err, ErrLeaseHeld) || !strings.Contains(err.Error(), dead.holder) {
		t.Fatalf("Rebuild while another projector holds the database = %v, want ErrLeaseHeld naming %s", err, dead.holder)
	}
	r := start(p)
	defer r.stop(t)
	r.waitHeight(t, 20)
	if d := time.Since(claimed); d < testLease-leaseSettle {
		t.Fatalf("projected %v after another projector's claim, which lasts %v", d, testLease)
	}
	e.wantExactly(20)
}

// TestRunStopsWhenAnotherProjectorTookOver: a projector that finds, when it
// renews, that another holds the database stops with an error rather than
// writing beside it.
func TestRunStopsWhenAnotherProjectorTookOver(t *testing.T) {
	e := newEnv(t)
	e.publish(1, 10)
	r := start(e.projector(Config{Lease: testLease}))
	r.waitHeight(t, 10)
	// An older claim than the running projector's, as one made while the
	// running one's had expired would be once the latter claimed again.
	if err := e.ch.Exec(context.Background(), `INSERT INTO `+leaseTable+` (holder, acquired_ms, expires_ms)
		SELECT 'intruder', 1, toUnixTimestamp64Milli(now64(3)) + 60000`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.errc:
		if !errors.Is(err, errLeaseLost) || !strings.Contains(err.Error(), "intruder") {
			t.Fatalf("Run = %v, want errLeaseLost naming the intruder", err)
		}
	case <-time.After(2 * testLease):
		t.Fatal("Run goes on although another projector holds the database")
	}
	if err := r.p.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSimultaneousClaimsAgree: of projectors claiming at the same moment,
// exactly one holds the database, and all agree which.
func TestSimultaneousClaimsAgree(t *testing.T) {
	e := newEnv(t)
	const n = 4
	leases := make([]*lease, n)
	for i := range leases {
		l, err := newLease(e.ch, testLease, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		leases[i] = l
	}
	if err := leases[0].ensureTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	winners := make([]string, n)
	var wg sync.WaitGroup
	for i, l := range leases {
		wg.Go(func() {
			cur, err := l.tryClaim(context.Background())
			if err != nil {
				t.Error(err)
			}
			winners[i] = cur.holder
		})
	}
	wg.Wait()
	held := 0
	for i, l := range leases {
		if l.held() {
			held++
		}
		if winners[i] != winners[0] {
			t.Errorf("claimants disagree on the holder: %q", winners)
		}
	}
	if held != 1 {
		t.Fatalf("%d of %d simultaneous claimants hold the database, want 1 (holders seen: %q)", held, n, winners)
	}
}

// TestClaimIsTrustedOnceSettled: a claim younger than leaseSettle may lose
// to an older one whose write arrives late; a projector that finds it
// reads again once it has settled rather than naming a holder no claimant
// agrees on.
func TestClaimIsTrustedOnceSettled(t *testing.T) {
	e := newEnv(t)
	l, err := newLease(e.ch, testLease, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Longer than the default, so that a loaded machine lands the late
	// write well within it.
	l.settle = 3 * time.Second
	ctx := context.Background()
	if err := l.ensureTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Exec(ctx, `INSERT INTO `+leaseTable+` (holder, acquired_ms, expires_ms)
		SELECT 'newer', toUnixTimestamp64Milli(now64(3)), toUnixTimestamp64Milli(now64(3)) + 60000`); err != nil {
		t.Fatal(err)
	}
	late := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		late <- e.ch.Exec(ctx, `INSERT INTO `+leaseTable+` (holder, acquired_ms, expires_ms)
			SELECT 'older', acquired_ms - 50, expires_ms FROM `+leaseTable+` FINAL WHERE holder = 'newer'`)
	}()
	cur, err := l.tryClaim(ctx)
	if err := <-late; err != nil {
		t.Fatal(err)
	}
	if err != nil || cur.holder != "older" || l.held() {
		t.Fatalf("tryClaim = %q, %v (held %v); want the older claim, which arrived within the settling time", cur.holder, err, l.held())
	}
}

// TestClaimStampedAheadSettlesInTime: a claim whose stamp lies ahead of the
// server's clock (the clock was set back) is trusted once it has been seen
// for the settling time, not only once the clock reaches its stamp.
func TestClaimStampedAheadSettlesInTime(t *testing.T) {
	e := newEnv(t)
	l, err := newLease(e.ch, testLease, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.ensureTable(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Exec(ctx, `INSERT INTO `+leaseTable+` (holder, acquired_ms, expires_ms)
		SELECT 'ahead', toUnixTimestamp64Milli(now64(3)) + 3600000, toUnixTimestamp64Milli(now64(3)) + 7200000`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*leaseSettle)
	defer cancel()
	start := time.Now()
	cur, err := l.tryClaim(ctx)
	if err != nil || cur.holder != "ahead" {
		t.Fatalf("tryClaim = %q, %v after %v; want the claim stamped an hour ahead", cur.holder, err, time.Since(start))
	}
	if took := time.Since(start); took < leaseSettle {
		t.Fatalf("trusted a claim it first saw %v ago, before it settled", took)
	}
}
