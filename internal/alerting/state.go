package alerting

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Delivery outcomes of a transition's webhook.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// State is the alerts part of the replicated state. Every validator applies
// the same entries in the same order with the same timestamps (the batch's,
// the proposing leader's clock), so every validator holds the same State.
// It is not safe for concurrent use; the state machine guards it.
type State struct {
	rules   []*aurigraphv1.AlertRule // in creation order
	history []*aurigraphv1.AlertTransition
	// nextTransition is the next transition id; 0 stands for 1.
	nextTransition uint64
}

// NewState returns an empty state.
func NewState() *State { return &State{} }

// Restore returns the state a snapshot carries (nil: empty).
func Restore(s *aurigraphv1.AlertState) *State {
	st := &State{nextTransition: s.GetNextTransition()}
	for _, r := range s.GetRules() {
		st.rules = append(st.rules, proto.Clone(r).(*aurigraphv1.AlertRule))
	}
	for _, t := range s.GetHistory() {
		st.history = append(st.history, proto.Clone(t).(*aurigraphv1.AlertTransition))
	}
	return st
}

// Proto copies the state for a snapshot or a reader; nil when empty, so
// that a chain without alerts keeps its snapshots' bytes.
func (s *State) Proto() *aurigraphv1.AlertState {
	if len(s.rules) == 0 && len(s.history) == 0 && s.nextTransition == 0 {
		return nil
	}
	out := &aurigraphv1.AlertState{NextTransition: s.nextTransition}
	for _, r := range s.rules {
		out.Rules = append(out.Rules, proto.Clone(r).(*aurigraphv1.AlertRule))
	}
	for _, t := range s.history {
		out.History = append(out.History, proto.Clone(t).(*aurigraphv1.AlertTransition))
	}
	return out
}

func (s *State) find(id string) (int, *aurigraphv1.AlertRule) {
	for i, r := range s.rules {
		if r.GetId() == id {
			return i, r
		}
	}
	return -1, nil
}

// Apply applies one entry proposed at atMs (the batch's timestamp) and
// returns the rule or transition it created or changed. An entry refused
// changes nothing.
func (s *State) Apply(e *aurigraphv1.AlertEntry, atMs int64) (proto.Message, error) {
	switch {
	case e.GetPutRule() != nil:
		return s.putRule(e.GetPutRule(), e.GetCreate(), atMs)
	case e.GetDeleteRule() != "":
		i, r := s.find(e.GetDeleteRule())
		if r == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, e.GetDeleteRule())
		}
		s.rules = slices.Delete(s.rules, i, i+1)
		return r, nil
	case e.GetTransition() != nil:
		return s.transition(e.GetTransition(), e.GetExpectLast(), atMs)
	case e.GetDeliveredId() != 0:
		return s.delivered(e.GetDeliveredId(), e.GetDelivery())
	}
	return nil, fmt.Errorf("%w: an alert entry that changes nothing", ErrInvalid)
}

// putRule creates r (with create) or replaces the rule with r's id,
// keeping its state: an edited rule that fires goes on firing until the
// evaluator finds the edited condition false.
func (s *State) putRule(r *aurigraphv1.AlertRule, create bool, atMs int64) (*aurigraphv1.AlertRule, error) {
	// The leader checked the rule against its URL policy; every validator
	// checks the rest, so that an entry a validator would refuse never
	// reaches the state on any.
	if err := CheckRule(r, URLPolicy{AllowPrivate: true}); err != nil {
		return nil, err
	}
	nr := userFields(r)
	nr.Id, nr.UpdatedMs = r.GetId(), atMs
	if !ValidRuleID(r.GetId()) {
		return nil, invalid("id", "%q is not a rule id (16 hex digits)", r.GetId())
	}
	if create {
		if len(s.rules) >= MaxRules {
			return nil, ErrTooMany
		}
		if _, old := s.find(r.GetId()); old != nil {
			return nil, fmt.Errorf("%w: rule id %s is taken", ErrInvalid, r.GetId())
		}
		nr.CreatedMs = atMs
		s.rules = append(s.rules, nr)
		return proto.Clone(nr).(*aurigraphv1.AlertRule), nil
	}
	i, old := s.find(r.GetId())
	if old == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, r.GetId())
	}
	nr.CreatedMs, nr.Firing, nr.LastTransition = old.GetCreatedMs(), old.GetFiring(), old.GetLastTransition()
	// The secret is never read back, so an update that keeps the webhook
	// keeps its secret unless it sends a new one.
	if nr.WebhookSecret == "" && nr.WebhookUrl != "" {
		nr.WebhookSecret = old.GetWebhookSecret()
	}
	s.rules[i] = nr
	return proto.Clone(nr).(*aurigraphv1.AlertRule), nil
}

func (s *State) transition(t *aurigraphv1.AlertTransition, expect uint64, atMs int64) (*aurigraphv1.AlertTransition, error) {
	_, r := s.find(t.GetRuleId())
	switch {
	case r == nil:
		return nil, fmt.Errorf("%w: rule %q was deleted", ErrStale, t.GetRuleId())
	case r.GetLastTransition() != expect:
		return nil, fmt.Errorf("%w: rule %s moved on to transition %d, the proposal follows %d", ErrStale, r.GetId(), r.GetLastTransition(), expect)
	case r.GetFiring() == t.GetFiring():
		return nil, fmt.Errorf("%w: rule %s is already in that state", ErrStale, r.GetId())
	}
	s.nextTransition = max(s.nextTransition, 1)
	nt := &aurigraphv1.AlertTransition{
		Id: s.nextTransition, RuleId: r.GetId(), RuleName: r.GetName(), Metric: r.GetMetric(),
		Condition: r.GetCondition(), Threshold: r.GetThreshold(), Firing: t.GetFiring(), Value: t.GetValue(),
		AtMs: atMs, WebhookUrl: r.GetWebhookUrl(), WebhookSecret: r.GetWebhookSecret(),
	}
	if nt.WebhookUrl != "" {
		nt.Delivery = DeliveryPending
	}
	s.nextTransition++
	r.Firing, r.LastTransition = t.GetFiring(), nt.Id
	s.history = append(s.history, nt)
	if over := len(s.history) - MaxHistory; over > 0 {
		s.history = slices.Delete(s.history, 0, over)
	}
	return proto.Clone(nt).(*aurigraphv1.AlertTransition), nil
}

func (s *State) delivered(id uint64, outcome string) (*aurigraphv1.AlertTransition, error) {
	if outcome != DeliveryDelivered && outcome != DeliveryFailed {
		return nil, fmt.Errorf("%w: delivery outcome %q", ErrInvalid, outcome)
	}
	i, ok := slices.BinarySearchFunc(s.history, id, func(t *aurigraphv1.AlertTransition, id uint64) int {
		switch {
		case t.GetId() < id:
			return -1
		case t.GetId() > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil, fmt.Errorf("%w: transition %d is no longer in the history", ErrStale, id)
	}
	t := s.history[i]
	if t.GetDelivery() != DeliveryPending {
		return nil, fmt.Errorf("%w: transition %d is already %s", ErrStale, id, t.GetDelivery())
	}
	t.Delivery = outcome
	return proto.Clone(t).(*aurigraphv1.AlertTransition), nil
}
