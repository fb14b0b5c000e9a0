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

const markerPrefix = "<!-- symposium:fp="

// Marker returns the hidden HTML comment that carries a fingerprint in a
// comment body.
func Marker(fingerprint string) string {
	return markerPrefix + fingerprint + " -->"
}

var markerRE = regexp.MustCompile(`<!-- symposium:fp=([0-9A-Za-z_-]+) -->`)

// ParseMarkers returns the fingerprints of every marker in body, in order.
func ParseMarkers(body string) []string {
	var out []string
	for _, m := range markerRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}
