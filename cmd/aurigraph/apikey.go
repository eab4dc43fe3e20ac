package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/auth"
)

// newAPIKeyCommand manages an API key file directly: how the first admin
// key comes to exist, before anyone can authenticate to create one over
// the API.
func newAPIKeyCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "api-key",
		Short: "Create, list or revoke API keys in a key file (--api-keys of dev, node and gateway)",
		Long: `Works on the key file itself, with the rights of whoever can write it: this is how
the first admin key is made. Running processes read the file again within a second
of it changing. Later keys are better made by an admin over the API
(POST /api/v12/auth/keys or AuthService.CreateKey), which audits who made them.`,
	}
	cmd.PersistentFlags().StringVar(&file, "file", "", "the key file (required)")
	_ = cmd.MarkPersistentFlagRequired("file")

	var name, role, org string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Make a key and print it; it is shown this once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return fmt.Errorf("--role: %w", err)
			}
			ks, err := auth.OpenKeyStore(file)
			if err != nil {
				return err
			}
			k, secret, err := ks.Create(auth.NewKey{Name: name, Role: r, Organisation: org, Lifetime: expires, CreatedBy: "cli"}, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "api key %s (%s, %s) expires %s; store it now, it cannot be shown again\n", k.ID, k.Name, k.Role, k.Expires.Format(time.RFC3339))
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the key is for, e.g. producer-1")
	create.Flags().StringVar(&role, "role", "", "viewer, submitter, operator, validator or admin")
	create.Flags().StringVar(&org, "organisation", "", "the organisation the key acts for (see --tenants)")
	create.Flags().DurationVar(&expires, "expires-in", auth.DefaultKeyLifetime, "lifetime of the key")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "Print the stored keys (without secrets) as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := auth.OpenKeyStore(file)
			if err != nil {
				return err
			}
			views := []access.KeyView{}
			for _, k := range ks.List() {
				views = append(views, access.KeyViewOf(k))
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(views)
		},
	}
	var id string
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Delete a key; it stops working everywhere the file reaches",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := auth.OpenKeyStore(file)
			if err != nil {
				return err
			}
			k, err := ks.Revoke(id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (%s)\n", k.ID, k.Name)
			return nil
		},
	}
	revoke.Flags().StringVar(&id, "id", "", "id of the key (api-key list)")
	_ = revoke.MarkFlagRequired("id")
	cmd.AddCommand(create, list, revoke)
	return cmd
}
