package analytics

import (
	"errors"
	"slices"
	"strings"
)

// ErrForbidden marks a request for data the caller's scope excludes.
var ErrForbidden = errors.New("analytics: forbidden")

// AccountFilter is the set of accounts a caller may see: these accounts and
// every account starting with one of the prefixes. The zero value sees
// none.
type AccountFilter struct {
	Accounts []string
	Prefixes []string
}

// Match reports whether the filter sees account.
func (f *AccountFilter) Match(account string) bool {
	if f == nil {
		return true
	}
	if account == "" {
		return false
	}
	return slices.Contains(f.Accounts, account) || slices.ContainsFunc(f.Prefixes, func(p string) bool { return strings.HasPrefix(account, p) })
}

// SQL is a ClickHouse condition true where column holds an account the
// filter sees.
func (f *AccountFilter) SQL(column string) string {
	var terms []string
	if len(f.Accounts) > 0 {
		quoted := make([]string, len(f.Accounts))
		for i, a := range f.Accounts {
			quoted[i] = quote(a)
		}
		terms = append(terms, column+" IN ("+strings.Join(quoted, ", ")+")")
	}
	for _, p := range f.Prefixes {
		terms = append(terms, "startsWith("+column+", "+quote(p)+")")
	}
	if len(terms) == 0 {
		return "0"
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

// quote is a ClickHouse string literal of s.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
