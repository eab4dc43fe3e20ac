package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/projector"
)

func newProjectorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "projector",
		Short: "Maintain the ClickHouse projection",
	}
	var dsn string
	var from uint64
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Remove the projection from a height on, so it is projected again from the blocks topic",
		Long: `Deletes the rows of aurigraph.blocks and aurigraph.transactions from
--from on. The next projector to run (aurigraph dev, or the pipeline's
projector on restart) projects those heights again from aurigraph.blocks.v1,
exactly once. Stop the projector first. With the embedded engine of
aurigraph dev, use its --rebuild-projection-from flag instead: the engine
only runs inside dev.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := projector.New(projector.Config{Brokers: []string{"unused:9092"}, ClickHouse: dsn, Logger: slog.Default()})
			if err != nil {
				return err
			}
			defer p.Close()
			return p.Rebuild(cmd.Context(), from)
		},
	}
	rebuild.Flags().StringVar(&dsn, "clickhouse", defaultAnalystDSN, "ClickHouse holding the projection: http://host:8123 or clickhouse://host:9000")
	rebuild.Flags().Uint64Var(&from, "from", 1, "first height to project again")
	cmd.AddCommand(rebuild)
	return cmd
}
