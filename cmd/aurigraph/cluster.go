package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/raftnode/raftgrpc"
)

func newClusterCommand() *cobra.Command {
	var nodes, caFile string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Show or change the validator set of a running cluster",
		Long: `Talks to the admin API (/api/v12/cluster/...) of running validators. Changes
must reach the Raft leader: the command tries each --node URL in turn until
the leader accepts, and prints the resulting membership as JSON.

To add a validator, register it first, then start it with --join:

  aurigraph cluster add --id 4 --raft-address 10.0.0.4:7001 \
                        --node http://10.0.0.1:8080,http://10.0.0.2:8080
  aurigraph node --id 4 --join --peers 1=10.0.0.1:7001,...,4=10.0.0.4:7001 ...

It joins as a learner and is promoted to voter once it has caught up, so the
cluster keeps its quorum while the new validator starts. Removing the leader
is allowed: it hands leadership over first, then stops.

Where the validators require authentication, put an admin's bearer token or
API key in the environment variable AURIGRAPH_TOKEN.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&nodes, "node", "http://127.0.0.1:8080", "HTTP URLs of validators to ask, comma separated (host:port means http://host:port/api/v12)")
	pf.DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for each validator")
	pf.StringVar(&caFile, "ca", "", "PEM CA bundle the validators' https certificates chain to (default: the system's)")
	client := func() (*clusterClient, error) {
		bases, err := parseNodeURLs(nodes)
		if err != nil {
			return nil, err
		}
		if timeout <= 0 {
			return nil, fmt.Errorf("--timeout %v: must be positive", timeout)
		}
		hc, err := httpClientCA(caFile, timeout)
		if err != nil {
			return nil, err
		}
		// The token comes from the environment, not a flag, so it shows in
		// neither the process list nor the shell history.
		return &clusterClient{bases: bases, http: hc, token: os.Getenv("AURIGRAPH_TOKEN")}, nil
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Print members, leader, term and (from the leader) replication progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			return c.run(cmd.Context(), cmd.OutOrStdout(), http.MethodGet, "/cluster/status", nil, false)
		},
	}

	var addID uint64
	var raftAddr string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a validator (then start it with aurigraph node --join)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := addMemberBody(addID, raftAddr)
			if err != nil {
				return err
			}
			c, err := client()
			if err != nil {
				return err
			}
			return c.run(cmd.Context(), cmd.OutOrStdout(), http.MethodPost, "/cluster/members", body, true)
		},
	}
	add.Flags().Uint64Var(&addID, "id", 0, "id of the new validator (unused so far, 1 or more)")
	add.Flags().StringVar(&raftAddr, "raft-address", "", "host:port the new validator's Raft transport listens on, as its peers will dial it")

	var removeID uint64
	remove := &cobra.Command{
		Use:   "remove",
		Short: "Remove a validator; it stops its Raft loop once it learns",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if removeID == 0 {
				return errors.New("--id is required: the id of the validator to remove")
			}
			c, err := client()
			if err != nil {
				return err
			}
			return c.run(cmd.Context(), cmd.OutOrStdout(), http.MethodDelete, "/cluster/members/"+strconv.FormatUint(removeID, 10), nil, true)
		},
	}
	remove.Flags().Uint64Var(&removeID, "id", 0, "id of the validator to remove")

	cmd.AddCommand(status, add, remove)
	return cmd
}

// addMemberBody checks the add flags and encodes the request.
func addMemberBody(id uint64, raftAddr string) ([]byte, error) {
	if id == 0 {
		return nil, errors.New("--id is required: the new validator's id, 1 or more")
	}
	if _, _, err := net.SplitHostPort(raftAddr); err != nil {
		return nil, fmt.Errorf("--raft-address %q: want host:port where the new validator's Raft transport listens", raftAddr)
	}
	return json.Marshal(map[string]any{"id": id, "raft_address": raftAddr})
}

// httpClientCA is an HTTP client that trusts the PEM CA bundle in caFile
// (--ca), or the system's roots when it is empty.
func httpClientCA(caFile string, timeout time.Duration) (*http.Client, error) {
	hc := &http.Client{Timeout: timeout}
	if caFile == "" {
		return hc, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca %s: no PEM certificate in it", caFile)
	}
	hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	return hc, nil
}

// parseNodeURLs turns --node into API base URLs. A bare host:port means
// http://host:port; a URL without a path gets /api/v12.
func parseNodeURLs(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		raw := part
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("--node %q: %w", part, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("--node %q: scheme %q; use http or https", part, u.Scheme)
		}
		if u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("--node %q: want http://host:port or http://host:port/api/v12", part)
		}
		if u.Path = strings.TrimRight(u.Path, "/"); u.Path == "" {
			u.Path = "/api/v12"
		}
		out = append(out, u.String())
	}
	if len(out) == 0 {
		return nil, errors.New("--node is empty: give at least one validator's HTTP URL")
	}
	return out, nil
}

type clusterClient struct {
	bases []string
	http  *http.Client
	token string
}

// run sends the request to each validator in turn and prints the first
// success. A leader-only request moves on when a validator says it is not
// the leader; an unreachable or failing validator is skipped either way. A
// refusal of the request itself (400, 404, 409) ends the attempt.
func (c *clusterClient) run(ctx context.Context, out io.Writer, method, path string, body []byte, leaderOnly bool) error {
	var errs []error
	var leader uint64
	for _, base := range c.bases {
		code, resp, err := c.do(ctx, method, base+path, body)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", base, err))
			continue
		}
		var e struct {
			Error  string `json:"error"`
			Leader uint64 `json:"leader"`
		}
		_ = json.Unmarshal(resp, &e)
		switch {
		case code == http.StatusOK:
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, resp, "", "  "); err != nil {
				return fmt.Errorf("%s answered with invalid JSON: %w", base, err)
			}
			pretty.WriteByte('\n')
			_, err := out.Write(pretty.Bytes())
			return err
		case code == http.StatusMisdirectedRequest && leaderOnly:
			leader = e.Leader
			errs = append(errs, fmt.Errorf("%s: not the leader", base))
		case code >= 500:
			errs = append(errs, fmt.Errorf("%s: HTTP %d: %s", base, code, e.Error))
		default:
			return fmt.Errorf("%s refused %s %s: HTTP %d: %s", base, method, path, code, e.Error)
		}
	}
	hint := "check that the validators run and --node lists their HTTP addresses"
	if leader != 0 {
		hint = fmt.Sprintf("the leader is validator %d: add its HTTP URL to --node", leader)
	} else if leaderOnly {
		hint = "no leader is known yet; retry once the cluster has elected one"
	}
	return fmt.Errorf("no validator accepted %s %s (%s): %w", method, path, hint, errors.Join(errs...))
}

func (c *clusterClient) do(ctx context.Context, method, u string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, b, nil
}

// peerTLS builds the Raft transport's TLS settings from the node flags:
// all three or none.
func peerTLS(cert, key, ca string) (*raftgrpc.TLSConfig, error) {
	if cert == "" && key == "" && ca == "" {
		return nil, nil
	}
	if cert == "" || key == "" || ca == "" {
		return nil, errors.New("--peer-cert, --peer-key and --peer-ca go together: give all three for mutual TLS between validators, or none")
	}
	return &raftgrpc.TLSConfig{CertFile: cert, KeyFile: key, CAFile: ca}, nil
}
