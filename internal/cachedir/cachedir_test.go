package cachedir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// fill makes pull request pr's dirs under root hold n files of size bytes
// each, last used age ago.
func fill(t *testing.T, root string, pr, n, size int, age time.Duration) Dirs {
	t.Helper()
	d := ForPR(root, 7, pr)
	if err := d.Make(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(d.Target, fmt.Sprint(i)), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Now().Add(-age)
	if err := os.Chtimes(d.Target, when, when); err != nil {
		t.Fatal(err)
	}
	return d
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestSweep(t *testing.T) {
	tests := []struct {
		name              string
		maxBytes          int64
		maxFiles          int
		lockNewest        bool
		wantOld, wantMid  bool
		wantNew, wantHuge bool
	}{
		{"within budget", 1 << 20, 0, false, true, true, true, true},
		{"least recently used go first", 2000, 0, false, false, false, true, true},
		{"file cap", 0, 50, false, true, true, true, false},
		{"a dir being built is kept", 10, 0, true, false, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			old := fill(t, root, 1, 1, 1000, 3*time.Hour)
			mid := fill(t, root, 2, 1, 1000, 2*time.Hour)
			huge := fill(t, root, 4, 100, 1, 90*time.Minute)
			newest := fill(t, root, 3, 1, 1000, 0)
			if tt.lockNewest {
				f, err := os.Create(filepath.Join(newest.Target, targetLockName))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
					t.Fatal(err)
				}
			}
			b := &Budget{Roots: []string{root}, MaxBytes: tt.maxBytes, MaxFiles: tt.maxFiles}
			if err := b.Sweep(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]struct {
				d    Dirs
				want bool
			}{"old": {old, tt.wantOld}, "mid": {mid, tt.wantMid}, "newest": {newest, tt.wantNew}, "huge": {huge, tt.wantHuge}} {
				if got := exists(c.d.Target); got != c.want {
					t.Errorf("%s kept = %v, want %v", name, got, c.want)
				}
				if exists(c.d.Source) != exists(c.d.Target) {
					t.Errorf("%s: source and target dirs not removed together", name)
				}
			}
			if !exists(old.CargoHome) {
				t.Error("the repository's cargo home was removed")
			}
		})
	}
}

func TestCleaner(t *testing.T) {
	root, commands := t.TempDir(), t.TempDir()
	closed, other := fill(t, root, 1, 1, 1, 0), fill(t, root, 2, 1, 1, 0)
	closedFix := fill(t, commands, 1, 1, 1, 0)
	semver := SemverCache(closed.Target)
	if err := os.MkdirAll(semver, 0o700); err != nil {
		t.Fatal(err)
	}
	c := Cleaner{Roots: []string{root, commands}}
	if err := c.Cleanup(context.Background(), tasks.CleanupPayload{Repo: tasks.Repo{ID: 7}, PRNumber: 1}); err != nil {
		t.Fatal(err)
	}
	if exists(closed.Target) || exists(closed.Source) || exists(closedFix.Target) || exists(semver) {
		t.Error("the closed pull request's dirs are still there")
	}
	if !exists(other.Target) || !exists(other.CargoHome) {
		t.Error("another pull request's dirs or the cargo home were removed")
	}
}

// TestSweepLogsWithTaskFields checks that a library log line goes through
// the process's handler with the fields of the task that caused it.
func TestSweepLogsWithTaskFields(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(observe.NewHandler(slog.NewJSONHandler(&buf, nil))))
	t.Cleanup(func() { slog.SetDefault(prev) })
	root := t.TempDir()
	fill(t, root, 1, 1, 1000, time.Hour)
	ctx := observe.With(context.Background(), observe.Fields{Delivery: "d-7", Repo: "o/r", PR: 1, TaskID: "t-1"})
	if err := (&Budget{Roots: []string{root}, MaxBytes: 10}).Sweep(ctx, true); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	if line["delivery"] != "d-7" || line["repo"] != "o/r" || line["task_id"] != "t-1" {
		t.Errorf("log line without the task's fields: %s", buf.String())
	}
}
