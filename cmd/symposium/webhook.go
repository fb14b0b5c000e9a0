package main

import (
	"context"
	"errors"
	"io"
)

// runWebhook is not built yet.
func runWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
