package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/secprofiles/spo/daemon/recorder"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pb "github.com/secprofiles/spo/api/grpc/bpfrecorder/v1"
	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/reconcilers/recordingmerger"
	"github.com/secprofiles/spo/test/kubelet"
	"github.com/secprofiles/spo/webhooks/recording"
)

// The whole recording path with real parts: the API server calls the
// recording webhook, the node's daemon drives the real eBPF recorder and
// log enricher, the kernel records (seccomp LOG records through a real
// auditd), and the manager merges replicas. Only the kubelet's part is
// played by the test (test/kubelet), and SELinux/AppArmor audit lines come
// from fixtures because these machines have neither LSM.
var _ = Describe("Recording workloads on a node", Ordered, func() {
	const ns = "recording-e2e"
	// The shell itself (not a short-lived child: the log enricher resolves
	// a record's pid to its container while the process lives) makes
	// umask(2) and chdir(2), which no runtime or shell start-up makes.
	const workload = "umask 027; cd /; sleep 1"
	ctx := context.Background()
	var node *recordingNodeServices

	BeforeAll(func() {
		node = startRecordingNode(ctx)
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{v1.LabelEnableRecording: "true"}}})).To(Succeed())
		// What the SPOD reconciler installs for Logs recordings: every
		// syscall allowed and logged (the policy specs may have created it).
		Expect(client.IgnoreAlreadyExists(k8s.Create(ctx, logEverythingProfile()))).To(Succeed())
	})

	It("records a workload's syscalls with the eBPF recorder into a SeccompProfile", func() {
		rec := createRecording(ctx, ns, "bpf-web", v1.RecordingSeccompProfile, v1.RecorderBpf, v1.MergeNone)
		pod := createRecordedPod(ctx, ns, "bpf-web-", rec)
		c := node.run(ctx, pod, "app", workload, true)
		Eventually(activeWorkloads(ctx, rec)).Should(Equal([]string{pod.Name}))
		node.exit(ctx, pod, c, corev1.PodSucceeded)

		p := recordedSeccomp(ctx, rec, "app")
		Expect(p.Name).To(Equal("bpf-web-app-" + strings.TrimPrefix(pod.Name, "bpf-web-")))
		Expect(p.Spec.DefaultAction).To(Equal(v1.ActErrno))
		Expect(p.Spec.Syscalls).To(HaveLen(1))
		Expect(p.Spec.Syscalls[0].Names).To(ContainElements("execve", "umask", "chdir"))
		Expect(p.Labels).NotTo(HaveKey(v1.LabelPartial))
		Eventually(activeWorkloads(ctx, rec)).Should(BeEmpty())
	})

	It("records a workload running under the log-everything profile from auditd's records", func() {
		rec := createRecording(ctx, ns, "logs-web", v1.RecordingSeccompProfile, v1.RecorderLogs, v1.MergeNone)
		pod := createRecordedPod(ctx, ns, "", rec)
		Expect(pod.Spec.Containers[0].SecurityContext.SeccompProfile.LocalhostProfile).To(
			Equal(ptr.To(recording.LogEverythingLocalhostProfile)))
		c := node.run(ctx, pod, "app", workload, false)
		node.exit(ctx, pod, c, corev1.PodSucceeded)

		p := recordedSeccomp(ctx, rec, "app")
		Expect(p.Name).To(Equal("logs-web-app"))
		Expect(p.Spec.Architectures).To(Equal([]v1.SeccompArch{"SCMP_ARCH_X86_64"}))
		Expect(p.Spec.Syscalls[0].Names).To(ContainElements("execve", "umask", "chdir", "wait4", "exit_group"),
			"the last records of a container, exit_group above all, arrive after it is reported Terminated")
	})

	It("merges the partial profiles of replicas, with and without generateName, when the recording is deleted", func() {
		rec := createRecording(ctx, ns, "merged", v1.RecordingSeccompProfile, v1.RecorderBpf, v1.MergeContainers)
		var pods []*corev1.Pod
		var containers []*kubelet.Container
		for _, generate := range []string{"merged-", "merged-", "", ""} {
			pod := createRecordedPod(ctx, ns, generate, rec)
			pods = append(pods, pod)
			containers = append(containers, node.run(ctx, pod, "app", workload, true))
		}
		for i, c := range containers {
			node.exit(ctx, pods[i], c, corev1.PodSucceeded)
		}
		Eventually(func() ([]v1.SeccompProfile, error) {
			return profilesOf(ctx, rec, client.MatchingLabels{v1.LabelPartial: "true"})
		}).Should(HaveLen(4))

		Expect(k8s.Delete(ctx, rec)).To(Succeed())
		Eventually(func() ([]v1.SeccompProfile, error) { return profilesOf(ctx, rec, client.MatchingLabels{}) }).
			Should(HaveLen(1))
		merged := recordedSeccomp(ctx, rec, "app")
		Expect(merged.Name).To(Equal("merged-app"))
		Expect(merged.Labels).NotTo(HaveKey(v1.LabelPartial))
		Expect(merged.Spec.Syscalls[0].Names).To(ContainElements("execve", "umask", "chdir"))
		coverage := map[string]float64{}
		Expect(json.Unmarshal([]byte(merged.Annotations[recordingmerger.AnnotationCoverage]), &coverage)).To(Succeed())
		Expect(coverage).To(HaveLen(4))
	})

	It("records SELinux AVCs of a container into an exact SelinuxProfile", func() {
		rec := createRecording(ctx, ns, "avcs", v1.RecordingSelinuxProfile, v1.RecorderLogs, v1.MergeNone)
		pod := createRecordedPod(ctx, ns, "", rec)
		c := node.run(ctx, pod, "app", "read _", false)
		node.feed(ctx, "selinux-avcs.log", c, pod, "app", recording.PrefixAvcs, func(cl enricherv1.LogEnricherClient, key string) bool {
			r, err := cl.Avcs(ctx, &enricherv1.ProfileRequest{Profile: key})
			return err == nil && len(r.GetAvcs()) == 3
		})
		Expect(c.Release()).To(Succeed()) // ends `read`
		node.exit(ctx, pod, c, corev1.PodSucceeded)

		p := &v1.SelinuxProfile{}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Name: "avcs-app"}, p) }).Should(Succeed())
		Expect(p.Spec.Inherit).To(Equal([]v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "container"}}))
		Expect(p.Spec.Allow).To(Equal(map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
			"container_file_t": {"file": {"getattr", "open", "read"}},
			"http_port_t":      {"tcp_socket": {"name_bind"}},
			"@self":            {"unix_dgram_socket": {"create"}},
		}))
	})

	It("records AppArmor accesses and executables of a container into an exact AppArmorProfile", func() {
		rec := createRecording(ctx, ns, "apparmor", v1.RecordingAppArmorProfile, v1.RecorderBpf, v1.MergeNone)
		pod := createRecordedPod(ctx, ns, "", rec)
		c := node.run(ctx, pod, "app", "read _", true)
		node.feed(ctx, "apparmor-accesses.log", c, pod, "app", recording.PrefixBpfAppArmor, func(cl enricherv1.LogEnricherClient, key string) bool {
			r, err := cl.AppArmor(ctx, &enricherv1.ProfileRequest{Profile: key})
			return err == nil && len(r.GetAccesses()) == 5
		})
		Expect(c.Release()).To(Succeed())
		node.exit(ctx, pod, c, corev1.PodSucceeded)

		p := &v1.AppArmorProfile{}
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKey{Name: "apparmor-app"}, p) }).Should(Succeed())
		Expect(p.Spec.Abstract).To(Equal(v1.AppArmorAbstract{
			Executable: &v1.AppArmorExecutablesRules{AllowedExecutables: []v1.AppArmorPath{"/bin/sh"}},
			Filesystem: &v1.AppArmorFsRules{
				ReadOnlyPaths:  []v1.AppArmorPath{"/etc/nginx/nginx.conf"},
				WriteOnlyPaths: []v1.AppArmorPath{"/run/nginx.pid"},
				ReadWritePaths: []v1.AppArmorPath{"/var/log/nginx/access.log"},
			},
			Network: &v1.AppArmorNetworkRules{AllowRaw: ptr.To(false), Protocols: &v1.AppArmorAllowedProtocols{
				AllowTCP: ptr.To(true), AllowUDP: ptr.To(false)}},
			Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"net_bind_service"}},
		}))
	})

	It("collects exactly once what a workload recorded while the daemon was down", func() {
		rec := createRecording(ctx, ns, "restart", v1.RecordingSeccompProfile, v1.RecorderBpf, v1.MergeNone)
		pod := createRecordedPod(ctx, ns, "", rec)
		c := node.run(ctx, pod, "app", workload, true)
		// The daemon knows the container's id before it goes down; one
		// that never learned it has nothing to ask the recorder for.
		Eventually(func() (*recorder.State, error) {
			st, _, err := recorder.Store{Dir: filepath.Join(node.dcfg.StateDir, "recordings")}.Load(pod.UID, "app")
			return st, err
		}).Should(HaveField("ContainerRef", BeTrue()))
		node.stopDaemon()
		// The workload ends and its pod is deleted while no daemon runs:
		// no pod event will ever name it again.
		node.exit(ctx, pod, c, corev1.PodSucceeded)
		Expect(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{}) }).
			Should(Satisfy(apierrors.IsNotFound))
		node.startDaemon(ctx)

		p := recordedSeccomp(ctx, rec, "app")
		Expect(p.Spec.Syscalls[0].Names).To(ContainElements("execve", "umask", "chdir"))
		Consistently(func() ([]v1.SeccompProfile, error) { return profilesOf(ctx, rec, client.MatchingLabels{}) }).
			WithTimeout(2 * time.Second).Should(HaveLen(1))
	})
})

