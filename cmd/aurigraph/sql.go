package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/analytics"
	"github.com/aurigraph/aurigraph/analytics/export"
	"github.com/aurigraph/aurigraph/projector"
)

// defaultAnalystDSN is the embedded engine of `aurigraph dev` on its default port.
const defaultAnalystDSN = "http://127.0.0.1:8123"

type queryFlags struct {
	clickhouse string
	format     string
	out        string
}

func (f *queryFlags) register(cmd *cobra.Command, defaultFormat string) {
	fl := cmd.Flags()
	fl.StringVar(&f.clickhouse, "clickhouse", defaultAnalystDSN, "ClickHouse holding the projection: http://host:8123 or clickhouse://host:9000 (read-only session)")
	fl.StringVar(&f.format, "format", defaultFormat, "csv, json, ndjson, arrow or parquet")
	fl.StringVar(&f.out, "out", "", "write to this file instead of standard output")
}

// run streams sql's result in the chosen format.
func (f *queryFlags) run(ctx context.Context, sql string) error {
	format, err := export.ParseFormat(f.format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	conn, err := projector.OpenClickHouse(readOnlyDSN(f.clickhouse))
	if err != nil {
		return fmt.Errorf("--clickhouse: %w", err)
	}
	defer conn.Close()
	var w io.Writer = os.Stdout
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer file.Close()
		w = file
	} else if format == export.Arrow || format == export.Parquet {
		if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return fmt.Errorf("--format %s is binary: give --out FILE or redirect standard output", format)
		}
	}
	n, err := export.Query(ctx, conn, w, format, sql)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: nothing listens at %s; start the pipeline (make run) or point --clickhouse at its ClickHouse", err, f.clickhouse)
	}
	if err != nil {
		return err
	}
	if f.out != "" {
		slog.Info("written", "rows", n, "file", f.out, "format", format)
	}
	return nil
}

func newSQLCommand() *cobra.Command {
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Run a read-only SQL query on the projection and print the result",
		Long: `Runs QUERY on ClickHouse in a read-only session and writes the rows as CSV
(with a header row) or --format json, ndjson, arrow or parquet. The tables
are aurigraph.blocks and aurigraph.transactions; see the README for sample
queries.`,
		Example: `  aurigraph sql "SELECT type, count() FROM aurigraph.transactions GROUP BY type"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), args[0])
		},
	}
	f.register(cmd, "csv")
	return cmd
}

func newExportCommand() *cobra.Command {
	var f queryFlags
	var table string
	var from, to uint64
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export blocks or transactions between two heights as CSV, JSON, Arrow or Parquet",
		Long: `Streams the rows of aurigraph.blocks or aurigraph.transactions with heights
--from-height to --to-height (inclusive), in chain order, from the
projection: a batch at a time, so exports of any size run in little memory.
Transactions have the columns of the API's transaction shape: id, type,
from, to, amount, asset, nonce, status, reason, height, index, submitted_ms,
block_timestamp.`,
		Example: `  aurigraph export --table transactions --from-height 1 --to-height 10000 --format parquet --out txs.parquet`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sql, err := analytics.TableSQL(projector.Database, table, from, to)
			if err != nil {
				return err
			}
			return f.run(cmd.Context(), sql)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&table, "table", "transactions", "blocks or transactions")
	fl.Uint64Var(&from, "from-height", 1, "first block")
	fl.Uint64Var(&to, "to-height", 0, "last block (required)")
	_ = cmd.MarkFlagRequired("to-height")
	f.register(cmd, "parquet")
	return cmd
}
