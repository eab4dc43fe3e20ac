// Package tenant says which organisation owns which account and which
// principals act for which organisation, and derives from it what a
// principal may see and from which accounts it may submit.
//
// Ownership is configuration, not chain state: a file listing, per
// organisation, its accounts (exact addresses or names) and account name
// prefixes, and the subjects (OAuth2 client ids, token subjects) that act
// for it when their credentials name no organisation.
package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Organisation is one tenant.
type Organisation struct {
	Name string `json:"name"`
	// Accounts are addresses or account names the organisation owns.
	Accounts []string `json:"accounts,omitempty"`
	// AccountPrefixes own every account name starting with one of them.
	AccountPrefixes []string `json:"account_prefixes,omitempty"`
	// Members are subjects acting for the organisation when their
	// credential names none.
	Members []string `json:"members,omitempty"`
	// SubmitTxPerSecond and SubmitBurst limit the transactions the
	// organisation's principals submit together, per node (0: no limit).
	SubmitTxPerSecond float64 `json:"submit_tx_per_second,omitempty"`
	SubmitBurst       float64 `json:"submit_burst,omitempty"`
	// DailyTxQuota caps the transactions submitted per UTC day, per node
	// (0: no quota).
	DailyTxQuota int64 `json:"daily_tx_quota,omitempty"`
}

// Directory is the loaded tenants file.
type Directory struct {
	orgs     map[string]*Organisation
	accounts map[string]string
	prefixes []prefix
	members  map[string]string
}

type prefix struct{ prefix, org string }

type file struct {
	Organisations []Organisation `json:"organisations"`
}

// Load reads a tenants file.
func Load(path string) (*Directory, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tenants file: %w", err)
	}
	var f file
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("tenants file %s: %w", path, err)
	}
	d, err := New(f.Organisations)
	if err != nil {
		return nil, fmt.Errorf("tenants file %s: %w", path, err)
	}
	return d, nil
}

// New builds a directory, refusing ambiguous ownership: an account, or a
// prefix of one, claimed by two organisations.
func New(orgs []Organisation) (*Directory, error) {
	d := &Directory{orgs: map[string]*Organisation{}, accounts: map[string]string{}, members: map[string]string{}}
	for i := range orgs {
		o := &orgs[i]
		if o.Name == "" {
			return nil, fmt.Errorf("organisation %d has no name", i+1)
		}
		if _, dup := d.orgs[o.Name]; dup {
			return nil, fmt.Errorf("organisation %q is listed twice", o.Name)
		}
		if o.SubmitTxPerSecond < 0 || o.SubmitBurst < 0 || o.DailyTxQuota < 0 {
			return nil, fmt.Errorf("organisation %q: negative limit", o.Name)
		}
		d.orgs[o.Name] = o
		for _, a := range o.Accounts {
			if prev, dup := d.accounts[a]; dup {
				return nil, fmt.Errorf("account %q is owned by both %q and %q", a, prev, o.Name)
			}
			d.accounts[a] = o.Name
		}
		for _, p := range o.AccountPrefixes {
			if p == "" {
				return nil, fmt.Errorf("organisation %q: empty account prefix would own every account", o.Name)
			}
			for _, q := range d.prefixes {
				if q.org != o.Name && (strings.HasPrefix(p, q.prefix) || strings.HasPrefix(q.prefix, p)) {
					return nil, fmt.Errorf("account prefixes %q (%s) and %q (%s) overlap", q.prefix, q.org, p, o.Name)
				}
			}
			d.prefixes = append(d.prefixes, prefix{p, o.Name})
		}
		for _, m := range o.Members {
			if prev, dup := d.members[m]; dup {
				return nil, fmt.Errorf("subject %q is a member of both %q and %q", m, prev, o.Name)
			}
			d.members[m] = o.Name
		}
	}
	for a, org := range d.accounts {
		if owner := d.prefixOwner(a); owner != "" && owner != org {
			return nil, fmt.Errorf("account %q is owned by %q and, by prefix, by %q", a, org, owner)
		}
	}
	return d, nil
}

