package observe

import (
	"context"
	"log/slog"
	"slices"
)

// NewHandler wraps h into the handler every Symposium process logs through:
//   - a record logged with a context (InfoContext, slog.InfoContext, ...)
//     carries that context's Fields, so library code that logs with its ctx
//     gets the delivery, installation, repo, PR and task without passing a
//     logger around;
//   - a key is written once per line: an attribute added with With replaces
//     an earlier one of the same key (component "worker" then "github" logs
//     "github"), the record's own attributes replace both, and the
//     context's fields fill in only keys not already there.
//
// Pair it with ReplaceAttr in h's options for durations in milliseconds.
func NewHandler(h slog.Handler) slog.Handler { return &handler{inner: h} }

type handler struct {
	inner slog.Handler
	// attrs are the With attributes not yet handed to inner; nil once a
	// group is open (attributes then go to inner directly).
	attrs   []slog.Attr
	grouped bool
}

// Enabled implements slog.Handler.
func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	var own []slog.Attr
	r.Attrs(func(a slog.Attr) bool { own = append(own, a); return true })
	out := make([]slog.Attr, 0, len(h.attrs)+len(own)+8)
	out = mergeAttrs(out, h.attrs)
	out = mergeAttrs(out, own)
	if ctx != nil && !h.grouped {
		for _, a := range FieldsOf(ctx).Attrs() {
			if !hasKey(out, a.Key) {
				out = append(out, a)
			}
		}
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(out...)
	return h.inner.Handle(ctx, nr)
}

// WithAttrs implements slog.Handler.
func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if h.grouped {
		return &handler{inner: h.inner.WithAttrs(as), grouped: true}
	}
	return &handler{inner: h.inner, attrs: mergeAttrs(slices.Clone(h.attrs), as)}
}

// WithGroup implements slog.Handler.
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	inner := h.inner
	if len(h.attrs) > 0 {
		inner = inner.WithAttrs(h.attrs)
	}
	return &handler{inner: inner.WithGroup(name), grouped: true}
}

// mergeAttrs appends add to dst, replacing an attribute of the same key.
func mergeAttrs(dst, add []slog.Attr) []slog.Attr {
	for _, a := range add {
		if i := slices.IndexFunc(dst, func(b slog.Attr) bool { return b.Key == a.Key }); i >= 0 {
			dst[i] = a
			continue
		}
		dst = append(dst, a)
	}
	return dst
}

func hasKey(as []slog.Attr, key string) bool {
	return slices.ContainsFunc(as, func(a slog.Attr) bool { return a.Key == key })
}

// ReplaceDurations is a slog.HandlerOptions.ReplaceAttr that logs a
// time.Duration as a number of milliseconds under the key with "_ms"
// appended ("duration" → "duration_ms": 12.5), for logs that operators
// read and query.
func ReplaceDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key+"_ms", float64(a.Value.Duration().Microseconds())/1000)
	}
	return a
}
