package ingest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/tracing"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// SubmitConfig configures the submission edge. Zero values take the defaults shown.
type SubmitConfig struct {
	Brokers []string
	Topic   string // schemas.TopicTransactions
	// MaxBodyBytes bounds a request body (16 MiB).
	MaxBodyBytes int64
	// MaxTxs bounds the transactions in one request (10,000).
	MaxTxs int
	// RecentIDs is how many recently accepted ids Pending remembers (100,000).
	RecentIDs int
	// RequireSignatures answers 400 to unsigned transactions, as ingest
	// would dead-letter them (see ConsumerConfig.RequireSignatures).
	RequireSignatures bool
	// Signatures verifies transaction signatures (nil: each one, every
	// time); share a sigcache.Cache with the validators of the process.
	Signatures SignatureVerifier
	// Chain, when set, refuses with 400 what the chain could never apply for
	// lack of authority, and with 409 a transaction already in the chain.
	Chain Chain
	// Admit, when set, is asked about every submission before anything is
	// written, with the request's context (which carries its principal).
	// Its error refuses the whole submission: with 429 / RESOURCE_EXHAUSTED
	// when it has a RetryAfter() time.Duration method, else with 403 /
	// PERMISSION_DENIED.
	Admit      func(ctx context.Context, txs []*aurigraphv1.Transaction) error
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// ClientOpts are appended to the producer's franz-go options.
	ClientOpts []kgo.Opt
}

// SubmitHandler validates transactions and writes them to the transaction
// topic: Submit is the core, ServeHTTP serves POST /transactions with it, and
// the gRPC TransactionService calls it too.
type SubmitHandler struct {
	cfg    SubmitConfig
	cl     *kgo.Client
	log    *slog.Logger
	recent *recentSet
	check  checker

	txs      *prometheus.CounterVec
	duration prometheus.Histogram
}

// NewSubmitHandler makes the handler and its producer, which is idempotent
// and waits for all in-sync replicas (franz-go's defaults). Records are keyed
// by sender (to for a mint without from) so one sender's transactions keep
// their order, and carry the transaction as protobuf with its id set.
// The topic must exist (see EnsureTopics). Close releases the producer.
func NewSubmitHandler(cfg SubmitConfig) (*SubmitHandler, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("submit handler: no brokers configured (set Brokers, e.g. 127.0.0.1:9092)")
	}
	cfg.Topic = cmp.Or(cfg.Topic, schemas.TopicTransactions)
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, 16<<20)
	cfg.MaxTxs = cmp.Or(cfg.MaxTxs, DefaultMaxTxs)
	cfg.RecentIDs = cmp.Or(cfg.RecentIDs, 100_000)
	if cfg.MaxBodyBytes < 0 || cfg.MaxTxs < 0 || cfg.RecentIDs < 0 {
		return nil, fmt.Errorf("submit handler: negative limit (body %d, txs %d, recent %d)", cfg.MaxBodyBytes, cfg.MaxTxs, cfg.RecentIDs)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	h := &SubmitHandler{
		cfg:    cfg,
		log:    log,
		recent: newRecentSet(cfg.RecentIDs),
		check:  newChecker(cfg.Signatures, cfg.RequireSignatures, cfg.Chain),
		txs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_ingest_submit_txs_total",
			Help: "Transactions submitted over REST or gRPC, by result (accepted, invalid, exists, failed).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aurigraph_ingest_submit_duration_seconds",
			Help:    "Time to validate and durably write one submission (a REST request or gRPC call), after decoding.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9),
		}),
	}
	var err error
	h.cl, err = kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.DefaultProduceTopic(cfg.Topic)}, cfg.ClientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("submit handler: kafka producer for brokers %v: %w", cfg.Brokers, err)
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{h.txs, h.duration} {
			if err := cfg.Registerer.Register(c); err != nil {
				h.cl.Close()
				return nil, fmt.Errorf("submit handler: register metrics: %w", err)
			}
		}
	}
	return h, nil
}

// Close stops the producer; requests still running fail.
func (h *SubmitHandler) Close() { h.cl.Close() }

