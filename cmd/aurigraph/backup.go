package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/atomicfile"
	"github.com/aurigraph/aurigraph/internal/backup"
	"github.com/aurigraph/aurigraph/internal/retry"
)

func newBackupCommand() *cobra.Command {
	var from, out, caFile, tokenFile string
	var validator uint64
	var timeout, retryFor time.Duration
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Take a backup of a running validator",
		Long: `Streams a backup from a running validator's admin API (GET
/api/v12/admin/backup, admin role) into --out: the validator's newest raft
snapshot (the state at one applied index, with the configuration of that
index) and every block up to the snapshot's height, with a manifest of
sha256 checksums. The validator applies on while it streams. The file is
written beside --out, synced, checked against its manifest and only then
renamed to --out. It holds the whole state: keep it as safe as the data
directory. It holds no private key.

A validator that cannot give a backup yet (before its first raft snapshot,
while it fetches blocks from peers, or while another backup of it streams)
answers 503; aurigraph backup asks again, backing off, for --retry-for.

Where the validator requires authentication, put an admin's bearer token or
API key in --token-file, or in the environment variable AURIGRAPH_TOKEN.

Restore it with aurigraph restore.`,
		Example: `  aurigraph backup --from https://node-2.example.com:8443 --ca /etc/aurigraph/http-ca.pem \
    --token-file /etc/aurigraph/admin.token --out /backups/node-2-$(date +%F).aurigraph-backup`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bases, err := parseNodeURLs(from)
			if err != nil {
				return err
			}
			if len(bases) != 1 {
				return errors.New("--from: give one validator's URL")
			}
			if out == "" {
				return errors.New("--out is required: the backup file to write")
			}
			token := os.Getenv("AURIGRAPH_TOKEN")
			if tokenFile != "" {
				raw, err := os.ReadFile(tokenFile)
				if err != nil {
					return fmt.Errorf("--token-file: %w", err)
				}
				token = strings.TrimSpace(string(raw))
			}
			// The whole transfer may take long; the timeout bounds the
			// wait for the validator's answer and each stall after it.
			hc, err := httpClientCA(caFile, 0)
			if err != nil {
				return err
			}
			url := bases[0] + "/admin/backup"
			if validator != 0 {
				url += "?validator=" + strconv.FormatUint(validator, 10)
			}
			start := time.Now()
			bo := retry.Backoff{Min: time.Second, Max: 10 * time.Second}
			var size int64
			var m *backup.Manifest
			for {
				size, m, err = downloadBackup(cmd, hc, url, token, out, timeout)
				left := retryFor - time.Since(start)
				if !errors.Is(err, errBackupUnavailable) || left <= 0 {
					break
				}
				wait := min(bo.Next(), left)
				fmt.Fprintf(cmd.ErrOrStderr(), "%v; asking again in %v\n", err, wait.Round(time.Millisecond))
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(wait):
				}
			}
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{
				"file": out, "bytes": size, "took_ms": time.Since(start).Milliseconds(), "manifest": m,
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "http://127.0.0.1:8080", "HTTP URL of the validator to back up (host:port means http://host:port/api/v12)")
	fl.StringVar(&out, "out", "", "backup file to write; replaced only once the new one is complete and checked")
	fl.StringVar(&caFile, "ca", "", "PEM CA bundle the validator's https certificate chains to (default: the system's)")
	fl.StringVar(&tokenFile, "token-file", "", "file holding an admin's bearer token or API key (default: $AURIGRAPH_TOKEN)")
	fl.Uint64Var(&validator, "validator", 0, "which validator of a process that runs several (aurigraph dev); default its first")
	fl.DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the validator's answer, and for each stall in the transfer")
	fl.DurationVar(&retryFor, "retry-for", 2*time.Minute, "how long to keep asking a validator that answers 503 (not ready to give a backup yet); 0 asks once")
	return cmd
}

// errBackupUnavailable marks a validator's 503: it cannot give a backup
// yet, and may once it took a snapshot, fetched its blocks or ended another
// backup.
var errBackupUnavailable = errors.New("the validator cannot give a backup yet")

