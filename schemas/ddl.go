package schemas

import "embed"

// ClickHouseMigrations holds the versioned ClickHouse DDL, one file per
// migration named NNNN_description.sql, applied in file-name order by the
// projector. Embedding keeps the binary and the schema it writes in lockstep.
//
//go:embed clickhouse/*.sql
var ClickHouseMigrations embed.FS
