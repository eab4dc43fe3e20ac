package alerting

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Member is a validator of this process as the API sees it.
type Member interface {
	Validator
	// LeaderID is the validator this one believes leads (0: none known).
	LeaderID() uint64
}

// Service answers the alert API for the validators of this process; the
// REST handler and the gRPC service are thin adapters over it.
type Service struct {
	nodes   []Member
	policy  URLPolicy
	timeout time.Duration
}

// NewService serves nodes (at least one); rules' webhooks must pass policy.
// timeout bounds a change or a consistent read (default 5s).
func NewService(nodes []Member, policy URLPolicy, timeout time.Duration) *Service {
	if len(nodes) == 0 {
		panic("alerting: NewService needs at least one validator")
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Service{nodes: nodes, policy: policy, timeout: timeout}
}

// NotLeaderError is a change sent to a process none of whose validators
// leads; it wraps raftnode.ErrNotLeader.
type NotLeaderError struct{ Leader uint64 }

func (e *NotLeaderError) Error() string {
	return fmt.Sprintf("%v; send alert rule changes to validator %d, the leader", raftnode.ErrNotLeader, e.Leader)
}

func (e *NotLeaderError) Unwrap() error { return raftnode.ErrNotLeader }

func (s *Service) leader() (Member, error) {
	for _, n := range s.nodes {
		if lead, _ := n.Leader(); lead {
			return n, nil
		}
	}
	return nil, &NotLeaderError{Leader: s.nodes[0].LeaderID()}
}

// read returns the alert state, consistent with every change committed
// before the call.
func (s *Service) read(ctx context.Context) (*aurigraphv1.AlertState, error) {
	n := s.nodes[0]
	if l, err := s.leader(); err == nil {
		n = l
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := n.LinearizableRead(ctx); err != nil {
		return nil, fmt.Errorf("consistent read of the alert rules: %w", err)
	}
	return n.Alerts(), nil
}

func (s *Service) propose(ctx context.Context, e *aurigraphv1.AlertEntry) error {
	n, err := s.leader()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return n.ProposeAlert(ctx, e)
}

// Create adds r (its user-settable fields) as a new rule and returns it.
func (s *Service) Create(ctx context.Context, r *aurigraphv1.AlertRule) (*aurigraphv1.AlertRule, error) {
	if err := CheckRule(r, s.policy); err != nil {
		return nil, err
	}
	r = userFields(r)
	r.Id = NewRuleID()
	if err := s.propose(ctx, &aurigraphv1.AlertEntry{PutRule: r, Create: true}); err != nil {
		return nil, err
	}
	return s.Get(ctx, r.GetId())
}

// Update replaces rule id's user-settable fields with r's.
func (s *Service) Update(ctx context.Context, id string, r *aurigraphv1.AlertRule) (*aurigraphv1.AlertRule, error) {
	if !ValidRuleID(id) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err := CheckRule(r, s.policy); err != nil {
		return nil, err
	}
	r = userFields(r)
	r.Id = id
	if r.GetWebhookUrl() != "" && r.GetWebhookSecret() == "" {
		if err := s.checkSecretFollows(ctx, r); err != nil {
			return nil, err
		}
	}
	if err := s.propose(ctx, &aurigraphv1.AlertEntry{PutRule: r}); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// checkSecretFollows refuses an update that moves a signed webhook to
// another URL without a secret. An update without one keeps the rule's
// secret, which is right for the endpoint it was given for, but would sign
// deliveries to a new endpoint with a key its owner never gave it.
func (s *Service) checkSecretFollows(ctx context.Context, r *aurigraphv1.AlertRule) error {
	// Only the leader proposes: a follower answers where to go at once.
	if _, err := s.leader(); err != nil {
		return err
	}
	st, err := s.read(ctx)
	if err != nil {
		return err
	}
	for _, old := range st.GetRules() {
		if old.GetId() == r.GetId() && old.GetWebhookSecret() != "" && old.GetWebhookUrl() != r.GetWebhookUrl() {
			return invalid("webhook_url", "changes from %q to %q, and the rule's webhook_secret was given for the old endpoint: "+
				"send the new endpoint's webhook_secret, or first update the rule without webhook_url to drop the secret", old.GetWebhookUrl(), r.GetWebhookUrl())
		}
	}
	return nil
}

// Delete removes rule id. Its transitions stay in the history.
func (s *Service) Delete(ctx context.Context, id string) error {
	if !ValidRuleID(id) {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return s.propose(ctx, &aurigraphv1.AlertEntry{DeleteRule: id})
}

// Get returns rule id.
func (s *Service) Get(ctx context.Context, id string) (*aurigraphv1.AlertRule, error) {
	if !ValidRuleID(id) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	st, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range st.GetRules() {
		if r.GetId() == id {
			return redactRule(r), nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// List returns every rule, oldest first.
func (s *Service) List(ctx context.Context) ([]*aurigraphv1.AlertRule, error) {
	st, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*aurigraphv1.AlertRule, 0, len(st.GetRules()))
	for _, r := range st.GetRules() {
		out = append(out, redactRule(r))
	}
	return out, nil
}

// History limits.
const (
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = MaxHistory
)

// History returns up to limit transitions with an id above after, of rule
// ruleID (every rule when empty), oldest first.
func (s *Service) History(ctx context.Context, ruleID string, after uint64, limit int) ([]*aurigraphv1.AlertTransition, error) {
	switch {
	case limit == 0:
		limit = DefaultHistoryLimit
	case limit < 0 || limit > MaxHistoryLimit:
		return nil, invalid("limit", "is %d; use 1 to %d", limit, MaxHistoryLimit)
	}
	if ruleID != "" && !ValidRuleID(ruleID) {
		return nil, invalid("rule_id", "%q is not a rule id (16 hex digits)", ruleID)
	}
	st, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	var out []*aurigraphv1.AlertTransition
	for _, t := range st.GetHistory() {
		if t.GetId() <= after || (ruleID != "" && t.GetRuleId() != ruleID) {
			continue
		}
		if len(out) == limit {
			break
		}
		t.WebhookUrl, t.WebhookSecret = "", ""
		out = append(out, t)
	}
	return out, nil
}

// redactRule drops what is never read back.
func redactRule(r *aurigraphv1.AlertRule) *aurigraphv1.AlertRule {
	r = proto.Clone(r).(*aurigraphv1.AlertRule)
	r.WebhookSecretSet = r.GetWebhookSecret() != ""
	r.WebhookSecret = ""
	return r
}
