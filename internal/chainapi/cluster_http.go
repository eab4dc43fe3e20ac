package chainapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/aurigraph/aurigraph/internal/raftnode"
)

func (h *httpHandler) registerCluster(mux Mux) {
	mux.HandleFunc("GET /cluster/status", h.clusterStatus)
	mux.HandleFunc("POST /cluster/members", h.addMember)
	mux.HandleFunc("DELETE /cluster/members/{id}", h.removeMember)
}

func (h *httpHandler) clusterStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.svc.ClusterStatus())
}

type addMemberRequest struct {
	ID          uint64 `json:"id"`
	RaftAddress string `json:"raft_address"`
}

// decodeAddMember parses and checks a POST /cluster/members body.
func decodeAddMember(body io.Reader) (addMemberRequest, error) {
	var req addMemberRequest
	dec := json.NewDecoder(io.LimitReader(body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("body must be JSON {\"id\": N, \"raft_address\": \"host:port\"}: %w", err)
	}
	// More would let a stray "]" or "}" through.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, errors.New("body holds more than one JSON value")
	}
	return req, CheckMember(req.ID, req.RaftAddress)
}

// checkRaftAddress accepts host:port with a port of 1-65535.
func checkRaftAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return badArgument("raft_address", "%q is not host:port", addr)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return badArgument("raft_address", "%q: port %q is not 1-65535", addr, port)
	}
	return nil
}

func (h *httpHandler) addMember(w http.ResponseWriter, r *http.Request) {
	req, err := decodeAddMember(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cs, err := h.svc.AddMember(r.Context(), req.ID, req.RaftAddress)
	h.writeMemberChange(w, cs, err)
}

func (h *httpHandler) removeMember(w http.ResponseWriter, r *http.Request) {
	text := r.PathValue("id")
	id, err := strconv.ParseUint(text, 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("member id %q is not a validator id (1 or more)", text))
		return
	}
	cs, err := h.svc.RemoveMember(r.Context(), id)
	h.writeMemberChange(w, cs, err)
}

func (h *httpHandler) writeMemberChange(w http.ResponseWriter, cs raftnode.ClusterStatus, err error) {
	var notLeader *NotLeaderError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, cs)
	case errors.As(err, &notLeader):
		// 421 naming the leader, so the client retries there.
		writeJSON(w, http.StatusMisdirectedRequest, struct {
			Error  string `json:"error"`
			Leader uint64 `json:"leader"`
		}{"not the leader", notLeader.Leader})
	case errors.Is(err, ErrInvalidArgument):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, raftnode.ErrMemberExists), errors.Is(err, raftnode.ErrMemberNotFound), errors.Is(err, raftnode.ErrLastVoter):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, err.Error()+"; check GET /cluster/status before retrying")
	default:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	}
}