// Pending reports whether id was accepted recently by this handler, so a
// lookup that finds no committed transaction can answer "pending".
func (h *SubmitHandler) Pending(id string) bool { return h.recent.has(id) }

type submitError struct {
	Error string `json:"error"`
	Index *int   `json:"index,omitempty"`
}

// ErrLogUnavailable wraps a failure to write the transaction log. Retrying
// is safe: the chain commits an id once.
var ErrLogUnavailable = errors.New("ingest: the transaction log cannot be written")

// DefaultMaxTxs is SubmitConfig.MaxTxs when it is zero.
const DefaultMaxTxs = 10_000

// ErrTooManyTxs is a request beyond MaxTxs, or with no transaction.
var ErrTooManyTxs = errors.New("ingest: wrong number of transactions in one request")

// TxError is transaction Index of a request that broke a rule; Err is an
// *InvalidTxError, or the encoding error of a transaction that cannot be
// written.
type TxError struct {
	Index int
	Err   error
}

func (e *TxError) Error() string { return fmt.Sprintf("transaction %d: %v", e.Index, e.Err) }

func (e *TxError) Unwrap() error { return e.Err }

// Existing is transaction Index of a request that the chain already holds:
// a repeated submission, which is not written again.
type Existing struct {
	Index  int
	ID     string
	Height uint64
	Failed bool
}

// Status is "committed" or "failed".
func (e Existing) Status() string {
	if e.Failed {
		return "failed"
	}
	return "committed"
}

func (e Existing) String() string {
	return fmt.Sprintf("transaction %d: %s already exists: %s in block %d", e.Index, e.ID, e.Status(), e.Height)
}

// SubmitResult is what Submit wrote: the id of every transaction of the
// request, in order, and which of them the chain held already.
type SubmitResult struct {
	IDs      []string
	Existing []Existing
}

// AllExist reports whether the chain held every transaction, so nothing
// was written: the faces answer 409 / ALREADY_EXISTS then.
func (r SubmitResult) AllExist() bool { return len(r.IDs) > 0 && len(r.Existing) == len(r.IDs) }

