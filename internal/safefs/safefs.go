// Package safefs reads and writes the files of a checkout whose content a
// pull request controls, without ever leaving it: every access goes through
// an os.Root opened on the checkout, no symbolic link is followed (in the
// file itself or in any directory on its path), only regular files are read
// or written (devices, FIFOs and sockets are refused before they are
// opened) and reads are capped at MaxFileSize.
//
// A file the pull request turned into a symbolic link is reported with
// ErrSymlink, so callers can say "`src/x.rs` is a symbolic link: not
// followed" instead of reading whatever it points at.
package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxFileSize is the largest file read from a checkout: 4 MiB, far above
// any hand-written Rust source or manifest, far below what would hurt a
// worker.
const MaxFileSize = 4 << 20

var (
	// ErrSymlink reports a path that is, or runs through, a symbolic link.
	ErrSymlink = errors.New("is a symbolic link: not followed")
	// ErrNotRegular reports a device, FIFO, socket or directory where a
	// file was expected.
	ErrNotRegular = errors.New("is not a regular file")
	// ErrTooLarge reports a file above the size cap.
	ErrTooLarge = errors.New("is too large")
	// ErrBadPath reports a path that is absolute, empty or leaves the root.
	ErrBadPath = errors.New("is not a path inside the checkout")
)

// Error is a refused access: Path (slash-separated, relative to the root)
// and why.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	if errors.Is(e.Err, ErrTooLarge) {
		return fmt.Sprintf("%s %v (over %d MiB)", e.Path, e.Err, MaxFileSize>>20)
	}
	return e.Path + " " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Refused reports whether err is one of this package's refusals (a
// symbolic link, a file that is not regular, too large, a bad path), as
// opposed to a file that does not exist or an I/O error.
func Refused(err error) bool {
	var e *Error
	return errors.As(err, &e) && !errors.Is(e.Err, fs.ErrNotExist)
}

// Root is a checkout opened for safe access.
type Root struct {
	root *os.Root
	max  int64
}

// Open opens dir for safe access; Close releases it.
func Open(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("safefs: %w", err)
	}
	return &Root{root: r, max: MaxFileSize}, nil
}

// OpenLimit is Open with reads capped at max bytes instead of MaxFileSize
// (a tool's output in a directory the sandbox wrote, say).
func OpenLimit(dir string, max int64) (*Root, error) {
	r, err := Open(dir)
	if err != nil {
		return nil, err
	}
	r.max = max
	return r, nil
}

// Close releases the root.
func (r *Root) Close() error { return r.root.Close() }

// clean checks a slash-separated relative path and returns it in the
// host's form.
func clean(name string) (string, error) {
	if name == "" || path.IsAbs(name) || strings.ContainsRune(name, 0) || strings.Contains(name, "\\") {
		return "", &Error{Path: name, Err: ErrBadPath}
	}
	c := path.Clean(name)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", &Error{Path: name, Err: ErrBadPath}
	}
	return filepath.FromSlash(c), nil
}

// Lstat describes name without following a symbolic link, in it or in any
// directory on its path: a directory on the path that is a link gives
// ErrSymlink; so does name itself being a link (with its info).
func (r *Root) Lstat(name string) (fs.FileInfo, error) {
	p, err := clean(name)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(p, string(filepath.Separator))
	for i := 1; i < len(parts); i++ {
		dir := filepath.Join(parts[:i]...)
		fi, err := r.root.Lstat(dir)
		if err != nil {
			return nil, &Error{Path: filepath.ToSlash(dir), Err: unwrapPath(err)}
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, &Error{Path: filepath.ToSlash(dir), Err: ErrSymlink}
		}
		if !fi.IsDir() {
			return nil, &Error{Path: filepath.ToSlash(dir), Err: fs.ErrNotExist}
		}
	}
	fi, err := r.root.Lstat(p)
	if err != nil {
		return nil, &Error{Path: name, Err: unwrapPath(err)}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fi, &Error{Path: name, Err: ErrSymlink}
	}
	return fi, nil
}

// unwrapPath drops the *PathError around err, whose path is ours anyway.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// regular checks what Lstat says about a file to read or overwrite.
func (r *Root) regular(name string) (fs.FileInfo, error) {
	fi, err := r.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Path: name, Err: ErrNotRegular}
	}
	return fi, nil
}

