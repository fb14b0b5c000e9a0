package main

import (
	"context"
	"errors"
	"io"
)

// runReview is not built yet.
func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
