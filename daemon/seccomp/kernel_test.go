package seccomp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
)

// The kernel test runs the test binary again as a child (the helper-process
// pattern): loading a seccomp filter cannot be undone, so it must not happen
// in the process running the other tests.
const (
	helperProfileEnv = "SPO_SECCOMP_HELPER_PROFILE"
	helperDirEnv     = "SPO_SECCOMP_HELPER_DIR"
	helperResultTag  = "SPO-SECCOMP-RESULT "
)

// helperResult is what the child saw after loading the filter. Errnos are 0
// for success.
type helperResult struct {
	Getpid          syscall.Errno
	Mkdir           syscall.Errno
	MkdirElsewhere  syscall.Errno // on a thread that existed before the load
	Symlink         syscall.Errno
	Tids            [2]int
	SeccompMode     string
	NoNewPrivileges string
}

func TestLoadFilterBlocksSyscallsInTheKernel(t *testing.T) {
	// Default allow with a few denials keeps the Go runtime working however
	// it evolves; an allow list would have to track the runtime's syscalls.
	spec := &v1.SeccompProfileSpec{
		DefaultAction: v1.ActAllow,
		Architectures: []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"},
		Syscalls: []v1.SeccompSyscall{
			rule(v1.ActErrno, "mkdirat", "mkdir"),
			{Names: []string{"symlinkat", "symlink"}, Action: v1.ActErrno, ErrnoRet: errnoRet(uint(syscall.ENOTSUP))},
			rule(v1.ActAllow, "getpid"), // repeats the default: must be skipped, not refused
		},
	}
	if err := Validate(spec); err != nil {
		t.Fatal(err)
	}
	data, err := MarshalOCI(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "profile.json")
	if _, err := nodefs.WriteFileAtomic(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	got := runHelper(t, path, dir)
	t.Logf("child reported %+v", got)

	want := helperResult{Getpid: 0, Mkdir: syscall.EPERM, MkdirElsewhere: syscall.EPERM, Symlink: syscall.ENOTSUP,
		Tids: got.Tids, SeccompMode: "2", NoNewPrivileges: "1"}
	if got != want {
		t.Fatalf("child reported %+v, want %+v", got, want)
	}
	if got.Tids[0] == got.Tids[1] {
		t.Fatalf("both calls ran on thread %d; the test needs two threads to check TSYNC", got.Tids[0])
	}
	// The parent is unaffected.
	if err := os.Mkdir(filepath.Join(dir, "parent"), 0o755); err != nil {
		t.Fatalf("mkdir in the parent: %v", err)
	}
}

func runHelper(t *testing.T, profile, dir string) helperResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperProfileEnv+"="+profile, helperDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), helperResultTag); ok {
			var res helperResult
			if err := json.Unmarshal([]byte(line), &res); err != nil {
				t.Fatalf("reading the child's result: %v", err)
			}
			return res
		}
	}
	t.Fatalf("child printed no result:\n%s", out)
	return helperResult{}
}

// TestKernelHelperProcess is the child of TestLoadFilterBlocksSyscallsInTheKernel;
// run directly it does nothing.
func TestKernelHelperProcess(t *testing.T) {
	profile := os.Getenv(helperProfileEnv)
	if profile == "" {
		return
	}
	res, err := helperMain(profile, os.Getenv(helperDirEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	line, _ := json.Marshal(res)
	fmt.Println(helperResultTag + string(line))
	os.Exit(0)
}

func helperMain(profile, dir string) (helperResult, error) {
	var res helperResult
	data, err := os.ReadFile(profile)
	if err != nil {
		return res, err
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(data, &s); err != nil {
		return res, err
	}
	// A thread that exists before the filter is loaded: only TSYNC puts the
	// filter on it.
	start, done := make(chan struct{}), make(chan syscall.Errno)
	ready := make(chan int)
	go func() {
		runtime.LockOSThread()
		ready <- syscall.Gettid()
		<-start
		done <- errnoOf(syscall.Mkdir(filepath.Join(dir, "other-thread"), 0o755))
	}()
	res.Tids[1] = <-ready

	if err := LoadFilter(&s); err != nil {
		return res, err
	}
	runtime.LockOSThread()
	res.Tids[0] = syscall.Gettid()
	_, _, res.Getpid = syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	res.Mkdir = errnoOf(syscall.Mkdir(filepath.Join(dir, "this-thread"), 0o755))
	res.Symlink = errnoOf(syscall.Symlink("target", filepath.Join(dir, "link")))
	close(start)
	res.MkdirElsewhere = <-done
	res.SeccompMode, res.NoNewPrivileges, err = procStatus("Seccomp", "NoNewPrivs")
	return res, err
}

func errnoOf(err error) syscall.Errno {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	if err != nil {
		return syscall.Errno(0xffff)
	}
	return 0
}

// procStatus returns two fields of this thread's /proc status.
func procStatus(a, b string) (string, string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", syscall.Gettid()))
	if err != nil {
		return "", "", err
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields[a], fields[b], nil
}
