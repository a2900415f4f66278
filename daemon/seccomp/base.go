package seccomp

import (
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// runtimeBase are the syscalls every recorded profile allows on top of what
// was recorded: `spoc record` adds them unless told otherwise, and the
// daemon adds them to every profile a ProfileRecording makes. A recording
// sees what the workload did; replaying the profile also needs what starts
// it, under the filter, before the command's first instruction, and some
// of that depends on timing rather than on the workload's code:
//
//   - a container runtime's init (runc, crun) loads the filter and then
//     execs, and its last steps may set credentials and capabilities and
//     close file descriptors: capget, capset, prctl, setgroups, setuid,
//     setgid, setresuid, setresgid, close, close_range, fcntl, fstat,
//     newfstatat, getdents64, chdir, fchdir, openat;
//   - runc's init and spoc run's helper are Go programs: the threads that
//     run under the filter may still make runtime calls whose use depends
//     on scheduling: futex, nanosleep, clock_nanosleep, sched_yield, getpid,
//     gettid, tgkill, rt_sigaction, rt_sigprocmask, sigaltstack, mmap,
//     munmap, madvise, epoll_pwait, read, write, exit, exit_group;
//   - rt_sigreturn ends every signal handler, and whether a signal arrives
//     at all is timing: on a real node runc's init sometimes takes one on a
//     filtered thread while it waits on its exec fifo, and sometimes not.
//     A recording without one lacked rt_sigreturn, and the container
//     then died under its own profile with SIGSEGV (exit code 139) when
//     a signal came: a failed sigreturn returns into code that faults;
//   - any process's start after execve (the dynamic loader, libc's
//     initialisation): brk, mprotect, arch_prctl, set_tid_address,
//     set_robust_list, rseq, prlimit64, access, pread64, getrandom.
var runtimeBase = []string{
	"access", "arch_prctl", "brk", "capget", "capset", "chdir", "clock_nanosleep",
	"close", "close_range", "epoll_pwait", "execve", "exit", "exit_group", "fchdir",
	"fcntl", "fstat", "futex", "getdents64", "getpid", "getrandom", "gettid",
	"madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat",
	"prctl", "pread64", "prlimit64", "read", "rseq", "rt_sigaction",
	"rt_sigprocmask", "rt_sigreturn", "sched_yield", "set_robust_list",
	"set_tid_address", "setgid", "setgroups", "setresgid", "setresuid", "setuid",
	"sigaltstack", "tgkill", "write",
}

// RuntimeBase returns the base syscalls that architecture arch (an OCI
// name; "" or SCMP_ARCH_NATIVE for the node's own) has: arch_prctl and
// fstat are x86 only, for instance, and a profile must not name what its
// architecture lacks. An architecture this libseccomp does not know gets
// the whole list, which the runtime then filters as it does any profile.
func RuntimeBase(arch string) []string {
	if arch == "" {
		arch = string(archNative)
	}
	a, err := parseArch(specs.Arch(arch))
	if err != nil {
		return slices.Clone(runtimeBase)
	}
	return KnownOn(runtimeBase, a)
}

// KnownOn keeps the names libseccomp knows as syscalls of arch.
func KnownOn(names []string, arch libseccomp.ScmpArch) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		nr, err := libseccomp.GetSyscallFromNameByArch(n, arch)
		return err != nil || nr < 0
	})
}
