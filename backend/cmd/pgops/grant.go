package main

import (
	"context"
	"fmt"
	"io"

	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
)

// grant prints what it did, one line each.
func grant(ctx context.Context, cfg pgops.Config, stdout, stderr io.Writer) int {
	done, err := pgops.Grant(ctx, cfg)
	for _, d := range done {
		fmt.Fprintln(stdout, d)
	}
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
