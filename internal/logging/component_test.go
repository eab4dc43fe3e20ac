package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestComponentsNest(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  func(*slog.Logger)
		want map[string]any
	}{
		{"one", func(l *slog.Logger) { l.With(Key, "projector").Info("m", "h", 1) },
			map[string]any{"component": "projector", "h": float64(1)}},
		{"nested", func(l *slog.Logger) { l.With(Key, "projector").With(Key, "blockfeed", "topic", "t").Info("m") },
			map[string]any{"component": "projector.blockfeed", "topic": "t"}},
		{"none", func(l *slog.Logger) { l.With("a", "b").Info("m") },
			map[string]any{"a": "b"}},
		{"group after", func(l *slog.Logger) { l.With(Key, "api").WithGroup("g").Info("m", "x", "y") },
			map[string]any{"component": "api", "g": map[string]any{"x": "y"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.log(slog.New(NestComponents(slog.NewJSONHandler(&buf, nil))))
			line := strings.TrimSpace(buf.String())
			if n := strings.Count(line, `"component"`); n > 1 {
				t.Fatalf("component written %d times: %s", n, line)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if gb, _ := json.Marshal(got[k]); string(gb) != mustJSON(v) {
					t.Errorf("%s = %s, want %s in %s", k, gb, mustJSON(v), line)
				}
			}
			if _, ok := tc.want["component"]; !ok && got["component"] != nil {
				t.Errorf("component %v, want none", got["component"])
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
