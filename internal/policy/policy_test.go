package policy

import (
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// The roles are ordered: each may do what the one below may, and the
// dangerous actions belong to the top.
func TestRolesAreOrdered(t *testing.T) {
	for i := 1; i < len(auth.Roles); i++ {
		for _, a := range Actions(auth.Roles[i-1]) {
			if !Allowed(auth.Roles[i], a) {
				t.Errorf("%s may %s but %s may not", auth.Roles[i-1], a, auth.Roles[i])
			}
		}
	}
	for action, lowest := range map[Action]auth.Role{
		Self: auth.RoleNone, ChainRead: auth.RoleViewer, StreamSubscribe: auth.RoleViewer, AnalyticsRead: auth.RoleViewer,
		TxSubmit: auth.RoleSubmitter, ProjectionRebuild: auth.RoleOperator, AlertsManage: auth.RoleOperator,
		ChainWrite:    auth.RoleValidator,
		ClusterManage: auth.RoleAdmin, KeysManage: auth.RoleAdmin, TenantsManage: auth.RoleAdmin, Debug: auth.RoleAdmin, TopicsManage: auth.RoleAdmin,
		Backup: auth.RoleAdmin,
	} {
		if lowest > auth.RoleNone && Allowed(lowest-1, action) {
			t.Errorf("%s may %s", lowest-1, action)
		}
		if !Allowed(lowest, action) {
			t.Errorf("%s may not %s", lowest, action)
		}
	}
}

func TestTableNamesKnownActions(t *testing.T) {
	known := map[Action]bool{Public: true}
	for _, r := range auth.Roles {
		for _, a := range Actions(r) {
			known[a] = true
		}
	}
	check := func(what string, table map[string]Rule) {
		for k, r := range table {
			if !known[r.Action] {
				t.Errorf("%s %q names action %q, which no role is granted", what, k, r.Action)
			}
			if r.Limit == LimitSubmit && r.Action != TxSubmit {
				t.Errorf("%s %q has the submit limit but is %s", what, k, r.Action)
			}
		}
	}
	check("route", Routes)
	check("method", Methods)
	for k := range Methods {
		if !strings.HasPrefix(k, "/") || strings.Count(k, "/") != 2 {
			t.Errorf("method %q is not /package.Service/Method", k)
		}
	}
}
