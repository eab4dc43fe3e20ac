package main

import (
	"context"
	"testing"
)

// testGuard is the guard a loopback process gets from f: with no identity
// source, anonymous callers are admins, as in a zero-configuration dev.
func testGuard(t *testing.T, f accessFlags) accessSetup {
	t.Helper()
	acc, err := f.build(context.Background(), testLog(t), nil, "127.0.0.1:0", "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.close)
	return acc
}
