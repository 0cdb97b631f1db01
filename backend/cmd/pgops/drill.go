package main

import (
	"context"
	"fmt"
	"io"

	"github.com/groundwork-dev/groundwork/backend/internal/pgops"
)

// drill prints its Markdown report, passed or failed, on stdout; a failure
// also gets its one line on stderr and a non-zero exit.
func drill(ctx context.Context, cfg pgops.Config, stdout, stderr io.Writer) int {
	r, err := pgops.Drill(ctx, cfg)
	fmt.Fprint(stdout, r.Markdown(1))
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
