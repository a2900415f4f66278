package bpfrecorder

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary act as a recorded program (see TestMain).
const helperEnv = "SPO_BPFRECORDER_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helperMain waits for the test to track its namespace (a line on stdin),
// then makes the syscalls of mode.
func helperMain(mode string) int {
	var b [1]byte
	if helperAfterExec[mode] {
		// Exec'd by another mode, which already waited.
	} else if _, err := os.Stdin.Read(b[:]); err != nil {
		fmt.Fprintln(os.Stderr, "helper: waiting for the test:", err)
		return 2
	}
	if err := helperModes[mode](); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", mode, err)
		return 1
	}
	return 0
}

// helperAfterExec are the modes another mode execs into.
var helperAfterExec = map[string]bool{}

var helperModes = map[string]func() error{
	// Rare syscalls a Go program does not make on its own (except
	// sched_getaffinity, which the runtime makes at start, before tracking).
	"rare": func() error {
		vec := make([]byte, 1)
		mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			return err
		}
		defer unix.Munmap(mem)
		_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])),
			uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0])))
		if errno != 0 {
			return fmt.Errorf("mincore: %w", errno)
		}
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			return fmt.Errorf("sched_getaffinity: %w", err)
		}
		_, err = unix.Getpriority(unix.PRIO_PROCESS, 0)
		return err
	},
	// A child that makes syncfs(-1) and exits at once (no Go runtime in it).
	"fork": forkShortChild,
	// Distinctive syscalls of two namespaces recorded at once.
	"a": func() error { return expectErrno(unix.SYS_MSYNC, 1, 0, 0, unix.EINVAL) },
	"b": func() error { return expectErrno(unix.SYS_FDATASYNC, ^uintptr(0), 0, 0, unix.EBADF) },
	// Load without privileges: prints the error for the test to check.
	"load": func() error {
		rec, err := Load(Options{HostMountNamespace: 1, BTFPath: os.Getenv("SPO_BTF")})
		if err == nil {
			rec.Close()
			return errors.New("Load succeeded without privileges")
		}
		fmt.Print(err)
		return nil
	},
}

func expectErrno(nr, a1, a2, a3 uintptr, want unix.Errno) error {
	_, _, errno := unix.Syscall(nr, a1, a2, a3)
	if errno != want {
		return fmt.Errorf("syscall %d returned %v, want %v", nr, errno, want)
	}
	return nil
}

// forkShortChild forks with the raw clone syscall; the child only calls
// syncfs(-1) and exit_group, lasting microseconds.
func forkShortChild() error {
	syscall.ForkLock.Lock()
	pid, _, errno := unix.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if pid == 0 && errno == 0 {
		unix.RawSyscall(unix.SYS_SYNCFS, ^uintptr(0), 0, 0)
		unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	}
	syscall.ForkLock.Unlock()
	if errno != 0 {
		return fmt.Errorf("clone: %w", errno)
	}
	var status unix.WaitStatus
	_, err := unix.Wait4(int(pid), &status, 0, nil)
	if err == nil && status.ExitStatus() != 0 {
		err = fmt.Errorf("child exited with %v", status)
	}
	return err
}

// helperCmd is the test binary in helper mode, in a new mount namespace.
func helperCmd(mode string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	return cmd
}

// needKernel skips (or, with CI=true, fails) when the test cannot use BPF.
func needKernel(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(tb, "needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN for CLONE_NEWNS)")
	}
}

func skipOrFail(tb testing.TB, reason string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true: %s", reason)
	}
	tb.Skip(reason)
}

// modes are the two recorders; every kernel test runs against both.
var modes = []Kind{KindBTF, KindNoBTF}

// forModes runs f as one subtest per recorder.
func forModes(t *testing.T, f func(t *testing.T, mode Kind)) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) { f(t, mode) })
	}
}

// withMode makes opts select mode: BTFNone forces the no-BTF recorder; the
// BTF one is what the default path selects on a kernel with BTF.
func withMode(mode Kind, opts Options) Options {
	if mode == KindNoBTF {
		opts.BTFPath = BTFNone
	}
	return opts
}

// load loads a recorder of mode, skipping (failing with CI=true) when the
// kernel lacks a feature it needs.
func load(tb testing.TB, mode Kind, opts Options) *Recorder {
	tb.Helper()
	needKernel(tb)
	rec, err := Load(withMode(mode, opts))
	if errors.Is(err, ErrNoBTF) || errors.Is(err, ErrNoTpBTF) || errors.Is(err, ErrNoTracefs) || errors.Is(err, ErrTracepoint) {
		skipOrFail(tb, err.Error())
	}
	if err != nil {
		tb.Fatal(err)
	}
	if rec.Kind() != mode {
		rec.Close()
		if mode == KindBTF {
			skipOrFail(tb, "no kernel BTF: the default selected the no-BTF recorder")
		}
		tb.Fatalf("Load selected the %s recorder, want %s", rec.Kind(), mode)
	}
	tb.Cleanup(func() { rec.Close() })
	return rec
}
