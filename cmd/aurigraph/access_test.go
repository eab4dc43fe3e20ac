package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// testGuard is the guard a loopback process gets from f: with no identity
// source, anonymous callers are admins, as in a zero-configuration dev.
func testGuard(t *testing.T, f accessFlags) accessSetup {
	t.Helper()
	acc, err := f.build(context.Background(), testLog(t), nil, "127.0.0.1:0", "127.0.0.1:0", grpcTLSFlags{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.close)
	return acc
}

// The first admin key comes from the key file itself; the process reads it
// without a restart.
func TestAPIKeyCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newRootCommand()
		cmd.SetOut(&out)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(append([]string{"api-key", "--file", file}, args...))
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	acc := testGuard(t, accessFlags{apiKeys: file, anonymous: "none"})
	secret, err := run("create", "--name", "first-admin", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	waitFor(t, 10*time.Second, "the running process to accept the new key", func() (bool, string) {
		p, err := acc.guard.Auth().Bearer(context.Background(), secret)
		return err == nil && p.Role == auth.RoleAdmin, fmt.Sprint(p, err)
	})
	out, err := run("list")
	if err != nil || !strings.Contains(out, "first-admin") || strings.Contains(out, secret) || strings.Contains(out, "sha256") {
		t.Fatalf("list: %v %s", err, out)
	}
	if _, err := run("create", "--name", "x", "--role", "root"); err == nil {
		t.Fatal("a key with an unknown role was created")
	}
}
