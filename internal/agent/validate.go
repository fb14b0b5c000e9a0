package agent

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/symposium-dev/symposium/review"
)

// maxAnswerBytes caps the text collected from an agent.
const maxAnswerBytes = 1 << 20

// Limits caps what an agent's answer may hold; zero fields take the defaults.
type Limits struct {
	MaxComments     int // default 20
	MaxCommentBytes int // default 4000
	MaxPatches      int // default 10
	MaxPatchBytes   int // default 32 KiB
	MaxSummaryBytes int // default 6000
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxComments, 20)
	def(&l.MaxCommentBytes, 4000)
	def(&l.MaxPatches, 10)
	def(&l.MaxPatchBytes, 32<<10)
	def(&l.MaxSummaryBytes, 6000)
	return l
}

// htmlComment matches hidden HTML comments, which could forge our markers.
var htmlComment = regexp.MustCompile(`(?s)<!--.*?(-->|$)`)

// sanitize removes hidden HTML comments from agent markdown and caps it.
func sanitize(s string, limit int) string {
	s = strings.TrimSpace(htmlComment.ReplaceAllString(s, ""))
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}

// rejection is one patch dropped before verification, and why.
type rejection struct {
	desc   string
	reason string
}

// validated is an answer after the checks that need no build.
type validated struct {
	summary  string
	comments []Comment // on lines of the diff
	offDiff  []Comment // elsewhere: for the summary
	patches  []checkedPatch
	rejected []rejection
	overCap  int // comments and patches beyond the caps
}

// checkedPatch is a patch that passed the static checks, parsed.
type checkedPatch struct {
	Patch
	files []*gitdiff.File
}

// validate applies the static checks to an answer.
func validate(d *review.Diff, r Response, lim Limits) validated {
	lim = lim.withDefaults()
	v := validated{summary: sanitize(r.Summary, lim.MaxSummaryBytes)}
	for _, c := range r.Comments {
		if len(v.comments)+len(v.offDiff) >= lim.MaxComments {
			v.overCap++
			continue
		}
		c.Body = sanitize(c.Body, lim.MaxCommentBytes)
		start := c.StartLine
		if start == 0 {
			start = c.Line
		}
		if inOneHunk(d, c.Path, start, c.Line) {
			c.StartLine = start
			v.comments = append(v.comments, c)
		} else {
			v.offDiff = append(v.offDiff, c)
		}
	}
	for _, p := range r.Patches {
		if len(v.patches)+len(v.rejected) >= lim.MaxPatches {
			v.overCap++
			continue
		}
		p.Description = sanitize(p.Description, 500)
		if len(p.Diff) > lim.MaxPatchBytes {
			v.rejected = append(v.rejected, rejection{p.Description, fmt.Sprintf("larger than %d bytes", lim.MaxPatchBytes)})
			continue
		}
		p.Diff = recountHunks(p.Diff)
		files, err := checkPatch(d, p.Diff)
		if err != nil {
			v.rejected = append(v.rejected, rejection{p.Description, err.Error()})
			continue
		}
		v.patches = append(v.patches, checkedPatch{Patch: p, files: files})
	}
	return v
}

// checkPatch parses a patch and refuses any that touches a file the pull
// request did not change, .github/, adds build.rs, renames, deletes,
// creates, changes modes or carries binary data.
func checkPatch(d *review.Diff, diff string) ([]*gitdiff.File, error) {
	files, _, err := gitdiff.Parse(strings.NewReader(diff))
	if err != nil {
		return nil, fmt.Errorf("not a unified diff: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("not a unified diff: no file in it")
	}
	// A diff without `diff --git` headers (as models often write them)
	// keeps a first path component (a/, b/) that `git apply` strips (-p1).
	headerless := !strings.HasPrefix(diff, "diff --git ") && !strings.Contains(diff, "\ndiff --git ")
	for _, f := range files {
		if headerless {
			f.OldName, f.NewName = stripComponent(f.OldName), stripComponent(f.NewName)
		}
		name := f.NewName
		if name == "" {
			name = f.OldName
		}
		switch {
		case strings.HasPrefix(name, ".github/") || name == ".github":
			return nil, fmt.Errorf("touches %s: .github/ is off limits", name)
		case path.Base(name) == "build.rs" && (f.IsNew || !changed(d, name)):
			return nil, fmt.Errorf("adds %s: build scripts are off limits", name)
		case f.IsNew || f.IsDelete || f.IsRename || f.IsCopy:
			return nil, fmt.Errorf("creates, deletes or renames %s", name)
		case f.OldName != f.NewName:
			return nil, fmt.Errorf("old and new names differ: %s, %s", f.OldName, f.NewName)
		case f.IsBinary || f.BinaryFragment != nil:
			return nil, fmt.Errorf("binary change to %s", name)
		case f.NewMode != 0 && f.OldMode != f.NewMode:
			return nil, fmt.Errorf("mode change of %s", name)
		case strings.Contains("/"+name+"/", "/../") || path.IsAbs(name):
			return nil, fmt.Errorf("path %s leaves the repository", name)
		case !changed(d, name):
			return nil, fmt.Errorf("touches %s, which the pull request does not change", name)
		case len(f.TextFragments) == 0:
			return nil, fmt.Errorf("no change to %s", name)
		}
	}
	return files, nil
}

// stripComponent drops the first component of a slash-separated path, as
// `git apply -p1` does; a name without one is returned as it is.
func stripComponent(name string) string {
	if _, rest, ok := strings.Cut(name, "/"); ok {
		return rest
	}
	return name
}
