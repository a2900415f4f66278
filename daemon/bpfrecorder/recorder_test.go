package bpfrecorder

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func native(t testing.TB) seccomp.ScmpArch {
	arch, err := seccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	return arch
}

// record runs helper mode in a new mount namespace, tracked, and returns
// its syscalls and namespace (forgotten at cleanup).
func record(t *testing.T, rec *Recorder, mode string) ([]string, uint32) {
	t.Helper()
	ns, err := startTracked(rec, helperCmd(mode))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Forget(ns) })
	names, err := rec.Syscalls(ns, native(t))
	if err != nil {
		t.Fatal(err)
	}
	return names, ns
}

func mustContain(t *testing.T, names []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("%s not recorded; got %v", w, names)
		}
	}
}

func mustNotContain(t *testing.T, names []string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if slices.Contains(names, b) {
			t.Errorf("%s recorded, but that namespace never made it", b)
		}
	}
}

func TestRecordsRareSyscalls(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{})
		names, ns := record(t, rec, "rare")
		mustContain(t, names, "mincore", "sched_getaffinity", "getpriority", "read", "exit_group")
		// The helper's own exec may land either side of Track: cmd.Start
		// returns once exec closed the CLOEXEC pipe (begin_new_exec), before
		// the sched_process_exec tracepoint fires (exec_binprm, fs/exec.c).
		// Anything else would be an exec the helper never made.
		exes, err := rec.Executables(ns)
		if err != nil || len(exes) > 1 || len(exes) == 1 && exes[0] != os.Args[0] {
			t.Errorf("Executables = %v, %v; want none or only the helper %s", exes, err, os.Args[0])
		}
	})
}

func TestShortLivedChildLosesNothing(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{})
		names, _ := record(t, rec, "fork")
		mustContain(t, names, "syncfs", "clone", "wait4")
	})
}

func TestNamespacesDoNotMixAndHostIsNotRecorded(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{})
		cmdA, cmdB := helperCmd("a"), helperCmd("b")
		var nsA, nsB uint32
		var errA, errB error
		var wg sync.WaitGroup
		wg.Go(func() { nsA, errA = startTracked(rec, cmdA) })
		wg.Go(func() { nsB, errB = startTracked(rec, cmdB) })
		var info unix.Sysinfo_t
		if err := unix.Sysinfo(&info); err != nil { // the host's own syscall
			t.Fatal(err)
		}
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		defer rec.Forget(nsA)
		defer rec.Forget(nsB)
		a, errA := rec.Syscalls(nsA, native(t))
		b, errB := rec.Syscalls(nsB, native(t))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		mustContain(t, a, "msync")
		mustNotContain(t, a, "fdatasync", "sysinfo")
		mustContain(t, b, "fdatasync")
		mustNotContain(t, b, "msync", "sysinfo")
	})
}

func TestHostNamespaceIsRefused(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{})
		self, err := MountNamespaceOf(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if self != rec.HostMountNamespace() {
			t.Skipf("the test runs outside the host mount namespace (%d vs %d)", self, rec.HostMountNamespace())
		}
		if err := rec.Track(self); err == nil {
			t.Fatal("Track(host) succeeded")
		}
	})
}

func TestExecutablesAndDataOutliveTheNamespace(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{})
		cmd := exec.Command("/bin/sh", "-c", "read _ && /bin/true && exec /bin/echo")
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
		shNS, err := startTracked(rec, cmd)
		if err != nil {
			t.Fatal(err)
		}
		names, err := rec.Syscalls(shNS, native(t))
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, names, "execve", "exit_group", "wait4")
		exes, err := rec.Executables(shNS)
		if err != nil || !slices.Equal(exes, []string{"/bin/echo", "/bin/true"}) {
			t.Errorf("Executables = %v, %v; want /bin/echo and /bin/true", exes, err)
		}
		if err := rec.Forget(shNS); err != nil {
			t.Fatal(err)
		}
		cmd = helperCmd("rare")
		ns, err := startTracked(rec, cmd) // the namespace is gone once it exits
		if err != nil {
			t.Fatal(err)
		}
		st, err := rec.Status(ns)
		if err != nil || st.Tracked || st.Session == 0 || st.Foreign != 0 {
			t.Fatalf("Status after Untrack = %+v, %v", st, err)
		}
		if err := rec.Forget(ns); err != nil {
			t.Fatal(err)
		}
		if _, err := rec.Syscalls(ns, native(t)); err == nil {
			t.Fatal("Syscalls after Forget succeeded")
		}
	})
}

// A number reused while still tracked (the first namespace died without
// Untrack) records nothing of the second namespace.
func TestReusedNumberDoesNotMix(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		if mode == KindNoBTF {
			t.Skip("the no-BTF recorder follows processes, not namespace numbers: a reused number records nothing")
		}
		rec := load(t, mode, Options{})
		first := helperCmd("a")
		ns, err := startTracked(rec, first)
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Forget(ns)
		if err := rec.Track(ns); !errors.Is(err, ErrUncollected) {
			t.Fatalf("Track of an uncollected number = %v, want ErrUncollected", err)
		}
		if err := rec.tracked.Put(ns, rec.slots[ns]); err != nil { // as if never untracked
			t.Fatal(err)
		}
		if err := rec.filter.add(ns); err != nil {
			t.Fatal(err)
		}
		second := helperCmd("b")
		stdin, _ := second.StdinPipe()
		if err := second.Start(); err != nil {
			t.Fatal(err)
		}
		ns2, err := MountNamespaceOf(second.Process.Pid)
		stdin.Write([]byte("go\n"))
		stdin.Close()
		if werr := second.Wait(); err != nil || werr != nil {
			t.Fatal(err, werr)
		}
		if ns2 != ns {
			t.Skipf("the kernel did not reuse mount namespace %d (got %d)", ns, ns2)
		}
		names, err := rec.Syscalls(ns, native(t))
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, names, "msync")
		mustNotContain(t, names, "fdatasync")
		if st, _ := rec.Status(ns); st.Foreign == 0 {
			t.Errorf("the second namespace's syscalls were not counted as foreign: %+v", st)
		}
	})
}
