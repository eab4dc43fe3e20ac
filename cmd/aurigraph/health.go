package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
	"github.com/aurigraph/aurigraph/projector"
)

type healthCheck struct {
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Data   map[string]any `json:"data,omitempty"`
}

type healthReport struct {
	Status string        `json:"status"`
	Checks []healthCheck `json:"checks"`
}

// healthHandler reports UP only when a leader is known and the engine
// answers; it answers 503 otherwise so load balancers and probes can act.
// proj and eng are nil where this process runs neither.
func healthHandler(nodes []*consensus.Node, proj *projector.Projector, eng *engine.Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		report := healthReport{Status: "UP"}
		add := func(c healthCheck) {
			if c.Status != "UP" {
				report.Status = "DOWN"
			}
			report.Checks = append(report.Checks, c)
		}

		st := nodes[0].Status()
		consensusCheck := healthCheck{Name: "consensus", Status: "UP", Data: map[string]any{
			"leader": st.Leader, "term": st.Term, "height": nodes[0].Blocks().Height(), "validators": len(nodes),
		}}
		if st.Leader == 0 {
			consensusCheck.Status = "DOWN"
			consensusCheck.Data["reason"] = "no leader elected"
		}
		add(consensusCheck)

		if proj != nil {
			height := nodes[0].Blocks().Height()
			add(healthCheck{Name: "projector", Status: "UP", Data: map[string]any{
				"projected_height": proj.Height(), "lag_blocks": height - min(height, proj.Height()),
			}})
		}

		if eng != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			c := healthCheck{Name: "clickhouse", Status: "UP"}
			if err := eng.Ping(ctx); err != nil {
				c.Status = "DOWN"
				c.Data = map[string]any{"error": err.Error()}
			}
			add(c)
		}

		w.Header().Set("Content-Type", "application/json")
		if report.Status != "UP" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(report)
	})
}
