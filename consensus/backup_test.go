package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/internal/backup"
	"github.com/aurigraph/aurigraph/internal/chain"
)

// takeBackup writes a backup of n into a file and returns its path and manifest.
func takeBackup(t *testing.T, n *Node) (string, backup.Manifest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "node.backup")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := n.WriteBackup(context.Background(), f)
	if err != nil {
		t.Fatalf("WriteBackup on validator %d: %v", n.ID(), err)
	}
	return path, m
}

// TestBackupRestoreRejoins takes a backup of a follower, lets the chain go
// on, loses the follower, restores the backup as a new member and checks
// that it joins, catches up from the leader and ends with the same chain,
// every block signed by itself.
func TestBackupRestoreRejoins(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries = 4
		cfg.SnapshotCatchUpEntries = 2
	})
	lead := c.leader()
	load := startLoad(t, []*Node{c.nodes[1], c.nodes[2], c.nodes[3]})
	waitFor(t, "load before the backup", func() bool { return load.committed() >= 12 })
	lost := c.followers(lead)[0]
	lostID := lost.ID()
	waitFor(t, "a snapshot on the follower", func() bool { _, err := lost.NewestSnapshot(); return err == nil })
	// Taken while the follower applies the load.
	path, m := takeBackup(t, lost)
	if m.NodeID != lostID || m.Height == 0 || m.AppliedIndex == 0 || len(m.Parts) != 3 {
		t.Fatalf("manifest = %+v", m)
	}
	before := load.committed()
	waitFor(t, "load after the backup", func() bool { return load.committed() >= before+8 })

	c.stop(lostID)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.leader().RemoveMember(ctx, lostID); err != nil {
		t.Fatalf("RemoveMember(%d): %v", lostID, err)
	}
	addr := c.addJoiner(4)
	res, err := RestoreBackup(ctx, RestoreOptions{File: path, DataDir: c.dirs[4], NodeID: 4, Logger: testLogger()})
	if err != nil {
		t.Fatalf("RestoreBackup: %v", err)
	}
	if !res.Verified.OK || res.Verified.Height != m.Height {
		t.Fatalf("restore verified %+v, want ok at height %d", res.Verified, m.Height)
	}
	if err := c.leader().AddMember(ctx, 4, addr); err != nil {
		t.Fatalf("AddMember(4): %v", err)
	}
	n4 := c.startJoiner(4)
	before = load.committed()
	waitFor(t, "load after the restored validator started", func() bool { return load.committed() >= before+5 })
	load.halt()
	want := c.sameChain()
	waitFor(t, "validator 4 promoted to voter", func() bool {
		return slices.Contains(memberIDs(c.leader().Members(), true), 4)
	})
	// The leader registers validator 4's key after the promotion; the state
	// matches once validator 4 applied that too.
	waitFor(t, "the restored validator's state to match the leader's", func() bool { return stateOf(n4) == stateOf(c.leader()) })
	rep, err := VerifyChain(context.Background(), n4.Blocks())
	if err != nil || !rep.OK || rep.Height != want.Height {
		t.Fatalf("VerifyChain on the restored validator = %+v, %v", rep, err)
	}
	for _, h := range []uint64{1, m.Height, want.Height} {
		if s, err := n4.Blocks().Signature(h); err != nil || s.Signer != 4 {
			t.Fatalf("block %d on the restored validator signed by %d (%v), want 4", h, s.Signer, err)
		}
	}
}