// downloadBackup streams url into a file beside out, syncs it, checks it
// against its manifest and renames it to out; it returns the size and the
// manifest. A transfer that makes no progress for timeout is abandoned.
func downloadBackup(cmd *cobra.Command, hc *http.Client, url, token, out string, timeout time.Duration) (int64, *backup.Manifest, error) {
	if timeout <= 0 {
		return 0, nil, fmt.Errorf("--timeout %v: must be positive", timeout)
	}
	ctx, cancel := context.WithCancelCause(cmd.Context())
	defer cancel(nil)
	stalled := fmt.Errorf("no progress for %v (--timeout)", timeout)
	watchdog := time.AfterFunc(timeout, func() { cancel(stalled) })
	defer watchdog.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: %w", url, errors.Join(err, context.Cause(ctx)))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		err := fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
		if resp.StatusCode == http.StatusServiceUnavailable {
			err = fmt.Errorf("%w (%w)", err, errBackupUnavailable)
		}
		return 0, nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".partial-*")
	if err != nil {
		return 0, nil, err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, &progressReader{r: resp.Body, watchdog: watchdog, timeout: timeout})
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: after %d bytes: %w", url, n, errors.Join(err, context.Cause(ctx)))
	}
	watchdog.Stop()
	if err := tmp.Sync(); err != nil {
		return 0, nil, err
	}
	if err := tmp.Close(); err != nil {
		return 0, nil, err
	}
	f, err := os.Open(tmp.Name())
	if err != nil {
		return 0, nil, err
	}
	m, err := consensus.VerifyBackup(f)
	f.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("the backup from %s is incomplete or damaged; %s left as it was: %w", url, out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, nil, err
	}
	done = true
	return n, m, atomicfile.SyncDir(filepath.Dir(out))
}

// progressReader pushes the watchdog back on every read that brings data.
type progressReader struct {
	r        io.Reader
	watchdog *time.Timer
	timeout  time.Duration
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.watchdog.Reset(p.timeout)
	}
	return n, err
}

func newRestoreCommand() *cobra.Command {
	var opts consensus.RestoreOptions
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Fill a new validator's data directory from a backup",
		Long: `Fills --data from a backup that aurigraph backup wrote, for a new validator
that joins the cluster under --node-id and catches up from its peers.

It first reads the whole file and checks its format, every part's size and
sha256 against the manifest, writing nothing. Then it writes the blocks, a
new block-signing key and a raft log that starts at the backup's snapshot
into DATA/.restoring, loads the state as the validator will, verifies the
whole chain, and only then moves the files into --data, the raft log last.
A --data that holds anything but lost+found is refused unless --force,
which moves what it holds into DATA/.replaced-TIME/ rather than deleting it.

--node-id must be an id the cluster never used: a validator's raft log held
its votes and the entries it acknowledged, which the backup does not, and a
member that forgot them could help elect two leaders in one term. So the
restored validator is a new member, the lost one is removed:

  aurigraph cluster remove --id 3 --node $NODES
  aurigraph cluster add --id 6 --raft-address node-3.example.com:7001 --node $NODES
  aurigraph restore --from node-3.aurigraph-backup --data /var/lib/aurigraph-node --node-id 6
  aurigraph node --id 6 --join --peers 1=...,2=...,6=node-3.example.com:7001 --data /var/lib/aurigraph-node ...

The leader sends it the entries after the backup (or a newer snapshot),
and it fetches from its peers any block it then lacks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return errors.New("--from is required: the backup file")
			}
			start := time.Now()
			res, err := consensus.RestoreBackup(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{
				"data": opts.DataDir, "node_id": opts.NodeID, "replaced": res.Replaced,
				"verified": res.Verified, "took_ms": time.Since(start).Milliseconds(), "manifest": res.Manifest,
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.File, "from", "", "backup file, as aurigraph backup wrote it")
	fl.StringVar(&opts.DataDir, "data", "", "data directory of the restored validator: missing, or empty but for lost+found")
	fl.Uint64Var(&opts.NodeID, "node-id", 0, "the restored validator's id: one the cluster never used, added with aurigraph cluster add")
	fl.BoolVar(&opts.Force, "force", false, "restore into a --data that is not empty, moving what it holds into DATA/.replaced-TIME/")
	return cmd
}
