package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
	"github.com/secprofiles/spo/test/cluster"
)

// BenchmarkPodToRunning is the time from creating a pod to the kubelet
// reporting it Running, in a namespace the binding webhook skips and in
// one where it binds the pod's image to a profile.
func BenchmarkPodToRunning(b *testing.B) {
	p := benchProfile(b, "bench-pod-start")
	for _, bound := range []bool{false, true} {
		b.Run(fmt.Sprintf("binding=%v", bound), func(b *testing.B) {
			labels := map[string]string{}
			if bound {
				labels[v1.LabelEnableBinding] = "true"
			}
			ns := benchNamespace(b, labels)
			if bound {
				pb := &v1.ProfileBinding{
					ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tools"},
					Spec:       v1.ProfileBindingSpec{ProfileRef: v1.ProfileRef{Kind: "SeccompProfile", Name: p.Name}, Image: ToolsImage},
				}
				if err := k8s.Create(context.Background(), pb); err != nil {
					b.Fatal(err)
				}
				time.Sleep(2 * time.Second) // the webhook's cache
			}
			var total time.Duration
			for i := 0; b.Loop(); i++ {
				pod := toolsPod(ns, fmt.Sprintf("p%d", i), "sleep 3600", nil)
				start := time.Now()
				if err := k8s.Create(context.Background(), pod); err != nil {
					b.Fatal(err)
				}
				if bound && localhostProfile(pod) != p.Status.LocalhostProfile {
					b.Fatalf("pod not bound: %+v", pod.Spec.SecurityContext)
				}
				waitFor(b, 2*time.Minute, "pod running", func() (bool, string) {
					_ = k8s.Get(context.Background(), client.ObjectKeyFromObject(pod), pod)
					return pod.Status.Phase == corev1.PodRunning, string(pod.Status.Phase)
				})
				total += time.Since(start)
				_ = k8s.Delete(context.Background(), pod, client.GracePeriodSeconds(0))
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/pod")
		})
	}
}

// BenchmarkProfileInstalled is the time from creating a SeccompProfile to
// its Installed status, through the daemon pod on the node.
func BenchmarkProfileInstalled(b *testing.B) {
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		benchProfile(b, fmt.Sprintf("bench-installed-%d", i))
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/profile")
}

// BenchmarkDaemonRSS reports the resident memory of the daemon container's
// process, as the kernel counts it.
func BenchmarkDaemonRSS(b *testing.B) {
	var kib int
	for b.Loop() {
		kib = daemonRSS(b)
	}
	b.ReportMetric(float64(kib)/1024, "MiB-RSS")
}

func daemonRSS(b *testing.B) int {
	var pods corev1.PodList
	if err := k8s.List(context.Background(), &pods, client.InNamespace(cluster.Namespace), client.MatchingLabels(spod.Labels())); err != nil || len(pods.Items) != 1 {
		b.Fatalf("daemon pods: %d, %v", len(pods.Items), err)
	}
	pod := pods.Items[0]
	for _, c := range pod.Status.ContainerStatuses {
		if c.Name != spod.ContainerDaemon {
			continue
		}
		id := strings.TrimPrefix(c.ContainerID, "containerd://")
		// The cgroupfs driver's layout, kubepods/[<qos>/]pod<uid>/<id>,
		// in the v1 memory hierarchy or the v2 tree.
		for _, pattern := range []string{"/sys/fs/cgroup/memory/kubepods", "/sys/fs/cgroup/kubepods"} {
			for _, qos := range []string{"*/", ""} {
				files, _ := filepath.Glob(filepath.Join(pattern, qos+"pod"+string(pod.UID), id, "cgroup.procs"))
				for _, f := range files {
					if pids := readPids(f); len(pids) > 0 {
						return vmRSS(b, pids[0])
					}
				}
			}
		}
		b.Fatalf("no process of container %s in the memory cgroup hierarchy", id)
	}
	b.Fatal("no daemon container status")
	return 0
}

func vmRSS(b *testing.B, pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no VmRSS for pid %d", pid)
	return 0
}

func readPids(path string) []int {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func benchProfile(b *testing.B, name string) *v1.SeccompProfile {
	b.Helper()
	ctx := context.Background()
	p := denyMkdir(name)
	if err := k8s.Create(ctx, p); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	waitFor(b, 2*time.Minute, "profile Installed", func() (bool, string) {
		_ = k8s.Get(ctx, types.NamespacedName{Name: name}, p)
		return p.Status.Status == v1.ProfileStateInstalled, string(p.Status.Status)
	})
	return p
}

func benchNamespace(b *testing.B, labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "spo-bench-", Labels: labels}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	return ns.Name
}
