package bpfrecorder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/secprofiles/spo/reconcilers/spod"
)

func init() {
	// The self-test as the deployed bpf-recorder runs it: in a container,
	// whose mount namespace is not the host's (1 stands for the host's).
	helperModes["selftest"] = func() error {
		return SelfTest(context.Background(), Options{HostMountNamespace: 1, BTFPath: os.Getenv("SPO_BTF")})
	}
	// A sandbox whose PID 1 cannot be inspected: the recorder's own
	// namespace stands for the host's.
	helperModes["selftest-own-is-host"] = func() error {
		own, err := MountNamespaceOf(os.Getpid())
		if err != nil {
			return err
		}
		err = SelfTest(context.Background(), Options{HostMountNamespace: own, BTFPath: os.Getenv("SPO_BTF")})
		if !errors.Is(err, ErrSelfTestPartial) {
			return fmt.Errorf("SelfTest = %v, want ErrSelfTestPartial", err)
		}
		return nil
	}
	// What the recorder does for every container it records: read the
	// mount namespace of one of its processes.
	helperModes["mntns"] = func() error {
		pid, err := strconv.Atoi(os.Getenv("SPO_TEST_PID"))
		if err != nil {
			return err
		}
		_, err = MountNamespaceOfProc("/proc", pid)
		return err
	}
}

// withDeployedCapabilities runs the test binary in helper mode as root with
// exactly the capabilities the DaemonSet gives the bpf-recorder container
// and nothing else in its bounding set.
func withDeployedCapabilities(t *testing.T, mode string, env ...string) ([]byte, error) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		skipOrFail(t, "needs setpriv (util-linux) to drop capabilities: "+err.Error())
	}
	var set []string
	for _, c := range spod.BpfRecorderCapabilities {
		set = append(set, "+"+strings.ToLower(string(c)))
	}
	cmd := exec.Command(setpriv, "--bounding-set=-all,"+strings.Join(set, ","), "--inh-caps=-all", "--",
		os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	cmd.Stdin = strings.NewReader("go\n")
	return cmd.CombinedOutput()
}

// TestReadsMountNamespacesWithDeployedCapabilities reads the mount
// namespace of a process with every capability (as a container's processes
// have more than the recorder) with the deployed capabilities: the ptrace
// access check on /proc/<pid>/ns needs CAP_SYS_PTRACE.
func TestReadsMountNamespacesWithDeployedCapabilities(t *testing.T) {
	needKernel(t)
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	if out, err := withDeployedCapabilities(t, "mntns", "SPO_TEST_PID="+strconv.Itoa(other.Process.Pid)); err != nil {
		t.Fatalf("reading the mount namespace of a process with more capabilities: %v: %s", err, out)
	}
}

// TestSelfTestWithDeployedCapabilities runs the recorder's self-test (load,
// attach, record a child's execve) as root with exactly the capabilities
// the DaemonSet gives the bpf-recorder container, and nothing else in its
// bounding set (withDeployedCapabilities): the kernel must need no more.
func TestSelfTestWithDeployedCapabilities(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		needKernel(t)
		needTracefs(t, mode)
		out, err := withDeployedCapabilities(t, "selftest", "SPO_BTF="+withMode(mode, Options{}).BTFPath)
		if err != nil {
			t.Fatalf("self-test with the deployed capabilities %v only: %v: %s", spod.BpfRecorderCapabilities, err, out)
		}
	})
}

// Where the recorder's own namespace stands for the host's, the self-test
// without CAP_SYS_ADMIN says it could not record rather than failing the
// recorder's start.
func TestSelfTestWithDeployedCapabilitiesInASandbox(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		needKernel(t)
		needTracefs(t, mode)
		out, err := withDeployedCapabilities(t, "selftest-own-is-host", "SPO_BTF="+withMode(mode, Options{}).BTFPath)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	})
}

// needTracefs mounts tracefs (as the node has it, and as the pod must see
// it) for the no-BTF recorder, which cannot mount it without CAP_SYS_ADMIN.
func needTracefs(t *testing.T, mode Kind) {
	t.Helper()
	if _, err := tracefsDir(); err != nil && mode == KindNoBTF {
		skipOrFail(t, err.Error())
	}
}

// TestNoBTFWithoutTracefsNamesIt: where tracefs is not mounted and the
// recorder may not mount it (no CAP_SYS_ADMIN, as deployed), the error says
// what is missing and how to provide it. The test hides tracefs in a
// private mount namespace of its own.
func TestNoBTFWithoutTracefsNamesIt(t *testing.T) {
	needKernel(t)
	for _, tool := range []string{"unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "needs "+tool+" (util-linux): "+err.Error())
		}
	}
	script := `umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; ` +
		`exec setpriv --bounding-set=-all,+bpf,+perfmon,+sys_ptrace --inh-caps=-all -- "$@"`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
		os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=load", "SPO_BTF="+BTFNone)
	cmd.Stdin = strings.NewReader("go\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if want := "tracefs is not mounted (classic tracepoints need it: mount -t tracefs nodev /sys/kernel/tracing)"; !strings.Contains(string(out), want) {
		t.Fatalf("Load without tracefs said %q, want it to contain %q", out, want)
	}
}
