package main

import (
	"strings"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/secprofiles/spo/daemon/seccomp"
)

// parseSyscallList reads a --base-syscalls value: names separated by commas
// or spaces.
func parseSyscallList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// nativeOnly keeps the names this machine's architecture has (arch_prctl
// and fstat are x86 only, for instance), so that the default list works on
// every architecture; an unknown name from the user is an error instead.
func nativeOnly(names []string, arch libseccomp.ScmpArch) []string {
	return seccomp.KnownOn(names, arch)
}
