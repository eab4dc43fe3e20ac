package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads a compose file as `docker compose config` does:
// interpolation, the compose specification's JSON schema (unknown keys
// fail), then the model's own consistency checks.
func loadCompose(t *testing.T, path string) (*types.Project, error) {
	t.Helper()
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(path),
		ConfigFiles: []types.ConfigFile{{Filename: path}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("aurigraph", true) })
}

func composePath(t *testing.T) string { return filepath.Join(deployDir(t), "docker", "compose.yaml") }

// TestComposeLoaderIsStrict makes sure a misspelt key fails.
func TestComposeLoaderIsStrict(t *testing.T) {
	dir := t.TempDir()
	for i, bad := range []string{
		"services:\n  a:\n    image: x\n    comand: [node]\n",
		"services:\n  a:\n    image: x\n    depends_on: [b]\n",
		"services:\n  a:\n    image: x\n    ports: [\"127.0.0.1:99999:80\"]\n",
	} {
		p := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
		if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCompose(t, p); err == nil {
			t.Errorf("loaded without error:\n%s", bad)
		}
	}
}

func TestComposeFile(t *testing.T) {
	p, err := loadCompose(t, composePath(t))
	if err != nil {
		t.Fatalf("deploy/docker/compose.yaml: %v", err)
	}
	var nodes, projectors, gateways []types.ServiceConfig
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			// deploy/prometheus and deploy/grafana are other parts of the
			// operators' kit; the files of this directory must be here.
			if _, err := os.Stat(v.Source); err != nil && strings.HasPrefix(v.Source, filepath.Dir(composePath(t))) {
				t.Errorf("service %s mounts %s: %v", name, v.Source, err)
			}
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes port %d on %q: keep it on the host's loopback", name, port.Target, port.HostIP)
			}
		}
		if s.Image != "aurigraph:dev" {
			continue
		}
		where := "service " + name
		checkArgs(t, where, s.Command)
		if s.User != "65532:65532" || !s.ReadOnly || !slices.Contains(s.Tmpfs, "/tmp") || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: run as 65532:65532 with a read-only root, /tmp on tmpfs and no capabilities", where)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/docker/Dockerfile" || s.Build.Target != "aurigraph" {
			t.Errorf("%s: build the aurigraph target of deploy/docker/Dockerfile", where)
		}
		switch s.Command[0] {
		case "node":
			nodes = append(nodes, s)
		case "projector":
			projectors = append(projectors, s)
		case "gateway":
			gateways = append(gateways, s)
		}
	}
	checkComposeProjection(t, p, projectors, gateways)
	if len(nodes) != 3 {
		t.Fatalf("want three validators, have %d", len(nodes))
	}
	var want []string
	for i, n := range nodes {
		want = append(want, fmt.Sprintf("%d=%s:7000", i+1, n.Hostname))
	}
	for i, n := range nodes {
		if id := flagValue(n.Command, "id"); id != fmt.Sprint(i+1) {
			t.Errorf("service %s: --id %s, want %d", n.Name, id, i+1)
		}
		if peers := flagValue(n.Command, "peers"); peers != strings.Join(want, ",") {
			t.Errorf("service %s: --peers %q, want %q", n.Name, peers, strings.Join(want, ","))
		}
		if flagValue(n.Command, "data") != "/var/lib/aurigraph" || len(n.Volumes) != 1 || n.Volumes[0].Target != "/var/lib/aurigraph" || n.Volumes[0].Type != types.VolumeTypeVolume {
			t.Errorf("service %s: --data must be /var/lib/aurigraph, a named volume of its own", n.Name)
		}
		if cond := n.DependsOn["kafka"].Condition; cond != types.ServiceConditionHealthy {
			t.Errorf("service %s: start once kafka is healthy, not %q", n.Name, cond)
		}
	}
}

// checkComposeProjection checks that one projector writes the ClickHouse
// server every gateway's analytics read, with its password from a secret.
func checkComposeProjection(t *testing.T, p *types.Project, projectors, gateways []types.ServiceConfig) {
	t.Helper()
	if len(projectors) != 1 {
		t.Fatalf("want one projector service (one writer per ClickHouse database), have %d", len(projectors))
	}
	proj := projectors[0]
	if proj.Command[1] != "run" || (proj.Deploy != nil && proj.Deploy.Replicas != nil && *proj.Deploy.Replicas != 1) || (proj.Scale != nil && *proj.Scale != 1) {
		t.Errorf("service %s: run `aurigraph projector run` as a single replica", proj.Name)
	}
	server := flagValue(proj.Command, "clickhouse")
	if server == "" {
		t.Errorf("service %s: no --clickhouse: it would project into an engine of its own that no gateway reads", proj.Name)
	}
	if _, ok := p.Services[strings.Split(strings.TrimPrefix(strings.TrimPrefix(server, "http://"), "clickhouse://"), ":")[0]]; !ok {
		t.Errorf("service %s: --clickhouse %s names no service of the compose file", proj.Name, server)
	}
	if pw := flagValue(proj.Command, "clickhouse-password-file"); pw != "" {
		found := false
		for _, sec := range proj.Secrets {
			if secretPath(sec) == pw {
				found = true
				if _, err := os.Stat(p.Secrets[sec.Source].File); err != nil {
					t.Errorf("service %s: secret %s: %v", proj.Name, sec.Source, err)
				}
			}
		}
		if !found {
			t.Errorf("service %s: --clickhouse-password-file %s is no secret of the service", proj.Name, pw)
		}
	}
	if len(gateways) == 0 {
		t.Fatal("no gateway service")
	}
	for _, g := range gateways {
		if got := flagValue(g.Command, "clickhouse"); got != server {
			t.Errorf("service %s: --clickhouse %q, want the projector's %q, so that its analytics read the projection", g.Name, got, server)
		}
	}
}

// secretPath is where compose mounts a service's secret.
func secretPath(sec types.ServiceSecretConfig) string {
	target := sec.Target
	if target == "" {
		target = sec.Source
	}
	if !strings.HasPrefix(target, "/") {
		target = "/run/secrets/" + target
	}
	return target
}
