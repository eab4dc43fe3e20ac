package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Release builds stamp these with -ldflags "-X main.version=... -X
// main.commit=... -X main.buildDate=..." (make release, the Dockerfile),
// since a build from a tarball or a container context has no VCS data for
// the Go toolchain to record. Left empty, the build info fills them in.
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo says which build a binary is: what `aurigraph version` prints.
type buildInfo struct {
	Version string
	Commit  string
	// CommitTime is the commit's time as the toolchain recorded it
	// (vcs.time); BuildDate is only known when stamped.
	CommitTime string
	BuildDate  string
	// Modified is true when the tree had uncommitted changes (vcs.modified).
	Modified  bool
	GoVersion string
	Platform  string
}

// readBuildInfo merges the stamped variables over the toolchain's build info.
func readBuildInfo() buildInfo {
	b := buildInfo{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		b = fromBuildInfo(bi)
	}
	if version != "" {
		b.Version = version
	}
	if commit != "" {
		b.Commit = commit
	}
	if buildDate != "" {
		b.BuildDate = buildDate
	}
	return b
}

// fromBuildInfo reads what the Go toolchain recorded in the binary.
func fromBuildInfo(bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: "dev", GoVersion: bi.GoVersion, Platform: runtime.GOOS + "/" + runtime.GOARCH}
	// "(devel)" is what a build outside a VCS checkout reports.
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.CommitTime = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the text of `aurigraph version` and `aurigraph --version`.
func (b buildInfo) String() string {
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	c := or(b.Commit)
	if b.Modified {
		c += " (modified: built with uncommitted changes)"
	}
	return fmt.Sprintf("aurigraph %s\n  commit:      %s\n  commit time: %s\n  build date:  %s\n  go:          %s %s\n",
		b.Version, c, or(b.CommitTime), or(b.BuildDate), b.GoVersion, b.Platform)
}

// versionTemplate is String as a cobra version template, which is a
// text/template: a stamped value holding "{{" must print as itself.
func (b buildInfo) versionTemplate() string {
	return strings.ReplaceAll(b.String(), "{{", `{{"{{"}}`)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), readBuildInfo().String())
			return err
		},
	}
}
