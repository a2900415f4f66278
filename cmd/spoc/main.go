// Command spoc is spo's recording and enforcement machinery without a
// cluster: record the syscalls a command makes into a SeccompProfile, run a
// command under a profile, merge profiles of each kind and convert between the manifest
// and the OCI JSON a container runtime reads, and publish profiles as
// (signed) OCI artifacts that SeccompProfiles can name as their base.
package main

import (
	"errors"
	"fmt"
	"os"
)

// commands are the subcommands users type; hidden ones (the re-exec helpers)
// are in helpers and left out of the usage text.
var commands = map[string]func(args []string) error{
	"convert": runConvert,
	"merge":   runMerge,
	"push":    runPush,
	"pull":    runPull,
	"run":     runRun,
	"record":  runRecord,
	"version": runVersion,
}

var helpers = map[string]func(args []string) error{
	execHelper:   runExecHelper,
	recordHelper: runRecordHelper,
}

const usage = `usage: spoc COMMAND [flags] [args]

  record -o profile.yaml [-t seccomp|raw-seccomp] [--base-syscalls LIST | --no-base-syscalls] -- CMD ARGS
  run -p profile.(yaml|json) -- CMD ARGS
  merge a.yaml b.yaml ... [-o out.yaml] [--name NAME]
  merge --check a.yaml b.yaml ...
  convert IN [BASE.yaml ...] [-o OUT] [--name NAME]
  push [--sign-key KEY.pem | --fulcio-url URL] [--platform-file OS/ARCH=FILE ...] [FILE] oci://REGISTRY/REPOSITORY:TAG
  pull [-o FILE] [--platform OS/ARCH] (--public-key KEY.pub | --trusted-root ROOT.json | --no-verify) oci://REF
  version

"spoc COMMAND -h" describes a command's flags.
`

// exitCode is returned by commands that ran another program, so spoc exits
// with that program's status rather than its own.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	cmd := commands[args[0]]
	if cmd == nil {
		cmd = helpers[args[0]]
	}
	if cmd == nil {
		fmt.Fprintf(os.Stderr, "spoc: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitStatus(args[0], cmd(args[1:]))
}

// exitStatus turns a command's error into the process exit status: the
// command's child's status passed through, 2 for usage errors, 1 otherwise.
func exitStatus(name string, err error) int {
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(os.Stderr, "spoc %s: %v\n", name, err)
	return 1
}
