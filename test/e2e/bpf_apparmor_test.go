package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/test/cluster"
)

// appArmorScript reads a file, writes one and gives it away (CAP_CHOWN),
// and opens a TCP socket (refused: nothing listens on port 1).
const appArmorScript = `cat /etc/hostname >/dev/null; echo x >/tmp/aa-written; chown 1:1 /tmp/aa-written; ` +
	`nc 127.0.0.1 1 </dev/null; echo aa=ok`

// bpfAppArmorRecording records an AppArmorProfile with the eBPF recorder
// from a pod a real runtime ran: the profile holds the pod's executables,
// files, socket and capability, not the runtime's work before the
// container's first exec (runc's setuid, setgid and mounts), and the policy
// it makes compiles with apparmor_parser. The node has no AppArmor LSM, so
// the profile cannot be enforced here; what is recorded does not need it.
func bpfAppArmorRecording(t *testing.T) {
	setAppArmor(t, true)
	t.Cleanup(func() { setAppArmor(t, false) })
	ns := newNamespace(t, map[string]string{v1.LabelEnableRecording: "true"})
	rec := &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "aa"},
		Spec: v1.ProfileRecordingSpec{Kind: v1.RecordingAppArmorProfile, Recorder: v1.RecorderBpf,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "aa"}}},
	}
	if err := k8s.Create(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), rec) })
	pod := toolsPod(ns, "aa", appArmorScript, nil)
	pod.Labels = map[string]string{"app": "aa"}
	waitRecordingAdmitted(t, pod)
	if log := runToCompletion(t, pod); !strings.Contains(log, "aa=ok") {
		t.Fatalf("recorded pod: %s; log %q", terminations(pod), log)
	}
	p := waitAppArmorProfile(t, "aa-tools")
	a := p.Spec.Abstract
	t.Logf("recorded AppArmorProfile: executables %v, filesystem %+v, network tcp %v, capabilities %v",
		a.Executable.AllowedExecutables, a.Filesystem, *a.Network.Protocols.AllowTCP, a.Capability.AllowedCapabilities)
	if a.Filesystem == nil {
		t.Fatalf("no filesystem rules: %+v", a)
	}
	if !slices.Contains(a.Filesystem.ReadOnlyPaths, "/etc/hostname") {
		t.Errorf("read-only paths %v lack /etc/hostname", a.Filesystem.ReadOnlyPaths)
	}
	if !slices.Contains(slices.Concat(a.Filesystem.WriteOnlyPaths, a.Filesystem.ReadWritePaths), "/tmp/aa-written") {
		t.Errorf("written paths %v %v lack /tmp/aa-written", a.Filesystem.WriteOnlyPaths, a.Filesystem.ReadWritePaths)
	}
	// AppArmor mediates the exec of the file the kernel loaded: /bin/sh
	// is a symlink to busybox.
	if !slices.Contains(a.Executable.AllowedExecutables, "/bin/busybox") {
		t.Errorf("executables %v lack /bin/busybox, the binary /bin/sh runs", a.Executable.AllowedExecutables)
	}
	if !*a.Network.Protocols.AllowTCP {
		t.Errorf("the TCP socket nc opened is not allowed")
	}
	caps := a.Capability.AllowedCapabilities
	if !slices.Contains(caps, "chown") {
		t.Errorf("capabilities %v lack chown", caps)
	}
	// runc's init switches user and group before it execs the container's
	// command; that is the runtime's, not the workload's.
	for _, runtimeOnly := range []string{"setuid", "setgid", "setpcap"} {
		if slices.Contains(caps, runtimeOnly) {
			t.Errorf("capability %s recorded: the runtime's work before the first exec leaked in (%v)", runtimeOnly, caps)
		}
	}
	compileAppArmor(t, p)
}

// compileAppArmor runs the real apparmor_parser on the policy the node
// would load for p.
func compileAppArmor(t *testing.T, p *v1.AppArmorProfile) {
	t.Helper()
	policy, err := apparmor.Translate(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "policy")
	if err := os.WriteFile(file, policy, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("apparmor_parser", "-QK", file).CombinedOutput(); err != nil {
		t.Errorf("apparmor_parser -QK: %v: %s\n%s", err, out, policy)
	}
}

// waitAppArmorProfile waits until the daemon pod created the recorded
// AppArmorProfile name; it is deleted after t.
func waitAppArmorProfile(t *testing.T, name string) *v1.AppArmorProfile {
	t.Helper()
	p := &v1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	waitFor(t, 2*time.Minute, "recorded AppArmorProfile "+name, func() (bool, string) {
		err := k8s.Get(context.Background(), types.NamespacedName{Name: name}, p)
		return err == nil, fmt.Sprint(err)
	})
	return p
}

// setAppArmor switches the SPOD's enableAppArmor and waits until the
// daemon pod's bpf-recorder runs with (or without) --apparmor, Ready.
func setAppArmor(t *testing.T, on bool) {
	t.Helper()
	ctx := context.Background()
	s := &v1.SecurityProfilesOperatorDaemon{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: cluster.Namespace, Name: v1.SPODName}, s); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Spec.EnableAppArmor = on
	if err := k8s.Patch(ctx, s, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, fmt.Sprintf("a Ready bpf-recorder with --apparmor %v", on), func() (bool, string) {
		var pods corev1.PodList
		if err := k8s.List(ctx, &pods, client.InNamespace(cluster.Namespace)); err != nil {
			return false, err.Error()
		}
		var seen []string
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			for i, c := range p.Spec.Containers {
				if c.Name != "bpf-recorder" || slices.Contains(c.Args, "--apparmor") != on {
					continue
				}
				if st := containerStatus(p, c.Name); st != nil && st.Ready {
					return true, ""
				}
				seen = append(seen, fmt.Sprintf("%s: container %d not Ready", p.Name, i))
			}
		}
		return false, strings.Join(seen, "; ")
	})
	if err := cluster.WaitSPOD(ctx, k8s, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
}

func containerStatus(p corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}
