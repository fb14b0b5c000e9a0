package main

import (
	"context"
	"errors"
	"io"
)

// runFix is not built yet.
func runFix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