// Submit validates txs and writes them to the transaction log, all or none
// when one is invalid, and returns their ids once every one is durably in
// the log. A transaction without an id gets the one derived from its
// content (schemas.TxID), set on tx. One the chain already holds is not
// written again and is listed in the result. Errors: *TxError for an
// invalid transaction, ErrTooManyTxs for none or too many, ctx's error when
// the caller gave up, or one wrapping ErrLogUnavailable.
func (h *SubmitHandler) Submit(ctx context.Context, txs []*aurigraphv1.Transaction) (SubmitResult, error) {
	began := time.Now()
	defer func() { h.duration.Observe(time.Since(began).Seconds()) }()
	switch {
	case len(txs) == 0:
		h.txs.WithLabelValues("invalid").Inc()
		return SubmitResult{}, fmt.Errorf("%w: none given, send at least one transaction", ErrTooManyTxs)
	case len(txs) > h.cfg.MaxTxs:
		h.txs.WithLabelValues("invalid").Add(float64(len(txs)))
		return SubmitResult{}, fmt.Errorf("%w: %d, at most %d: split them over several requests", ErrTooManyTxs, len(txs), h.cfg.MaxTxs)
	}
	if h.cfg.Admit != nil {
		if err := h.cfg.Admit(ctx, txs); err != nil {
			h.txs.WithLabelValues("refused").Add(float64(len(txs)))
			return SubmitResult{}, &RefusedError{Err: err}
		}
	}
	records := make([]*kgo.Record, 0, len(txs))
	res := SubmitResult{IDs: make([]string, len(txs))}
	for i, tx := range txs {
		rec, err := h.record(tx)
		if err != nil {
			h.txs.WithLabelValues("invalid").Add(float64(len(txs)))
			return SubmitResult{}, &TxError{Index: i, Err: err}
		}
		res.IDs[i] = tx.GetId()
		if h.cfg.Chain != nil {
			if height, failed, ok := h.cfg.Chain.Existing(tx.GetId()); ok {
				res.Existing = append(res.Existing, Existing{Index: i, ID: tx.GetId(), Height: height, Failed: failed})
				continue
			}
		}
		records = append(records, rec)
	}
	h.txs.WithLabelValues("exists").Add(float64(len(res.Existing)))
	if len(records) == 0 {
		return res, nil
	}
	if tracing.Enabled() {
		var span trace.Span
		ctx, span = tracing.Tracer().Start(ctx, "aurigraph.submit", trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(attribute.Int("aurigraph.txs", len(records)), attribute.String("messaging.destination.name", h.cfg.Topic)))
		defer span.End()
		for _, rec := range records {
			tracing.Inject(ctx, &rec.Headers)
		}
	}
	if err := h.cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		h.txs.WithLabelValues("failed").Add(float64(len(records)))
		if ctxErr := ctx.Err(); ctxErr != nil {
			return SubmitResult{}, fmt.Errorf("writing %d transactions to %s: %w", len(records), h.cfg.Topic, ctxErr)
		}
		h.log.Warn("writing submitted transactions failed", "txs", len(records), "topic", h.cfg.Topic, "err", err)
		if errors.Is(err, kerr.UnknownTopicID) {
			// A producer never writes to a topic created again under a
			// name it knew: the chain would not consume it either.
			return SubmitResult{}, fmt.Errorf("%w: %s was deleted and created again, and is not written to until the validators accept it and restart: %w", ErrLogUnavailable, h.cfg.Topic, err)
		}
		return SubmitResult{}, fmt.Errorf("%w: writing to %s failed: %w; retry (transactions already written are deduplicated by id)", ErrLogUnavailable, h.cfg.Topic, err)
	}
	for _, id := range res.IDs {
		// A copy: an id a client sent shares the request decoder's memory,
		// which the set would keep for as long as it remembers the id.
		h.recent.add(strings.Clone(id))
	}
	h.txs.WithLabelValues("accepted").Add(float64(len(records)))
	return res, nil
}

// RefusedError is a submission SubmitConfig.Admit refused.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return "submission refused: " + e.Err.Error() }

func (e *RefusedError) Unwrap() error { return e.Err }

// RetryAfter says when to submit again, for a refusal by a rate limit or
// quota.
func (e *RefusedError) RetryAfter() (time.Duration, bool) {
	var limited interface{ RetryAfter() time.Duration }
	if errors.As(e.Err, &limited) {
		return limited.RetryAfter(), true
	}
	return 0, false
}

