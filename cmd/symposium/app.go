package main

import (
	"context"
	"errors"
	"io"
)

// runApp is not built yet.
func runApp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