// TestRestoreRefuses checks that a restore refuses what it must, and writes
// nothing when it does.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, func(cfg *Config) { cfg.SnapshotEntries = 20 })
	lead := c.leader()
	if _, err := lead.WriteBackup(context.Background(), io.Discard); !errors.Is(err, ErrBackupNotReady) {
		t.Fatalf("WriteBackup before the first snapshot = %v, want ErrBackupNotReady", err)
	}
	for i := range int64(24) {
		mustPropose(t, lead, batch(i, mint(fmt.Sprintf("r%d", i), "alice", 1)))
	}
	waitFor(t, "a snapshot", func() bool { _, err := lead.NewestSnapshot(); return err == nil })
	path, _ := takeBackup(t, lead)
	reg := c.regs[lead.ID()]
	if ok, notReady := counterValue(t, reg, "aurigraph_consensus_backups_total", "ok"), counterValue(t, reg, "aurigraph_consensus_backups_total", "not_ready"); ok != 1 || notReady != 1 {
		t.Errorf("backups_total ok %v not_ready %v, want 1 and 1", ok, notReady)
	}
	if counterValue(t, reg, "aurigraph_consensus_backup_last_success_timestamp_seconds", "") == 0 {
		t.Error("backup_last_success_timestamp_seconds not set after a backup")
	}
	valid, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, raw []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	damaged := bytes.Clone(valid)
	// A byte of the first block's transaction id, in the blocks part.
	damaged[bytes.Index(damaged, []byte("r0"))] ^= 0x01
	forged := bytes.Clone(valid)
	at := bytes.Index(forged, []byte(`"genesis_hash":"`)) + len(`"genesis_hash":"`)
	copy(forged[at:], "xx")
	version := bytes.Clone(valid)
	version[len("AURIBKUP")]++
	var traversal bytes.Buffer
	w := backup.NewWriter(&traversal)
	pw, _ := w.Part("../../wal/0000000000000000-0000000000000000.wal")
	pw.Write([]byte("x"))
	w.Close(backup.Manifest{NodeID: 1, AppliedIndex: 1})
	nonEmpty := t.TempDir()
	os.WriteFile(filepath.Join(nonEmpty, "keep"), []byte("x"), 0o600)

	for _, tc := range []struct {
		name, file, dir string
		id              uint64
		want            string
	}{
		{"non-empty data dir", path, nonEmpty, 2, "is not empty"},
		{"the backup's own id", path, "", 1, "same id"},
		{"no id", path, "", 0, "id is required"},
		{"bad checksum", variant("damaged", damaged), "", 2, "not a valid aurigraph backup"},
		{"manifest of another chain", variant("forged", forged), "", 2, "another chain"},
		{"wrong format version", variant("version", version), "", 2, "format version 2"},
		{"path traversal", variant("traversal", traversal.Bytes()), "", 2, "unexpected part"},
		{"truncated", variant("truncated", valid[:len(valid)-10]), "", 2, "not a valid aurigraph backup"},
		{"missing file", filepath.Join(t.TempDir(), "none"), "", 2, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "data")
			}
			_, err := RestoreBackup(context.Background(), RestoreOptions{File: tc.file, DataDir: dir, NodeID: tc.id, Logger: testLogger()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RestoreBackup = %v, want an error saying %q", err, tc.want)
			}
			if tc.dir == "" {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused restore created %s (%v)", dir, err)
				}
			} else if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("a refused restore changed %s: %v", dir, entries)
			}
			if _, err := os.Stat(filepath.Join(dir, restoreStaging)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused restore left %s", restoreStaging)
			}
		})
	}

	t.Run("the root of a new volume", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "lost+found"), 0o700)
		if _, err := RestoreBackup(context.Background(), RestoreOptions{File: path, DataDir: dir, NodeID: 2, Logger: testLogger()}); err != nil {
			t.Fatalf("restore into a directory holding only lost+found: %v", err)
		}
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if want := []string{BlocksFile, "lost+found", "snap", KeyFile, "wal"}; !slices.Equal(names, want) {
			t.Errorf("restored dir holds %v, want %v", names, want)
		}
	})

	t.Run("force moves the old files aside", func(t *testing.T) {
		res, err := RestoreBackup(context.Background(), RestoreOptions{File: path, DataDir: nonEmpty, NodeID: 2, Force: true, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(res.Replaced, "keep")); err != nil || filepath.Dir(res.Replaced) != nonEmpty {
			t.Errorf("what the dir held was not kept inside it, at %q: %v", res.Replaced, err)
		}
		if _, err := os.Stat(filepath.Join(nonEmpty, "keep")); err == nil {
			t.Error("what the dir held is still in place beside the restored files")
		}
		for _, name := range []string{KeyFile, BlocksFile, "wal", "snap"} {
			if _, err := os.Stat(filepath.Join(nonEmpty, name)); err != nil {
				t.Errorf("restored dir lacks %s: %v", name, err)
			}
		}
		// A restored dir is not restored into again.
		if _, err := RestoreBackup(context.Background(), RestoreOptions{File: path, DataDir: nonEmpty, NodeID: 2, Logger: testLogger()}); err == nil {
			t.Error("a second restore into the restored dir was accepted")
		}
	})
}

