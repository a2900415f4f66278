package bpfrecorder

import (
	"slices"
	"testing"
)

func birthOf(ns uint64, mntns, pid uint32, v2, v1 string) *birthEvent {
	ev := &birthEvent{NsID: ns, MntNS: mntns, PID: pid}
	copy(ev.Cgroup[:], v2)
	copy(ev.CgroupV1[:], v1)
	return ev
}

func TestBirthsNameTheContainer(t *testing.T) {
	proc := fakeProc(t, map[int]string{
		300: "4:memory:/kubepods/pod1/" + idB + "\n0::/\n",
		301: "0::/user.slice\n",
	}, map[int]uint32{300: 4026532300, 301: 4026532301})
	tests := []struct {
		name string
		ev   *birthEvent
		want string
	}{
		{"a v2 cgroup named by containerd with the systemd driver", birthOf(1, 1, 1, "cri-containerd-"+idA+".scope", ""), idA},
		{"a v1 memory cgroup named by the cgroupfs driver, the v2 one at the root", birthOf(2, 2, 2, "", idA), idA},
		{"the v1 name when the v2 one is a session's, not a container's", birthOf(3, 3, 3, "session-4.scope", "crio-"+idA+".scope"), idA},
		{"the process's /proc cgroup when no name at birth names a container", birthOf(4, 4026532300, 300, "init.scope", ""), idB},
		{"no container when neither names one", birthOf(5, 4026532301, 301, "", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &births{proc: proc}
			if got := b.containerOf(tt.ev); got != tt.want {
				t.Fatalf("containerOf() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBirthsAttributeLateOnlyWhileThePidIsStillInTheNamespace(t *testing.T) {
	// pid 300 has since been moved into a container's cgroup (a runtime
	// that unshares first); pid 301 was reused by another namespace.
	proc := fakeProc(t, map[int]string{
		300: "0::/kubepods.slice/cri-containerd-" + idA + ".scope\n",
		301: "0::/kubepods.slice/cri-containerd-" + idB + ".scope\n",
	}, map[int]uint32{300: 4026532300, 301: 4026532999})
	b := &births{proc: proc, byID: map[uint64]*Namespace{}, byContainer: map[string][]uint64{}}
	b.add(&Namespace{ID: 1, MntNS: 4026532300, PID: 300})
	b.add(&Namespace{ID: 2, MntNS: 4026532301, PID: 301})
	b.reattribute()
	if got := b.byContainer[idA]; !slices.Equal(got, []uint64{1}) {
		t.Errorf("container A's namespaces = %v, want [1]", got)
	}
	if got := b.byContainer[idB]; len(got) != 0 {
		t.Errorf("container B got namespace %v through a reused pid", got)
	}
}

func TestBirthsForgetAndRebirth(t *testing.T) {
	b := &births{byID: map[uint64]*Namespace{}, byContainer: map[string][]uint64{}}
	b.add(&Namespace{ID: 7, ContainerID: idA})
	b.add(&Namespace{ID: 8, ContainerID: idA})
	b.add(&Namespace{ID: 7, ContainerID: idA}) // dropped by user space, born again
	if got := b.byContainer[idA]; !slices.Equal(got, []uint64{8, 7}) {
		t.Fatalf("namespaces = %v, want [8 7]", got)
	}
	b.remove(7)
	b.remove(8)
	if len(b.byContainer) != 0 || len(b.byID) != 0 {
		t.Fatalf("after removing all: %v %v", b.byContainer, b.byID)
	}
}
