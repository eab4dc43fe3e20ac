package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aurigraph/aurigraph/analytics/export"
	"github.com/aurigraph/aurigraph/schemas"
)

// MaxPage bounds one page of blocks or of an account's or asset's
// transactions.
const MaxPage = 500

// NativeAsset is the name balances give the native asset, which
// transactions carry as an empty asset.
const NativeAsset = "AUR"

// BlockFilter chooses blocks for Blocks. Zero fields do not filter.
type BlockFilter struct {
	// From and To bound the block timestamp: [From, To).
	From, To time.Time
	// Proposer is the validator that proposed the block.
	Proposer uint64
	// MinTxs and MaxTxs bound the transaction count; MaxTxs 0 is no bound.
	MinTxs, MaxTxs uint64
	// Before pages: only heights below it.
	Before uint64
	// Limit is the page size, 1 to MaxPage.
	Limit int
}

// BlockRow is a block header as the projection holds it.
type BlockRow struct {
	Height      uint64    `json:"height"`
	Hash        string    `json:"hash"`
	PrevHash    string    `json:"prev_hash"`
	TxRoot      string    `json:"tx_root"`
	Timestamp   time.Time `json:"timestamp"`
	Proposer    uint64    `json:"proposer"`
	RaftTerm    uint64    `json:"raft_term"`
	TxCount     uint32    `json:"tx_count"`
	FailedCount uint32    `json:"failed_count"`
}

// BlockPage is a page of blocks, newest first. NextBefore continues the
// listing (as BlockFilter.Before); 0 when this page is the last.
type BlockPage struct {
	Blocks     []BlockRow `json:"blocks"`
	NextBefore uint64     `json:"next_before"`
}

