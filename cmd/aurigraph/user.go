package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// newUserCommand manages a users file: the Kafka port's SASL users
// (--kafka-sasl-users) and the ClickHouse interface's named users
// (--clickhouse-users).
func newUserCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Add, list or remove named users in a users file (--kafka-sasl-users, --clickhouse-users)",
		Long: `Works on the users file itself. A user has a name, a role and, for its password,
SCRAM-SHA-256 and SCRAM-SHA-512 verifiers (salted, 8192 rounds of PBKDF2): the file
never holds a password. Running processes read the file again within a second of
it changing, so users added or removed take effect without a restart.`,
	}
	cmd.PersistentFlags().StringVar(&file, "file", "", "the users file (required)")
	_ = cmd.MarkPersistentFlagRequired("file")

	var name, role, passwordFile string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user, or set a user's password and role; the password comes from --password-file or standard input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return fmt.Errorf("--role: %w", err)
			}
			password, err := readPassword(cmd.InOrStdin(), passwordFile)
			if err != nil {
				return err
			}
			u, err := auth.NewUser(name, r, password)
			if err != nil {
				return err
			}
			users, err := auth.OpenUsers(file)
			if err != nil {
				return err
			}
			if err := users.Put(u); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "user %s (%s) written to %s\n", u.Name, u.Role, file)
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "the user's name, as clients log in with it")
	add.Flags().StringVar(&role, "role", "", "viewer, submitter, operator, validator or admin")
	add.Flags().StringVar(&passwordFile, "password-file", "", "read the password from this file (default: the first line of standard input)")
	_ = add.MarkFlagRequired("name")
	_ = add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "Print the users (names, roles, when made) as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			users, err := auth.OpenUsers(file)
			if err != nil {
				return err
			}
			type view struct {
				Name    string    `json:"name"`
				Role    auth.Role `json:"role"`
				Created time.Time `json:"created,omitzero"`
			}
			out := []view{}
			for _, u := range users.List() {
				out = append(out, view{u.Name, u.Role, u.Created})
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a user; running processes refuse it within a second",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			users, err := auth.OpenUsers(file)
			if err != nil {
				return err
			}
			return users.Remove(args[0])
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}

// readPassword reads the first line of path, or of in when path is empty.
func readPassword(in io.Reader, path string) (string, error) {
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer f.Close()
		in = f
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
