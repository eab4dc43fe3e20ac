package main

import (
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/ingest/broker"
)

func newBrokerCommand() *cobra.Command {
	var addr, dataDir string
	var txPartitions int32
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker alone",
		Long: "Runs the embedded Kafka-protocol broker (persisted under --data) so the other\n" +
			"parts can run as separate processes against it, or producers such as kcat can use it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := broker.Start(cmd.Context(), broker.Config{
				Addr:    addr,
				DataDir: filepath.Join(dataDir, "broker"),
				Topics:  pipelineTopics(txPartitions),
				Logger:  slog.Default(),
			})
			if err != nil {
				return err
			}
			defer b.Close()
			<-cmd.Context().Done()
			slog.Info("shutting down broker")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "kafka", "127.0.0.1:9092", "address the broker listens on")
	cmd.Flags().StringVar(&dataDir, "data", "./data", "data directory (the broker writes under DIR/broker)")
	cmd.Flags().Int32Var(&txPartitions, "tx-partitions", 6, "partitions of the transaction topic when it is created")
	return cmd
}
