package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/consensus"
)

func newVerifyCommand() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check a stopped node's chain offline",
		Long: "Walks every block store under --data (a validator's own directory, or a dev data\n" +
			"directory holding validators/N/) exactly as GET /api/v12/chain/verify does: hash links,\n" +
			"header hashes, Merkle roots, signatures and duplicate transaction ids. Prints one JSON report per\n" +
			"store and exits non-zero when any chain is broken or the stores disagree on the tip.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			paths, err := blockStorePaths(dataDir)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			var broken []string
			tips := map[string]bool{}
			for _, path := range paths {
				report, tip, err := verifyStore(cmd, path)
				if err != nil {
					return err
				}
				tips[tip] = true
				if err := enc.Encode(struct {
					Store    string `json:"store"`
					LastHash string `json:"last_hash"`
					consensus.VerifyReport
				}{path, tip, report}); err != nil {
					return err
				}
				if !report.OK {
					broken = append(broken, path)
				}
			}
			if len(broken) > 0 {
				return fmt.Errorf("chain verification failed for %v", broken)
			}
			if len(tips) > 1 {
				return errors.New("stores verify individually but end at different blocks; a stopped follower may simply be behind")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./data", "a validator's data directory, or a dev data directory")
	return cmd
}

func verifyStore(cmd *cobra.Command, path string) (consensus.VerifyReport, string, error) {
	store, err := consensus.OpenBlockStoreReadOnly(path)
	if err != nil {
		return consensus.VerifyReport{}, "", err
	}
	defer store.Close()
	report, err := consensus.VerifyChain(cmd.Context(), store)
	if err != nil {
		return report, "", fmt.Errorf("verify %s: %w", path, err)
	}
	return report, fmt.Sprintf("%x", store.Stats().LastHash), nil
}

// blockStorePaths finds the block stores under dir: its own, or those of
// the validators a dev run keeps in dir/validators/N/.
func blockStorePaths(dir string) ([]string, error) {
	own := filepath.Join(dir, consensus.BlocksFile)
	if _, err := os.Stat(own); err == nil {
		return []string{own}, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "validators", "*", consensus.BlocksFile))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(filepath.Join(dir, "blocks.db")); err == nil {
			return nil, fmt.Errorf("%q holds the block store of an earlier version (blocks.db): start the validator once with this version, which migrates it, then verify", dir)
		}
		return nil, fmt.Errorf("no block store under %q: expected %s or validators/N/%s; pass the --data directory the node ran with",
			dir, consensus.BlocksFile, consensus.BlocksFile)
	}
	sort.Strings(paths)
	return paths, nil
}
