package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// RuleJSON is a rule in the REST API. webhook_secret is accepted, never
// returned; the fields after it are the cluster's.
type RuleJSON struct {
	ID               string  `json:"id,omitempty"`
	Name             string  `json:"name"`
	Metric           string  `json:"metric"`
	Condition        string  `json:"condition"`
	Threshold        float64 `json:"threshold"`
	WindowMs         int64   `json:"window_ms"`
	ForMs            int64   `json:"for_ms"`
	WebhookURL       string  `json:"webhook_url,omitempty"`
	WebhookSecret    string  `json:"webhook_secret,omitempty"`
	WebhookSecretSet bool    `json:"webhook_secret_set"`
	CreatedMs        int64   `json:"created_ms,omitempty"`
	UpdatedMs        int64   `json:"updated_ms,omitempty"`
	Firing           bool    `json:"firing"`
	LastTransition   uint64  `json:"last_transition"`
}

// ruleInput is what a client may set.
type ruleInput struct {
	Name          string   `json:"name"`
	Metric        string   `json:"metric"`
	Condition     string   `json:"condition"`
	Threshold     *float64 `json:"threshold"`
	WindowMs      int64    `json:"window_ms"`
	ForMs         int64    `json:"for_ms"`
	WebhookURL    string   `json:"webhook_url"`
	WebhookSecret string   `json:"webhook_secret"`
}

// ErrTooLarge is a request body over MaxRuleBytes.
var ErrTooLarge = fmt.Errorf("alerting: a rule's JSON is at most %d bytes", MaxRuleBytes)

// DecodeRule reads a rule's JSON from a request body: one object of the
// fields a client sets, at most MaxRuleBytes, then checks its shape with
// CheckRule's field rules (the URL policy aside: the service applies it).
func DecodeRule(body io.Reader) (*aurigraphv1.AlertRule, error) {
	raw, err := io.ReadAll(io.LimitReader(body, MaxRuleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the rule: %w", err)
	}
	if len(raw) > MaxRuleBytes {
		return nil, ErrTooLarge
	}
	var in ruleInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%w: the body must be a JSON object with name, metric, condition, threshold, window_ms, for_ms and optionally webhook_url and webhook_secret: %v", ErrInvalid, err)
	}
	// More would let a stray "]" or "}" through.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the body holds more than one JSON value", ErrInvalid)
	}
	if in.Threshold == nil {
		return nil, invalid("threshold", "is missing")
	}
	r := &aurigraphv1.AlertRule{
		Name: in.Name, Metric: in.Metric, Condition: in.Condition, Threshold: *in.Threshold,
		WindowMs: in.WindowMs, ForMs: in.ForMs, WebhookUrl: in.WebhookURL, WebhookSecret: in.WebhookSecret,
	}
	if err := CheckRule(r, URLPolicy{AllowPrivate: true}); err != nil {
		return nil, err
	}
	return r, nil
}

// RuleView shows r in the REST API.
func RuleView(r *aurigraphv1.AlertRule) RuleJSON {
	return RuleJSON{
		ID: r.GetId(), Name: r.GetName(), Metric: r.GetMetric(), Condition: r.GetCondition(), Threshold: r.GetThreshold(),
		WindowMs: r.GetWindowMs(), ForMs: r.GetForMs(), WebhookURL: r.GetWebhookUrl(), WebhookSecretSet: r.GetWebhookSecretSet(),
		CreatedMs: r.GetCreatedMs(), UpdatedMs: r.GetUpdatedMs(), Firing: r.GetFiring(), LastTransition: r.GetLastTransition(),
	}
}

// Mux is where the routes register (an *http.ServeMux or the access
// policy's mux).
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// RegisterHTTP serves svc's REST routes on mux, relative to the API root:
//
//	POST /alerts/rules, GET /alerts/rules, GET /alerts/rules/{id},
//	PUT /alerts/rules/{id}, DELETE /alerts/rules/{id},
//	GET /alerts/history?rule_id=&after=&limit=
func RegisterHTTP(mux Mux, svc *Service) {
	h := httpHandler{svc}
	mux.HandleFunc("POST /alerts/rules", h.create)
	mux.HandleFunc("GET /alerts/rules", h.list)
	mux.HandleFunc("GET /alerts/rules/{id}", h.get)
	mux.HandleFunc("PUT /alerts/rules/{id}", h.update)
	mux.HandleFunc("DELETE /alerts/rules/{id}", h.delete)
	mux.HandleFunc("GET /alerts/history", h.history)
}

type httpHandler struct{ svc *Service }

func (h httpHandler) create(w http.ResponseWriter, r *http.Request) {
	rule, err := DecodeRule(r.Body)
	if err == nil {
		rule, err = h.svc.Create(r.Context(), rule)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, RuleView(rule))
}

func (h httpHandler) update(w http.ResponseWriter, r *http.Request) {
	rule, err := DecodeRule(r.Body)
	if err == nil {
		rule, err = h.svc.Update(r.Context(), r.PathValue("id"), rule)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, RuleView(rule))
}

func (h httpHandler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h httpHandler) get(w http.ResponseWriter, r *http.Request) {
	rule, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, RuleView(rule))
}

func (h httpHandler) list(w http.ResponseWriter, r *http.Request) {
	rules, err := h.svc.List(r.Context())
	if err != nil {
		writeErr(w, err)
		return
	}
	out := struct {
		Rules []RuleJSON `json:"rules"`
	}{Rules: make([]RuleJSON, 0, len(rules))}
	for _, rule := range rules {
		out.Rules = append(out.Rules, RuleView(rule))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h httpHandler) history(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after uint64
	var limit int
	var err error
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			writeErr(w, invalid("after", "%q is not a transition id", v))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit <= 0 {
			writeErr(w, invalid("limit", "%q is not a count from 1 to %d", v, MaxHistoryLimit))
			return
		}
	}
	ts, err := h.svc.History(r.Context(), q.Get("rule_id"), after, limit)
	if err != nil {
		writeErr(w, err)
		return
	}
	out := struct {
		Transitions []Event `json:"transitions"`
	}{Transitions: make([]Event, 0, len(ts))}
	for _, t := range ts {
		out.Transitions = append(out.Transitions, EventOf(t))
	}
	writeJSON(w, http.StatusOK, out)
}

// writeErr answers err with the status it calls for: 400 for a bad rule,
// 404 for an unknown id, 409 past the number of rules, 413 for a body too
// large, 421 naming the leader for a change sent to a follower, 503 with
// Retry-After for what may succeed shortly.
func writeErr(w http.ResponseWriter, err error) {
	var notLeader *NotLeaderError
	switch {
	case errors.As(err, &notLeader):
		writeJSON(w, http.StatusMisdirectedRequest, struct {
			Error  string `json:"error"`
			Leader uint64 `json:"leader"`
		}{err.Error(), notLeader.Leader})
	case errors.Is(err, ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrTooMany):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrLeadershipLost), errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrStopped):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, err.Error()+"; retry shortly")
	default:
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	// Conditions read as written ("<", not "\u003c").
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
