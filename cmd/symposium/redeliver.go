package main

import (
	"context"
	"errors"
	"io"
)

// runRedeliver is not built yet.
func runRedeliver(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
