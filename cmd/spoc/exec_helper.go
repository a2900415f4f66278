package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/secprofiles/spo/daemon/seccomp"
)

// execHelper is the hidden subcommand "spoc run" re-executes itself as:
// spoc __exec PATH ARGV..., with the OCI profile JSON on fd 3.
const execHelper = "__exec"

// runExecHelper loads the filter on every thread (LoadFilter uses TSYNC) and
// execs the command. Everything that could fail for reasons other than the
// filter (reading the profile, building the filter) happens before the
// filter is loaded.
func runExecHelper(args []string) error {
	path, argv, err := helperArgs(args)
	if err != nil {
		return err
	}
	filter, err := readFilter(os.NewFile(3, "profile"))
	if err != nil {
		return err
	}
	// The filter applies to all threads anyway; locking keeps the load and
	// the exec on one thread, so no thread switch happens in between.
	runtime.LockOSThread()
	if err := seccomp.LoadFilter(filter); err != nil {
		return err
	}
	return execOrExit(path, argv, " (is it allowed by the profile? execve and what the dynamic loader needs must be)")
}

// readFilter reads the profile the parent writes into the pipe, then closes
// it so the command does not inherit it.
func readFilter(f *os.File) (*specs.LinuxSeccomp, error) {
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading the profile from spoc: %w", err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading the profile from spoc: %w", err)
	}
	return &s, nil
}
