package cargo

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// Every text cargo, rustc, clippy or rustfmt print about a checkout may
// reach GitHub (a finding's message, the summary, an annotation, a fix's
// reply, a failed review's summary). The worker's absolute paths in it are
// replaced before it leaves this package: the checkout becomes relative
// paths ("Cargo.toml", "." for the checkout itself, "../x" for a path the
// pull request made leave it), and the other dirs commands see become
// placeholders:
//
//	<target>      CARGO_TARGET_DIR
//	<cargo-home>  CARGO_HOME (registry and git sources, fetch's state)
//	<fetch>       Options.FetchDir, when it is not inside the cargo home
//	<toolchain>   the toolchain's sysroot
//	<rustup>      RUSTUP_HOME
//	<tmp>         the temporary dir (other paths in it: a base exported
//	              for a comparison, a checkout's copy)
//
// Replacement is literal (a path may hold any byte) and stops at a path
// boundary: the checkout /d/src/1-1 is not replaced inside /d/src/1-10.

// Placeholders of the worker's dirs in redacted text.
const (
	PlaceholderTarget    = "<target>"
	PlaceholderCargoHome = "<cargo-home>"
	PlaceholderFetch     = "<fetch>"
	PlaceholderToolchain = "<toolchain>"
	PlaceholderRustup    = "<rustup>"
	PlaceholderTemp      = "<tmp>"
)

// redactor replaces the worker's dirs in text.
type redactor struct {
	// pairs are sorted longest path first, so that a dir inside another is
	// replaced as itself.
	pairs []redaction
}

// redaction is one dir and what replaces it; an empty with means the dir
// is the checkout: paths below it become relative.
type redaction struct {
	dir, with string
}

// newRedactor returns the redactor of a command run in dir with opts.
func newRedactor(dir string, opts Options) *redactor {
	r := &redactor{}
	r.add(dir, "")
	if opts.TargetDir != "" {
		r.add(opts.TargetDir, PlaceholderTarget)
	}
	if opts.TargetDir != "" || opts.CargoHome != "" {
		r.add(cargoHome(opts), PlaceholderCargoHome)
	}
	if opts.FetchDir != "" {
		r.add(opts.FetchDir, PlaceholderFetch)
	}
	if tc, err := pinnedToolchain(dir); err == nil && tc.sysroot != "" {
		r.add(tc.sysroot, PlaceholderToolchain)
	}
	if opts.Toolchain != "" {
		if tc, err := namedToolchain(opts.Toolchain); err == nil && tc.sysroot != "" {
			r.add(tc.sysroot, PlaceholderToolchain)
		}
	}
	r.add(rustupHome(), PlaceholderRustup)
	r.add(os.TempDir(), PlaceholderTemp)
	// A path the pull request wrote that leaves the checkout ("../x")
	// comes back absolute: it is made relative again, but for top-level
	// dirs such as /tmp.
	for _, form := range r.checkoutForms() {
		up := ".."
		for a := filepath.Dir(form); strings.Count(a, "/") > 1; a = filepath.Dir(a) {
			r.add(a, up)
			up += "/.."
		}
	}
	sort.SliceStable(r.pairs, func(i, j int) bool { return len(r.pairs[i].dir) > len(r.pairs[j].dir) })
	return r
}

// add registers dir (made absolute, and also as its links resolve) unless
// it is empty or the root.
func (r *redactor) add(dir, with string) {
	if dir == "" {
		return
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	forms := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		forms = append(forms, real)
	}
	for _, f := range forms {
		if f == "/" || f == "." {
			continue
		}
		dup := false
		for _, p := range r.pairs {
			dup = dup || p.dir == f
		}
		if !dup {
			r.pairs = append(r.pairs, redaction{dir: f, with: with})
		}
	}
}

// checkoutForms are the checkout's registered forms.
func (r *redactor) checkoutForms() []string {
	var out []string
	for _, p := range r.pairs {
		if p.with == "" {
			out = append(out, p.dir)
		}
	}
	return out
}

