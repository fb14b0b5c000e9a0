package cargo

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// linkCheck tells which files of a checkout the host must not show: files
// that are, or lie behind, a symbolic link, and relative paths that leave
// the checkout. rustc in the sandbox follows a pull request's links, so a
// message about such a file (its text, notes, labels, suggestions) may
// quote whatever the link points at.
type linkCheck struct {
	root *safefs.Root
	seen map[string]string // file → why it is hidden, "" when it is not
}

// newLinkCheck opens root; a root that cannot be opened hides nothing (it
// holds no file either).
func newLinkCheck(root string) *linkCheck {
	lc := &linkCheck{seen: map[string]string{}}
	if r, err := safefs.Open(root); err == nil {
		lc.root = r
	}
	return lc
}

func (lc *linkCheck) close() {
	if lc.root != nil {
		lc.root.Close()
	}
}

// hidden says why the span file name, as rustc gives it, is a file of the
// checkout the host must not show; "" when it may.
func (lc *linkCheck) hidden(name, rootDir string) string {
	if lc.root == nil || name == "" || strings.HasPrefix(name, "<") {
		return ""
	}
	if filepath.IsAbs(name) && !inRoot(name, rootDir) {
		return "" // the toolchain's or a dependency's source
	}
	rel := relPath(name, rootDir)
	if why, ok := lc.seen[rel]; ok {
		return why
	}
	why := ""
	switch _, err := lc.root.Lstat(rel); {
	case errors.Is(err, safefs.ErrSymlink):
		why = "is a symbolic link (or lies behind one): not followed"
	case errors.Is(err, safefs.ErrBadPath):
		why = "is outside the checkout"
	}
	lc.seen[rel] = why
	return why
}

// linkedFile returns the first file m or its children name (spans, the
// spans' macro expansions) that the host must not show, and why; "" when
// there is none.
func (lc *linkCheck) linkedFile(m compilerMessage, rootDir string) (file, why string) {
	var walk func(s compilerSpan) (string, string)
	walk = func(s compilerSpan) (string, string) {
		if why := lc.hidden(s.FileName, rootDir); why != "" {
			return relPath(s.FileName, rootDir), why
		}
		if s.Expansion != nil {
			return walk(s.Expansion.Span)
		}
		return "", ""
	}
	for _, s := range m.Spans {
		if f, why := walk(s); f != "" {
			return f, why
		}
	}
	for _, c := range m.Children {
		if f, why := lc.linkedFile(c, rootDir); f != "" {
			return f, why
		}
	}
	return "", ""
}

// linkedDiagnostic stands for a compiler message about file, which the host
// does not show (why says why): it keeps the level and the code, so that a compile error still
// counts as one, and quotes nothing of the message, which may hold the
// link target's content. It has no span, so it is never an inline comment.
func linkedDiagnostic(m compilerMessage, file, why string) review.Diagnostic {
	d := review.Diagnostic{
		Source:   review.SourceRustc,
		Severity: severity(m.Level),
		Message: fmt.Sprintf("the compiler reported %s in `%s`, which %s, so its message is not shown",
			article(severity(m.Level)), file, why),
	}
	if m.Code != nil {
		d.Rule = m.Code.Code
	}
	if strings.HasPrefix(d.Rule, "clippy::") {
		d.Source = review.SourceClippy
	}
	return d
}

func article(s review.Severity) string {
	switch s {
	case review.SeverityError:
		return "an error"
	case review.SeverityWarning:
		return "a warning"
	}
	return "a note"
}
