package main

import (
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/internal/audit"
)

func newBrokerCommand() *cobra.Command {
	var addr, dataDir string
	var txPartitions int32
	var limitFlags brokerFlags
	var security brokerSecurityFlags
	var retention brokerRetentionFlags
	var insecure bool
	var auditFile string
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker alone",
		Long: "Runs the embedded Kafka-protocol broker (persisted under --data) so the other\n" +
			"parts can run as separate processes against it, or producers such as kcat can use it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := retention.validate(); err != nil {
				return err
			}
			sec, err := security.build(addr, insecure, slog.Default())
			if err != nil {
				return err
			}
			// This process serves no /metrics: the limits and the audit
			// events count nowhere, but are logged.
			auditLog, closeAudit, err := accessFlags{auditLog: auditFile}.openAudit(slog.Default())
			if err != nil {
				return err
			}
			defer closeAudit()
			al, err := audit.New(auditLog, nil)
			if err != nil {
				return err
			}
			cfg, err := limitFlags.config(sec.config(broker.Config{
				Addr:    addr,
				DataDir: filepath.Join(dataDir, "broker"),
				Topics:  pipelineTopics(txPartitions),
				Logger:  slog.Default(),
			}, al), nil)
			if err != nil {
				return err
			}
			raiseFileLimit(slog.Default(), sumCaps(capOr(cfg.MaxConns, broker.DefaultMaxConns)))
			b, err := broker.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := retention.retainStandalone(cmd.Context(), b, slog.Default()); err != nil {
				return err
			}
			<-cmd.Context().Done()
			slog.Info("shutting down broker")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "kafka", "127.0.0.1:9092", "address the broker listens on")
	cmd.Flags().StringVar(&dataDir, "data", "./data", "data directory (the broker writes under DIR/broker)")
	cmd.Flags().Int32Var(&txPartitions, "tx-partitions", 6, "partitions of the transaction topic when it is created")
	limitFlags.register(cmd.Flags())
	security.register(cmd.Flags())
	retention.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&insecure, "insecure", false, "start even when --kafka is beyond loopback without --kafka-sasl-users or TLS (logged as a warning at every start)")
	cmd.Flags().StringVar(&auditFile, "audit-log", "", "append audit events (failed authentications) as JSON lines to this file (default: standard error, tagged log=audit)")
	return cmd
}
