// Package logging holds what the processes' slog loggers share.
package logging

import (
	"context"
	"log/slog"
)

// Key is the attribute that names the part of a process that wrote a line.
const Key = "component"

// NestComponents wraps h so that a logger tagged with a component and
// tagged again by a part it hands the logger to writes one component
// attribute, the path of both ("projector.blockfeed"), instead of the key
// twice: a JSON line with a repeated key is refused by Elasticsearch and
// read as either value by other tools.
func NestComponents(h slog.Handler) slog.Handler { return &nested{inner: h} }

type nested struct {
	inner slog.Handler
	comp  string
}

func (n *nested) Enabled(ctx context.Context, l slog.Level) bool { return n.inner.Enabled(ctx, l) }

func (n *nested) Handle(ctx context.Context, r slog.Record) error {
	if n.comp != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, n.comp))
	}
	return n.inner.Handle(ctx, r)
}

func (n *nested) WithAttrs(attrs []slog.Attr) slog.Handler {
	comp, rest := n.comp, make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a.Key != Key {
			rest = append(rest, a)
			continue
		}
		if v := a.Value.Resolve().String(); comp == "" {
			comp = v
		} else {
			comp += "." + v
		}
	}
	inner := n.inner
	if len(rest) > 0 {
		inner = inner.WithAttrs(rest)
	}
	return &nested{inner: inner, comp: comp}
}

// WithGroup writes the component before the group opens, so that it stays
// a top-level key.
func (n *nested) WithGroup(name string) slog.Handler {
	inner := n.inner
	if n.comp != "" {
		inner = inner.WithAttrs([]slog.Attr{slog.String(Key, n.comp)})
	}
	return &nested{inner: inner.WithGroup(name)}
}

// Base returns the handler NestComponents wrapped, or h itself, for callers
// that choose what to write by the handler's kind (text or JSON).
func Base(h slog.Handler) slog.Handler {
	if n, ok := h.(*nested); ok {
		return n.inner
	}
	return h
}
