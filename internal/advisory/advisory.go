// Package advisory reads a local checkout of the RustSec advisory database
// (the rustsec/advisory-db layout: crates/<name>/RUSTSEC-*.md, each a
// Markdown file whose TOML front matter sits in a ```toml fence) and finds
// the advisories that affect a package version. The database is the
// operator's (trusted); the package names asked about come from a pull
// request's lock file, so a name is used as a path element only when it is
// a valid crate name.
package advisory

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/cargover"
)

// EnvDB names the environment variable holding the database's directory.
const EnvDB = "SYMPOSIUM_ADVISORY_DB"

// maxAdvisoryBytes bounds one advisory file.
const maxAdvisoryBytes = 1 << 20

// Advisory is one advisory of the database.
type Advisory struct {
	ID      string
	Package string
	Title   string
	// Informational is "unsound", "unmaintained", "notice"… or "" for a
	// vulnerability.
	Informational string
	// Patched and Unaffected are the version requirements that are safe.
	Patched, Unaffected []cargover.Req
}

// PatchedText lists the patched requirements, "none" when there are none.
func (a Advisory) PatchedText() string {
	if len(a.Patched) == 0 {
		return "none"
	}
	s := make([]string, len(a.Patched))
	for i, r := range a.Patched {
		s[i] = r.String()
	}
	return strings.Join(s, " or ")
}

// Affects reports whether version v of the package is affected: it meets
// none of the patched and unaffected requirements.
func (a Advisory) Affects(v cargover.Version) bool {
	for _, r := range append(append([]cargover.Req{}, a.Patched...), a.Unaffected...) {
		if r.Matches(v) {
			return false
		}
	}
	return true
}

// DB is an advisory database on disk.
type DB struct {
	dir string
}

// Open checks that dir holds a database (a crates directory).
func Open(dir string) (*DB, error) {
	st, err := os.Stat(filepath.Join(dir, "crates"))
	if err != nil {
		return nil, fmt.Errorf("advisory database %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("advisory database %s: crates is not a directory", dir)
	}
	return &DB{dir: dir}, nil
}

var crateName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// For returns the advisories of a package that affect version, sorted by
// id; withdrawn advisories are skipped. An advisory that cannot be parsed
// is an error naming its file (the other advisories still come back).
func (db *DB) For(pkg string, version cargover.Version) ([]Advisory, error) {
	if !crateName.MatchString(pkg) {
		return nil, nil
	}
	dir := filepath.Join(db.dir, "crates", pkg)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("advisory database: %w", err)
	}
	var out []Advisory
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), "RUSTSEC-") || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		a, withdrawn, err := readAdvisory(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if withdrawn || a.Package != pkg || !a.Affects(version) {
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, errors.Join(errs...)
}

// frontMatter is the TOML of an advisory, the keys this package uses.
type frontMatter struct {
	Advisory struct {
		ID            string `toml:"id"`
		Package       string `toml:"package"`
		Title         string `toml:"title"`
		Informational string `toml:"informational"`
		Withdrawn     any    `toml:"withdrawn"`
	} `toml:"advisory"`
	Versions struct {
		Patched    []string `toml:"patched"`
		Unaffected []string `toml:"unaffected"`
	} `toml:"versions"`
}

func readAdvisory(path string) (Advisory, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Advisory{}, false, fmt.Errorf("advisory %s: %w", path, err)
	}
	if len(data) > maxAdvisoryBytes {
		return Advisory{}, false, fmt.Errorf("advisory %s: larger than %d bytes", path, maxAdvisoryBytes)
	}
	a, withdrawn, err := Parse(data)
	if err != nil {
		return Advisory{}, false, fmt.Errorf("advisory %s: %w", path, err)
	}
	return a, withdrawn, nil
}

// Parse reads one advisory file: the ```toml fence, then the Markdown whose
// first "# " heading is the title (unless the TOML has one). withdrawn is
// true for a withdrawn advisory.
func Parse(data []byte) (a Advisory, withdrawn bool, err error) {
	text := string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
	rest, ok := strings.CutPrefix(strings.TrimLeft(text, "\n"), "```toml\n")
	if !ok {
		return Advisory{}, false, errors.New("no ```toml front matter")
	}
	front, body, ok := strings.Cut(rest, "\n```")
	if !ok {
		return Advisory{}, false, errors.New("unclosed front matter")
	}
	var fm frontMatter
	if err := toml.Unmarshal([]byte(front), &fm); err != nil {
		return Advisory{}, false, fmt.Errorf("front matter: %w", err)
	}
	if fm.Advisory.ID == "" || fm.Advisory.Package == "" {
		return Advisory{}, false, errors.New("front matter lacks advisory.id or advisory.package")
	}
	a = Advisory{ID: fm.Advisory.ID, Package: fm.Advisory.Package, Title: fm.Advisory.Title, Informational: fm.Advisory.Informational}
	if a.Title == "" {
		for _, l := range strings.Split(body, "\n") {
			if t, ok := strings.CutPrefix(l, "# "); ok {
				a.Title = strings.TrimSpace(t)
				break
			}
		}
	}
	for _, set := range []struct {
		in  []string
		out *[]cargover.Req
	}{{fm.Versions.Patched, &a.Patched}, {fm.Versions.Unaffected, &a.Unaffected}} {
		for _, s := range set.in {
			r, err := cargover.ParseReq(s)
			if err != nil {
				return Advisory{}, false, err
			}
			*set.out = append(*set.out, r)
		}
	}
	return a, fm.Advisory.Withdrawn != nil, nil
}
