package raftnode_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftnodetest"
)

// jsonLog collects what a slog JSON handler writes, safely across the
// goroutines of a running validator.
type jsonLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *jsonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *jsonLog) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func (l *jsonLog) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: level}))
}

func TestZapLoggerWritesSlog(t *testing.T) {
	tests := []struct {
		name  string
		log   func(*zap.Logger)
		level slog.Level
		want  map[string]any
	}{
		{"warn with an error", func(z *zap.Logger) {
			z.Warn("failed to fsync", zap.String("path", "/d/0.wal"), zap.Error(errors.New("disk gone")))
		}, slog.LevelInfo, map[string]any{"level": "WARN", "msg": "failed to fsync", "path": "/d/0.wal", "err": "disk gone"}},
		{"duration and integers", func(z *zap.Logger) {
			z.Warn("slow fdatasync", zap.Duration("took", 1500*time.Millisecond), zap.Int64("size", 64), zap.Uint("max", 5))
		}, slog.LevelInfo, map[string]any{"level": "WARN", "took": float64(1500 * time.Millisecond), "size": float64(64), "max": float64(5)}},
		{"fields added with With", func(z *zap.Logger) {
			z.With(zap.String("dir", "wal")).Error("failed to close WAL", zap.Bool("retry", false))
		}, slog.LevelInfo, map[string]any{"level": "ERROR", "dir": "wal", "retry": false}},
		{"named logger", func(z *zap.Logger) { z.Named("purge").Info("purged", zap.String("path", "x")) },
			slog.LevelInfo, map[string]any{"level": "INFO", "logger": "purge", "path": "x"}},
		{"nil error writes nothing", func(z *zap.Logger) { z.Info("repaired", zap.Error(nil)) },
			slog.LevelInfo, map[string]any{"level": "INFO", "msg": "repaired"}},
		{"below the handler's level", func(z *zap.Logger) { z.Info("created a new WAL segment") }, slog.LevelWarn, nil},
		{"debug when enabled", func(z *zap.Logger) { z.Debug("detail") }, slog.LevelDebug,
			map[string]any{"level": "DEBUG", "msg": "detail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out jsonLog
			tt.log(raftnode.ZapLogger(out.logger(tt.level).With("validator", 7)))
			lines := out.lines(t)
			if tt.want == nil {
				if len(lines) != 0 {
					t.Fatalf("wrote %v, want nothing", lines)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("wrote %d lines (%v), want 1", len(lines), lines)
			}
			got := lines[0]
			if got["validator"] != float64(7) {
				t.Errorf("validator = %v, want the slog logger's attribute 7", got["validator"])
			}
			if _, ok := got["error"]; ok {
				t.Errorf("line %v has key error, want err", got)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v (%T), want %v (%T); line %v", k, got[k], got[k], v, v, got)
				}
			}
		})
	}
}

// TestWALWarningReachesSlog restarts a node whose WAL directory holds a
// file that is not a WAL segment: etcd's WAL warns about it, and the warning
// must be in the node's log with its attributes, not dropped.
func TestWALWarningReachesSlog(t *testing.T) {
	t.Parallel()
	var out jsonLog
	c := raftnodetest.NewCluster(t, 1, raftnodetest.Options{Tune: func(cfg *raftnode.Config) {
		cfg.Logger = out.logger(slog.LevelInfo).With("component", "consensus")
	}})
	if err := raftnodetest.Propose(c.Leader(), []byte("m1")); err != nil {
		t.Fatal(err)
	}
	c.Stop(1)
	if err := os.WriteFile(filepath.Join(c.Dirs[1], "wal", "notes.txt"), []byte("left by an operator"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Start(1)
	c.Leader()

	var found bool
	for _, l := range out.lines(t) {
		if l["msg"] != "ignored file in WAL directory" {
			continue
		}
		found = true
		want := map[string]any{"level": "WARN", "path": "notes.txt", "subsystem": "wal", "component": "consensus", "validator": float64(1)}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("%s = %v, want %v; line %v", k, l[k], v, l)
			}
		}
	}
	if !found {
		t.Fatal("the WAL's warning about notes.txt is not in the node's log")
	}
}
