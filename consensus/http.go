package consensus

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// HTTPOptions configures NewHTTPHandler.
type HTTPOptions struct {
	// Pending reports whether a transaction id is known upstream (accepted
	// by ingest) but not yet in a block. Nil means nothing is pending.
	Pending func(id string) bool
	// Logger receives errors while serving; nil means slog.Default().
	Logger *slog.Logger
	// ReadTimeout bounds the linearizable read barrier (finding a leader,
	// ReadIndex, waiting for apply) before a read answers 503. Default 2s.
	ReadTimeout time.Duration
}

// NewHTTPHandler serves the chain and validator REST endpoints over the
// validators running in this process (at least one):
//
//	GET /blocks/latest, GET /blocks/{height}, GET /chain/stats,
//	GET /chain/verify, GET /validators, GET /transactions/{id},
//	GET /cluster/status, POST /cluster/members, DELETE /cluster/members/{id}
//
// Paths are relative; the caller mounts the handler under its prefix with
// http.StripPrefix. Chain reads go to the local leader's store when one of
// nodes leads, else to the first node. They are linearizable: each first
// passes Node.LinearizableRead, so it sees every block committed before the
// request, whichever validator serves it; ?stale=true skips that round trip
// and reads the validator's local state. Without a leader within ReadTimeout
// a read answers 503. A validator still fetching blocks skipped by a
// snapshot install answers 503 for what lies in the missing range.
func NewHTTPHandler(nodes []*Node, opts HTTPOptions) http.Handler {
	if len(nodes) == 0 {
		panic("consensus: NewHTTPHandler needs at least one node")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 2 * time.Second
	}
	h := &httpHandler{nodes: nodes, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /blocks/latest", h.latest)
	mux.HandleFunc("GET /blocks/{height}", h.block)
	mux.HandleFunc("GET /chain/stats", h.stats)
	mux.HandleFunc("GET /chain/verify", h.verify)
	mux.HandleFunc("GET /validators", h.validators)
	mux.HandleFunc("GET /transactions/{id}", h.transaction)
	h.registerCluster(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

type httpHandler struct {
	nodes []*Node
	opts  HTTPOptions
}

func (h *httpHandler) primary() *Node {
	for _, n := range h.nodes {
		if lead, _ := n.Leader(); lead {
			return n
		}
	}
	return h.nodes[0]
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
	if v == 0 {
		return 0, errors.New("height 0 does not exist: the first block has height 1")
	}
	return v, nil
}

func (h *httpHandler) latest(w http.ResponseWriter, r *http.Request) {
	n := h.primary()
	if !h.consistent(w, r, n) {
		return
	}
	st := n.Blocks().Stats()
	if st.Height == 0 {
		writeError(w, http.StatusNotFound, "chain is empty: no block committed yet")
		return
	}
	blk, err := n.Blocks().Get(st.Height)
	h.writeBlock(w, n, blk, err)
}

func (h *httpHandler) block(w http.ResponseWriter, r *http.Request) {
	height, err := parseHeight(r.PathValue("height"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	n := h.primary()
	// Stored blocks never change: only a height beyond the local chain needs
	// the barrier, so "not found" is not an artefact of lagging behind.
	if height > n.Blocks().Height() && !h.consistent(w, r, n) {
		return
	}
	blk, err := n.Blocks().Get(height)
	h.writeBlock(w, n, blk, err)
}

func (h *httpHandler) writeBlock(w http.ResponseWriter, n *Node, blk *aurigraphv1.Block, err error) {
	switch {
	case errors.Is(err, ErrBlockNotFound) && n.Blocks().Stats().CatchingUp():
		writeCatchingUp(w, n, err)
	case errors.Is(err, ErrBlockNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		h.opts.Logger.Error("read block", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, BlockJSON(blk))
	}
}

func (h *httpHandler) stats(w http.ResponseWriter, r *http.Request) {
	n := h.primary()
	if !h.consistent(w, r, n) {
		return
	}
	s := n.Blocks().Stats()
	writeJSON(w, http.StatusOK, map[string]any{
		"height": s.Height, "tx_count": s.TxCount, "last_hash": hex.EncodeToString(s.LastHash),
		"contiguous_height": s.Contiguous, "catching_up": s.CatchingUp(),
	})
}

func (h *httpHandler) verify(w http.ResponseWriter, r *http.Request) {
	rep, err := VerifyChain(r.Context(), h.primary().Blocks())
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
	p := h.primary()
	if !h.consistent(w, r, p) {
		return
	}
	st := p.Status()
	local := make(map[uint64]Status, len(h.nodes))
	for _, n := range h.nodes {
		if n == p {
			local[n.ID()] = st
		} else {
			local[n.ID()] = n.Status()
		}
	}
	out := struct {
		Leader     uint64          `json:"leader"`
		Term       uint64          `json:"term"`
		Validators []validatorJSON `json:"validators"`
	}{Leader: st.Leader, Term: st.Term, Validators: []validatorJSON{}}
	for _, m := range p.Members() {
		id := m.ID
		v := validatorJSON{ID: id, State: "unknown"}
		if ls, ok := local[id]; ok {
			v.State, v.Applied = ls.State, ls.Applied
		} else if id == st.Leader {
			v.State = "leader"
		} else if st.Leader != 0 {
			v.State = "follower"
		}
		if m, ok := st.Progress[id]; ok {
			v.Match = m
		}
		out.Validators = append(out.Validators, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *httpHandler) transaction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n := h.primary()
	if !h.consistent(w, r, n) {
		return
	}
	store := n.Blocks()
	loc, ok, err := store.LookupTx(id)
	if err != nil {
		h.opts.Logger.Error("look up transaction", "id", id, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	type txJSON struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Height uint64 `json:"height"`
		Index  uint32 `json:"index"`
		Reason string `json:"reason,omitempty"`
	}
	if !ok {
		if h.opts.Pending != nil && h.opts.Pending(id) {
			writeJSON(w, http.StatusOK, txJSON{ID: id, Status: "pending"})
			return
		}
		if store.Stats().CatchingUp() {
			writeCatchingUp(w, n, fmt.Errorf("transaction %q: %w", id, ErrBlockNotFound))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("transaction %q is not in the chain and not pending", id))
		return
	}
	out := txJSON{ID: id, Status: statusName(loc.Status), Height: loc.Height, Index: loc.Index}
	if loc.Status == aurigraphv1.TxStatus_TX_STATUS_FAILED {
		blk, err := store.Get(loc.Height)
		if err != nil {
			h.opts.Logger.Error("read block of transaction", "id", id, "height", loc.Height, "err", err)
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		if int(loc.Index) < len(blk.GetTxs()) {
			out.Reason = blk.GetTxs()[loc.Index].GetReason()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func statusName(s aurigraphv1.TxStatus) string {
	return cmp.Or(schemas.TxStatusName(s), "unknown")
}

func typeName(t aurigraphv1.TxType) string {
	return cmp.Or(schemas.TxTypeName(t), "unspecified")
}

// BlockView is the JSON shape of a block served over HTTP: hashes in hex,
// transaction types and statuses as lower-case words.
type BlockView struct {
	Height      uint64       `json:"height"`
	Hash        string       `json:"hash"`
	PrevHash    string       `json:"prev_hash"`
	TxRoot      string       `json:"tx_root"`
	TimestampMs int64        `json:"timestamp_ms"`
	Proposer    uint64       `json:"proposer"`
	RaftTerm    uint64       `json:"raft_term"`
	RaftIndex   uint64       `json:"raft_index"`
	TxCount     uint32       `json:"tx_count"`
	FailedCount uint32       `json:"failed_count"`
	Sources     []SourceView `json:"sources"`
	Txs         []TxView     `json:"txs"`
}

// SourceView is one Kafka range a block consumed: [start_offset, end_offset).
type SourceView struct {
	Topic       string `json:"topic"`
	Partition   int32  `json:"partition"`
	StartOffset int64  `json:"start_offset"`
	EndOffset   int64  `json:"end_offset"`
}

// TxView is one transaction of a block with its outcome.
type TxView struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	Amount      uint64 `json:"amount"`
	Asset       string `json:"asset,omitempty"`
	Nonce       uint64 `json:"nonce"`
	Payload     []byte `json:"payload,omitempty"`
	TimestampMs int64  `json:"timestamp_ms,omitempty"`
	SubmittedMs int64  `json:"submitted_ms,omitempty"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
}

// BlockJSON converts a block to its HTTP JSON shape.
func BlockJSON(b *aurigraphv1.Block) BlockView {
	hd := b.GetHeader()
	v := BlockView{
		Height:      hd.GetHeight(),
		Hash:        hex.EncodeToString(hd.GetHash()),
		PrevHash:    hex.EncodeToString(hd.GetPrevHash()),
		TxRoot:      hex.EncodeToString(hd.GetTxRoot()),
		TimestampMs: hd.GetTimestampMs(),
		Proposer:    hd.GetProposer(),
		RaftTerm:    hd.GetRaftTerm(),
		RaftIndex:   hd.GetRaftIndex(),
		TxCount:     hd.GetTxCount(),
		FailedCount: hd.GetFailedCount(),
		Sources:     make([]SourceView, 0, len(hd.GetSources())),
		Txs:         make([]TxView, 0, len(b.GetTxs())),
	}
	for _, s := range hd.GetSources() {
		v.Sources = append(v.Sources, SourceView{Topic: s.GetTopic(), Partition: s.GetPartition(), StartOffset: s.GetStartOffset(), EndOffset: s.GetEndOffset()})
	}
	for _, r := range b.GetTxs() {
		tx := r.GetTx()
		v.Txs = append(v.Txs, TxView{
			ID: tx.GetId(), Type: typeName(tx.GetType()), From: tx.GetFrom(), To: tx.GetTo(), Amount: tx.GetAmount(),
			Asset: tx.GetAsset(), Nonce: tx.GetNonce(), Payload: tx.GetPayload(), TimestampMs: tx.GetTimestampMs(),
			SubmittedMs: tx.GetSubmittedMs(), Status: statusName(r.GetStatus()), Reason: r.GetReason(),
		})
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
