package main

import (
	"fmt"

	"github.com/secprofiles/spo/cmd/spo/version"
)

// runVersion prints the same build information as "spo version": spoc is
// built from the same tree and stamped by the same -X flag.
func runVersion(args []string) error {
	if len(args) > 0 {
		return usageError("version takes no arguments")
	}
	i := version.Get()
	fmt.Printf("spoc %s (%s, %s, libseccomp %s)\n", i.Version, i.Go, i.Platform, i.Libseccomp)
	return nil
}