// blockingWriter takes the first write, then holds every later one until
// release closes.
type blockingWriter struct {
	first   chan struct{}
	release chan struct{}
	wrote   bool
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	if !b.wrote {
		b.wrote = true
		close(b.first)
	}
	<-b.release
	return len(p), nil
}

// TestBackupOneAtATime checks that a validator streams one backup at a
// time: each holds the snapshot it started from, so concurrent backups
// would hold one whole state each.
func TestBackupOneAtATime(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, func(cfg *Config) { cfg.SnapshotEntries = 20 })
	lead := c.leader()
	// Blocks larger than the writer's buffer, so the first backup is still
	// streaming when its writer holds.
	for i := range int64(24) {
		mustPropose(t, lead, batch(i, mint(fmt.Sprintf("b%d-%s", i, strings.Repeat("x", 4<<10)), "alice", 1)))
	}
	waitFor(t, "a snapshot", func() bool { _, err := lead.NewestSnapshot(); return err == nil })
	w := &blockingWriter{first: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := lead.WriteBackup(context.Background(), w)
		done <- err
	}()
	<-w.first
	if _, err := lead.WriteBackup(context.Background(), io.Discard); !errors.Is(err, ErrBackupBusy) {
		t.Errorf("a second backup while one streams = %v, want ErrBackupBusy", err)
	}
	close(w.release)
	if err := <-done; err != nil {
		t.Fatalf("the first backup: %v", err)
	}
	if _, err := lead.WriteBackup(context.Background(), io.Discard); err != nil {
		t.Errorf("a backup after the first ended = %v", err)
	}
	if busy := counterValue(t, c.regs[lead.ID()], "aurigraph_consensus_backups_total", "busy"); busy != 1 {
		t.Errorf("backups_total busy = %v, want 1", busy)
	}
}

// TestRestoreRefusesARemovedValidatorsID checks that a backup taken after a
// validator was removed, whose snapshot no longer names it, is not restored
// under its id: the runbook's own order (remove the lost validator, then
// take a fresh backup) would otherwise bring it back with its votes
// forgotten. The chain's key registry still records it.
func TestRestoreRefusesARemovedValidatorsID(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(cfg *Config) { cfg.SnapshotEntries = 4 })
	lead := c.leader()
	keyed := func(n *Node, id uint64) bool {
		n.chain.mu.RLock()
		defer n.chain.mu.RUnlock()
		return slices.ContainsFunc(n.chain.fsm.keys.Records(), func(r chain.KeyRecord) bool { return r.ID == id })
	}
	lost := c.followers(lead)[0].ID()
	waitFor(t, "every validator's key registered", func() bool { return keyed(lead, 1) && keyed(lead, 2) && keyed(lead, 3) })
	c.stop(lost)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := lead.RemoveMember(ctx, lost); err != nil {
		t.Fatalf("RemoveMember(%d): %v", lost, err)
	}
	for i := range int64(8) {
		mustPropose(t, lead, batch(i, mint(fmt.Sprintf("after-removal-%d", i), "alice", 1)))
	}
	waitFor(t, "a snapshot taken after the removal", func() bool {
		s, err := lead.NewestSnapshot()
		return err == nil && !slices.Contains(s.Metadata.ConfState.Voters, lost) && !slices.Contains(s.Metadata.ConfState.Learners, lost)
	})
	path, _ := takeBackup(t, lead)
	dir := filepath.Join(t.TempDir(), "data")
	_, err := RestoreBackup(ctx, RestoreOptions{File: path, DataDir: dir, NodeID: lost, Logger: testLogger()})
	if err == nil || !strings.Contains(err.Error(), "was a member of this chain") {
		t.Fatalf("RestoreBackup under removed validator %d's id = %v, want a refusal", lost, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore created %s (%v)", dir, err)
	}
	if _, err := RestoreBackup(ctx, RestoreOptions{File: path, DataDir: dir, NodeID: 7, Logger: testLogger()}); err != nil {
		t.Fatalf("RestoreBackup under a new id: %v", err)
	}
}
