package containerid

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	idA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	idB = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

func TestFromCgroup(t *testing.T) {
	tests := map[string]struct {
		content string
		want    string // "" = no container
	}{
		"containerd under systemd on cgroup v2 names the scope": {
			content: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_aaaa_bbbb_cccc_111122223333.slice/cri-containerd-" + idA + ".scope\n",
			want:    idA,
		},
		"containerd with the cgroupfs driver on cgroup v1 uses the bare id": {
			content: "12:pids:/kubepods/burstable/pod1b2c3d4e-aaaa-bbbb-cccc-111122223333/" + idA + "\n" +
				"11:memory:/kubepods/burstable/pod1b2c3d4e-aaaa-bbbb-cccc-111122223333/" + idA + "\n" +
				"1:name=systemd:/kubepods/burstable/pod1b2c3d4e-aaaa-bbbb-cccc-111122223333/" + idA + "\n",
			want: idA,
		},
		"CRI-O under systemd names a crio scope": {
			content: "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podx.slice/crio-" + idA + ".scope\n",
			want:    idA,
		},
		"CRI-O's conmon monitor is not the container": {
			content: "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podx.slice/crio-conmon-" + idA + ".scope\n",
		},
		"docker with cgroupfs on cgroup v1": {
			content: "4:cpu,cpuacct:/docker/" + idA + "\n",
			want:    idA,
		},
		"docker under systemd on cgroup v2": {
			content: "0::/system.slice/docker-" + idA + ".scope\n",
			want:    idA,
		},
		"a hybrid hierarchy finds the id on the v1 lines when the v2 line is empty": {
			content: "5:devices:/kubepods/besteffort/podx/" + idA + "\n0::/\n",
			want:    idA,
		},
		"a sub-cgroup inside the container still belongs to it": {
			content: "0::/kubepods.slice/cri-containerd-" + idA + ".scope/init.scope\n",
			want:    idA,
		},
		"docker in docker reports the innermost container": {
			content: "0::/docker/" + idA + "/docker/" + idB + "\n",
			want:    idB,
		},
		"a host process is in no container": {
			content: "0::/user.slice/user-1000.slice/session-3.scope\n",
		},
		"the root cgroup is no container": {content: "0::/\n"},
		"an empty file is no container":   {content: ""},
		"an id one digit short is not an id": {
			content: "0::/system.slice/docker-" + idA[1:] + ".scope\n",
		},
		"upper-case hex is not what runtimes write": {
			content: "0::/docker/" + strings.ToUpper(idA) + "\n",
		},
		"a line without the controller field is ignored": {
			content: "/docker/" + idA + "\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := FromCgroup(tt.content)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("FromCgroup() = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func FuzzFromCgroup(f *testing.F) {
	f.Add("0::/kubepods.slice/cri-containerd-" + idA + ".scope\n")
	f.Add("4:cpu,cpuacct:/docker/" + idA + "\n0::/\n")
	f.Add("0::/a:b/crio-" + idB + ".scope")
	f.Fuzz(func(t *testing.T, content string) {
		id, ok := FromCgroup(content)
		if ok != (id != "") {
			t.Fatalf("ok = %v with id %q", ok, id)
		}
		if ok && (!isContainerID(id) || !strings.Contains(content, id)) {
			t.Fatalf("returned %q, which is not an id taken from the content", id)
		}
	})
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"containerd://" + idA: idA,
		"cri-o://" + idA:      idA,
		idA:                   idA,
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeProc writes a /proc tree: per pid a cgroup file and an ns/mnt link.
func fakeProc(t *testing.T, procs map[int]string, mntns map[int]uint32) string {
	t.Helper()
	root := t.TempDir()
	for pid, cgroup := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		must(t, os.MkdirAll(filepath.Join(dir, "ns"), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cgroup), 0o644))
		if ns, ok := mntns[pid]; ok {
			must(t, os.Symlink("mnt:["+strconv.FormatUint(uint64(ns), 10)+"]", filepath.Join(dir, "ns", "mnt")))
		}
	}
	// Entries that are not processes must be skipped.
	must(t, os.WriteFile(filepath.Join(root, "cpuinfo"), []byte("x"), 0o644))
	must(t, os.MkdirAll(filepath.Join(root, "self"), 0o755))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPidsOf(t *testing.T) {
	root := fakeProc(t, map[int]string{
		1:   "0::/init.scope\n",
		42:  "0::/kubepods.slice/cri-containerd-" + idA + ".scope\n",
		7:   "0::/kubepods.slice/cri-containerd-" + idA + ".scope\n",
		100: "0::/kubepods.slice/crio-" + idB + ".scope\n",
	}, map[int]uint32{7: 4026532001, 42: 4026532001})

	t.Run("the processes of a container are found sorted, whatever prefix the id has", func(t *testing.T) {
		pids, err := PidsOf(root, "containerd://"+idA)
		if err != nil || !slices.Equal(pids, []int{7, 42}) {
			t.Fatalf("PidsOf() = %v, %v; want [7 42]", pids, err)
		}
	})
	t.Run("a container with no process here is ErrNoProcesses", func(t *testing.T) {
		_, err := PidsOf(root, strings.Repeat("e", 64))
		if !errors.Is(err, ErrNoProcesses) {
			t.Fatalf("err = %v, want ErrNoProcesses", err)
		}
	})
	t.Run("the container of a process is read from its cgroup file", func(t *testing.T) {
		if id, ok := OfPid(root, 100); !ok || id != idB {
			t.Fatalf("OfPid(100) = %q, %v; want %s", id, ok, idB)
		}
	})
	t.Run("a host process or a missing pid is in no container", func(t *testing.T) {
		for _, pid := range []int{1, 9999} {
			if id, ok := OfPid(root, pid); ok {
				t.Errorf("OfPid(%d) = %q, want none", pid, id)
			}
		}
	})
	t.Run("a missing proc root is an error", func(t *testing.T) {
		if _, err := PidsOf(filepath.Join(root, "nope"), idA); err == nil {
			t.Fatal("no error")
		}
	})
}
