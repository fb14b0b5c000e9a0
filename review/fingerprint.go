package review

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
)

// Fingerprint identifies a finding across reviews: a hash of the file path,
// the rule and the primary line's text with whitespace collapsed. It leaves
// out the line number, so a finding keeps its fingerprint when code above
// it moves. occurrence tells apart identical findings on identical lines of
// one file (1 for the first).
func Fingerprint(path, rule, lineText string, occurrence int) string {
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(rule))
	h.Write([]byte{0})
	h.Write([]byte(NormalizeLine(lineText)))
	if occurrence > 1 {
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(occurrence)))
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// NormalizeLine collapses runs of whitespace to one space and trims the ends.
func NormalizeLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

const (
	markerPrefix = "<!-- symposium:fp="
	markerSuffix = " -->"
)

// Marker returns the hidden HTML comment that carries the fingerprints of
// the findings a comment body reports. It must be the body's last line
// (WithMarker puts it there): ParseMarkers reads nothing else.
func Marker(fingerprints ...string) string {
	return markerPrefix + strings.Join(fingerprints, ",") + markerSuffix
}

var markerRE = regexp.MustCompile(`^<!-- symposium:fp=([0-9A-Za-z_-]+(?:,[0-9A-Za-z_-]+)*) -->$`)

// WithMarker returns body with the marker of fingerprints as its last line
// (body unchanged when there are none).
func WithMarker(body string, fingerprints []string) string {
	if len(fingerprints) == 0 {
		return body
	}
	body = strings.TrimRight(body, "\n")
	if body != "" {
		body += "\n\n"
	}
	return body + Marker(fingerprints...) + "\n"
}

// ParseMarkers returns the fingerprints of a body Symposium posted: those
// of the marker on its last non-blank line, in order. Marker-like text
// anywhere else (quoted by a compiler message, in a code block, in an
// older marker line) counts for nothing, so text a pull request controls
// cannot claim a finding was already reported.
func ParseMarkers(body string) []string {
	_, fps := SplitMarker(body)
	return fps
}

// SplitMarker separates a body from the marker on its last non-blank line:
// it returns the body without that line (and the blank lines before it)
// and the marker's fingerprints, or body and nil when the last line is not
// a marker.
func SplitMarker(body string) (rest string, fingerprints []string) {
	trimmed := strings.TrimRight(body, " \t\r\n")
	last := trimmed
	before := ""
	if i := strings.LastIndexByte(trimmed, '\n'); i >= 0 {
		before, last = trimmed[:i+1], trimmed[i+1:]
	}
	m := markerRE.FindStringSubmatch(last)
	if m == nil {
		return body, nil
	}
	return strings.TrimRight(before, " \t\r\n"), strings.Split(m[1], ",")
}