// Blocks lists the projected blocks that pass f, newest first.
func (s *Service) Blocks(ctx context.Context, f BlockFilter) (BlockPage, error) {
	if f.Limit < 1 || f.Limit > MaxPage {
		return BlockPage{}, fmt.Errorf("%w: limit %d: use 1 to %d", ErrBadRequest, f.Limit, MaxPage)
	}
	var where []string
	if !f.From.IsZero() {
		where = append(where, fmt.Sprintf("timestamp >= fromUnixTimestamp64Milli(%d)", f.From.UnixMilli()))
	}
	if !f.To.IsZero() {
		where = append(where, fmt.Sprintf("timestamp < fromUnixTimestamp64Milli(%d)", f.To.UnixMilli()))
	}
	if f.Proposer != 0 {
		where = append(where, fmt.Sprintf("proposer = %d", f.Proposer))
	}
	if f.MinTxs != 0 {
		where = append(where, fmt.Sprintf("tx_count >= %d", f.MinTxs))
	}
	if f.MaxTxs != 0 {
		if f.MaxTxs < f.MinTxs {
			return BlockPage{}, fmt.Errorf("%w: max_txs %d is below min_txs %d", ErrBadRequest, f.MaxTxs, f.MinTxs)
		}
		where = append(where, fmt.Sprintf("tx_count <= %d", f.MaxTxs))
	}
	if f.Before != 0 {
		where = append(where, fmt.Sprintf("height < %d", f.Before))
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	// One more than asked tells whether another page follows.
	sql := fmt.Sprintf(`SELECT height, hash, prev_hash, tx_root, timestamp, proposer, raft_term, tx_count, failed_count
		FROM %s.blocks FINAL %s ORDER BY height DESC LIMIT %d`, s.database, cond, f.Limit+1)
	rows, err := queryAll(ctx, s.conn, "blocks", sql, func(rows driver.Rows) (BlockRow, error) {
		var b BlockRow
		err := rows.Scan(&b.Height, &b.Hash, &b.PrevHash, &b.TxRoot, &b.Timestamp, &b.Proposer, &b.RaftTerm, &b.TxCount, &b.FailedCount)
		b.Timestamp = b.Timestamp.UTC()
		return b, err
	})
	if err != nil {
		return BlockPage{}, err
	}
	page := BlockPage{Blocks: rows}
	if len(rows) > f.Limit {
		page.Blocks = rows[:f.Limit]
		page.NextBefore = page.Blocks[f.Limit-1].Height
	}
	return page, nil
}

// TxCursor is the position of a transaction in the chain, "H.I" in the API:
// pages of transactions continue before it.
type TxCursor struct {
	Height uint64
	Index  uint32
}

func (c TxCursor) String() string {
	if c.Height == 0 {
		return ""
	}
	return strconv.FormatUint(c.Height, 10) + "." + strconv.FormatUint(uint64(c.Index), 10)
}

// ParseTxCursor reads "H.I", or "H" for the position before every
// transaction of block H.
func ParseTxCursor(s string) (TxCursor, error) {
	if s == "" {
		return TxCursor{}, nil
	}
	hs, is, dotted := strings.Cut(s, ".")
	h, err := strconv.ParseUint(hs, 10, 64)
	if err != nil || h == 0 {
		return TxCursor{}, fmt.Errorf("%w: before=%q: use HEIGHT.INDEX as next_before gave it", ErrBadRequest, s)
	}
	c := TxCursor{Height: h}
	if dotted {
		i, err := strconv.ParseUint(is, 10, 32)
		if err != nil {
			return TxCursor{}, fmt.Errorf("%w: before=%q: use HEIGHT.INDEX as next_before gave it", ErrBadRequest, s)
		}
		c.Index = uint32(i)
	}
	return c, nil
}

// TxPage is a page of transactions, newest first. NextBefore continues it;
// empty when this page is the last.
type TxPage struct {
	Transactions []schemas.TxView `json:"transactions"`
	NextBefore   string           `json:"next_before"`
}

// AccountHistory lists the transactions that name address as sender or
// receiver, committed or failed, newest first, before the cursor.
func (s *Service) AccountHistory(ctx context.Context, address string, before TxCursor, limit int) (TxPage, error) {
	if err := checkName("account address", address); err != nil {
		return TxPage{}, err
	}
	return s.txPage(ctx, fmt.Sprintf("account %q history", address), "(`from` = ? OR `to` = ?)", before, limit, address, address)
}

// assetCondition selects the transactions moving asset; the native asset
// travels as "" (and is minted).
func assetCondition(asset string) (string, []any) {
	if asset == NativeAsset {
		return "(asset = '' OR asset = ? OR type = 'mint')", []any{asset}
	}
	return "(asset = ? AND type != 'mint')", []any{asset}
}

func (s *Service) txPage(ctx context.Context, what, cond string, before TxCursor, limit int, args ...any) (TxPage, error) {
	if limit < 1 || limit > MaxPage {
		return TxPage{}, fmt.Errorf("%w: limit %d: use 1 to %d", ErrBadRequest, limit, MaxPage)
	}
	if before.Height != 0 {
		cond += fmt.Sprintf(" AND (height, idx) < (%d, %d)", before.Height, before.Index)
	}
	sql := fmt.Sprintf("SELECT %s FROM %s.transactions WHERE %s ORDER BY height DESC, idx DESC LIMIT %d", txViewColumns, s.database, cond, limit+1)
	rows, err := queryAll(ctx, s.conn, what, sql, scanTxView, args...)
	if err != nil {
		return TxPage{}, err
	}
	page := TxPage{Transactions: rows}
	if len(rows) > limit {
		page.Transactions = rows[:limit]
		last := page.Transactions[limit-1]
		page.NextBefore = TxCursor{Height: uint64(last.Height), Index: last.Index}.String()
	}
	return page, nil
}

// Holder is an account's balance of an asset.
type Holder struct {
	Account string `json:"account"`
	Balance string `json:"balance"` // decimal: balances exceed JSON's exact integers
}

// AssetSummary is an asset's supply and holders, from the account
// snapshot, and its newest transactions.
type AssetSummary struct {
	Asset string `json:"asset"`
	// Supply is the sum of every balance: what was minted or created.
	Supply string `json:"supply"`
	// Holders counts accounts with a positive balance.
	Holders    uint64           `json:"holders"`
	TopHolders []Holder         `json:"top_holders"`
	Recent     []schemas.TxView `json:"recent"`
}

// Asset summarizes asset (NativeAsset for the native one) with its limit
// largest holders and limit newest transactions.
func (s *Service) Asset(ctx context.Context, asset string, limit int) (AssetSummary, error) {
	if err := checkName("asset", asset); err != nil {
		return AssetSummary{}, err
	}
	if limit < 1 || limit > MaxPage {
		return AssetSummary{}, fmt.Errorf("%w: limit %d: use 1 to %d", ErrBadRequest, limit, MaxPage)
	}
	out := AssetSummary{Asset: asset, Supply: "0"}
	sql := fmt.Sprintf("SELECT toString(sum(balance)), countIf(balance > 0) FROM %s.accounts WHERE asset = ?", s.database)
	if err := s.conn.QueryRow(ctx, sql, asset).Scan(&out.Supply, &out.Holders); err != nil {
		return AssetSummary{}, fmt.Errorf("analytics: asset %q supply: %w", asset, err)
	}
	sql = fmt.Sprintf("SELECT account, toString(balance) FROM %s.accounts WHERE asset = ? AND balance > 0 ORDER BY balance DESC, account LIMIT %d", s.database, limit)
	holders, err := queryAll(ctx, s.conn, fmt.Sprintf("asset %q holders", asset), sql, func(rows driver.Rows) (Holder, error) {
		var h Holder
		return h, rows.Scan(&h.Account, &h.Balance)
	}, asset)
	if err != nil {
		return AssetSummary{}, err
	}
	out.TopHolders = holders
	cond, args := assetCondition(asset)
	recent, err := s.txPage(ctx, fmt.Sprintf("asset %q transactions", asset), cond, TxCursor{}, limit, args...)
	if err != nil {
		return AssetSummary{}, err
	}
	out.Recent = recent.Transactions
	return out, nil
}

// LeaderTerm is a period of leadership as the blocks record it: the
// validator that proposed in one raft term and the blocks it proposed.
type LeaderTerm struct {
	Term        uint64    `json:"term"`
	Proposer    uint64    `json:"proposer"`
	FirstHeight uint64    `json:"first_height"`
	LastHeight  uint64    `json:"last_height"`
	Blocks      uint64    `json:"blocks"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
}

// Leaders lists the newest limit terms in which blocks were proposed.
func (s *Service) Leaders(ctx context.Context, limit int) ([]LeaderTerm, error) {
	if limit < 1 || limit > MaxPage {
		return nil, fmt.Errorf("%w: limit %d: use 1 to %d", ErrBadRequest, limit, MaxPage)
	}
	sql := fmt.Sprintf(`SELECT raft_term, proposer, min(height), max(height), count(), min(timestamp), max(timestamp)
		FROM %s.blocks FINAL GROUP BY raft_term, proposer ORDER BY raft_term DESC, min(height) DESC LIMIT %d`, s.database, limit)
	return queryAll(ctx, s.conn, "leaders", sql, func(rows driver.Rows) (LeaderTerm, error) {
		var t LeaderTerm
		err := rows.Scan(&t.Term, &t.Proposer, &t.FirstHeight, &t.LastHeight, &t.Blocks, &t.First, &t.Last)
		t.First, t.Last = t.First.UTC(), t.Last.UTC()
		return t, err
	})
}

// leaderList is GET /leaders' result: {"terms": [...]}.
type leaderList []LeaderTerm

func (l leaderList) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]LeaderTerm{"terms": l})
}

func (l leaderList) columns() []export.Column {
	return []export.Column{{Name: "term", Type: export.Uint}, {Name: "proposer", Type: export.Uint}, {Name: "first_height", Type: export.Uint},
		{Name: "last_height", Type: export.Uint}, {Name: "blocks", Type: export.Uint}, {Name: "first", Type: export.Time}, {Name: "last", Type: export.Time}}
}

func (l leaderList) rows(row func(...any) error) error {
	for _, t := range l {
		if err := row(t.Term, t.Proposer, t.FirstHeight, t.LastHeight, t.Blocks, t.First, t.Last); err != nil {
			return err
		}
	}
	return nil
}

func checkName(what, v string) error {
	if v == "" || len(v) > 256 {
		return fmt.Errorf("%w: %s %q: give 1 to 256 characters", ErrBadRequest, what, v)
	}
	return nil
}

func (p BlockPage) columns() []export.Column {
	return []export.Column{{Name: "height", Type: export.Uint}, {Name: "hash", Type: export.String}, {Name: "prev_hash", Type: export.String},
		{Name: "tx_root", Type: export.String}, {Name: "timestamp", Type: export.Time}, {Name: "proposer", Type: export.Uint},
		{Name: "raft_term", Type: export.Uint}, {Name: "tx_count", Type: export.Uint}, {Name: "failed_count", Type: export.Uint}}
}

func (p BlockPage) rows(row func(...any) error) error {
	for _, b := range p.Blocks {
		if err := row(b.Height, b.Hash, b.PrevHash, b.TxRoot, b.Timestamp, b.Proposer, b.RaftTerm, uint64(b.TxCount), uint64(b.FailedCount)); err != nil {
			return err
		}
	}
	return nil
}

// txViewColumns selects what the projection holds of a transaction in
// schemas.TxView's names and encodings, in its order; the projection keeps
// no payload, producer timestamp or keys.
const txViewColumns = "id, type, `from`, `to`, amount, asset, nonce, toString(status) AS status, reason, height, idx AS `index`, " +
	"toUnixTimestamp64Milli(submitted) AS submitted_ms, toUnixTimestamp64Milli(block_time) AS block_timestamp"

func scanTxView(rows driver.Rows) (schemas.TxView, error) {
	var t schemas.TxView
	var amount, nonce, height uint64
	err := rows.Scan(&t.ID, &t.Type, &t.From, &t.To, &amount, &t.Asset, &nonce, &t.Status, &t.Reason, &height, &t.Index, &t.SubmittedMs, &t.BlockTimestamp)
	t.Amount, t.Nonce, t.Height = schemas.Uint(amount), schemas.Uint(nonce), schemas.Uint(height)
	return t, err
}

// txColumns are txViewColumns as a table.
func txColumns() []export.Column {
	return []export.Column{{Name: "id", Type: export.String}, {Name: "type", Type: export.String}, {Name: "from", Type: export.String},
		{Name: "to", Type: export.String}, {Name: "amount", Type: export.Uint}, {Name: "asset", Type: export.String},
		{Name: "nonce", Type: export.Uint}, {Name: "status", Type: export.String}, {Name: "reason", Type: export.String},
		{Name: "height", Type: export.Uint}, {Name: "index", Type: export.Uint}, {Name: "submitted_ms", Type: export.Int},
		{Name: "block_timestamp", Type: export.Int}}
}

func txRows(txs []schemas.TxView, row func(...any) error) error {
	for _, t := range txs {
		if err := row(t.ID, t.Type, t.From, t.To, uint64(t.Amount), t.Asset, uint64(t.Nonce), t.Status, t.Reason,
			uint64(t.Height), uint64(t.Index), t.SubmittedMs, t.BlockTimestamp); err != nil {
			return err
		}
	}
	return nil
}

func (p TxPage) columns() []export.Column                { return txColumns() }
func (p TxPage) rows(row func(...any) error) error       { return txRows(p.Transactions, row) }
func (a AssetSummary) columns() []export.Column          { return txColumns() }
func (a AssetSummary) rows(row func(...any) error) error { return txRows(a.Recent, row) }

// blockFilter reads GET /blocks' parameters.
func (p params) blockFilter() (BlockFilter, error) {
	f := BlockFilter{}
	var err error
	if f.From, err = p.time("from"); err != nil {
		return f, err
	}
	if f.To, err = p.time("to"); err != nil {
		return f, err
	}
	for _, u := range []struct {
		key string
		to  *uint64
	}{{"proposer", &f.Proposer}, {"min_txs", &f.MinTxs}, {"max_txs", &f.MaxTxs}, {"before", &f.Before}} {
		if v := p.q.Get(u.key); v != "" {
			if *u.to, err = strconv.ParseUint(v, 10, 64); err != nil {
				return f, fmt.Errorf("%w: %s=%q is not a non-negative integer", ErrBadRequest, u.key, v)
			}
		}
	}
	if f.Limit, err = p.int("limit", 50); err != nil {
		return f, err
	}
	return f, nil
}

// registerExplore mounts the explorer's reads: block listings with
// filters, an account's transactions, an asset's holders and the leaders
// by term. scope limits what names accounts to those a caller may see.
func registerExplore(mux Mux, s *Service, scope func(context.Context) *AccountFilter) {
	mux.HandleFunc("GET /blocks", handle(func(ctx context.Context, q params) (any, error) {
		f, err := q.blockFilter()
		if err != nil {
			return nil, err
		}
		return s.Blocks(ctx, f)
	}))
	mux.HandleFunc("GET /accounts/{address}/history", handle(func(ctx context.Context, q params) (any, error) {
		if f := scope(ctx); !f.Match(q.path("address")) {
			return nil, fmt.Errorf("%w: account %q is not one of your organisation's", ErrForbidden, q.path("address"))
		}
		before, err := ParseTxCursor(q.get("before", ""))
		if err != nil {
			return nil, err
		}
		limit, err := q.int("limit", 50)
		if err != nil {
			return nil, err
		}
		return s.AccountHistory(ctx, q.path("address"), before, limit)
	}))
	mux.HandleFunc("GET /leaders", handle(func(ctx context.Context, q params) (any, error) {
		limit, err := q.int("limit", 20)
		if err != nil {
			return nil, err
		}
		terms, err := s.Leaders(ctx, limit)
		return leaderList(terms), err
	}))
	mux.HandleFunc("GET /assets/{asset}", handle(func(ctx context.Context, q params) (any, error) {
		limit, err := q.int("limit", 20)
		if err != nil {
			return nil, err
		}
		a, err := s.Asset(ctx, q.path("asset"), limit)
		if f := scope(ctx); f != nil && err == nil {
			a = a.visibleTo(f)
		}
		return a, err
	}))
}

// visibleTo keeps, of an asset's holders and transactions, those naming
// accounts f matches; the supply and holder count are chain-wide totals.
func (a AssetSummary) visibleTo(f *AccountFilter) AssetSummary {
	holders := make([]Holder, 0, len(a.TopHolders))
	for _, h := range a.TopHolders {
		if f.Match(h.Account) {
			holders = append(holders, h)
		}
	}
	recent := make([]schemas.TxView, 0, len(a.Recent))
	for _, r := range a.Recent {
		if f.Match(r.From) || f.Match(r.To) {
			recent = append(recent, r)
		}
	}
	a.TopHolders, a.Recent = holders, recent
	return a
}
