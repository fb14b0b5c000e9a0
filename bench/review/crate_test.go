package main

import (
	"os"
	"testing"
)

// TestWriteCrate writes the base when SPEED_CRATE_DIR is set (a manual aid:
// cargo then checks the generated crate by hand).
func TestWriteCrate(t *testing.T) {
	dir := os.Getenv("SPEED_CRATE_DIR")
	if dir == "" {
		t.Skip("SPEED_CRATE_DIR not set")
	}
	writeCrate(dir, os.Getenv("SPEED_CRATE_HEAD"))
	t.Logf("%d lines", crateLines(dir))
}
