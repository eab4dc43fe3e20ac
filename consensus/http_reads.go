package consensus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// consistent runs the linearizable read barrier on n for request r unless it
// asks for ?stale=true. When the barrier fails it writes the error response
// and returns false.
func (h *httpHandler) consistent(w http.ResponseWriter, r *http.Request, n *Node) bool {
	if v := r.URL.Query().Get("stale"); v != "" {
		stale, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("stale=%q is not a boolean: use stale=true to read local state without a leader round trip", v))
			return false
		}
		if stale {
			return true
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.ReadTimeout)
	defer cancel()
	err := n.LinearizableRead(ctx)
	switch {
	case err == nil:
		return true
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, ErrNoLeader), errors.Is(err, ErrStopped), errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"error":  fmt.Sprintf("consistent read through validator %d failed within %s: %v; retry, or add ?stale=true to read this validator's possibly stale local state", n.ID(), h.opts.ReadTimeout, err),
			"leader": n.leader.Load(),
		})
	default:
		h.opts.Logger.Error("linearizable read", "validator", n.ID(), "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
	return false
}

// writeCatchingUp answers a read that falls in the range of blocks n is
// still fetching after a snapshot install.
func writeCatchingUp(w http.ResponseWriter, n *Node, err error) {
	st := n.Blocks().Stats()
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{
		"error": fmt.Sprintf("%v: validator %d is catching up (blocks %d..%d not all fetched yet); retry shortly or ask another validator",
			err, n.ID(), st.Contiguous+1, st.Height),
		"catching_up":       true,
		"contiguous_height": st.Contiguous,
		"height":            st.Height,
	})
}
