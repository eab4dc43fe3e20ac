package blockfeed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/retry"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Trust is where a reader gets its anchor. Validator keys change as members
// join and leave, so a reader asks for a fresher anchor when a block names a
// key it does not know.
type Trust interface {
	// Anchor returns what to verify with now; ok is false while no anchor
	// is known yet.
	Anchor() (a Anchor, ok bool)
	// Refresh asks for a newer anchor and reports whether this call
	// changed the keys; a change found by another caller shows only in the
	// anchor's Version. Callers may call it often: implementations bound
	// how often it does real work, and how long it blocks.
	Refresh(ctx context.Context) (changed bool)
}

// KeysPath is where a validator's HTTP API serves its chain's anchor.
const KeysPath = "/api/v12/validators/keys"

// Defaults of AnchorsConfig.
const (
	DefaultRefreshEvery   = time.Minute
	DefaultRefreshTimeout = 5 * time.Second
	defaultRefreshMin     = 2 * time.Second
	defaultRefreshMax     = time.Minute
	// maxKeysDocument bounds a validator's answer: thousands of keys.
	maxKeysDocument = 1 << 20
)

// AnchorsConfig configures Anchors. At least one of File and Validators.
type AnchorsConfig struct {
	// File is a validator keys document (chain.KeysDocument), read at start
	// and again whenever it changed when a refresh is due. Its genesis hash
	// pins the chain: validators serving another are refused.
	File string
	// Validators are base URLs of validators' HTTP APIs
	// (http://node:8080), asked for GET /api/v12/validators/keys in turn
	// until one answers. Without File the first answer pins the genesis
	// hash. Their keys are added to the file's.
	Validators []string
	// Client makes the requests; one with a DefaultRefreshTimeout timeout
	// when nil.
	Client *http.Client
	// RefreshEvery is how often Run refreshes (DefaultRefreshEvery), so
	// that retired keys and new members are learned without a block asking.
	RefreshEvery time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Anchors is a Trust read from a keys file and/or the validators' APIs.
// On-demand refreshes are paced: the first may run at once, each one that
// changes nothing or fails doubles the wait before the next (at least 1s,
// growing to between 30s and 1m), and one that brings new keys resets it.
// It is safe for concurrent use.
type Anchors struct {
	cfg AnchorsConfig
	log *slog.Logger

	// refreshMu serializes refreshes; mu guards the fields below.
	refreshMu sync.Mutex
	mu        sync.Mutex
	genesis   []byte // pinned genesis hash
	fileKeys  []chain.KeyRecord
	fetched   []chain.KeyRecord
	keys      *chain.Keys
	version   uint64 // of keys
	fileStamp fileStamp
	nextAt    time.Time
	pace      retry.Backoff
	gate      retry.Gate
}

type fileStamp struct {
	size    int64
	modTime time.Time
}

// NewAnchors reads cfg.File now, so that a bad file fails the start; keys
// from cfg.Validators come with the first Refresh or Run.
func NewAnchors(cfg AnchorsConfig) (*Anchors, error) {
	if cfg.File == "" && len(cfg.Validators) == 0 {
		return nil, errors.New("blockfeed: no trust anchor: give a validator keys file or validator URLs")
	}
	for _, u := range cfg.Validators {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("blockfeed: validator URL %q: want http://host:port or https://host:port of a validator's HTTP API", u)
		}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultRefreshTimeout}
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &Anchors{cfg: cfg, log: cfg.Logger.With("component", "blockfeed.anchors"),
		pace: retry.Backoff{Min: defaultRefreshMin, Max: defaultRefreshMax}}
	if cfg.File != "" {
		if _, err := a.readFile(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Anchor implements Trust.
func (a *Anchors) Anchor() (Anchor, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.genesis == nil || a.keys == nil {
		return Anchor{}, false
	}
	return Anchor{GenesisHash: a.genesis, Keys: a.keys, Version: a.version}, true
}

// Refresh implements Trust.
func (a *Anchors) Refresh(ctx context.Context) bool {
	a.mu.Lock()
	due := !time.Now().Before(a.nextAt)
	a.mu.Unlock()
	if !due {
		return false
	}
	changed, err := a.refresh(ctx)
	a.mu.Lock()
	if changed {
		a.pace.Reset()
	}
	a.nextAt = time.Now().Add(a.pace.Next())
	a.mu.Unlock()
	if err != nil {
		a.logFailure(err)
	}
	return changed
}

// Run refreshes at once and then every RefreshEvery until ctx ends, then
// returns nil; a failure is retried sooner, with backoff.
func (a *Anchors) Run(ctx context.Context) error {
	backoff := retry.Backoff{Min: defaultRefreshMin, Max: a.cfg.RefreshEvery}
	for {
		_, err := a.refresh(ctx)
		wait := a.cfg.RefreshEvery
		if err != nil {
			a.logFailure(err)
			wait = backoff.Next()
		} else {
			backoff.Reset()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (a *Anchors) logFailure(err error) {
	if ok, held := a.gate.Allow(err.Error()); ok {
		a.log.Warn("cannot refresh the validator keys; blocks signed by keys not yet known are skipped until it works", "err", err, "repeats_not_logged", held)
	}
}

// refresh reads the file if it changed and asks the validators; it
// reports whether the keys changed.
func (a *Anchors) refresh(ctx context.Context) (bool, error) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	var errs []error
	changed := false
	if a.cfg.File != "" {
		c, err := a.readFile()
		changed = changed || c
		errs = append(errs, err)
	}
	if len(a.cfg.Validators) > 0 {
		c, err := a.fetch(ctx)
		changed = changed || c
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return changed, err
	}
	a.gate.Clear()
	return changed, nil
}

func (a *Anchors) readFile() (bool, error) {
	fi, err := os.Stat(a.cfg.File)
	if err != nil {
		return false, fmt.Errorf("blockfeed: validator keys file: %w", err)
	}
	stamp := fileStamp{size: fi.Size(), modTime: fi.ModTime()}
	a.mu.Lock()
	same := a.keys != nil && stamp == a.fileStamp
	a.mu.Unlock()
	if same {
		return false, nil
	}
	an, err := chain.LoadAnchor(a.cfg.File)
	if err != nil {
		return false, fmt.Errorf("blockfeed: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.genesis != nil && !bytes.Equal(a.genesis, an.GenesisHash) {
		return false, fmt.Errorf("blockfeed: %s now names genesis %x, but this process verifies the chain of genesis %x; restart it to follow another chain", a.cfg.File, an.GenesisHash, a.genesis)
	}
	a.genesis, a.fileKeys, a.fileStamp = an.GenesisHash, an.Keys.Records(), stamp
	return a.mergeLocked(), nil
}

// fetch asks the validators in turn until one answers.
func (a *Anchors) fetch(ctx context.Context) (bool, error) {
	var errs []error
	for _, base := range a.cfg.Validators {
		an, err := a.fetchOne(ctx, base)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.genesis == nil {
			a.log.Info("trusting the chain the validators serve; pin it with a validator keys file to refuse any other", "genesis_hash", hex.EncodeToString(an.GenesisHash), "validator", base)
			a.genesis = an.GenesisHash
		}
		if !bytes.Equal(a.genesis, an.GenesisHash) {
			return false, fmt.Errorf("blockfeed: validator %s serves the keys of another chain (genesis %x); this process verifies the chain of genesis %x", base, an.GenesisHash, a.genesis)
		}
		a.fetched = an.Keys.Records()
		return a.mergeLocked(), nil
	}
	return false, errors.Join(errs...)
}

func (a *Anchors) fetchOne(ctx context.Context, base string) (chain.Anchor, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultRefreshTimeout)
	defer cancel()
	u := strings.TrimRight(base, "/") + KeysPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: %w", u, err)
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeysDocument+1))
	if err != nil {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: %s: %.200s", u, resp.Status, body)
	}
	if len(body) > maxKeysDocument {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: answer larger than %d bytes", u, maxKeysDocument)
	}
	an, err := chain.ParseAnchor(body)
	if err != nil {
		return chain.Anchor{}, fmt.Errorf("blockfeed: GET %s: %w", u, err)
	}
	return an, nil
}

// mergeLocked makes the key set the union of the file's and the
// validators' records, a retirement from either side standing, and reports
// whether it changed.
func (a *Anchors) mergeLocked() bool {
	var recs []*aurigraphv1.ValidatorKeyRecord
	index := map[string]int{}
	for _, r := range slices.Concat(a.fileKeys, a.fetched) {
		k := fmt.Sprintf("%d/%x", r.ID, r.Pubkey)
		if i, ok := index[k]; ok {
			if cur := recs[i].RetiredAtHeight; r.RetiredAt != 0 && (cur == 0 || r.RetiredAt < cur) {
				recs[i].RetiredAtHeight = r.RetiredAt
			}
			continue
		}
		index[k] = len(recs)
		recs = append(recs, &aurigraphv1.ValidatorKeyRecord{Id: r.ID, Pubkey: slices.Clone(r.Pubkey), RetiredAtHeight: r.RetiredAt})
	}
	keys := chain.KeysFromProto(recs)
	changed := a.keys == nil || !sameRecords(a.keys.Records(), keys.Records())
	if changed {
		a.version++
	}
	a.keys = keys
	return changed
}

func sameRecords(a, b []chain.KeyRecord) bool {
	return slices.EqualFunc(a, b, func(x, y chain.KeyRecord) bool {
		return x.ID == y.ID && x.RetiredAt == y.RetiredAt && ed25519.PublicKey(x.Pubkey).Equal(y.Pubkey)
	})
}
