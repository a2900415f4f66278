package bpfrecorder

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

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
		unified := "/sys/fs/cgroup/unified"
		if _, err := os.Stat(filepath.Join(unified, "cgroup.procs")); err != nil {
			unified = "/sys/fs/cgroup"
		}
		if _, err := os.Stat(filepath.Join(unified, "cgroup.subtree_control")); err != nil {
			skipOrFail(t, "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified")
		}
		rec := load(t, mode, Options{RecordNew: true})
		id := fmt.Sprintf("%062x%02d", 0xcafe, len(mode))
		cgroup := filepath.Join(unified, "cri-containerd-"+id+".scope")
		must(t, os.Mkdir(cgroup, 0o755))
		defer os.Remove(cgroup)
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
