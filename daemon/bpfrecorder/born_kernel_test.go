package bpfrecorder

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"

	"testing"
)

// TestRecordNewFollowsCloneIntoACgroupAndSetns: a container's first process
// made by clone3(CLONE_NEWNS | CLONE_INTO_CGROUP) (in its cgroup from the
// start, as crun does), and a second process that joins its namespace with
// setns from the container's cgroup (as runc exec and kubectl exec do), are
// both recorded for the container, with the recorder loaded before either
// ran. The BTF recorder sees one namespace; the no-BTF recorder sees the
// setns as a birth of its own: Born may return one record or two, and
// their union is the container's recording.
func TestRecordNewFollowsCloneIntoACgroupAndSetns(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{RecordNew: true})
		id, cgroup := containerCgroup(t, 0xcafe)
		dir, err := os.Open(cgroup)
		must(t, err)
		defer dir.Close()

		first := helperCmd("a")
		first.SysProcAttr.UseCgroupFD, first.SysProcAttr.CgroupFD = true, int(dir.Fd())
		stdin, err := first.StdinPipe()
		must(t, err)
		must(t, first.Start())
		defer func() { _ = first.Process.Kill(); _ = first.Wait() }()
		// runc exec: join the container's namespace from its cgroup.
		runContainer(t, filepath.Join(cgroup, "exec"), fmt.Sprintf("exec nsenter -t %d -m /bin/sync -f /", first.Process.Pid))
		_, err = stdin.Write([]byte("go\n"))
		must(t, err)
		stdin.Close()
		must(t, first.Wait())

		nss, err := rec.Born(id)
		if err != nil || len(nss) == 0 {
			t.Fatalf("Born(%s) = %v, %v; want the container's namespaces", id, nss, err)
		}
		var all []string
		for _, ns := range nss {
			names, err := rec.BornSyscalls(ns.ID, native(t))
			must(t, err)
			all = append(all, names...)
			defer rec.DropBorn(ns.ID)
		}
		for _, want := range []string{"msync", "syncfs", "execve"} {
			if !slices.Contains(all, want) {
				t.Errorf("%s not recorded for the container; got %v from %d namespaces", want, all, len(nss))
			}
		}
	})
}

// containerCgroup makes a cgroup v2 directory named as containerd names a
// container's (removed at cleanup) and returns the container id and path.
func containerCgroup(t *testing.T, tag int) (string, string) {
	t.Helper()
	unified := "/sys/fs/cgroup/unified"
	if _, err := os.Stat(filepath.Join(unified, "cgroup.procs")); err != nil {
		unified = "/sys/fs/cgroup"
	}
	if _, err := os.Stat(filepath.Join(unified, "cgroup.subtree_control")); err != nil {
		skipOrFail(t, "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified")
	}
	id := fmt.Sprintf("%060x%04x", tag, len(t.Name()))
	cgroup := filepath.Join(unified, "cri-containerd-"+id+".scope")
	must(t, os.Mkdir(cgroup, 0o755))
	t.Cleanup(func() { os.Remove(cgroup) })
	return id, cgroup
}

// TestRecordNewStopsAtTheHostNamespace: a container process that joins the
// host's mount namespace is no longer recorded for the container (nsenter
// -t 1 -m, or into the test's own namespace where that stands for the
// host's): the BTF recorder never records the host's namespace, the
// no-BTF one sees the join as a birth into the host's namespace and stops
// following the process.
func TestRecordNewStopsAtTheHostNamespace(t *testing.T) {
	forModes(t, func(t *testing.T, mode Kind) {
		rec := load(t, mode, Options{RecordNew: true})
		id, cgroup := containerCgroup(t, 0xf00d)
		// The recorder's host namespace is PID 1's, or its own where PID 1
		// cannot be inspected (a sandboxed init, as on these machines).
		host := 1
		if self, err := MountNamespaceOf(os.Getpid()); err == nil && self == rec.HostMountNamespace() {
			host = os.Getpid()
		}
		script := fmt.Sprintf(`read _ && exec unshare -m nsenter -t %d -m /bin/sh -c "echo ready && read _ && /bin/sync -f / && exec /bin/true"`, host)
		sh := exec.Command("/bin/sh", "-c", script)
		sh.Stderr = os.Stderr
		stdin, err := sh.StdinPipe()
		must(t, err)
		stdout, err := sh.StdoutPipe()
		must(t, err)
		must(t, sh.Start())
		defer func() { _ = sh.Process.Kill(); _ = sh.Wait() }()
		must(t, os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(strconv.Itoa(sh.Process.Pid)), 0o644))
		_, err = stdin.Write([]byte("go\n"))
		must(t, err)
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("the shell in the host namespace said %q, %v", line, err)
		}
		// The join is known now: the shell waits in the host's namespace.
		if nss, err := rec.Born(id); err != nil || len(nss) == 0 {
			t.Fatalf("Born(%s) = %v, %v; want the namespace unshare made", id, nss, err)
		}
		_, err = stdin.Write([]byte("go\n"))
		must(t, err)
		must(t, sh.Wait())
		nss, err := rec.Born(id)
		must(t, err)
		var all []string
		for _, ns := range nss {
			names, err := rec.BornSyscalls(ns.ID, native(t))
			must(t, err)
			all = append(all, names...)
			defer rec.DropBorn(ns.ID)
		}
		if !slices.Contains(all, "setns") {
			t.Errorf("setns (made in the container's namespace) not recorded: %v", all)
		}
		if slices.Contains(all, "syncfs") {
			t.Errorf("syncfs, made in the host's namespace, was recorded for the container: %v", all)
		}
	})
}
