package main

import (
	"slices"
	"strings"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// baseSyscalls are added to every recorded profile unless
// --no-base-syscalls or --base-syscalls says otherwise. A recording only
// sees the command itself; replaying the profile also needs what starts it,
// under the filter, before the command's first instruction:
//
//   - a container runtime's init (runc, crun) loads the filter and then
//     execs, and its last steps may set credentials and capabilities and
//     close file descriptors: capget, capset, prctl, setgroups, setuid,
//     setgid, setresuid, setresgid, close, close_range, fcntl, fstat,
//     newfstatat, getdents64, chdir, fchdir, openat;
//   - spoc run's own helper, a Go program, loads the filter on all its
//     threads (TSYNC) and execs, so its runtime threads may still make:
//     futex, nanosleep, clock_nanosleep, sched_yield, getpid, gettid,
//     tgkill, rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack,
//     mmap, munmap, madvise, epoll_pwait, read, write, exit, exit_group;
//   - any process's start after execve (the dynamic loader, libc's
//     initialisation): brk, mprotect, arch_prctl, set_tid_address,
//     set_robust_list, rseq, prlimit64, access, pread64, getrandom.
//
// Without them a recorded profile can fail to start the very command it was
// recorded from: the runner, not the command, would hit the filter.
var baseSyscalls = []string{
	"access", "arch_prctl", "brk", "capget", "capset", "chdir", "clock_nanosleep",
	"close", "close_range", "epoll_pwait", "execve", "exit", "exit_group", "fchdir",
	"fcntl", "fstat", "futex", "getdents64", "getpid", "getrandom", "gettid",
	"madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat",
	"prctl", "pread64", "prlimit64", "read", "rseq", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sched_yield", "set_robust_list",
	"set_tid_address", "setgid", "setgroups", "setresgid", "setresuid", "setuid",
	"sigaltstack", "tgkill", "write",
}

// parseSyscallList reads a --base-syscalls value: names separated by commas
// or spaces.
func parseSyscallList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// nativeOnly keeps the names this machine's architecture has (arch_prctl
// and fstat are x86 only, for instance), so that the default list works on
// every architecture; an unknown name from the user is an error instead.
func nativeOnly(names []string, arch libseccomp.ScmpArch) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		nr, err := libseccomp.GetSyscallFromNameByArch(n, arch)
		return err != nil || nr < 0
	})
}
