package chainapi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// TransferLeadership moves the leadership to voter target, through the
// local leader.
func (s *Service) TransferLeadership(ctx context.Context, target uint64) (raftnode.ClusterStatus, error) {
	if target == 0 {
		return raftnode.ClusterStatus{}, badArgument("id", "is missing or 0: validator ids start at 1")
	}
	n, err := s.localLeader()
	if err != nil {
		return raftnode.ClusterStatus{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, memberChangeTimeout)
	defer cancel()
	if err := n.TransferLeadership(ctx, target); err != nil {
		if errors.Is(err, raftnode.ErrLearner) {
			return raftnode.ClusterStatus{}, badArgument("id", "validator %d is a learner: only a voter can lead; wait until it is promoted", target)
		}
		return s.memberChanged(n, err)
	}
	return n.ClusterStatus(), nil
}

// Search kinds: what a search query named.
const (
	SearchBlock       = "block"
	SearchTransaction = "transaction"
	SearchNone        = "none"
)

// SearchResult is what a query names: a block by height or hash, or a
// transaction by id; Kind is SearchNone when nothing matched.
type SearchResult struct {
	Query  string  `json:"query"`
	Kind   string  `json:"kind"`
	Height uint64  `json:"height,omitempty"`
	Hash   string  `json:"hash,omitempty"`
	ID     string  `json:"id,omitempty"`
	Index  uint32  `json:"index,omitempty"`
	Status TxState `json:"status,omitempty"`
}

// maxSearchQuery is longer than any height, hash or transaction id.
const maxSearchQuery = 256

// Search resolves q, in this order: a decimal block height of the chain, a
// block hash (64 hex digits, 0x allowed), a transaction id. A miss is a
// result of kind SearchNone, not an error, so that a search box can ask
// without expecting failures.
func (s *Service) Search(ctx context.Context, q string, stale bool) (SearchResult, error) {
	q = strings.TrimSpace(q)
	res := SearchResult{Query: q, Kind: SearchNone}
	if q == "" || len(q) > maxSearchQuery {
		return res, badArgument("q", "give a block height, a block hash or a transaction id of 1 to %d characters", maxSearchQuery)
	}
	if h, err := strconv.ParseUint(q, 10, 64); err == nil && h > 0 {
		blk, err := s.Block(ctx, h, stale)
		switch {
		case err == nil:
			return SearchResult{Query: q, Kind: SearchBlock, Height: h, Hash: hex.EncodeToString(blk.GetHeader().GetHash())}, nil
		case !errors.Is(err, consensus.ErrBlockNotFound):
			return res, err
		}
	}
	if hash, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(q), "0x")); err == nil && len(hash) == chain.HashSize {
		blk, err := s.BlockByHash(ctx, hash, stale)
		switch {
		case err == nil:
			return SearchResult{Query: q, Kind: SearchBlock, Height: blk.GetHeader().GetHeight(), Hash: hex.EncodeToString(hash)}, nil
		case !errors.Is(err, consensus.ErrBlockNotFound):
			return res, err
		}
	}
	tx, err := s.Transaction(ctx, q, stale)
	switch {
	case err == nil:
		return SearchResult{Query: q, Kind: SearchTransaction, ID: tx.ID, Height: tx.Height, Index: tx.Index, Status: tx.State}, nil
	case errors.Is(err, ErrTxNotFound):
		return res, nil
	}
	return res, err
}

// registerExplore mounts what explorers read beside the single-item
// endpoints: a list of blocks (BlockService.List's twin) and search; and
// the leadership transfer.
func (h *httpHandler) registerExplore(mux Mux) {
	mux.HandleFunc("GET /blocks", h.blocks)
	mux.HandleFunc("GET /search", h.search)
	mux.HandleFunc("POST /cluster/leader", h.transferLeader)
}

func (h *httpHandler) blocks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var vals [3]uint64
	for i, key := range []string{"from_height", "to_height", "limit"} {
		v := q.Get(key)
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s=%q is not a non-negative integer", key, v))
			return
		}
		vals[i] = n
	}
	from, to, limit := vals[0], vals[1], vals[2]
	if q.Get("from_height") == "" {
		from = 1
	}
	if limit > MaxListBlocks {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %d is out of range: ask for 1 to %d blocks (0 means 100)", limit, MaxListBlocks))
		return
	}
	headersOnly := false
	if v := q.Get("headers_only"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("headers_only=%q is not a boolean", v))
			return
		}
		headersOnly = b
	}
	read(w, r, func(ctx context.Context, stale bool) (BlockPage, error) {
		return h.svc.Blocks(ctx, from, to, int(limit), headersOnly, stale)
	}, func(p BlockPage) any {
		out := struct {
			Blocks     []BlockView `json:"blocks"`
			NextHeight uint64      `json:"next_height"`
			Head       uint64      `json:"head"`
		}{Blocks: make([]BlockView, 0, len(p.Blocks)), NextHeight: p.Next, Head: p.Head}
		for _, b := range p.Blocks {
			out.Blocks = append(out.Blocks, BlockJSON(b))
		}
		return out
	})
}

func (h *httpHandler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	read(w, r, func(ctx context.Context, stale bool) (SearchResult, error) {
		return h.svc.Search(ctx, q, stale)
	}, func(res SearchResult) any { return res })
}

func (h *httpHandler) transferLeader(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID uint64 `json:"id"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<12))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("body must be JSON {\"id\": N}, the validator to lead: %v", err))
		return
	}
	cs, err := h.svc.TransferLeadership(r.Context(), req.ID)
	h.writeMemberChange(w, cs, err)
}
