package review

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// LineKind says how a line of a hunk relates to the base and the head.
type LineKind int

// The kinds of hunk lines.
const (
	LineContext LineKind = iota // in both base and head
	LineDeleted                 // in the base only
	LineAdded                   // in the head only (added or modified)
)

// DiffLine is one line of a hunk. OldLine and NewLine are 1-based line
// numbers in the base and the head; the one a line does not have is 0.
type DiffLine struct {
	Kind    LineKind
	OldLine int
	NewLine int
	// Text is the line's content including its line ending, if it has one.
	Text string
	// NoNewline is true when the line ends its file without a newline
	// (`\ No newline at end of file`).
	NoNewline bool
}

// Hunk is one `@@` section of a file's diff.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Lines              []DiffLine
	// added lists the head line numbers this hunk adds, ascending.
	added []int
}

// ContainsNew reports whether head line n lies within the hunk.
func (h *Hunk) ContainsNew(n int) bool {
	return h.NewLines > 0 && n >= h.NewStart && n < h.NewStart+h.NewLines
}

// FileDiff is the diff of one file between the base and the head.
type FileDiff struct {
	// OldPath is the path in the base ("" for a new file); NewPath the path
	// in the head ("" for a deleted file). Both are slash-separated and
	// relative to the repository root.
	OldPath, NewPath string
	IsNew, IsDelete  bool
	IsRename, IsCopy bool
	// IsBinary is true for binary files, which have no hunks.
	IsBinary         bool
	OldMode, NewMode os.FileMode
	Hunks            []Hunk
}

// Path returns the file's path in the head, or in the base when the file
// was deleted.
func (f *FileDiff) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// ModeChanged reports whether the file's mode differs between base and head.
func (f *FileDiff) ModeChanged() bool {
	return f.OldMode != 0 && f.NewMode != 0 && f.OldMode != f.NewMode
}

// HunkAt returns the index of the hunk that holds head line n, or -1.
func (f *FileDiff) HunkAt(n int) int {
	i := sort.Search(len(f.Hunks), func(i int) bool {
		h := &f.Hunks[i]
		return h.NewStart+h.NewLines > n
	})
	for ; i < len(f.Hunks); i++ {
		h := &f.Hunks[i]
		if h.ContainsNew(n) {
			return i
		}
		if h.NewLines > 0 {
			break
		}
	}
	return -1
}

// HunkAtOld returns the index of the hunk that holds base line n, or -1.
func (f *FileDiff) HunkAtOld(n int) int {
	for i := range f.Hunks {
		h := &f.Hunks[i]
		if h.OldLines > 0 && n >= h.OldStart && n < h.OldStart+h.OldLines {
			return i
		}
	}
	return -1
}

// HunkAtSide returns the index of the hunk that holds line n of side
// (SideLeft: the base, otherwise the head), or -1.
func (f *FileDiff) HunkAtSide(side string, n int) int {
	if side == SideLeft {
		return f.HunkAtOld(n)
	}
	return f.HunkAt(n)
}

// IsAdded reports whether head line n is an added or modified line.
func (f *FileDiff) IsAdded(n int) bool {
	i := f.HunkAt(n)
	if i < 0 {
		return false
	}
	added := f.Hunks[i].added
	j := sort.SearchInts(added, n)
	return j < len(added) && added[j] == n
}

// AddedLines returns every added head line number of the file, ascending.
func (f *FileDiff) AddedLines() []int {
	var out []int
	for i := range f.Hunks {
		out = append(out, f.Hunks[i].added...)
	}
	return out
}

// Diff is a parsed unified diff between a base and a head revision.
type Diff struct {
	Files []*FileDiff
	// byNew indexes Files by head path (deleted files are not in it).
	byNew map[string]*FileDiff
}

// File returns the diff of the file at head path p.
func (d *Diff) File(p string) (*FileDiff, bool) {
	if d == nil {
		return nil, false
	}
	f, ok := d.byNew[p]
	return f, ok
}

// IsAdded reports whether line n of head file p is added or modified.
func (d *Diff) IsAdded(p string, n int) bool {
	f, ok := d.File(p)
	return ok && f.IsAdded(n)
}

// HunkAt returns the index of the hunk of head file p that holds line n,
// or -1.
func (d *Diff) HunkAt(p string, n int) int {
	f, ok := d.File(p)
	if !ok {
		return -1
	}
	return f.HunkAt(n)
}

// ChangedPaths returns the head paths of files that exist in the head and
// changed, in diff order.
func (d *Diff) ChangedPaths() []string {
	var out []string
	for _, f := range d.Files {
		if f.NewPath != "" && !f.IsDelete {
			out = append(out, f.NewPath)
		}
	}
	return out
}

