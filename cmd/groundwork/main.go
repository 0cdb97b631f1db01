// Command groundwork generates, verifies and explains everything production
// needs from the specs in specs/. See the README.
package main

import (
	"os"

	"github.com/groundwork-dev/groundwork/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
