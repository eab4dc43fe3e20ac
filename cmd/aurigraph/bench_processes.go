package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/bench"
)

// processCluster runs the bench's pipeline the way operators run it: the
// broker and every validator (`aurigraph node`) in a process of its own, so
// each one's memory and startup can be measured. There is no projector
// there, so the ClickHouse stages are not measured in this mode.
type processCluster struct {
	bin        string
	validators int
	signed     bool
	memLimit   string
	kafka      string
	raft, http []string
}

func newProcessCluster(validators int, signed bool, memLimit string) (*processCluster, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench --processes: find this executable: %w", err)
	}
	ports, err := freeLoopbackPorts(1 + 2*validators)
	if err != nil {
		return nil, err
	}
	c := &processCluster{bin: bin, validators: validators, signed: signed, memLimit: memLimit, kafka: ports[0]}
	c.raft, c.http = ports[1:1+validators], ports[1+validators:]
	return c, nil
}

// freeLoopbackPorts returns n loopback addresses the kernel just handed out;
// they are chosen once so a restart finds every validator where its peers
// remember it.
func freeLoopbackPorts(n int) ([]string, error) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	addrs := make([]string, n)
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("bench: reserve a loopback port: %w", err)
		}
		held = append(held, l)
		addrs[i] = l.Addr().String()
	}
	return addrs, nil
}

func (c *processCluster) start(ctx context.Context, dataDir string) (bench.Target, func() error, error) {
	var procs []*exec.Cmd
	stopAll := func() error {
		var errs []error
		// Validators first, so the last of them still finds the broker.
		for i := len(procs) - 1; i >= 0; i-- {
			if err := stopProcess(procs[i], 30*time.Second); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	spawn := func(name string, args ...string) error {
		logf, err := os.OpenFile(filepath.Join(dataDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("bench: log file of %s: %w", name, err)
		}
		defer logf.Close()
		cmd := exec.Command(c.bin, append(args, "--log-level", "warn")...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("bench: start %s: %w", name, err)
		}
		procs = append(procs, cmd)
		return nil
	}
	fail := func(err error) (bench.Target, func() error, error) {
		return bench.Target{}, nil, errors.Join(err, stopAll())
	}

	if err := spawn("broker", "broker", "--kafka", c.kafka, "--data", dataDir); err != nil {
		return fail(err)
	}
	if err := waitListening(ctx, c.kafka, 20*time.Second); err != nil {
		return fail(fmt.Errorf("bench: broker: %w (see %s)", err, filepath.Join(dataDir, "broker.log")))
	}
	peers := make([]string, c.validators)
	for i, addr := range c.raft {
		peers[i] = fmt.Sprintf("%d=%s", i+1, addr)
	}
	pids := map[string]int{"broker": procs[0].Process.Pid}
	for i := range c.validators {
		name := fmt.Sprintf("validator-%d", i+1)
		args := []string{"node", "--id", strconv.Itoa(i + 1), "--peers", strings.Join(peers, ","), "--kafka", c.kafka,
			"--data", filepath.Join(dataDir, "validators", strconv.Itoa(i+1)), "--http", c.http[i], "--grpc", "127.0.0.1:0",
			// Loopback only: lets whoever runs the bench profile a validator under load.
			"--pprof"}
		if c.signed {
			args = append(args, "--require-signatures")
			for _, is := range bench.ProducerIssuers() {
				args = append(args, "--issuer", is)
			}
		}
		if c.memLimit != "" {
			args = append(args, "--memory-limit", c.memLimit)
		}
		if err := spawn(name, args...); err != nil {
			return fail(err)
		}
		pids[name] = procs[len(procs)-1].Process.Pid
	}
	for i, addr := range c.http {
		if err := waitHTTP(ctx, "http://"+addr+"/q/health", 30*time.Second); err != nil {
			return fail(fmt.Errorf("bench: validator %d: %w (see %s)", i+1, err, filepath.Join(dataDir, fmt.Sprintf("validator-%d.log", i+1))))
		}
	}
	chain, err := bench.FollowRemote(ctx, c.http, []string{c.kafka})
	if err != nil {
		return fail(err)
	}
	stop := func() error {
		chain.Close()
		return stopAll()
	}
	return bench.Target{
		Brokers: []string{c.kafka}, TxPartitions: 6, HTTP: c.http[0],
		Chain: chain, HasLeader: func() bool { return anyNodeHasLeader(c.http) }, PIDs: pids,
	}, stop, nil
}

// anyNodeHasLeader asks the validators at addrs (host:port of their HTTP
// API) whether they know a leader.
func anyNodeHasLeader(addrs []string) bool {
	client := http.Client{Timeout: time.Second}
	for _, addr := range addrs {
		resp, err := client.Get("http://" + addr + "/api/v12/validators?stale=true")
		if err != nil {
			continue
		}
		var v struct {
			Leader uint64 `json:"leader"`
		}
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err == nil && v.Leader != 0 {
			return true
		}
	}
	return false
}

func stopProcess(cmd *exec.Cmd, grace time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("bench: %s exited after SIGTERM: %w", filepath.Base(cmd.Args[1]), err)
		}
		return nil
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("bench: %s did not stop within %v of SIGTERM; killed", cmd.Args[1], grace)
	}
}

func waitListening(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not listening on %s after %v: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHTTP waits until url answers at all: a validator that answers
// /q/health, even DOWN before its first election, is up and serving.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	client := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not answering after %v: %w", url, timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// externalCluster is a pipeline that runs elsewhere: validators whose HTTP
// APIs are at nodes, on the Kafka-protocol cluster at brokers.
func externalCluster(nodes, brokers []string, partitions int32, opts []kgo.Opt) bench.Starter {
	return func(ctx context.Context, _ string) (bench.Target, func() error, error) {
		chain, err := bench.FollowRemote(ctx, nodes, brokers, opts...)
		if err != nil {
			return bench.Target{}, nil, err
		}
		return bench.Target{
			Brokers: brokers, KafkaOpts: opts, TxPartitions: partitions, HTTP: nodes[0], Chain: chain,
			HasLeader: func() bool { return anyNodeHasLeader(nodes) }, External: true,
		}, func() error { chain.Close(); return nil }, nil
	}
}