// text returns s with the worker's dirs replaced.
func (r *redactor) text(s string) string {
	if r == nil {
		return s
	}
	for _, p := range r.pairs {
		s = replaceDir(s, p.dir, p.with)
	}
	return s
}

// bytes is text for a command's output.
func (r *redactor) bytes(b []byte) []byte {
	if r == nil || len(b) == 0 {
		return b
	}
	return []byte(r.text(string(b)))
}

// diagnostics redacts every text of ds in place: messages, notes, rendered
// text, fixes' messages, labels and span paths.
func (r *redactor) diagnostics(ds []review.Diagnostic) {
	if r == nil {
		return
	}
	for i := range ds {
		d := &ds[i]
		d.Message = r.text(d.Message)
		d.Rendered = r.text(d.Rendered)
		for j := range d.Notes {
			d.Notes[j] = r.text(d.Notes[j])
		}
		for j := range d.Spans {
			r.span(&d.Spans[j])
		}
		for j := range d.Fixes {
			d.Fixes[j].Message = r.text(d.Fixes[j].Message)
			for k := range d.Fixes[j].Edits {
				r.span(&d.Fixes[j].Edits[k].Span)
			}
		}
	}
}

// span redacts a span's label and an absolute path (a file outside the
// checkout: a dependency's, the standard library's).
func (r *redactor) span(s *review.Span) {
	s.Label = r.text(s.Label)
	if strings.HasPrefix(s.Path, "/") {
		s.Path = r.text(s.Path)
	}
}

// replaceDir replaces each occurrence of dir in s that ends at a path
// boundary: with + the rest of the path, or, for the checkout (with ""),
// the path relative to it ("." for dir itself).
func replaceDir(s, dir, with string) string {
	if dir == "" || !strings.Contains(s, dir) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, dir)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(dir)
		switch {
		case j < len(s) && s[j] == '/':
			b.WriteString(s[:i])
			if with == "" {
				s = s[j+1:] // the relative path follows
			} else {
				b.WriteString(with)
				s = s[j:]
			}
		case j == len(s) || !continuesName(s, j):
			b.WriteString(s[:i])
			if with == "" {
				b.WriteString(".")
			} else {
				b.WriteString(with)
			}
			s = s[j:]
		default: // a longer name: /d/src/1-10 when dir is /d/src/1-1
			b.WriteString(s[:j])
			s = s[j:]
		}
	}
}

// continuesName reports whether the byte at j continues the path
// component before it, rather than ending it: a letter, digit, `_`, `-`,
// `+`, `~`, `@`, `%`, `=`, a non-ASCII byte, or a `.` followed by one of
// these (a `.` that ends a sentence ends the path).
func continuesName(s string, j int) bool {
	c := s[j]
	if c == '.' {
		return j+1 < len(s) && (s[j+1] == '.' || nameByte(s[j+1]))
	}
	return nameByte(c)
}

func nameByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("_-+~@%=", c) >= 0
}

// RedactDir replaces dir (absolute, and as its links resolve) in text with
// placeholder, at path boundaries as the redaction of cargo's text does:
// for text that reaches GitHub from elsewhere, such as a task's error
// naming the worker's data dir.
// An empty placeholder leaves text as it is.
func RedactDir(text, dir, placeholder string) string {
	if placeholder == "" {
		return text
	}
	r := &redactor{}
	r.add(dir, placeholder)
	return r.text(text)
}

// RedactText returns text with the worker's paths replaced as for a
// command run in dir with opts: for text built elsewhere from a tool's
// output (a depth check's note quoting an error).
func RedactText(text, dir string, opts Options) string {
	return newRedactor(dir, opts).text(text)
}

// RedactDiagnostics redacts ds in place as RedactText does, for
// diagnostics built elsewhere from a tool's output.
func RedactDiagnostics(ds []review.Diagnostic, dir string, opts Options) {
	newRedactor(dir, opts).diagnostics(ds)
}
