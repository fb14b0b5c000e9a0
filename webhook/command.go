package webhook

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/symposium-dev/symposium/internal/tasks"
)

// commandPrefix starts a command line in a comment.
const commandPrefix = "/symposium"

// maxUnknownBytes bounds the unknown word echoed back in a help reply.
const maxUnknownBytes = 64

// Command is a `/symposium <command>` found in a comment.
type Command struct {
	// Name is tasks.CommandFix, tasks.CommandReview or tasks.CommandHelp.
	Name string
	// Unknown is the word the user typed when it is not a command (Name is
	// then help); at most 64 bytes.
	Unknown string
	// Args is the rest of the line after the command word, trimmed.
	Args string
}

// ParseCommand finds the first line of a comment body that starts with
// `/symposium` (case-insensitive, after optional leading white space) and
// is neither inside a fenced code block (``` or ~~~) nor a `>` quote.
//
// `/symposium fix`, `/symposium review` and `/symposium help` name their
// command; `/symposium` alone means help; any other word means help with
// that word in Unknown. ok is false when no line holds a command.
func ParseCommand(body string) (cmd Command, ok bool) {
	var fence string // the opening fence while inside a fenced block
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if fence != "" {
			if closesFence(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if f := openingFence(trimmed); f != "" {
			fence = f
			continue
		}
		if strings.HasPrefix(trimmed, ">") {
			continue
		}
		if c, ok := parseCommandLine(trimmed); ok {
			return c, true
		}
	}
	return Command{}, false
}

// openingFence returns the run of ` or ~ (three or more) that opens a fenced
// code block, or "".
func openingFence(line string) string {
	if line == "" || (line[0] != '`' && line[0] != '~') {
		return ""
	}
	n := len(line) - len(strings.TrimLeft(line, line[:1]))
	if n < 3 {
		return ""
	}
	if line[0] == '`' && strings.Contains(line[n:], "`") {
		return "" // an info string may not hold a backtick: inline code
	}
	return line[:n]
}

// closesFence reports whether line closes a block opened by fence: the same
// character, at least as many, and nothing else but white space.
func closesFence(line, fence string) bool {
	rest := strings.TrimLeft(line, fence[:1])
	return len(line)-len(rest) >= len(fence) && strings.TrimSpace(rest) == ""
}

func parseCommandLine(line string) (Command, bool) {
	if len(line) < len(commandPrefix) || !strings.EqualFold(line[:len(commandPrefix)], commandPrefix) {
		return Command{}, false
	}
	rest := line[len(commandPrefix):]
	if rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		if !unicode.IsSpace(r) {
			return Command{}, false // "/symposiums", "/symposium-bot"
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return Command{Name: tasks.CommandHelp}, true
	}
	word := fields[0]
	args := strings.TrimSpace(strings.TrimLeftFunc(rest, unicode.IsSpace)[len(word):])
	switch name := strings.ToLower(word); name {
	case tasks.CommandFix, tasks.CommandReview, tasks.CommandHelp:
		return Command{Name: name, Args: args}, true
	}
	return Command{Name: tasks.CommandHelp, Unknown: truncate(word, maxUnknownBytes), Args: args}, true
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
