package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	acp "github.com/coder/acp-go-sdk"
)

// The Rust tools reach an ACP agent as an MCP server over stdio that the
// agent starts inside its sandbox: a bridge command that connects its
// stdin and stdout to a unix socket in the agent's I/O directory, where
// this process serves the tools (Tools.ServeMCP). The tools run here,
// outside the sandbox; the agent sees only their answers.

// mcpSocketName is the socket's name in the agent's I/O directory.
const mcpSocketName = "mcp.sock"

// DefaultMCPBridge is the bridge command: this program's `mcp --connect`
// (the socket path is appended). Empty when the executable is unknown.
func DefaultMCPBridge() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return []string{exe, "mcp", "--connect"}
}

// ServeBridge copies in to the unix socket sock and the socket to out,
// until either side closes: the body of the bridge command.
func ServeBridge(ctx context.Context, sock string, in io.Reader, out io.Writer) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return fmt.Errorf("mcp bridge: %w", err)
	}
	defer conn.Close()
	go func() {
		_, _ = io.Copy(conn, in)
		if uc, ok := conn.(*net.UnixConn); ok {
			_ = uc.CloseWrite()
		}
	}()
	if _, err := io.Copy(out, conn); err != nil {
		return fmt.Errorf("mcp bridge: %w", err)
	}
	return nil
}

// serveTools listens on ioDir's socket and serves tools to every
// connection until ctx ends. It returns the MCP server description for
// session/new, or nil when there is nothing to serve.
func (a *ACP) serveTools(ctx context.Context, tools Tools, ioDir string) ([]acp.McpServer, error) {
	if tools == nil || len(a.bridge) == 0 {
		return []acp.McpServer{}, nil
	}
	sock := filepath.Join(ioDir, mcpSocketName)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", sock)
	if err != nil {
		return nil, fmt.Errorf("mcp socket: %w", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if err := tools.ServeMCP(ctx, conn); err != nil && ctx.Err() == nil {
					slog.DebugContext(ctx, "agent acp: mcp session ended", "err", err)
				}
			}()
		}
	}()
	args := append(append([]string(nil), a.bridge[1:]...), sock)
	return []acp.McpServer{{Stdio: &acp.McpServerStdio{Name: "symposium", Command: a.bridge[0], Args: args, Env: []acp.EnvVariable{}}}}, nil
}