// run starts a container of pod on the recording node and lets it run;
// with waitForBpf it first waits until the daemon has loaded the eBPF
// recorder for the pod (it records every container from its first syscall
// from then on), as a real container would only be slower to start than
// the daemon to react.
func (s *recordingNodeServices) run(ctx context.Context, pod *corev1.Pod, name, script string, waitForBpf bool) *kubelet.Container {
	GinkgoHelper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := s.kubelet.Start(sctx, pod, name, script)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.Close)
	if waitForBpf {
		Eventually(func() codes.Code {
			_, err := s.bpf.SyscallsForContainer(ctx, &pb.ContainerRequest{ContainerId: c.ID})
			return status.Code(err)
		}).ShouldNot(Equal(codes.FailedPrecondition), "the daemon loads the bpf recorder")
	}
	Expect(c.Release()).To(Succeed())
	return c
}

func (s *recordingNodeServices) exit(ctx context.Context, pod *corev1.Pod, c *kubelet.Container, phase corev1.PodPhase) {
	GinkgoHelper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	Expect(s.kubelet.Exit(sctx, pod, c, phase)).To(Succeed())
}

// feed appends a fixture's lines, with the container's pid, to the log the
// enricher reads, and waits until the enricher has them for the container.
func (s *recordingNodeServices) feed(ctx context.Context, fixture string, c *kubelet.Container, pod *corev1.Pod,
	container, prefix string, has func(enricherv1.LogEnricherClient, string) bool) {
	GinkgoHelper()
	raw, err := os.ReadFile(root + "/test/fixtures/recording/" + fixture)
	Expect(err).NotTo(HaveOccurred())
	lines := strings.ReplaceAll(string(raw), "{{PID}}", strconv.Itoa(c.PID()))
	f, err := os.OpenFile(s.lsmLog, os.O_APPEND|os.O_WRONLY, 0)
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteString(lines)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())

	Expect(pod.Annotations).To(HaveKey(prefix + container))
	key := enricher.RecordingKey(pod.UID, container)
	cl, err := enricher.Dial(ctx, s.dcfg.EnricherSocket)
	Expect(err).NotTo(HaveOccurred())
	defer cl.Close()
	Eventually(func() bool { return has(cl, key) }).Should(BeTrue(), "the enricher attributes the records to %s", key)
}

