package raftnode

import (
	"context"
	"log/slog"
	"slices"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger routes what etcd's WAL, snapshotter and file purger log through
// zap into l, so their warnings (a slow fdatasync, a stray file in the WAL
// directory, a broken snapshot renamed aside, a torn record repaired) reach
// the process's log with the validator's attributes instead of being
// dropped.
func zapLogger(l *slog.Logger) *zap.Logger { return zap.New(zapCore{h: l.Handler()}) }

// zapCore is a zapcore.Core writing into a slog.Handler.
type zapCore struct{ h slog.Handler }

func (c zapCore) Enabled(lvl zapcore.Level) bool {
	return c.h.Enabled(context.Background(), slogLevel(lvl))
}

func (c zapCore) With(fields []zapcore.Field) zapcore.Core {
	return zapCore{h: c.h.WithAttrs(zapAttrs(fields))}
}

func (c zapCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c zapCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	r := slog.NewRecord(e.Time, slogLevel(e.Level), e.Message, 0)
	if e.LoggerName != "" {
		r.AddAttrs(slog.String("logger", e.LoggerName))
	}
	r.AddAttrs(zapAttrs(fields)...)
	return c.h.Handle(context.Background(), r)
}

func (zapCore) Sync() error { return nil }

// slogLevel maps zap's levels onto slog's four; zap's panic and fatal levels
// are errors (zap itself panics or exits after writing them).
func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

// zapAttrs renders each field with zap's own object encoder, so errors,
// durations, objects and arrays come out as zap would write them. etcd names
// errors "error"; they become "err", the key every other line of the process
// uses, so one query finds them all.
func zapAttrs(fields []zapcore.Field) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		// One field may write several keys (an error with a verbose form
		// adds "errorVerbose"); sorted, a line reads the same every time.
		keys := make([]string, 0, len(enc.Fields))
		for k := range enc.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := enc.Fields[k]
			if k == "error" {
				k = "err"
			}
			attrs = append(attrs, slog.Any(k, v))
		}
	}
	return attrs
}
