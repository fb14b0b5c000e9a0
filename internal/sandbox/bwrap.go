package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// sandboxUID is the user id inside the sandbox: not root, so that tools
// behave as for an ordinary user. It maps to the service's own user outside.
const sandboxUID = "1000"

// sandboxHome is HOME inside the sandbox when Command.Env sets none; it lives
// on a private tmpfs.
const sandboxHome = "/home/sandbox"

// systemDirs are the host directories every command sees, read-only. A
// directory that is a symlink on the host (/lib -> usr/lib on merged-/usr
// systems) is recreated as the same symlink.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// etcFiles are the few entries of /etc that compilers and linkers need: the
// dynamic loader's cache and Debian's alternatives (/usr/bin/cc links there).
var etcFiles = []string{"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"}

// networkEtcFiles are added when the command has the network: name
// resolution and TLS roots.
var networkEtcFiles = []string{
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/ssl", "/etc/ca-certificates", "/etc/pki",
}

// bwrapArgs builds bwrap's arguments for c. The environment is not passed on
// the command line (where other users of the host could read it): bwrap is
// started with exactly env, which it hands on to the command. etc maps /etc
// files to the host files that replace them (the registry network's
// resolv.conf and hosts).
func bwrapArgs(c Command, env []string, etc map[string]string) ([]string, error) {
	args := []string{
		"--unshare-all", "--unshare-user",
		"--uid", sandboxUID, "--gid", sandboxUID,
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--hostname", "sandbox",
	}
	network := c.HostNetwork || c.Network
	if network {
		// With Network, the network shared is the private namespace the
		// registry network set up around bwrap, not the host's.
		args = append(args, "--share-net")
	}
	for _, dir := range systemDirs {
		fi, err := os.Lstat(dir)
		switch {
		case err != nil:
			continue
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(dir)
			if err != nil {
				return nil, fmt.Errorf("sandbox: read link %s: %w", dir, err)
			}
			args = append(args, "--symlink", target, dir)
		default:
			args = append(args, "--ro-bind", dir, dir)
		}
	}
	files := etcFiles
	if network {
		files = append(append([]string(nil), etcFiles...), networkEtcFiles...)
	}
	for _, f := range files {
		if src, ok := etc[f]; ok {
			args = append(args, "--ro-bind", src, f)
		} else if exists(f) {
			args = append(args, "--ro-bind", f, f)
		}
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/home", "--tmpfs", "/var")
	home, ok := lookupEnv(env, "HOME")
	if !ok {
		home = sandboxHome
	}
	args = append(args, "--dir", home)

	mounts, err := userMounts(c)
	if err != nil {
		return nil, err
	}
	for _, m := range mounts {
		op := "--ro-bind"
		if m.writable {
			op = "--bind"
		}
		args = append(args, op, m.path, m.path)
	}
	dir := c.Dir
	if dir == "" {
		dir = home
	}
	args = append(args, "--chdir", dir, "--")
	return append(args, c.Args...), nil
}

type mount struct {
	path     string
	writable bool
}

// userMounts returns the command's own mounts, cleaned, checked to exist, and
// ordered so that a parent is mounted before the directories inside it.
func userMounts(c Command) ([]mount, error) {
	var ms []mount
	add := func(paths []string, writable bool) error {
		for _, p := range paths {
			if !filepath.IsAbs(p) {
				return fmt.Errorf("sandbox: mount %q: not an absolute path", p)
			}
			p = filepath.Clean(p)
			if p == "/" {
				return fmt.Errorf("sandbox: refusing to mount the host's root directory")
			}
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("sandbox: mount: %w", err)
			}
			ms = append(ms, mount{path: p, writable: writable})
		}
		return nil
	}
	if err := add(c.ReadOnly, false); err != nil {
		return nil, err
	}
	if err := add(c.Writable, true); err != nil {
		return nil, err
	}
	sort.SliceStable(ms, func(i, j int) bool {
		return strings.Count(ms[i].path, "/") < strings.Count(ms[j].path, "/")
	})
	return ms, nil
}

// chownTrees gives the trees below dirs to uid (and the same gid) without
// following symlinks, so that a command running as that unprivileged uid can
// write its checkout and target directory.
func chownTrees(dirs []string, uid int) error {
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, uid)
		})
		if err != nil {
			return fmt.Errorf("sandbox: give %s to the sandbox uid: %w", d, err)
		}
	}
	return nil
}