func (d *Directory) prefixOwner(account string) string {
	for _, p := range d.prefixes {
		if strings.HasPrefix(account, p.prefix) {
			return p.org
		}
	}
	return ""
}

// Owner returns the organisation owning account, or "".
func (d *Directory) Owner(account string) string {
	if org, ok := d.accounts[account]; ok {
		return org
	}
	return d.prefixOwner(account)
}

// MemberOf returns the organisation subject acts for, or "".
func (d *Directory) MemberOf(subject string) string { return d.members[subject] }

// Organisation returns the named organisation.
func (d *Directory) Organisation(name string) (Organisation, bool) {
	o, ok := d.orgs[name]
	if !ok {
		return Organisation{}, false
	}
	return *o, true
}

// Organisations lists every organisation.
func (d *Directory) Organisations() []Organisation {
	out := make([]Organisation, 0, len(d.orgs))
	for _, o := range d.orgs {
		out = append(out, *o)
	}
	return out
}

// Scope is what one principal may see: nil sees everything.
type Scope struct {
	d   *Directory
	org string
}

// ScopeOf returns p's scope: nil (everything) without a directory or for
// admins; otherwise the accounts of p's organisation, which is nothing for
// a principal of none.
func ScopeOf(d *Directory, p auth.Principal) *Scope {
	if d == nil || p.Role >= auth.RoleAdmin {
		return nil
	}
	return &Scope{d: d, org: p.Organisation}
}

// Organisation names the scope's organisation ("" for none).
func (s *Scope) Organisation() string {
	if s == nil {
		return ""
	}
	return s.org
}

// Accounts lists the accounts and account prefixes the scope sees; both
// are empty for a principal of no organisation. Call it on a non-nil scope.
func (s *Scope) Accounts() (accounts, prefixes []string) {
	o, ok := s.d.orgs[s.org]
	if !ok {
		return nil, nil
	}
	return slices.Clone(o.Accounts), slices.Clone(o.AccountPrefixes)
}

// Account reports whether the scope sees account.
func (s *Scope) Account(account string) bool {
	return s == nil || (s.org != "" && account != "" && s.d.Owner(account) == s.org)
}

// Tx reports whether the scope sees tx: it sends from or to one of the
// organisation's accounts.
func (s *Scope) Tx(tx *aurigraphv1.Transaction) bool {
	return s == nil || s.Account(tx.GetFrom()) || s.Account(tx.GetTo())
}

// ErrNotOwner is returned for a submission from an account of another
// organisation.
var ErrNotOwner = errors.New("account not owned by the submitter's organisation")

// Submitter is the account a transaction acts for: from, or to for a mint
// without from.
func Submitter(tx *aurigraphv1.Transaction) string {
	if tx.GetFrom() != "" {
		return tx.GetFrom()
	}
	return tx.GetTo()
}

// CheckSubmit refuses a transaction whose acting account the scope's
// organisation does not own.
func (s *Scope) CheckSubmit(tx *aurigraphv1.Transaction) error {
	if s == nil {
		return nil
	}
	acct := Submitter(tx)
	if s.org == "" {
		return fmt.Errorf("%w: the principal belongs to no organisation, so it may submit from no account (%q)", ErrNotOwner, acct)
	}
	if !s.Account(acct) {
		return fmt.Errorf("%w: %q is not an account of %q", ErrNotOwner, acct, s.org)
	}
	return nil
}

// Block returns b with only the transactions the scope sees; the header
// (and its counts, which describe the whole block) is kept so the block's
// hash can still be checked against the chain.
func (s *Scope) Block(b *aurigraphv1.Block) *aurigraphv1.Block {
	if s == nil || b == nil {
		return b
	}
	out := &aurigraphv1.Block{Header: b.GetHeader()}
	for _, r := range b.GetTxs() {
		if s.Tx(r.GetTx()) {
			out.Txs = append(out.Txs, r)
		}
	}
	return out
}
