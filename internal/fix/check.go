package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// clippy checks the current bytes in the scratch copy. When the build
// changed one of the files fixes may touch meanwhile (a build script can),
// clippy saw other bytes than ours: its findings are of no use and the
// result is a *VerifyError.
func (p *pipeline) clippy(ctx context.Context) ([]review.Diagnostic, error) {
	if err := p.sync(ctx); err != nil {
		return nil, err
	}
	root, err := safefs.Open(p.scratch)
	if err != nil {
		return nil, fmt.Errorf("fix: %w", err)
	}
	defer root.Close()
	stamps := map[string]stamp{}
	for _, f := range p.files {
		if stamps[f], err = stampOf(root, f); err != nil {
			return nil, fmt.Errorf("fix: scratch copy: %w", err)
		}
	}
	diags, err := cargo.Clippy(ctx, p.scratch, p.copts)
	if err != nil {
		return nil, err
	}
	// The files are mounted read-only in the sandbox (readOnlyRunner); this
	// is the second line of defence.
	for _, f := range p.files {
		st, err := stampOf(root, f)
		b, rerr := root.ReadFile(f)
		if err != nil || rerr != nil || st != stamps[f] || !bytes.Equal(b, p.cur[f]) {
			return nil, &VerifyError{Reason: fmt.Sprintf("the build changed %s while cargo clippy checked it (a build script?), so its findings could not be trusted and nothing was fixed", review.CodeSpan(f))}
		}
	}
	p.checked, p.checkedDiags = maps.Clone(p.cur), diags
	return diags, nil
}

// stamp identifies a file's inode and size: a file replaced or resized
// gives another stamp. (Modification times are no use: the cargo package
// itself marks a tree's files as new when it switches target dirs.)
type stamp struct {
	dev, ino uint64
	size     int64
}

func stampOf(root *safefs.Root, f string) (stamp, error) {
	fi, err := root.Lstat(f)
	if err != nil {
		return stamp{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, fmt.Errorf("%s: no file status", f)
	}
	return stamp{dev: uint64(st.Dev), ino: st.Ino, size: st.Size}, nil
}

// readOnlyRunner runs commands with the files fixes may change mounted
// read-only over the scratch copy: no build script can write, replace or
// remove them while clippy or the tests run.
type readOnlyRunner struct {
	sandbox.Runner
	files []string
}

// Run adds the files to cmd.ReadOnly.
func (r readOnlyRunner) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	cmd.ReadOnly = append(slices.Clone(cmd.ReadOnly), r.files...)
	return r.Runner.Run(ctx, cmd)
}

// clippyErr says which check failed; a *VerifyError stays as it is.
func clippyErr(when string, err error) error {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("fix: clippy %s: %w", when, err)
}

// verify checks the fixed copy: a new error rejects every fix; a new
// warning drops the fixes of the files it is in and checks again, and
// rejects every fix when it is in no fixed file or is still there.
func (p *pipeline) verify(ctx context.Context, before []review.Diagnostic) error {
	for attempt := 0; ; attempt++ {
		after := p.checkedDiags
		if !maps.EqualFunc(p.checked, p.cur, bytes.Equal) {
			var err error
			if after, err = p.clippy(ctx); err != nil {
				return clippyErr("on the fixed head", err)
			}
		}
		if added := newFindings(before, after, review.SeverityError); len(added) > 0 {
			return &VerifyError{
				Reason: fmt.Sprintf("the fixes would break the build: cargo clippy reports %d new error(s), the first: %s", len(added), review.CodeSpan(added[0].text)),
				Detail: renderedErrors(after, 3),
			}
		}
		added := newFindings(before, after, review.SeverityWarning)
		if len(added) == 0 {
			return nil
		}
		var drop []string
		for _, a := range added {
			if b, ok := p.cur[a.path]; ok && !bytes.Equal(b, p.orig[a.path]) && !slices.Contains(drop, a.path) {
				drop = append(drop, a.path)
			}
		}
		if attempt > 0 || len(drop) == 0 || !p.dropAll(drop, added) {
			return &VerifyError{
				Reason: fmt.Sprintf("the fixes would add %d new warning(s), the first: %s", len(added), review.CodeSpan(added[0].text)),
				Detail: renderedWarnings(after, added),
			}
		}
	}
}

// dropAll undoes every fix to files, with a note naming the warning; false
// when nothing would be left.
func (p *pipeline) dropAll(files []string, added []finding) bool {
	for _, f := range files {
		p.cur[f] = p.orig[f]
		p.fixes = slices.DeleteFunc(p.fixes, func(x Fix) bool { return x.Path == f })
		for _, a := range added {
			if a.path == f {
				p.res.Notes = append(p.res.Notes, fmt.Sprintf("The fixes to %s were left out: they add a warning (%s).", review.CodeSpan(f), review.CodeSpan(a.text)))
				break
			}
		}
	}
	return p.changed()
}

func hasError(diags []review.Diagnostic) bool {
	return slices.ContainsFunc(diags, func(d review.Diagnostic) bool { return d.Severity == review.SeverityError })
}

// findingKey identifies a finding without its line numbers (fixes move lines).
func findingKey(d review.Diagnostic) (key, path string) {
	if sp, ok := d.Primary(); ok {
		path = sp.Path
	}
	msg, _, _ := strings.Cut(d.Message, "\n")
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", d.Source, d.Rule, path, msg), path
}

func countKeys(diags []review.Diagnostic, keep func(review.Diagnostic) bool) map[string]int {
	m := map[string]int{}
	for _, d := range diags {
		if keep(d) {
			k, _ := findingKey(d)
			m[k]++
		}
	}
	return m
}

// finding is a finding after has more of than before.
type finding struct{ path, text string }

// newFindings returns the findings of severity sev that after has more of
// than before (rustfmt's aside), one per kind.
func newFindings(before, after []review.Diagnostic, sev review.Severity) []finding {
	keep := func(d review.Diagnostic) bool { return d.Severity == sev && d.Source != review.SourceRustfmt }
	b, a := countKeys(before, keep), countKeys(after, keep)
	var out []finding
	for _, d := range after {
		k, path := findingKey(d)
		if keep(d) && a[k] > b[k] {
			msg, _, _ := strings.Cut(d.Message, "\n")
			text := fmt.Sprintf("%s: %s", path, msg)
			if d.Rule != "" {
				text = fmt.Sprintf("%s: %s (%s)", path, msg, d.Rule)
			}
			out = append(out, finding{path: path, text: text})
			a[k] = b[k] // report each key once
		}
	}
	return out
}

// renderedWarnings returns the rendered text of the new warnings' kinds
// (the first three).
func renderedWarnings(after []review.Diagnostic, added []finding) string {
	var b strings.Builder
	n := 0
	for _, d := range after {
		if d.Severity != review.SeverityWarning || n == 3 {
			continue
		}
		_, path := findingKey(d)
		msg, _, _ := strings.Cut(d.Message, "\n")
		if !slices.ContainsFunc(added, func(f finding) bool { return f.path == path && strings.Contains(f.text, msg) }) {
			continue
		}
		n++
		text := d.Rendered
		if text == "" {
			text = d.Message
		}
		b.WriteString(strings.TrimRight(text, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

// renderedErrors returns the rendered text of the first n errors.
func renderedErrors(diags []review.Diagnostic, n int) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity != review.SeverityError || n == 0 {
			continue
		}
		n--
		text := d.Rendered
		if text == "" {
			text = d.Message
		}
		b.WriteString(strings.TrimRight(text, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}
