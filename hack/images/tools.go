package main

// The tools image gives tests and examples a shell and coreutils to run as
// a workload (profile recording needs something that makes syscalls) with
// nothing pulled from a registry: Debian's statically linked busybox, on
// the same minimal root as spo, running as root.

import (
	"fmt"
	"os"
	"os/exec"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const defaultBusybox = "/bin/busybox"

// applets get a /bin symlink each. Tests and examples may use only these;
// every one is built into Debian's busybox-static.
var applets = []string{
	"[", "awk", "cat", "chmod", "chown", "cp", "date", "echo", "env", "false",
	"find", "grep", "head", "hostname", "id", "kill", "ln", "ls", "mkdir", "mv",
	"printf", "ps", "readlink", "rm", "sed", "sh", "sleep", "stat", "tail",
	"tar", "test", "touch", "true", "uname", "wc", "wget",
}

func toolsImage(opts options) (v1.Image, error) {
	if err := ensureBusybox(opts.busybox); err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(opts.busybox)
	if err != nil {
		return nil, err
	}
	entries := append(baseRoot(), dir("bin", 0o755), file("bin/busybox", 0o755, bin))
	for _, a := range applets {
		entries = append(entries, symlink("bin/"+a, "busybox"))
	}
	return newImage(entries, v1.Config{
		User:       "0:0",
		Cmd:        []string{"sh"},
		WorkingDir: "/",
		Env:        []string{defaultPath},
	}, "busybox")
}

// ensureBusybox installs busybox-static when the default path lacks a
// static busybox (Debian's "busybox" package installs a dynamic one at the
// same place; busybox-static replaces it). A path given with -busybox is
// never replaced, and only root may install.
func ensureBusybox(path string) error {
	err := checkStatic(path)
	if err == nil {
		return nil
	}
	if path != defaultBusybox || os.Geteuid() != 0 {
		return fmt.Errorf("no static busybox: %w; apt-get install busybox-static (as root) or pass -busybox", err)
	}
	fmt.Fprintln(os.Stderr, "images: installing busybox-static")
	if err := apt("update", "-qq"); err != nil {
		return err
	}
	if err := apt("install", "-y", "-qq", "--no-install-recommends", "busybox-static"); err != nil {
		return err
	}
	return checkStatic(path)
}

func apt(args ...string) error {
	cmd := exec.Command("apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("apt-get %s: %w", args[0], err)
	}
	return nil
}
