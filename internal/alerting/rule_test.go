package alerting

import (
	"errors"
	"math"
	"strings"
	"testing"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.slack.com/services/T/B/X", false, true},
		{"http://example.com:8080/a?b=c", false, true},
		{"ftp://example.com/", false, false},
		{"example.com/x", false, false},
		{"https:///x", false, false},
		{"https://u:p@example.com/", false, false},
		{"https://example.com/#frag", false, false},
		{"http://127.0.0.1:9/", false, false},
		{"http://127.0.0.1:9/", true, true},
		{"http://localhost/", false, false},
		{"http://10.0.0.1/", false, false},
		{"http://192.168.1.1/", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://[::1]/", false, false},
		{"http://[fe80::1]/", false, false},
		{"http://0.0.0.0/", false, false},
		{"https://" + strings.Repeat("a", MaxURLLen) + ".com/", false, false},
		{"http://%zz/", false, false},
	} {
		err := CheckURL(tc.url, URLPolicy{AllowPrivate: tc.allowPrivate})
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("CheckURL(%q, private %v) = %v, want ok %v", tc.url, tc.allowPrivate, err, tc.ok)
		}
	}
}

func TestCheckRule(t *testing.T) {
	good := func() *aurigraphv1.AlertRule {
		return &aurigraphv1.AlertRule{Metric: MetricTPS, Condition: "<", Threshold: 10, WindowMs: 5000, ForMs: 1000}
	}
	for _, tc := range []struct {
		name  string
		mut   func(*aurigraphv1.AlertRule)
		field string // "" when valid
	}{
		{"valid", func(*aurigraphv1.AlertRule) {}, ""},
		{"every metric", func(r *aurigraphv1.AlertRule) { r.Metric = MetricCommitLatency }, ""},
		{"unknown metric", func(r *aurigraphv1.AlertRule) { r.Metric = "cpu" }, "metric"},
		{"projector lag", func(r *aurigraphv1.AlertRule) { r.Metric = MetricProjectorLag }, ""},
		{"condition", func(r *aurigraphv1.AlertRule) { r.Condition = "=" }, "condition"},
		{"NaN", func(r *aurigraphv1.AlertRule) { r.Threshold = math.NaN() }, "threshold"},
		{"infinite", func(r *aurigraphv1.AlertRule) { r.Threshold = math.Inf(-1) }, "threshold"},
		{"window short", func(r *aurigraphv1.AlertRule) { r.WindowMs = 999 }, "window_ms"},
		{"window long", func(r *aurigraphv1.AlertRule) { r.WindowMs = 3_600_001 }, "window_ms"},
		{"for negative", func(r *aurigraphv1.AlertRule) { r.ForMs = -1 }, "for_ms"},
		{"for long", func(r *aurigraphv1.AlertRule) { r.ForMs = 3_600_001 }, "for_ms"},
		{"name long", func(r *aurigraphv1.AlertRule) { r.Name = strings.Repeat("x", MaxNameLen+1) }, "name"},
		{"secret without url", func(r *aurigraphv1.AlertRule) { r.WebhookSecret = "k" }, "webhook_secret"},
		{"secret long", func(r *aurigraphv1.AlertRule) {
			r.WebhookUrl, r.WebhookSecret = "https://e.com/", strings.Repeat("k", MaxSecretLen+1)
		}, "webhook_secret"},
		{"url", func(r *aurigraphv1.AlertRule) { r.WebhookUrl = "gopher://e.com/" }, "webhook_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.mut(r)
			err := CheckRule(r, URLPolicy{})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("got %v, want a refusal naming %s", err, tc.field)
			}
		})
	}
}

// FuzzDecodeRule feeds request bodies to the REST decoder: it must never
// panic, and a rule it accepts must pass CheckRule and apply to a state.
func FuzzDecodeRule(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","metric":"tps","condition":"<","threshold":1,"window_ms":1000,"for_ms":0}`,
		`{"metric":"failed_ratio","condition":">=","threshold":0.5,"window_ms":60000,"for_ms":5000,"webhook_url":"https://h.example/x","webhook_secret":"k"}`,
		`{"metric":"tps","threshold":1e309}`,
		`{"metric":"tps","condition":"<","threshold":null}`,
		`[]`, `{`, ``, `{"x":1}`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeRule(strings.NewReader(string(body)))
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrTooLarge", err)
			}
			return
		}
		if err := CheckRule(r, URLPolicy{AllowPrivate: true}); err != nil {
			t.Fatalf("decoded rule fails CheckRule: %v", err)
		}
		r.Id = NewRuleID()
		if _, err := NewState().Apply(&aurigraphv1.AlertEntry{PutRule: r, Create: true}, 1); err != nil {
			t.Fatalf("decoded rule does not apply: %v", err)
		}
	})
}

// TestDecodeRuleRefusesTrailingData checks that nothing may follow the
// rule's object, a stray closing bracket or brace included.
func TestDecodeRuleRefusesTrailingData(t *testing.T) {
	const rule = `{"name":"a","metric":"tps","condition":"<","threshold":1,"window_ms":1000,"for_ms":0}`
	if _, err := DecodeRule(strings.NewReader(rule + " \n")); err != nil {
		t.Fatalf("a rule followed by white space: %v", err)
	}
	for _, tail := range []string{"]", "}", " {}", "x", "1"} {
		if _, err := DecodeRule(strings.NewReader(rule + tail)); !errors.Is(err, ErrInvalid) {
			t.Errorf("a rule followed by %q: got %v, want a refusal", tail, err)
		}
	}
}
