// Command aurigraph runs the Aurigraph V12 pipeline. Subcommands only wire
// the domain packages together; the behaviour lives in those packages.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := newRootCommand().ExecuteContext(ctx); err != nil {
		exitError(os.Stderr, err)
		os.Exit(1)
	}
}

// exitError writes why the process stops: a line for people, or, when the
// process logs JSON, a JSON record like its other lines, so that a log
// collector parses the last line too.
func exitError(w io.Writer, err error) {
	if _, ok := logging.Base(slog.Default().Handler()).(*slog.JSONHandler); ok {
		slog.New(slog.NewJSONHandler(w, nil)).Error("aurigraph stopped", "err", err)
		return
	}
	fmt.Fprintln(w, "aurigraph:", err)
}

func newRootCommand() *cobra.Command {
	var logLevel, logFormat string
	info := readBuildInfo()
	root := &cobra.Command{
		Use:           "aurigraph",
		Short:         "Aurigraph V12: an event-sourced, Raft-ordered transaction pipeline",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       info.Version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(os.Stderr, logLevel, logFormat)
			if err != nil {
				return err
			}
			slog.SetDefault(logger)
			return nil
		},
	}
	// --version prints what the version subcommand prints.
	root.SetVersionTemplate(info.versionTemplate())
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(newDevCommand(), newNodeCommand(), newBrokerCommand(), newVerifyCommand(), newClusterCommand(), newBackupCommand(), newRestoreCommand(), newBenchCommand(), newGatewayCommand(), newSQLCommand(), newExportCommand(), newProjectorCommand(), newVersionCommand(), newHealthCommand(), newKeygenCommand(), newSignCommand(), newAPIKeyCommand(), newUserCommand())
	return root
}

// newLogger makes the process's logger, writing to w.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(logging.NestComponents(slog.NewTextHandler(w, opts))), nil
	case "json":
		return slog.New(logging.NestComponents(slog.NewJSONHandler(w, opts))), nil
	default:
		return nil, fmt.Errorf("--log-format %q: use text or json", format)
	}
}
