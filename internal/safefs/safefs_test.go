package safefs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// checkout makes a directory with a regular file, links inside and out of
// it, a FIFO and an oversized file; outside is a host file next to it.
func checkout(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "checkout")
	outside = filepath.Join(base, "secret")
	must(t, os.WriteFile(outside, []byte("host secret\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "src"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "src/lib.rs"), []byte("fn main() {}\n"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "src/abs.rs")))
	must(t, os.Symlink("../../secret", filepath.Join(dir, "src/rel.rs")))
	must(t, os.Symlink("lib.rs", filepath.Join(dir, "src/inside.rs")))
	must(t, os.Symlink("/dev/zero", filepath.Join(dir, "src/zero.rs")))
	must(t, os.Symlink("src", filepath.Join(dir, "linkdir")))
	must(t, os.Symlink(filepath.Dir(outside), filepath.Join(dir, "up")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "src/fifo.rs"), 0o644))
	big, err := os.Create(filepath.Join(dir, "src/big.rs"))
	must(t, err)
	must(t, big.Truncate(MaxFileSize+1))
	must(t, big.Close())
	return dir, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadFile(t *testing.T) {
	dir, _ := checkout(t)
	for _, tc := range []struct {
		name string
		want string
		err  error
	}{
		{"src/lib.rs", "fn main() {}\n", nil},
		{"src/abs.rs", "", ErrSymlink},
		{"src/rel.rs", "", ErrSymlink},
		{"src/inside.rs", "", ErrSymlink},
		{"src/zero.rs", "", ErrSymlink},
		{"linkdir/lib.rs", "", ErrSymlink},
		{"up/secret", "", ErrSymlink},
		{"src/fifo.rs", "", ErrNotRegular},
		{"src", "", ErrNotRegular},
		{"src/big.rs", "", ErrTooLarge},
		{"src/missing.rs", "", fs.ErrNotExist},
		{"../secret", "", ErrBadPath},
		{"/etc/hostname", "", ErrBadPath},
		{"", "", ErrBadPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadFile(dir, tc.name)
			if tc.err == nil {
				if err != nil || string(got) != tc.want {
					t.Fatalf("ReadFile = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("ReadFile = %q, %v; want %v", got, err, tc.err)
			}
			if got != nil {
				t.Errorf("read %d bytes of a refused file", len(got))
			}
			if Refused(err) == errors.Is(tc.err, fs.ErrNotExist) {
				t.Errorf("Refused(%v) = %v", err, Refused(err))
			}
		})
	}
	if _, err := ReadFile(dir, "src/abs.rs"); err == nil || err.Error() != "src/abs.rs is a symbolic link: not followed" {
		t.Errorf("message = %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir, outside := checkout(t)
	must(t, WriteFile(dir, "src/lib.rs", []byte("new\n"), 0o600))
	if b, _ := os.ReadFile(filepath.Join(dir, "src/lib.rs")); string(b) != "new\n" {
		t.Errorf("src/lib.rs = %q", b)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "src/lib.rs")); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode changed to %v", fi.Mode())
	}
	must(t, WriteFile(dir, "a/b/c.rs", []byte("c\n"), 0o644))
	if b, _ := os.ReadFile(filepath.Join(dir, "a/b/c.rs")); string(b) != "c\n" {
		t.Errorf("a/b/c.rs = %q", b)
	}
	for _, name := range []string{"src/abs.rs", "src/rel.rs", "src/inside.rs", "up/secret", "up/new", "linkdir/x.rs", "src/fifo.rs", "../secret"} {
		if err := WriteFile(dir, name, []byte("pwned\n"), 0o644); err == nil || !Refused(err) {
			t.Errorf("WriteFile(%s) = %v, want a refusal", name, err)
		}
	}
	if b, _ := os.ReadFile(outside); string(b) != "host secret\n" {
		t.Errorf("the host file was written: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(outside), "new")); err == nil {
		t.Error("a file was created outside the checkout")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "src/lib.rs")); !strings.HasPrefix(string(b), "new") {
		t.Errorf("a link inside wrote through to its target: %q", b)
	}
}
