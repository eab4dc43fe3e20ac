package stream

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Filter chooses what a subscription delivers. The zero value delivers
// block and tps events.
type Filter struct {
	// Types lists the event types wanted (block, tx, tps, validator, alert); empty
	// means block and tps.
	Types []MessageType `json:"types,omitempty"`
	// The transaction filters apply to tx events. Each list, when not
	// empty, must match: from or to is one of Accounts, the type one of
	// TxTypes, the asset one of Assets ("" is the native asset), the status
	// one of Statuses.
	Accounts []string               `json:"accounts,omitempty"`
	TxTypes  []aurigraphv1.TxType   `json:"-"`
	Assets   []string               `json:"assets,omitempty"`
	Statuses []aurigraphv1.TxStatus `json:"-"`
}

// Limits on a filter, so one subscriber cannot make the fan-out expensive
// for everyone.
const (
	maxFilterAccounts = 1000
	maxFilterAssets   = 100
)

// matcher is a Filter compiled for the per-event checks.
type matcher struct {
	filter                    Filter
	block, tx, tps, validator bool
	alert                     bool
	accounts, assets          map[string]struct{}
	txTypes, statuses         uint64 // bit sets of enum values
}

func (f Filter) compile() (*matcher, error) {
	m := &matcher{filter: f}
	types := f.Types
	if len(types) == 0 {
		types = []MessageType{MessageBlock, MessageTPS}
	}
	for _, t := range types {
		switch t {
		case MessageBlock:
			m.block = true
		case MessageTx:
			m.tx = true
		case MessageTPS:
			m.tps = true
		case MessageValidator:
			m.validator = true
		case MessageAlert:
			m.alert = true
		default:
			return nil, fmt.Errorf("unknown event type %q: use block, tx, tps, validator or alert", t)
		}
	}
	if len(f.Accounts) > maxFilterAccounts {
		return nil, fmt.Errorf("%d accounts in the filter: at most %d", len(f.Accounts), maxFilterAccounts)
	}
	if len(f.Assets) > maxFilterAssets {
		return nil, fmt.Errorf("%d assets in the filter: at most %d", len(f.Assets), maxFilterAssets)
	}
	m.accounts = set(f.Accounts)
	m.assets = set(f.Assets)
	for _, t := range f.TxTypes {
		if schemas.TxTypeName(t) == "" {
			return nil, fmt.Errorf("unknown transaction type %d in the filter", t)
		}
		m.txTypes |= 1 << uint(t)
	}
	for _, s := range f.Statuses {
		if schemas.TxStatusName(s) == "" {
			return nil, fmt.Errorf("unknown transaction status %d in the filter", s)
		}
		m.statuses |= 1 << uint(s)
	}
	return m, nil
}

func set(items []string) map[string]struct{} {
	if len(items) == 0 {
		return nil
	}
	s := make(map[string]struct{}, len(items))
	for _, it := range items {
		s[it] = struct{}{}
	}
	return s
}

func (m *matcher) matchTx(r *aurigraphv1.TxResult) bool {
	tx := r.GetTx()
	if m.accounts != nil {
		_, from := m.accounts[tx.GetFrom()]
		_, to := m.accounts[tx.GetTo()]
		if !from && !to {
			return false
		}
	}
	if m.assets != nil {
		if _, ok := m.assets[tx.GetAsset()]; !ok {
			return false
		}
	}
	if m.txTypes != 0 && m.txTypes&(1<<uint(tx.GetType())) == 0 {
		return false
	}
	if m.statuses != 0 && m.statuses&(1<<uint(r.GetStatus())) == 0 {
		return false
	}
	return true
}

// cursor is where a resumed subscription starts: at the block event of
// height, or with skipBlock set at its transaction tx.
type cursor struct {
	height    uint64
	skipBlock bool
	tx        uint32
}

// parseEventID turns an event id ("H" or "H.I", see Event.ID) into the
// position right after that event.
func parseEventID(id string) (cursor, error) {
	hs, is, hasTx := strings.Cut(id, ".")
	h, err := strconv.ParseUint(hs, 10, 64)
	if err != nil || h == 0 {
		return cursor{}, fmt.Errorf("event id %q is not H or H.I (a block height from 1, and a transaction index)", id)
	}
	if !hasTx {
		return cursor{height: h, skipBlock: true}, nil
	}
	i, err := strconv.ParseUint(is, 10, 32)
	if err != nil || i == 1<<32-1 {
		return cursor{}, fmt.Errorf("event id %q is not H or H.I (a block height from 1, and a transaction index)", id)
	}
	return cursor{height: h, skipBlock: true, tx: uint32(i) + 1}, nil
}

// Query parameters of the JSON transports' stream URLs.
const (
	paramFromHeight = "from_height"
	paramAfter      = "after"
	paramTypes      = "types"
	paramAccount    = "account"
	paramTxType     = "tx_type"
	paramAsset      = "asset"
	paramStatus     = "status"
)

