package chainapi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// NewHTTPHandler serves svc's chain and validator REST endpoints:
//
//	GET /blocks/latest, GET /blocks/{height}, GET /chain/stats,
//	GET /chain/verify, GET /chain/genesis, GET /validators,
//	GET /validators/keys, GET /transactions/{id},
//	GET /cluster/status, POST /cluster/members, DELETE /cluster/members/{id},
//	GET /blocks?from_height=&to_height=&limit=&headers_only=, GET /search?q=,
//	POST /cluster/leader, GET /admin/backup?validator=
//
// Paths are relative; the caller mounts the handler under its prefix with
// http.StripPrefix. Chain reads go to the local leader's store when one of
// the service's validators leads, else to the first. They are linearizable:
// each first passes Node.LinearizableRead, so it sees every block committed
// before the request, whichever validator serves it; ?stale=true skips that
// round trip and reads the validator's local state. Without a leader within
// ServiceOptions.ReadTimeout a read answers 503, except the status read
// /chain/stats, which answers the local state with "stale": true once
// ServiceOptions.StatusTimeout passed. A validator still fetching
// blocks skipped by a snapshot install answers 503 for what lies in the
// missing range. The gRPC services serve the same Service.
func NewHTTPHandler(svc *Service) http.Handler {
	mux := http.NewServeMux()
	RegisterHTTP(mux, svc)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// Mux is where handlers register their routes: an *http.ServeMux, or one
// that enforces an access policy per pattern and so must see every pattern.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// RegisterHTTP registers the routes NewHTTPHandler serves on mux, with
// patterns relative to the API's root.
func RegisterHTTP(mux Mux, svc *Service) {
	h := &httpHandler{svc: svc}
	mux.HandleFunc("GET /blocks/latest", h.latest)
	mux.HandleFunc("GET /blocks/{height}", h.block)
	mux.HandleFunc("GET /chain/stats", h.stats)
	mux.HandleFunc("GET /chain/verify", h.verify)
	mux.HandleFunc("GET /validators", h.validators)
	mux.HandleFunc("GET /validators/keys", h.keys)
	mux.HandleFunc("GET /chain/genesis", h.genesis)
	mux.HandleFunc("GET /transactions/{id}", h.transaction)
	h.registerCluster(mux)
	h.registerExplore(mux)
	mux.HandleFunc("GET /admin/backup", h.backup)
}

type httpHandler struct {
	svc *Service
}

// parseHeight parses the {height} path segment of /blocks/{height}.
func parseHeight(s string) (uint64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("height %q is not a decimal block height", s)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("height %q is out of range", s)
	}
	return v, CheckHeight(v)
}

// stale reads ?stale=true: the caller accepts this validator's local state.
func stale(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("stale")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("stale=%q is not a boolean: use stale=true to read local state without a leader round trip", v)
	}
	return b, nil
}

