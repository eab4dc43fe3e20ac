package projector

import (
	"context"
	"fmt"
	"slices"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Migrations written in Go, for changes SQL cannot make safe to run twice.
// Their versions share the numbering of the embedded DDL files.
var goMigrations = []migration{
	{version: 4, name: "0004_transactions_by_day", apply: partitionTransactionsByDay},
}

const (
	monthPartitions = "toYYYYMM(block_time)"
	dayPartitions   = "toYYYYMMDD(block_time)"
	// transactionsTwin holds the copy being built, and after the exchange
	// the old table until it is dropped.
	transactionsTwin = "transactions_by_day"
)

// partitionTransactionsByDay moves aurigraph.transactions from month to day
// partitions, so that retention and analysts' range scans touch days, not
// months. ClickHouse cannot change a table's partition key in place, so the
// rows are copied into a day-partitioned twin that then takes the table's
// name by an atomic EXCHANGE. Views select from the table by name and so
// follow it; the step checks that they did.
//
// Each step is decided by what the tables hold, not by where a previous run
// stopped, so a run cut short anywhere is finished by the next. It relies on
// nothing writing the table meanwhile, which holds because the projector
// migrates before it consumes and one projector writes a ClickHouse.
func partitionTransactionsByDay(ctx context.Context, conn driver.Conn) error {
	key, ok, err := partitionKey(ctx, conn, "transactions")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s.transactions does not exist; migration 0001 creates it", Database)
	}
	switch key {
	case dayPartitions:
	case monthPartitions:
		if err := copyIntoDayTwin(ctx, conn); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s.transactions is partitioned by %q, neither by month nor by day; repartition it by hand", Database, key)
	}
	return dropOldTransactions(ctx, conn)
}

func copyIntoDayTwin(ctx context.Context, conn driver.Conn) error {
	stmts := []string{
		// A twin left by a run cut short holds part of a copy.
		fmt.Sprintf("DROP TABLE IF EXISTS %s.%s SYNC", Database, transactionsTwin),
		// AS keeps the columns and the skip index as they are now, whatever
		// later migrations added.
		fmt.Sprintf(`CREATE TABLE %[1]s.%[2]s AS %[1]s.transactions
ENGINE = ReplacingMergeTree PARTITION BY %[3]s ORDER BY (height, idx)
SETTINGS non_replicated_deduplication_window = 1000`, Database, transactionsTwin, dayPartitions),
		fmt.Sprintf("INSERT INTO %[1]s.%[2]s SELECT * FROM %[1]s.transactions", Database, transactionsTwin),
	}
	for _, stmt := range stmts {
		if err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("repartition transactions by day: %s: %w", stmt, err)
		}
	}
	if err := sameRowCount(ctx, conn, "transactions", transactionsTwin); err != nil {
		return fmt.Errorf("repartition transactions by day: the copy is incomplete, the table is unchanged: %w", err)
	}
	stmt := fmt.Sprintf("EXCHANGE TABLES %[1]s.transactions AND %[1]s.%[2]s", Database, transactionsTwin)
	if err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("repartition transactions by day: %s: %w", stmt, err)
	}
	return nil
}

// dropOldTransactions drops the month-partitioned table the exchange left
// under the twin's name, once the new table holds all of its rows and every
// view reads the new one.
func dropOldTransactions(ctx context.Context, conn driver.Conn) error {
	key, ok, err := partitionKey(ctx, conn, transactionsTwin)
	if err != nil || !ok {
		return err
	}
	keep := fmt.Sprintf("%s.%s (the old table) is kept for inspection", Database, transactionsTwin)
	if key != monthPartitions {
		return fmt.Errorf("repartition transactions by day: %s.%s is partitioned by %q, not by month, so it is not the old table; %s", Database, transactionsTwin, key, keep)
	}
	if err := sameRowCount(ctx, conn, "transactions", transactionsTwin); err != nil {
		return fmt.Errorf("repartition transactions by day: %w; %s", err, keep)
	}
	oldViews, err := dependentViews(ctx, conn, transactionsTwin)
	if err != nil {
		return err
	}
	if len(oldViews) > 0 {
		return fmt.Errorf("repartition transactions by day: views %v still read the old table; %s", oldViews, keep)
	}
	stmt := fmt.Sprintf("DROP TABLE %s.%s SYNC", Database, transactionsTwin)
	if err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("repartition transactions by day: %s: %w", stmt, err)
	}
	return nil
}

// partitionKey reports table's partition key expression, and whether the
// table exists.
func partitionKey(ctx context.Context, conn driver.Conn, table string) (string, bool, error) {
	rows, err := conn.Query(ctx, "SELECT partition_key FROM system.tables WHERE database = ? AND name = ?", Database, table)
	if err != nil {
		return "", false, fmt.Errorf("read the partition key of %s.%s: %w", Database, table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return "", false, rows.Err()
	}
	var key string
	if err := rows.Scan(&key); err != nil {
		return "", false, fmt.Errorf("read the partition key of %s.%s: %w", Database, table, err)
	}
	return key, true, nil
}

func sameRowCount(ctx context.Context, conn driver.Conn, a, b string) error {
	var na, nb uint64
	q := fmt.Sprintf("SELECT (SELECT count() FROM %[1]s.%[2]s), (SELECT count() FROM %[1]s.%[3]s)", Database, a, b)
	if err := conn.QueryRow(ctx, q).Scan(&na, &nb); err != nil {
		return fmt.Errorf("count rows of %s.%s and %s.%s: %w", Database, a, Database, b, err)
	}
	if na != nb {
		return fmt.Errorf("%s.%s holds %d rows and %s.%s %d", Database, a, na, Database, b, nb)
	}
	return nil
}

func dependentViews(ctx context.Context, conn driver.Conn, table string) ([]string, error) {
	var views []string
	q := "SELECT dependencies_table FROM system.tables WHERE database = ? AND name = ?"
	if err := conn.QueryRow(ctx, q, Database, table).Scan(&views); err != nil {
		return nil, fmt.Errorf("read the views of %s.%s: %w", Database, table, err)
	}
	slices.Sort(views)
	return views, nil
}