// ParseDiff parses the output of `git diff` (unified format with git
// headers). An empty input is an empty diff.
func ParseDiff(unified []byte) (*Diff, error) {
	files, _, err := gitdiff.Parse(bytes.NewReader(unified))
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	d := &Diff{byNew: make(map[string]*FileDiff, len(files))}
	for _, gf := range files {
		f, err := convertFile(gf)
		if err != nil {
			return nil, err
		}
		if f.NewPath != "" {
			if _, dup := d.byNew[f.NewPath]; dup {
				return nil, fmt.Errorf("parse diff: file %q appears twice", f.NewPath)
			}
			d.byNew[f.NewPath] = f
		}
		d.Files = append(d.Files, f)
	}
	return d, nil
}

// ParseFilePatch parses the hunks of one file's patch as GitHub's API
// gives them (the `patch` of a pull request file: `@@` sections without
// git headers) for head path p.
func ParseFilePatch(p, patch string) (*FileDiff, error) {
	if patch == "" {
		return &FileDiff{OldPath: p, NewPath: p}, nil
	}
	if !strings.HasSuffix(patch, "\n") {
		patch += "\n"
	}
	// The path is set afterwards: a name GitHub allows may not survive a
	// traditional header.
	d, err := ParseDiff([]byte("--- a/file\n+++ b/file\n" + patch))
	if err != nil {
		return nil, err
	}
	if len(d.Files) != 1 {
		return nil, fmt.Errorf("parse patch of %s: %d files in it", p, len(d.Files))
	}
	f := d.Files[0]
	f.OldPath, f.NewPath = p, p
	return f, nil
}

func convertFile(gf *gitdiff.File) (*FileDiff, error) {
	f := &FileDiff{
		OldPath:  gf.OldName,
		NewPath:  gf.NewName,
		IsNew:    gf.IsNew,
		IsDelete: gf.IsDelete,
		IsRename: gf.IsRename,
		IsCopy:   gf.IsCopy,
		IsBinary: gf.IsBinary,
		OldMode:  gf.OldMode,
		NewMode:  gf.NewMode,
	}
	if f.IsNew {
		f.OldPath = ""
	}
	if f.IsDelete {
		f.NewPath = ""
	}
	prevEnd := 0
	for _, frag := range gf.TextFragments {
		h, err := convertFragment(frag)
		if err != nil {
			return nil, fmt.Errorf("parse diff of %s: %w", f.Path(), err)
		}
		if h.NewLines > 0 && h.NewStart < prevEnd || h.NewStart+h.NewLines < prevEnd {
			return nil, fmt.Errorf("parse diff of %s: hunk at head line %d overlaps or precedes the previous one", f.Path(), h.NewStart)
		}
		prevEnd = max(prevEnd, h.NewStart+h.NewLines)
		f.Hunks = append(f.Hunks, h)
	}
	return f, nil
}

func convertFragment(frag *gitdiff.TextFragment) (Hunk, error) {
	if err := frag.Validate(); err != nil {
		return Hunk{}, err
	}
	h := Hunk{
		OldStart: int(frag.OldPosition), OldLines: int(frag.OldLines),
		NewStart: int(frag.NewPosition), NewLines: int(frag.NewLines),
		Lines: make([]DiffLine, 0, len(frag.Lines)),
	}
	if h.NewLines > 0 && h.NewStart < 1 || h.OldLines > 0 && h.OldStart < 1 {
		return Hunk{}, fmt.Errorf("hunk %s starts before line 1", strings.TrimSpace(frag.Header()))
	}
	oldN, newN := h.OldStart, h.NewStart
	for _, l := range frag.Lines {
		dl := DiffLine{Text: l.Line, NoNewline: l.NoEOL()}
		switch l.Op {
		case gitdiff.OpContext:
			dl.Kind, dl.OldLine, dl.NewLine = LineContext, oldN, newN
			oldN++
			newN++
		case gitdiff.OpDelete:
			dl.Kind, dl.OldLine = LineDeleted, oldN
			oldN++
		case gitdiff.OpAdd:
			dl.Kind, dl.NewLine = LineAdded, newN
			h.added = append(h.added, newN)
			newN++
		}
		h.Lines = append(h.Lines, dl)
	}
	return h, nil
}

// Anchor narrows comment c (one without a suggestion, whose lines can
// move) to the added lines of its range when filter is FilterAdded: it
// then starts on the first and ends on the last added line of
// start_line..line. It reports whether c now lies on added lines only;
// a comment with a suggestion, or with no added line in its range, is left
// as it is.
func Anchor(c *Comment, d *Diff, filter Filter) bool {
	if filter != FilterAdded && filter != "" {
		return true
	}
	fd, ok := d.File(c.Path)
	if !ok || c.Side == SideLeft {
		return false
	}
	start := c.StartLine
	if start <= 0 || start > c.Line {
		start = c.Line
	}
	first, last := 0, 0
	for n := start; n <= c.Line; n++ {
		if fd.IsAdded(n) {
			if first == 0 {
				first = n
			}
			last = n
		}
	}
	if first == start && last == c.Line {
		return true
	}
	if c.Suggestion != nil || first == 0 {
		return false
	}
	c.StartLine, c.Line = first, last
	return true
}
