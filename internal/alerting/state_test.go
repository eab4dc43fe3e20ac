package alerting

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const idA, idB = "00000000000000aa", "00000000000000bb"

func ruleFor(id string) *aurigraphv1.AlertRule {
	return &aurigraphv1.AlertRule{Id: id, Metric: MetricTPS, Condition: "<", Threshold: 1, WindowMs: 1000, WebhookUrl: "https://h.example/x", WebhookSecret: "k"}
}

func transition(id string, firing bool, expect uint64) *aurigraphv1.AlertEntry {
	return &aurigraphv1.AlertEntry{Transition: &aurigraphv1.AlertTransition{RuleId: id, Firing: firing, Value: 0.5}, ExpectLast: expect}
}

// TestStateApply applies sequences of entries and checks what each does:
// transitions apply once, in order, fenced by the transition they follow.
func TestStateApply(t *testing.T) {
	create := &aurigraphv1.AlertEntry{PutRule: ruleFor(idA), Create: true}
	for _, tc := range []struct {
		name    string
		entries []*aurigraphv1.AlertEntry
		// want is the error of the last entry, nil for none.
		want  error
		check func(t *testing.T, s *State)
	}{
		{name: "create", entries: []*aurigraphv1.AlertEntry{create}, check: func(t *testing.T, s *State) {
			r := s.Proto().GetRules()[0]
			if r.GetId() != idA || r.GetCreatedMs() != 100 || r.GetFiring() {
				t.Errorf("rule %v", r)
			}
		}},
		{name: "create twice", entries: []*aurigraphv1.AlertEntry{create, create}, want: ErrInvalid},
		{name: "create with a bad id", entries: []*aurigraphv1.AlertEntry{{PutRule: ruleFor("r1"), Create: true}}, want: ErrInvalid},
		{name: "create a bad rule", entries: []*aurigraphv1.AlertEntry{{PutRule: &aurigraphv1.AlertRule{Id: idA, Metric: "x"}, Create: true}}, want: ErrInvalid},
		{name: "update unknown", entries: []*aurigraphv1.AlertEntry{{PutRule: ruleFor(idB)}}, want: ErrNotFound},
		{name: "delete unknown", entries: []*aurigraphv1.AlertEntry{{DeleteRule: idB}}, want: ErrNotFound},
		{name: "empty entry", entries: []*aurigraphv1.AlertEntry{{}}, want: ErrInvalid},
		{name: "fire and resolve", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), transition(idA, false, 1)}, check: func(t *testing.T, s *State) {
			st := s.Proto()
			if h := st.GetHistory(); len(h) != 2 || h[0].GetId() != 1 || h[1].GetId() != 2 || !h[0].GetFiring() || h[1].GetFiring() || h[0].GetDelivery() != DeliveryPending {
				t.Errorf("history %v", h)
			}
			if r := st.GetRules()[0]; r.GetFiring() || r.GetLastTransition() != 2 {
				t.Errorf("rule %v", r)
			}
		}},
		{name: "duplicate transition", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), transition(idA, true, 0)}, want: ErrStale},
		{name: "deposed leader's transition", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), transition(idA, false, 1), transition(idA, false, 1)}, want: ErrStale},
		{name: "same state", entries: []*aurigraphv1.AlertEntry{create, transition(idA, false, 0)}, want: ErrStale},
		{name: "transition of a deleted rule", entries: []*aurigraphv1.AlertEntry{create, {DeleteRule: idA}, transition(idA, true, 0)}, want: ErrStale},
		{name: "update keeps state and secret", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), {PutRule: &aurigraphv1.AlertRule{Id: idA, Metric: MetricFailedRatio, Condition: ">", Threshold: 0.5, WindowMs: 2000, WebhookUrl: "https://h.example/x"}}}, check: func(t *testing.T, s *State) {
			r := s.Proto().GetRules()[0]
			if !r.GetFiring() || r.GetLastTransition() != 1 || r.GetMetric() != MetricFailedRatio || r.GetWebhookSecret() != "k" || r.GetCreatedMs() != 100 {
				t.Errorf("rule %v", r)
			}
		}},
		{name: "delivered", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), {DeliveredId: 1, Delivery: DeliveryDelivered}}, check: func(t *testing.T, s *State) {
			if d := s.Proto().GetHistory()[0].GetDelivery(); d != DeliveryDelivered {
				t.Errorf("delivery %q", d)
			}
		}},
		{name: "delivered twice", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), {DeliveredId: 1, Delivery: DeliveryDelivered}, {DeliveredId: 1, Delivery: DeliveryFailed}}, want: ErrStale},
		{name: "delivered unknown", entries: []*aurigraphv1.AlertEntry{{DeliveredId: 7, Delivery: DeliveryDelivered}}, want: ErrStale},
		{name: "bad outcome", entries: []*aurigraphv1.AlertEntry{create, transition(idA, true, 0), {DeliveredId: 1, Delivery: "maybe"}}, want: ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewState()
			var err error
			for i, e := range tc.entries {
				before := s.Proto()
				_, err = s.Apply(e, 100+int64(i))
				if err != nil && !proto.Equal(before, s.Proto()) {
					t.Fatalf("entry %d refused (%v) but changed the state", i, err)
				}
				if err != nil && i < len(tc.entries)-1 {
					t.Fatalf("entry %d: %v", i, err)
				}
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("last entry: %v, want %v", err, tc.want)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
			// A snapshot restores the same state.
			if !proto.Equal(Restore(s.Proto()).Proto(), s.Proto()) {
				t.Error("Restore(Proto()) differs")
			}
		})
	}
}

// TestStateBounds checks the documented limits: MaxRules rules, and the
// last MaxHistory transitions.
func TestStateBounds(t *testing.T) {
	s := NewState()
	for i := range MaxRules + 1 {
		id := strings.Repeat("0", 12) + hex4(i)
		_, err := s.Apply(&aurigraphv1.AlertEntry{PutRule: ruleFor(id), Create: true}, 1)
		if i < MaxRules && err != nil {
			t.Fatal(err)
		}
		if i == MaxRules && !errors.Is(err, ErrTooMany) {
			t.Fatalf("rule %d: %v, want ErrTooMany", i+1, err)
		}
	}
	id := strings.Repeat("0", 12) + hex4(0)
	for i := range MaxHistory + 10 {
		if _, err := s.Apply(transition(id, i%2 == 0, uint64(i)), 1); err != nil {
			t.Fatal(err)
		}
	}
	h := s.Proto().GetHistory()
	if len(h) != MaxHistory || h[0].GetId() != 11 || h[len(h)-1].GetId() != MaxHistory+10 {
		t.Fatalf("history holds %d, ids %d..%d", len(h), h[0].GetId(), h[len(h)-1].GetId())
	}
}

func hex4(i int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[i>>12&15], digits[i>>8&15], digits[i>>4&15], digits[i&15]})
}
