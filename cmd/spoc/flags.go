package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

// errUsage marks errors whose fix is a different command line; dispatch
// exits 2 for them, after the message has been printed.
var errUsage = errors.New("usage error")

// usageError prints msg and returns errUsage.
func usageError(format string, a ...any) error {
	fmt.Fprintf(os.Stderr, "spoc: "+format+"\n", a...)
	return errUsage
}

// newFlagSet returns a flag set that reports errors instead of exiting, so
// tests can call commands directly.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: spoc %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags that may come before, between or after
// positional arguments ("spoc convert IN -o OUT"), which the flag package
// alone stops at. A "--" ends flag parsing; what follows is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError maps the flag package's errors: -h is not a failure, and the
// package has already printed what was wrong.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return exitCode(0)
	}
	return errUsage
}