// read runs one service call with the request's ?stale and answers its
// result as JSON, or its error with the status code the error calls for.
func read[T any](w http.ResponseWriter, r *http.Request, call func(ctx context.Context, stale bool) (T, error), view func(T) any) {
	st, err := stale(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := call(r.Context(), st)
	if err != nil {
		writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view(v))
}

// writeServiceError answers a service error: 400 for a bad argument, 404 for
// what does not exist, 503 with Retry-After for what may succeed shortly.
func writeServiceError(w http.ResponseWriter, err error) {
	var (
		unavailable *ReadUnavailableError
		catching    *CatchingUpError
	)
	switch {
	case errors.As(err, &unavailable):
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error() + " with ?stale=true", "leader": unavailable.Leader})
	case errors.As(err, &catching):
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"error":             err.Error(),
			"catching_up":       true,
			"contiguous_height": catching.Contiguous,
			"height":            catching.Height,
		})
	case errors.Is(err, ErrInvalidArgument):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, consensus.ErrBlockNotFound), errors.Is(err, ErrTxNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

func blockView(b *aurigraphv1.Block) any { return BlockJSON(b) }

func (h *httpHandler) latest(w http.ResponseWriter, r *http.Request) {
	read(w, r, h.svc.Latest, blockView)
}

func (h *httpHandler) block(w http.ResponseWriter, r *http.Request) {
	height, err := parseHeight(r.PathValue("height"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	read(w, r, func(ctx context.Context, stale bool) (*aurigraphv1.Block, error) {
		return h.svc.Block(ctx, height, stale)
	}, blockView)
}

func (h *httpHandler) stats(w http.ResponseWriter, r *http.Request) {
	read(w, r, h.svc.Stats, func(s ChainStatus) any {
		return map[string]any{
			"height": s.Height, "tx_count": s.TxCount, "last_hash": hex.EncodeToString(s.LastHash),
			"contiguous_height": s.Contiguous, "catching_up": s.CatchingUp(), "stale": s.Stale,
		}
	})
}

func (h *httpHandler) verify(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Verify(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

type validatorJSON struct {
	ID      uint64 `json:"id"`
	State   string `json:"state"`
	Applied uint64 `json:"applied"`
	Match   uint64 `json:"match,omitempty"`
}

func (h *httpHandler) validators(w http.ResponseWriter, r *http.Request) {
	read(w, r, h.svc.Validators, func(set ValidatorSet) any {
		out := struct {
			Leader     uint64          `json:"leader"`
			Term       uint64          `json:"term"`
			Validators []validatorJSON `json:"validators"`
		}{Leader: set.Leader, Term: set.Term, Validators: []validatorJSON{}}
		for _, v := range set.Validators {
			out.Validators = append(out.Validators, validatorJSON{ID: v.ID, State: v.State, Applied: v.Applied, Match: v.Match})
		}
		return out
	})
}

// keys serves the trust anchor of the blocks topic in the shape
// --validator-keys files hold (chain.KeysDocument).
func (h *httpHandler) keys(w http.ResponseWriter, r *http.Request) {
	read(w, r, h.svc.Keys, func(a chain.Anchor) any { return a.Keys.Document(a.GenesisHash) })
}

// genesis serves the chain's rules in the shape of a genesis file, with the
// hash block 1 links to.
func (h *httpHandler) genesis(w http.ResponseWriter, r *http.Request) {
	read(w, r, h.svc.Genesis, func(g *aurigraphv1.Genesis) any {
		raw, err := chain.MarshalGenesis(g)
		if err != nil {
			return map[string]string{"error": err.Error()}
		}
		return struct {
			Hash    string          `json:"hash"`
			Genesis json.RawMessage `json:"genesis"`
		}{hex.EncodeToString(chain.GenesisHash(g)), raw}
	})
}

// transaction serves GET /transactions/{id}: the transaction in the shape
// every face writes (schemas.TxView) with its outcome, or only its id and
// status while it is pending.
func (h *httpHandler) transaction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	read(w, r, func(ctx context.Context, stale bool) (TxInfo, error) {
		return h.svc.TransactionResult(ctx, id, stale)
	}, func(tx TxInfo) any {
		if tx.Result == nil {
			return schemas.TxView{ID: tx.ID, Status: string(tx.State)}
		}
		return schemas.TxResultView(tx.Result, tx.Height, tx.Index, tx.BlockTimestampMs)
	})
}

// BlockView is the JSON shape of a block served over HTTP: hashes in hex,
// 64-bit integers as schemas.Uint writes them, and the transactions in the
// shape every face writes (schemas.TxView).
type BlockView struct {
	Height      schemas.Uint     `json:"height"`
	Hash        string           `json:"hash"`
	PrevHash    string           `json:"prev_hash"`
	TxRoot      string           `json:"tx_root"`
	TimestampMs int64            `json:"timestamp_ms"`
	Proposer    schemas.Uint     `json:"proposer"`
	RaftTerm    schemas.Uint     `json:"raft_term"`
	RaftIndex   schemas.Uint     `json:"raft_index"`
	TxCount     uint32           `json:"tx_count"`
	FailedCount uint32           `json:"failed_count"`
	Sources     []SourceView     `json:"sources"`
	Txs         []schemas.TxView `json:"txs"`
}

// SourceView is one Kafka range a block consumed: [start_offset, end_offset).
type SourceView struct {
	Topic       string `json:"topic"`
	Partition   int32  `json:"partition"`
	StartOffset int64  `json:"start_offset"`
	EndOffset   int64  `json:"end_offset"`
}

// BlockJSON converts a block to its HTTP JSON shape.
func BlockJSON(b *aurigraphv1.Block) BlockView {
	hd := b.GetHeader()
	v := BlockView{
		Height:      schemas.Uint(hd.GetHeight()),
		Hash:        hex.EncodeToString(hd.GetHash()),
		PrevHash:    hex.EncodeToString(hd.GetPrevHash()),
		TxRoot:      hex.EncodeToString(hd.GetTxRoot()),
		TimestampMs: hd.GetTimestampMs(),
		Proposer:    schemas.Uint(hd.GetProposer()),
		RaftTerm:    schemas.Uint(hd.GetRaftTerm()),
		RaftIndex:   schemas.Uint(hd.GetRaftIndex()),
		TxCount:     hd.GetTxCount(),
		FailedCount: hd.GetFailedCount(),
		Sources:     make([]SourceView, 0, len(hd.GetSources())),
		Txs:         make([]schemas.TxView, 0, len(b.GetTxs())),
	}
	for _, s := range hd.GetSources() {
		v.Sources = append(v.Sources, SourceView{Topic: s.GetTopic(), Partition: s.GetPartition(), StartOffset: s.GetStartOffset(), EndOffset: s.GetEndOffset()})
	}
	for i, r := range b.GetTxs() {
		v.Txs = append(v.Txs, schemas.TxResultView(r, hd.GetHeight(), uint32(i), hd.GetTimestampMs()))
	}
	return v
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
