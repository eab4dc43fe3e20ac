package tenant

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func testDirectory(t *testing.T) *Directory {
	t.Helper()
	d, err := New([]Organisation{
		{Name: "acme", Accounts: []string{"aur00ff"}, AccountPrefixes: []string{"acme-"}, Members: []string{"acme-producer"}},
		{Name: "globex", AccountPrefixes: []string{"globex-"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOwnershipAndScopes(t *testing.T) {
	d := testDirectory(t)
	for acct, want := range map[string]string{"aur00ff": "acme", "acme-1": "acme", "globex-7": "globex", "initech-1": "", "": ""} {
		if got := d.Owner(acct); got != want {
			t.Errorf("Owner(%q) = %q, want %q", acct, got, want)
		}
	}
	if d.MemberOf("acme-producer") != "acme" || d.MemberOf("stranger") != "" {
		t.Error("membership")
	}
	acme := ScopeOf(d, auth.Principal{Role: auth.RoleSubmitter, Organisation: "acme"})
	tx := func(from, to string) *aurigraphv1.Transaction { return &aurigraphv1.Transaction{From: from, To: to} }
	if !acme.Tx(tx("acme-1", "globex-1")) || !acme.Tx(tx("globex-1", "aur00ff")) || acme.Tx(tx("globex-1", "globex-2")) {
		t.Error("acme's view of transactions")
	}
	if err := acme.CheckSubmit(tx("acme-1", "globex-1")); err != nil {
		t.Errorf("acme submits from its account: %v", err)
	}
	if err := acme.CheckSubmit(tx("globex-1", "acme-1")); err == nil {
		t.Error("acme submitted from globex's account")
	}
	if err := acme.CheckSubmit(tx("", "acme-2")); err != nil {
		t.Errorf("a mint to acme's account: %v", err)
	}
	none := ScopeOf(d, auth.Principal{Role: auth.RoleViewer})
	if none == nil || none.Tx(tx("acme-1", "globex-1")) || none.CheckSubmit(tx("acme-1", "")) == nil {
		t.Error("a principal of no organisation sees or submits something")
	}
	if ScopeOf(d, auth.Principal{Role: auth.RoleAdmin}) != nil || ScopeOf(nil, auth.Principal{Role: auth.RoleViewer}) != nil {
		t.Error("admins, or a single-tenant process, are scoped")
	}
	b := acme.Block(&aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: 3, TxCount: 2}, Txs: []*aurigraphv1.TxResult{{Tx: tx("acme-1", "")}, {Tx: tx("globex-1", "")}}})
	if len(b.Txs) != 1 || b.Header.GetTxCount() != 2 {
		t.Errorf("scoped block: %v", b)
	}
}

func TestAmbiguousOwnershipRefused(t *testing.T) {
	for name, orgs := range map[string][]Organisation{
		"account twice":       {{Name: "a", Accounts: []string{"x"}}, {Name: "b", Accounts: []string{"x"}}},
		"overlapping prefix":  {{Name: "a", AccountPrefixes: []string{"ac"}}, {Name: "b", AccountPrefixes: []string{"acme-"}}},
		"account by prefix":   {{Name: "a", Accounts: []string{"acme-1"}}, {Name: "b", AccountPrefixes: []string{"acme-"}}},
		"empty prefix":        {{Name: "a", AccountPrefixes: []string{""}}},
		"member twice":        {{Name: "a", Members: []string{"m"}}, {Name: "b", Members: []string{"m"}}},
		"organisation twice":  {{Name: "a"}, {Name: "a"}},
		"no name":             {{Accounts: []string{"x"}}},
		"negative rate limit": {{Name: "a", SubmitTxPerSecond: -1}},
	} {
		if _, err := New(orgs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadRefusesUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenants.json")
	os.WriteFile(path, []byte(`{"organisations":[{"name":"a","acounts":["x"]}]}`), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "acounts") {
		t.Fatalf("a misspelt field: %v", err)
	}
}