// ReadFile reads the regular file name (slash-separated, relative to the
// root). It refuses symbolic links, files that are not regular and files
// larger than MaxFileSize; a missing file gives an error matching
// fs.ErrNotExist.
func (r *Root) ReadFile(name string) ([]byte, error) {
	fi, err := r.regular(name)
	if err != nil {
		return nil, err
	}
	if fi.Size() > r.max {
		return nil, &Error{Path: name, Err: ErrTooLarge}
	}
	// O_NONBLOCK: should a FIFO replace the file after Lstat, opening it
	// does not wait for a writer.
	f, err := r.root.OpenFile(filepath.FromSlash(path.Clean(name)), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &Error{Path: name, Err: unwrapPath(err)}
	}
	defer f.Close()
	if err := sameFile(name, fi, f); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, r.max+1))
	if err != nil {
		return nil, &Error{Path: name, Err: err}
	}
	if int64(len(data)) > r.max {
		return nil, &Error{Path: name, Err: ErrTooLarge}
	}
	return data, nil
}

// sameFile checks that the opened file is the one Lstat described: a file
// swapped for a link (or anything else) between the two is refused.
func sameFile(name string, want fs.FileInfo, f *os.File) error {
	got, err := f.Stat()
	if err != nil {
		return &Error{Path: name, Err: err}
	}
	if !got.Mode().IsRegular() {
		return &Error{Path: name, Err: ErrNotRegular}
	}
	if !os.SameFile(want, got) {
		return &Error{Path: name, Err: ErrSymlink}
	}
	return nil
}

// WriteFile writes data to the file name, creating it (and its
// directories) when missing. An existing name must be a regular file; a
// symbolic link, on the path or at name, is refused, never followed. perm
// applies to a new file; an existing file keeps its mode.
func (r *Root) WriteFile(name string, data []byte, perm fs.FileMode) error {
	p, err := clean(name)
	if err != nil {
		return err
	}
	fi, err := r.regular(name)
	switch {
	case err == nil:
		f, err := r.root.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return &Error{Path: name, Err: unwrapPath(err)}
		}
		if err := sameFile(name, fi, f); err != nil {
			f.Close()
			return err
		}
		return writeAll(name, f, data, true)
	case errors.Is(err, fs.ErrNotExist):
		if dir := filepath.Dir(p); dir != "." {
			if err := r.mkdirAll(filepath.ToSlash(dir)); err != nil {
				return err
			}
		}
		// O_EXCL: never follows a link, whatever appeared meanwhile.
		f, err := r.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return &Error{Path: name, Err: unwrapPath(err)}
		}
		return writeAll(name, f, data, false)
	default:
		return err
	}
}

func writeAll(name string, f *os.File, data []byte, truncate bool) error {
	err := func() error {
		if truncate {
			if err := f.Truncate(0); err != nil {
				return err
			}
		}
		_, err := f.Write(data)
		return err
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &Error{Path: name, Err: err}
	}
	return nil
}

// mkdirAll creates the directory dir and its parents, refusing a symbolic
// link or a file on the way.
func (r *Root) mkdirAll(dir string) error {
	parts := strings.Split(dir, "/")
	for i := 1; i <= len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		fi, err := r.root.Lstat(filepath.FromSlash(d))
		switch {
		case err == nil && fi.Mode()&fs.ModeSymlink != 0:
			return &Error{Path: d, Err: ErrSymlink}
		case err == nil && !fi.IsDir():
			return &Error{Path: d, Err: ErrNotRegular}
		case err == nil:
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return &Error{Path: d, Err: unwrapPath(err)}
		}
		if err := r.root.Mkdir(filepath.FromSlash(d), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return &Error{Path: d, Err: unwrapPath(err)}
		}
	}
	return nil
}

// ReadFile opens dir and reads one file of it; see Root.ReadFile.
func ReadFile(dir, name string) ([]byte, error) {
	r, err := Open(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadFile(name)
}

// WriteFile opens dir and writes one file of it; see Root.WriteFile.
func WriteFile(dir, name string, data []byte, perm fs.FileMode) error {
	r, err := Open(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.WriteFile(name, data, perm)
}