func createRecording(ctx context.Context, ns, name string, kind v1.ProfileRecordingKind, recorder v1.ProfileRecorder,
	merge v1.MergeStrategy) *v1.ProfileRecording {
	GinkgoHelper()
	rec := &v1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1.ProfileRecordingSpec{Kind: kind, Recorder: recorder, MergeStrategy: merge,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"recording": name}}},
	}
	Expect(k8s.Create(ctx, rec)).To(Succeed())
	return rec
}

// createRecordedPod creates a pod for rec on the recording node through the
// API server, once the webhook's cache knows rec (checked with server-side
// dry runs, which go through admission). An empty generateName makes a pod
// with a fixed name.
func createRecordedPod(ctx context.Context, ns, generateName string, rec *v1.ProfileRecording) *corev1.Pod {
	GinkgoHelper()
	newPod := func() *corev1.Pod {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Labels: map[string]string{"recording": rec.Name}},
			Spec: corev1.PodSpec{NodeName: recordingNode, RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "app", Image: "example.com/app:1"}}},
		}
		if generateName != "" {
			pod.GenerateName = generateName
		} else {
			pod.Name = fmt.Sprintf("%s-%d", rec.Name, time.Now().UnixNano()%1e9)
		}
		return pod
	}
	Eventually(func() map[string]string {
		pod := newPod()
		if err := k8s.Create(ctx, pod, client.DryRunAll); err != nil {
			return nil
		}
		return pod.Annotations
	}).Should(HaveLen(1), "the recording webhook annotates the pod")
	pod := newPod()
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	Expect(pod.Annotations).To(HaveLen(1))
	return pod
}

// profilesOf lists the SeccompProfiles recorded for rec.
func profilesOf(ctx context.Context, rec *v1.ProfileRecording, extra client.MatchingLabels) ([]v1.SeccompProfile, error) {
	labels := client.MatchingLabels{recordingmerger.LabelRecording: rec.Name,
		recordingmerger.LabelRecordingNamespace: rec.Namespace}
	for k, v := range extra {
		labels[k] = v
	}
	var list v1.SeccompProfileList
	err := k8s.List(ctx, &list, labels)
	return list.Items, err
}

// recordedSeccomp waits for the one SeccompProfile recorded for rec's
// container and returns it.
func recordedSeccomp(ctx context.Context, rec *v1.ProfileRecording, container string) v1.SeccompProfile {
	GinkgoHelper()
	var found []v1.SeccompProfile
	Eventually(func() ([]v1.SeccompProfile, error) {
		var err error
		found, err = profilesOf(ctx, rec, client.MatchingLabels{recordingmerger.LabelContainer: container})
		return found, err
	}).Should(HaveLen(1))
	return found[0]
}

func activeWorkloads(ctx context.Context, rec *v1.ProfileRecording) func() ([]string, error) {
	return func() ([]string, error) {
		cur := &v1.ProfileRecording{}
		err := k8s.Get(ctx, client.ObjectKeyFromObject(rec), cur)
		return cur.Status.ActiveWorkloads, err
	}
}
