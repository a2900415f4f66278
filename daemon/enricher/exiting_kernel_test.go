package enricher

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/secprofiles/spo/daemon/containerid"
	"github.com/secprofiles/spo/test/kubelet"
)

// TestKernelZombieIsNotCachedAsAHostProcess is the exiting-process fix on
// the real kernel and the real /proc: a child in a container-named cgroup
// (as runc places a container's processes) is killed and not reaped, so
// it stays a zombie; its late exit_group record must go to its
// container's recording, and a zombie never seen alive must not be
// cached as a host process. A v1 hierarchy is used when there is one,
// because that is where the kernel shows a zombie's cgroup as "/" (the
// node that showed the defect runs cgroup v1 with the cgroupfs driver).
// No auditd: the records are written by the test.
func TestKernelZombieIsNotCachedAsAHostProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("kernel test needs root (CI=true: a skip would hide this)")
		}
		t.Skip("kernel test needs root: it creates a cgroup and moves a process in it")
	}
	root := "/sys/fs/cgroup/pids" // cgroup v1, where present
	if _, err := os.Stat(filepath.Join(root, "cgroup.procs")); err != nil {
		if root, err = kubelet.CgroupRoot(); err != nil {
			t.Fatal(err)
		}
	}
	idBytes := make([]byte, 32)
	_, _ = rand.Read(idBytes)
	id := hex.EncodeToString(idBytes)
	cgroup := filepath.Join(root, "cri-containerd-"+id+".scope")
	if err := os.Mkdir(cgroup, 0o755); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the children are reaped.
	t.Cleanup(func() {
		if err := os.Remove(cgroup); err != nil {
			t.Errorf("removing the test cgroup: %v", err)
		}
	})

	f := newFixture(t, func(c *Config) { c.ProcRoot = "/proc"; c.PidTTL = time.Second })
	f.index.set(id, web)

	// Seen alive in its container, then a zombie.
	seen := startInCgroup(t, cgroup)
	f.c.Add(mustParse(t, seccompLine(seen, 35, "/bin/sleep"))) // nanosleep
	if got, _ := f.c.Syscalls(web.SeccompKey); !slices.Equal(got.Syscalls, []string{"nanosleep"}) {
		t.Fatalf("the live process's record was not attributed: %v", got.Syscalls)
	}
	zombify(t, seen)
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(seen) + "/cgroup"); err == nil {
		_, named := containerid.FromCgroup(string(b))
		t.Logf("the zombie's cgroup (%s) names its container: %v\n%s", root, named, b)
	}
	f.clock.advance(5 * time.Second) // past the TTL: /proc is read again
	f.c.Add(mustParse(t, seccompLine(seen, 231, "/bin/sleep")))
	if got, _ := f.c.Syscalls(web.SeccompKey); !slices.Equal(got.Syscalls, []string{"exit_group", "nanosleep"}) {
		t.Errorf("recorded %v, want the zombie's exit_group too", got.Syscalls)
	}
	if in := f.c.pids.m[seen]; in.id != id {
		t.Errorf("the zombie's cache entry is %+v, want its container", in)
	}

	// Never seen alive: unknowable, but not a host process.
	unseen := startInCgroup(t, cgroup)
	zombify(t, unseen)
	f.c.Add(mustParse(t, seccompLine(unseen, 231, "/bin/sleep")))
	if in, ok := f.c.pids.m[unseen]; ok && in.id == "" && !in.gone {
		t.Errorf("the zombie is cached as a host process: %+v", in)
	}
}

// startInCgroup starts a sleeping child in cgroup; the test's cleanup
// kills and reaps it.
func startInCgroup(t *testing.T, cgroup string) int {
	t.Helper()
	cmd := exec.Command("/bin/sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	if err := os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	return pid
}

// zombify kills pid, a child of the test that nobody reaps until the
// test's cleanup, and waits until the kernel shows it as a zombie.
func zombify(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The deadline only keeps a broken kernel from hanging the test.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		if state, _, ok := parseStat(string(b)); ok && state == 'Z' {
			return
		}
	}
	t.Fatalf("pid %d did not become a zombie", pid)
}
