package sandbox

import (
	"bytes"
	"context"
	"testing"
)

// Command.Stdout receives the output as it is written, within the cap.
func TestRunStreamsStdout(t *testing.T) {
	r, err := New(ModeNone, Limits{OutputBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := r.Run(context.Background(), Command{Args: []string{"sh", "-c", "yes | head -c 100000"}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if out.Len() != 1000 || !res.Truncated || len(res.Stdout) != 0 || res.ExitCode != 0 {
		t.Errorf("streamed %d bytes, truncated %v, captured %d, exit %d", out.Len(), res.Truncated, len(res.Stdout), res.ExitCode)
	}
}