// requestFromQuery reads a subscription from URL query parameters:
// from_height=H or after=ID, types=block,tx,..., and the tx filters
// account, tx_type, asset and status, each repeatable or comma-separated.
// Errors are written for the client that sent the query.
func requestFromQuery(rawQuery string) (SubscribeRequest, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return SubscribeRequest{}, fmt.Errorf("malformed query string: %w", err)
	}
	for k := range q {
		if !slices.Contains([]string{paramFromHeight, paramAfter, paramTypes, paramAccount, paramTxType, paramAsset, paramStatus}, k) {
			return SubscribeRequest{}, fmt.Errorf("unknown query parameter %q: use from_height, after, types, account, tx_type, asset or status", k)
		}
	}
	var req SubscribeRequest
	if vals, ok := q[paramFromHeight]; ok {
		if len(vals) != 1 {
			return req, fmt.Errorf("from_height is given %d times; give it once", len(vals))
		}
		h, err := strconv.ParseUint(vals[0], 10, 64)
		if err != nil || h == 0 {
			return req, fmt.Errorf("from_height=%q is not a block height: use a decimal number from 1 (the first block) up, or omit it to get live blocks only", vals[0])
		}
		req.FromHeight = h
	}
	if vals, ok := q[paramAfter]; ok {
		if len(vals) != 1 || req.FromHeight != 0 {
			return req, fmt.Errorf("give either from_height or after, and once")
		}
		req.After = vals[0]
	}
	for _, t := range listParam(q, paramTypes) {
		req.Filter.Types = append(req.Filter.Types, MessageType(t))
	}
	req.Filter.Accounts = listParam(q, paramAccount)
	req.Filter.Assets = listParam(q, paramAsset)
	if vals, ok := q[paramAsset]; ok && slices.Contains(vals, "") {
		req.Filter.Assets = append(req.Filter.Assets, "")
	}
	for _, s := range listParam(q, paramTxType) {
		t, err := schemas.ParseTxType(s)
		if err != nil {
			return req, fmt.Errorf("tx_type: %w", err)
		}
		req.Filter.TxTypes = append(req.Filter.TxTypes, t)
	}
	for _, s := range listParam(q, paramStatus) {
		st, err := schemas.ParseTxStatus(s)
		if err != nil {
			return req, fmt.Errorf("status: %w", err)
		}
		req.Filter.Statuses = append(req.Filter.Statuses, st)
	}
	if _, err := req.Filter.compile(); err != nil {
		return req, err
	}
	if req.After != "" {
		if _, err := parseEventID(req.After); err != nil {
			return req, fmt.Errorf("after: %w", err)
		}
	}
	return req, nil
}

// listParam returns every non-empty comma-separated value of key.
func listParam(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// filterMessage is the subscription message a WebSocket client sends to
// change its filter: {"type":"subscribe","types":[...],"accounts":[...],
// "tx_types":[...],"assets":[...],"statuses":[...]}.
type filterMessage struct {
	Type     string   `json:"type"`
	Types    []string `json:"types"`
	Accounts []string `json:"accounts"`
	TxTypes  []string `json:"tx_types"`
	Assets   []string `json:"assets"`
	Statuses []string `json:"statuses"`
}

func (fm filterMessage) filter() (Filter, error) {
	var f Filter
	for _, t := range fm.Types {
		f.Types = append(f.Types, MessageType(t))
	}
	f.Accounts, f.Assets = fm.Accounts, fm.Assets
	for _, s := range fm.TxTypes {
		t, err := schemas.ParseTxType(s)
		if err != nil {
			return f, fmt.Errorf("tx_types: %w", err)
		}
		f.TxTypes = append(f.TxTypes, t)
	}
	for _, s := range fm.Statuses {
		st, err := schemas.ParseTxStatus(s)
		if err != nil {
			return f, fmt.Errorf("statuses: %w", err)
		}
		f.Statuses = append(f.Statuses, st)
	}
	_, err := f.compile()
	return f, err
}

// describe is the filter as the JSON transports echo it back.
func (f Filter) describe() filterMessage {
	fm := filterMessage{Type: string(MessageSubscribed), Accounts: f.Accounts, Assets: f.Assets}
	types := f.Types
	if len(types) == 0 {
		types = []MessageType{MessageBlock, MessageTPS}
	}
	for _, t := range types {
		fm.Types = append(fm.Types, string(t))
	}
	for _, t := range f.TxTypes {
		fm.TxTypes = append(fm.TxTypes, schemas.TxTypeName(t))
	}
	for _, s := range f.Statuses {
		fm.Statuses = append(fm.Statuses, schemas.TxStatusName(s))
	}
	return fm
}
