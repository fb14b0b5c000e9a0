package agent

// Adjustments for real ACP agents found by the interop tests of
// internal/agent/claudecode (added by the interop work, issue 8).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	acp "github.com/coder/acp-go-sdk"

	"github.com/symposium-dev/symposium/internal/safefs"
)

// askingModeID is the session mode in which an agent asks the client before
// edits and commands. Claude Code starts sessions in "auto", where it decides
// alone and no permission request reaches our policy.
const askingModeID = acp.SessionModeId("default")

// askBeforeActing switches the session to the mode that asks for permission
// when the agent offers one and is in another.
func askBeforeActing(ctx context.Context, conn *acp.ClientSideConnection, sess acp.NewSessionResponse) error {
	if sess.Modes == nil || sess.Modes.CurrentModeId == askingModeID {
		return nil
	}
	for _, m := range sess.Modes.AvailableModes {
		if m.Id == askingModeID {
			if _, err := conn.SetSessionMode(ctx, acp.SetSessionModeRequest{SessionId: sess.SessionId, ModeId: askingModeID}); err != nil {
				return fmt.Errorf("acp session/set_mode %s: %w", askingModeID, err)
			}
			return nil
		}
	}
	return nil
}

// noteDirectEdits marks as written every file of the scratch checkout that
// differs from the original orig: agents such as Claude Code edit files
// themselves instead of through fs/write_text_file, and those edits must
// become patches too.
func (c *acpClient) noteDirectEdits(orig string) error {
	return filepath.WalkDir(c.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(c.root, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == ".git" || rel == "target" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		now, err := safefs.ReadFile(c.root, filepath.ToSlash(rel))
		if safefs.Refused(err) {
			return nil // a file nobody could use as a patch
		}
		if err != nil {
			return err
		}
		before, err := safefs.ReadFile(orig, filepath.ToSlash(rel))
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !safefs.Refused(err) {
			return err
		}
		if err == nil && bytes.Equal(before, now) {
			return nil
		}
		c.mu.Lock()
		c.written[filepath.ToSlash(rel)] = true
		c.mu.Unlock()
		return nil
	})
}
