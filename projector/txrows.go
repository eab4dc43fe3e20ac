package projector

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TxRows holds blocks' transactions as rows of aurigraph.transactions,
// column by column, the way the projector builds them for an insert.
type TxRows struct{ cols txColumns }

// Add appends the transactions of b. Each result must hold its
// transaction and a committed or failed status, as in every block the
// projector projects.
func (r *TxRows) Add(b *aurigraphv1.Block) error {
	if err := checkProjectable(&aurigraphv1.BlockEvent{Block: b}); err != nil {
		return err
	}
	r.cols.add(b)
	return nil
}

// Len is the number of rows.
func (r *TxRows) Len() int { return r.cols.len() }

// tableName is database.table in plain identifiers, safe to put in SQL.
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$`)

// InsertTxRows writes rows into table (database.table), which must have
// the columns of aurigraph.transactions, in one insert through conn: the
// projector's own insert, without its retries and deduplication token.
func InsertTxRows(ctx context.Context, conn driver.Conn, table string, rows *TxRows) error {
	if !tableName.MatchString(table) {
		return fmt.Errorf("insert into %q: name the table as database.table, in letters, digits and underscores", table)
	}
	stmt := strings.Replace(insertTransactions, Database+".transactions", table, 1)
	if err := insertColumns(ctx, conn, stmt, rows.cols.values()); err != nil {
		return fmt.Errorf("insert %d rows into %s: %w", rows.Len(), table, err)
	}
	return nil
}
