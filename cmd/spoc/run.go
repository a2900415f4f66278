package main

import (
	"fmt"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// runRun runs a command under a profile. The filter is loaded by a helper
// process (spoc __exec) on all its threads right before it execs the
// command, so everything the command does, from its first instruction, is
// filtered, and the only syscalls made under the filter before the
// command's own are the few around execve.
func runRun(args []string) error {
	fs := newFlagSet("run", "-p profile.(yaml|json) -- CMD ARGS")
	profile := fs.String("p", "", "profile to apply: SeccompProfile manifest or OCI seccomp JSON (required)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *profile == "" {
		return usageError("run needs -p PROFILE")
	}
	filter, err := loadRunnable(*profile)
	if err != nil {
		return err
	}
	cmd, w, err := helperCommand(execHelper, fs.Args())
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	cmd.ExtraFiles[0].Close()
	_, werr := w.Write(filter)
	w.Close()
	code, err := waitChild(cmd)
	if err != nil {
		return err
	}
	if werr != nil && code == 0 {
		return fmt.Errorf("passing the profile to the helper: %w", werr)
	}
	return exitCode(code)
}

// loadRunnable reads, resolves and validates the profile in path and
// returns its OCI JSON, refusing profiles the helper could not exec under.
func loadRunnable(path string) ([]byte, error) {
	p, _, err := readProfile(path)
	if err != nil {
		return nil, err
	}
	if p.Spec.BaseProfileName != "" {
		return nil, fmt.Errorf("%s extends base profile %q: flatten it first with \"spoc convert %s BASE.yaml -o flat.json\"", path, p.Spec.BaseProfileName, path)
	}
	spec, err := resolveStandalone(p, nil)
	if err != nil {
		return nil, err
	}
	if err := checkExecve(spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return seccomp.MarshalOCI(spec)
}

// denials are the actions under which execve cannot succeed; TRACE with no
// tracer attached fails with ENOSYS too.
var denials = map[v1.SeccompAction]bool{
	v1.ActKill: true, v1.ActKillProcess: true, v1.ActKillThread: true,
	v1.ActTrap: true, v1.ActErrno: true, v1.ActTrace: true,
}

// checkExecve refuses a profile that denies execve: the filter is loaded
// before the command is exec'd, so such a profile could never start
// anything. A rule naming execve without argument conditions decides;
// otherwise the default action does (conditional rules cannot be relied on
// for arguments spoc does not control).
func checkExecve(spec *v1.SeccompProfileSpec) error {
	action := spec.DefaultAction
	for _, r := range spec.Syscalls {
		for _, n := range r.Names {
			if n == "execve" && len(r.Args) == 0 {
				action = r.Action
			}
		}
	}
	if denials[action] {
		return fmt.Errorf("the profile gives execve %s: spoc loads the filter before it execs the command, so the profile must allow execve", action)
	}
	return nil
}
