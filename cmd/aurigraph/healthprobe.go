package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// maxProbeBody bounds what the probe reads of a health answer: a few checks'
// JSON is far smaller, and the answer may come from anything at that address.
const maxProbeBody = 1 << 20

func newHealthCommand() *cobra.Command {
	var target, caFile string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Ask a running process's health endpoint; exit status 0 only when it answers UP",
		Long: `GETs --url and prints the answer. The exit status is 0 when it answers 200 (every
check UP) and 1 otherwise, so that container health checks and scripts need no
HTTP client of their own:

  HEALTHCHECK CMD ["aurigraph", "health"]
  aurigraph health --url https://node-1.example.com:8443/q/health/ready --ca ca.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := url.Parse(target)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("--url %q: want http(s)://host:port/q/health (or /q/health/live, /q/health/ready)", target)
			}
			if timeout <= 0 {
				return fmt.Errorf("--timeout %v: must be positive", timeout)
			}
			hc, err := httpClientCA(caFile, timeout)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u.String(), nil)
			if err != nil {
				return fmt.Errorf("--url %q: %w", target, err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				return fmt.Errorf("health of %s: %w", u.Redacted(), err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
			if err != nil {
				return fmt.Errorf("health of %s: read answer: %w", u.Redacted(), err)
			}
			if _, err := cmd.OutOrStdout().Write(body); err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("health of %s: %s", u.Redacted(), resp.Status)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "url", "http://127.0.0.1:8080/q/health", "health endpoint to ask: /q/health, /q/health/live or /q/health/ready of a dev, node or gateway")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer")
	cmd.Flags().StringVar(&caFile, "ca", "", "PEM CA bundle an https endpoint's certificate chains to (default: the system's)")
	return cmd
}
