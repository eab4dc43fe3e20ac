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
	var nodes []types.ServiceConfig
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
		if s.Command[0] == "node" {
			nodes = append(nodes, s)
		}
	}
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
