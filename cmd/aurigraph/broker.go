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
	var limitFlags brokerFlags
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker alone",
		Long: "Runs the embedded Kafka-protocol broker (persisted under --data) so the other\n" +
			"parts can run as separate processes against it, or producers such as kcat can use it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// This process serves no /metrics, so the limits count nowhere.
			cfg, err := limitFlags.config(broker.Config{
				Addr:    addr,
				DataDir: filepath.Join(dataDir, "broker"),
				Topics:  pipelineTopics(txPartitions),
				Logger:  slog.Default(),
			}, nil)
			if err != nil {
				return err
			}
			raiseFileLimit(slog.Default(), sumCaps(capOr(cfg.MaxConns, broker.DefaultMaxConns)))
			b, err := broker.Start(cmd.Context(), cfg)
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
	limitFlags.register(cmd.Flags())
	return cmd
}
