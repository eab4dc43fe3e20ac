package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// sandboxed is one compose service's command running here.
type sandboxed struct {
	name string
	cmd  *exec.Cmd
	pid  int
	log  string
	done chan error
}

// TestComposeRun runs the aurigraph services of compose.yaml with their
// own commands, as their containers would: the image's binary at
// /usr/local/bin/aurigraph, user 65532:65532, a read-only root with only
// the data volume and /tmp writable, the compose host names in /etc/hosts.
// Each host name is a loopback address of its own, and 0.0.0.0 in a listen
// address becomes it, since the services share this machine's network.
// aurigraph broker stands in for the kafka service. The cluster must get
// healthy (the image's HEALTHCHECK command), commit a transaction, and the
// gateway serve its block, verified with the validators' keys. The
// projector, whose ClickHouse server does not run here, must stay live.
func TestComposeRun(t *testing.T) {
	bwrap, err := exec.LookPath("bwrap")
	if err == nil && os.Geteuid() != 0 {
		err = fmt.Errorf("running as uid %d: switching to 65532 needs root", os.Geteuid())
	}
	if err != nil {
		if os.Getenv("AURIGRAPH_REQUIRE_DEPLOY") != "" {
			t.Fatalf("bubblewrap (bwrap) as root runs the compose commands: %v", err)
		}
		t.Skipf("bubblewrap (bwrap) as root runs the compose commands: %v", err)
	}
	p, err := loadCompose(t, composePath(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := binary(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ips := map[string]string{}
	hosts := "127.0.0.1 localhost\n"
	for i, name := range p.ServiceNames() {
		ips[name] = fmt.Sprintf("127.0.1.%d", i+1)
		hosts += ips[name] + " " + name + "\n"
	}
	hostsFile := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsFile, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}

	var running []*sandboxed
	t.Cleanup(func() {
		for _, s := range running {
			_ = syscall.Kill(s.pid, syscall.SIGKILL)
			<-s.done
		}
	})
	start := func(name string, svc types.ServiceConfig, args []string) *sandboxed {
		t.Helper()
		data := filepath.Join(dir, name)
		if err := os.Mkdir(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(data, 65532, 65532); err != nil {
			t.Fatal(err)
		}
		uid, gid, _ := strings.Cut(svc.User, ":")
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "0.0.0.0:", ips[name]+":")
		}
		// --info-fd tells the sandboxed process's pid, which SIGTERM is for.
		info, infoW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		bw := []string{"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
			"--tmpfs", "/usr/local/bin", "--ro-bind", bin, "/usr/local/bin/aurigraph",
			"--tmpfs", "/var/lib", "--bind", data, "/var/lib/aurigraph", "--ro-bind", hostsFile, "/etc/hosts",
			"--chdir", "/var/lib/aurigraph", "--setenv", "HOME", "/var/lib/aurigraph", "--die-with-parent", "--info-fd", "3"}
		if !svc.ReadOnly {
			t.Fatalf("service %s: no read_only; the check runs read-only roots only", name)
		}
		if len(svc.Secrets) > 0 {
			// As compose mounts them: files in /run/secrets, which anyone
			// may list.
			bw = append(bw, "--tmpfs", "/run", "--perms", "0755", "--dir", "/run/secrets")
		}
		for _, sec := range svc.Secrets {
			bw = append(bw, "--ro-bind", p.Secrets[sec.Source].File, secretPath(sec))
		}
		bw = append(bw, "--", "setpriv", "--reuid="+uid, "--regid="+gid, "--clear-groups", "--no-new-privs", "/usr/local/bin/aurigraph")
		s := &sandboxed{name: name, log: filepath.Join(dir, name+".log"), done: make(chan error, 1)}
		logf, err := os.Create(s.log)
		if err != nil {
			t.Fatal(err)
		}
		s.cmd = exec.Command(bwrap, append(bw, args...)...)
		s.cmd.Stdout, s.cmd.Stderr = logf, logf
		s.cmd.ExtraFiles = []*os.File{infoW}
		if err := s.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		infoW.Close()
		var childPID struct {
			PID int `json:"child-pid"`
		}
		if err := json.NewDecoder(info).Decode(&childPID); err != nil {
			t.Fatalf("service %s: bwrap --info-fd: %v", name, err)
		}
		info.Close()
		s.pid = childPID.PID
		go func() { s.done <- s.cmd.Wait(); logf.Close() }()
		running = append(running, s)
		t.Logf("service %s: aurigraph %s (pid %d, %s)", name, strings.Join(args, " "), s.pid, ips[name])
		return s
	}
	// answers waits until the service's path (health, or liveness alone)
	// answers 200 to the image's HEALTHCHECK command.
	answers := func(s *sandboxed, path, what string, within time.Duration) {
		t.Helper()
		url := "http://" + ips[s.name] + ":8080" + path
		deadline := time.Now().Add(within)
		for {
			out, err := exec.Command(bin, "health", "--url", url).CombinedOutput()
			if err == nil {
				return
			}
			select {
			case err := <-s.done:
				s.done <- err
				t.Fatalf("service %s exited (%v):\n%s", s.name, err, tail(s.log))
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("service %s not %s after %v: %s\n%s", s.name, what, within, out, tail(s.log))
			}
			time.Sleep(time.Second)
		}
	}
	healthy := func(s *sandboxed, within time.Duration) { t.Helper(); answers(s, "/q/health", "healthy", within) }
	live := func(s *sandboxed, within time.Duration) { t.Helper(); answers(s, "/q/health/live", "live", within) }

	var nodes []*sandboxed
	for _, name := range p.ServiceNames() {
		if svc := p.Services[name]; svc.Image == "aurigraph:dev" && svc.Command[0] == "node" {
			nodes = append(nodes, start(name, svc, clone(svc.Command)))
		}
	}
	kafka := p.Services["kafka"]
	kafka.User, kafka.ReadOnly = "65532:65532", true
	start("kafka", kafka, []string{"broker", "--kafka=" + ips["kafka"] + ":9092", "--data=/var/lib/aurigraph"})
	for _, n := range nodes {
		healthy(n, 3*time.Minute)
	}
	gw := start("gateway", p.Services["gateway"], clone(p.Services["gateway"].Command))
	healthy(gw, 2*time.Minute)
	// No ClickHouse server runs here: the projector must start, stay live
	// and wait for it, and stop cleanly like the rest.
	proj := start("projector", p.Services["projector"], clone(p.Services["projector"].Command))
	live(proj, time.Minute)

	body := []byte(`{"type":"mint","from":"acct-compose","to":"acct-compose","amount":5,"nonce":1}`)
	resp, err := http.Post("http://"+ips[nodes[0].name]+":8080/api/v12/transactions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submit to %s: %s", nodes[0].name, resp.Status)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + ips["gateway"] + ":8080/api/v12/blocks/1")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway serves no block 1 a minute after a submission (%v):\n%s", err, tail(gw.log))
		}
		time.Sleep(500 * time.Millisecond)
	}

	// SIGTERM, as docker compose stop sends it, stops each cleanly.
	for i := len(running) - 1; i >= 0; i-- {
		s := running[i]
		if err := syscall.Kill(s.pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("service %s after SIGTERM: %v\n%s", s.name, err, tail(s.log))
			}
		case <-time.After(30 * time.Second):
			t.Errorf("service %s still runs 30 s after SIGTERM", s.name)
			_ = syscall.Kill(s.pid, syscall.SIGKILL)
			<-s.done
		}
	}
	running = nil
	// The validators wrote their state as the image's user.
	for _, n := range nodes {
		st, err := os.Stat(filepath.Join(dir, n.name, "validator.key"))
		if err != nil {
			t.Fatal(err)
		}
		if uid := st.Sys().(*syscall.Stat_t).Uid; uid != 65532 {
			t.Errorf("service %s wrote validator.key as uid %d", n.name, uid)
		}
	}
}

func clone(s []string) []string { return append([]string(nil), s...) }

// tail is the end of a log, for a failure message.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
