package engine

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// The engine authenticates every connection as the user "default", so what
// that user may do is what any statement may do. Its grants name what the
// projector needs to keep its tables (read, write, create, alter, drop) and
// nothing that reaches outside the engine: no SOURCES (the file, url,
// remote, mysql, postgresql, s3, hdfs, jdbc, odbc, azure, ... table
// functions and the engines behind them), no dictionaries, no SYSTEM, no
// access management, no introspection, no BACKUP. Reads additionally run with
// readonly, which the engine does not let a session lower.
const defaultUserGrants = "GRANT SHOW, SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, " +
	"DROP DATABASE, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE, KILL QUERY ON *.*"

// lockedSettings name a file, a directory or a URL the engine would open on
// a query's behalf (the embedded engine does not confine such paths to its
// own directories), or steer this package's own controls. No statement may
// change them.
var lockedSettings = []string{
	"format_schema",
	"format_schema_source",
	"format_schema_message_name",
	"format_template_resultset",
	"format_template_row",
	"output_format_schema",
	"input_format_record_errors_file_path",
	"format_avro_schema_registry_url",
	"rename_files_after_processing",
	"url_base",
	"os_thread_priority",
	// Each call is marked with it so that it can be found and killed.
	"log_comment",
}

// writeConfig writes the engine's configuration into dir and returns the
// path of its main file. root is the engine's own directory: every path the
// configuration names lies inside it.
func writeConfig(dir, root string, reads ReadLimits) (string, error) {
	users, err := usersXML(reads)
	if err != nil {
		return "", err
	}
	usersPath := filepath.Join(dir, "users.xml")
	if err := os.WriteFile(usersPath, users, 0o600); err != nil {
		return "", fmt.Errorf("clickhouse engine: write users configuration: %w", err)
	}
	type element struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	}
	elems := []element{
		{xml.Name{Local: "users_config"}, usersPath},
		{xml.Name{Local: "user_files_path"}, filepath.Join(root, "user_files") + "/"},
		{xml.Name{Local: "user_scripts_path"}, filepath.Join(root, "user_scripts") + "/"},
		{xml.Name{Local: "format_schema_path"}, filepath.Join(root, "format_schemas") + "/"},
		{xml.Name{Local: "top_level_domains_path"}, filepath.Join(root, "top_level_domains") + "/"},
		// Nothing is ever put there: no dictionary and no executable
		// function is defined from a file.
		{xml.Name{Local: "dictionaries_config"}, filepath.Join(root, "dictionaries", "*.xml")},
		{xml.Name{Local: "user_defined_executable_functions_config"}, filepath.Join(root, "functions", "*.xml")},
	}
	var b bytes.Buffer
	b.WriteString("<clickhouse>\n")
	enc := xml.NewEncoder(&b)
	enc.Indent("  ", "  ")
	for _, e := range elems {
		if err := enc.Encode(e); err != nil {
			return "", fmt.Errorf("clickhouse engine: render configuration: %w", err)
		}
	}
	b.WriteString("\n</clickhouse>\n")
	path := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("clickhouse engine: write configuration: %w", err)
	}
	return path, nil
}

// constraint bounds one setting for every statement; the values a session
// starts with are this package's and are not checked against it.
type constraint struct {
	name     string
	min, max string
	locked   bool
}

func constraints(reads ReadLimits) []constraint {
	c := []constraint{
		{name: "max_memory_usage", min: "1", max: strconv.FormatInt(reads.MaxMemory, 10)},
		{name: "max_temporary_data_on_disk_size_for_query", min: "1", max: strconv.FormatInt(reads.MaxMemory, 10)},
		// Allocations a thread makes below this size are not counted
		// against max_memory_usage; keep it at the engine's default.
		{name: "max_untracked_memory", max: strconv.Itoa(4 << 20)},
		{name: "max_rows_to_read", min: "1", max: strconv.FormatInt(reads.MaxRowsToRead, 10)},
		{name: "max_result_bytes", min: "1", max: strconv.FormatInt(reads.MaxResultBytes, 10)},
		{name: "max_threads", min: "1", max: strconv.Itoa(reads.MaxThreads)},
		// Writes and the health probe run at priority 1; a read may not
		// join them (0 would switch priorities off).
		{name: "priority", min: strconv.Itoa(readPriority)},
	}
	for _, name := range lockedSettings {
		c = append(c, constraint{name: name, locked: true})
	}
	return c
}

func usersXML(reads ReadLimits) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<clickhouse>\n  <profiles>\n    <default>\n      <constraints>\n")
	for _, c := range constraints(reads) {
		fmt.Fprintf(&b, "        <%s>", c.name)
		if c.locked {
			b.WriteString("<const/>")
		}
		if c.min != "" {
			fmt.Fprintf(&b, "<min>%s</min>", c.min)
		}
		if c.max != "" {
			fmt.Fprintf(&b, "<max>%s</max>", c.max)
		}
		fmt.Fprintf(&b, "</%s>\n", c.name)
	}
	b.WriteString("      </constraints>\n    </default>\n  </profiles>\n")
	b.WriteString("  <users>\n    <default>\n      <password></password>\n")
	b.WriteString("      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>\n")
	b.WriteString("      <profile>default</profile>\n      <quota>default</quota>\n")
	b.WriteString("      <grants><query>")
	if err := xml.EscapeText(&b, []byte(defaultUserGrants)); err != nil {
		return nil, err
	}
	b.WriteString("</query></grants>\n    </default>\n  </users>\n")
	b.WriteString("  <quotas><default></default></quotas>\n</clickhouse>\n")
	return b.Bytes(), nil
}