// ServeHTTP answers 202 {"ids":[...]} once every transaction is durably in
// the log, listing in "existing" those the chain held already, which are not
// written again; 400 {"error","index"} naming the first bad transaction, and
// 409 {"error","index","id","height","status"} when the chain holds every
// one, 403 or 429 (with Retry-After) when Admit refuses, in which cases
// nothing is written; 413 for an oversized body;
// 503 when the log cannot be written, which is safe to retry (the chain
// deduplicates by id).
func (h *SubmitHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, submitError{Error: "use POST with a JSON transaction or array of transactions"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, submitError{
				Error: fmt.Sprintf("body exceeds %d bytes: split the transactions over several requests", h.cfg.MaxBodyBytes)})
			return
		}
		writeJSON(w, http.StatusBadRequest, submitError{Error: "reading body: " + err.Error()})
		return
	}
	raws, err := h.splitBody(body)
	if err != nil {
		h.txs.WithLabelValues("invalid").Inc()
		writeJSON(w, http.StatusBadRequest, submitError{Error: err.Error()})
		return
	}
	txs := make([]*aurigraphv1.Transaction, len(raws))
	// The request's transactions live and die together, so they share
	// their memory: a few allocations for a batch of a thousand.
	dec := schemas.NewTxDecoder(len(raws))
	for i, raw := range raws {
		if txs[i], err = dec.ParseTxJSON(raw); err != nil {
			h.txs.WithLabelValues("invalid").Add(float64(len(raws)))
			writeJSON(w, http.StatusBadRequest, submitError{Error: err.Error(), Index: &i})
			return
		}
	}
	ctx := r.Context()
	if tracing.Enabled() {
		ctx = tracing.ContextFromHTTP(ctx, r.Header)
	}
	res, err := h.Submit(ctx, txs)
	var txErr *TxError
	var refused *RefusedError
	switch {
	case err == nil && res.AllExist():
		first := res.Existing[0]
		writeJSON(w, http.StatusConflict, struct {
			Error string `json:"error"`
			existingJSON
		}{first.String(), existingOf(first)})
	case errors.As(err, &txErr):
		writeJSON(w, http.StatusBadRequest, submitError{Error: txErr.Err.Error(), Index: &txErr.Index})
	case errors.As(err, &refused):
		code := http.StatusForbidden
		if wait, ok := refused.RetryAfter(); ok {
			code = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(max(1, math.Ceil(wait.Seconds())))))
		}
		writeJSON(w, code, submitError{Error: refused.Err.Error()})
	case errors.Is(err, ErrTooManyTxs):
		writeJSON(w, http.StatusBadRequest, submitError{Error: err.Error()})
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, submitError{Error: err.Error()})
	default:
		out := struct {
			IDs      []string       `json:"ids"`
			Existing []existingJSON `json:"existing,omitempty"`
		}{IDs: res.IDs}
		for _, e := range res.Existing {
			out.Existing = append(out.Existing, existingOf(e))
		}
		writeJSON(w, http.StatusAccepted, out)
	}
}

// existingJSON is how REST names a transaction the chain holds already.
type existingJSON struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Height uint64 `json:"height"`
	Status string `json:"status"`
}

func existingOf(e Existing) existingJSON {
	return existingJSON{Index: e.Index, ID: e.ID, Height: e.Height, Status: e.Status()}
}

// splitBody returns the transactions of a body holding one JSON object or
// an array of them, without decoding the transactions themselves.
func (h *SubmitHandler) splitBody(body []byte) ([]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("empty body: send a JSON transaction or an array of them")
	case trimmed[0] == '{':
		return []json.RawMessage{trimmed}, nil
	case trimmed[0] != '[':
		return nil, errors.New("body must be a JSON transaction object or an array of them")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	var raws []json.RawMessage
	for dec.More() {
		if len(raws) == h.cfg.MaxTxs {
			return nil, fmt.Errorf("more than %d transactions in one request: split them over several requests", h.cfg.MaxTxs)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("body: transaction %d: %w", len(raws), err)
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("body: unexpected data after the array")
	}
	if len(raws) == 0 {
		return nil, errors.New("empty array: send at least one transaction")
	}
	return raws, nil
}

// record validates tx, setting its id when it has none, and encodes it.
func (h *SubmitHandler) record(tx *aurigraphv1.Transaction) (*kgo.Record, error) {
	if tx == nil {
		return nil, invalid("transaction", "missing")
	}
	if err := CheckID(tx); err != nil {
		return nil, err
	}
	if err := h.check.check(tx); err != nil {
		return nil, err
	}
	value, err := proto.MarshalOptions{Deterministic: true}.Marshal(tx)
	if err != nil {
		return nil, fmt.Errorf("encode transaction %s: %w", tx.Id, err)
	}
	return &kgo.Record{Key: []byte(cmp.Or(tx.From, tx.To)), Value: value}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// recentSet remembers the last n ids added, oldest evicted first.
type recentSet struct {
	mu    sync.Mutex
	ring  []string
	next  int
	count map[string]int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{ring: make([]string, n), count: make(map[string]int, n)}
}

func (s *recentSet) add(id string) {
	if len(s.ring) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.ring[s.next]; old != "" {
		if s.count[old]--; s.count[old] <= 0 {
			delete(s.count, old)
		}
	}
	s.ring[s.next] = id
	s.count[id]++
	s.next = (s.next + 1) % len(s.ring)
}

func (s *recentSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[id] > 0
}
