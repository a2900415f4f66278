package spod

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

// renderings are the pod specs spo renders for SPODs that between them
// enable every container and every option that changes a container's
// privileges.
func renderings() map[string]corev1.PodSpec {
	out := map[string]corev1.PodSpec{}
	for name, edit := range map[string]func(*v1.SPODSpec){
		"default SPOD": func(*v1.SPODSpec) {},
		"everything, log enricher from auditd": func(s *v1.SPODSpec) {
			s.EnableAppArmor, s.Selinux.Enable, s.EnableInsecureMetricsAccess = true, true, true
			s.Enricher = v1.EnricherConfig{EnableLogEnricher: true, EnableBpfRecorder: true, LogEnricherSource: SourceAuditd,
				EnableJsonEnricher: true, JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/spo/exec.log")}}
		},
		"everything, log enricher from netlink": func(s *v1.SPODSpec) {
			s.EnableAppArmor, s.Selinux.Enable = true, true
			s.Enricher = v1.EnricherConfig{EnableLogEnricher: true, EnableBpfRecorder: true, LogEnricherSource: SourceBpf,
				EnableJsonEnricher: true}
		},
		"daemonResourceRequirements with limits only": func(s *v1.SPODSpec) {
			s.DaemonResourceRequirements = &corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
		},
		"daemonResourceRequirements with requests only": func(s *v1.SPODSpec) {
			s.DaemonResourceRequirements = &corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")}}
		},
	} {
		spod := Default(testParams.Namespace)
		edit(&spod.Spec)
		out[name+": DaemonSet"] = DaemonSet(spod, testParams).Spec.Template.Spec
		out[name+": webhook Deployment"] = WebhookDeployment(spod, testParams).Spec.Template.Spec
		for _, d := range SelinuxdDaemonSets(spod, testParams, map[string]string{SelinuxdFallback: DefaultSelinuxdImage}) {
			out[name+": "+d.Name] = d.Spec.Template.Spec
		}
	}
	return out
}

func TestEveryContainerHasRequestsAndAMemoryLimit(t *testing.T) {
	for name, pod := range renderings() {
		for _, c := range pod.Containers {
			r := c.Resources
			for _, req := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := r.Requests[req]; !ok {
					t.Errorf("%s: container %s has no %s request", name, c.Name, req)
				}
			}
			lim, ok := r.Limits[corev1.ResourceMemory]
			if !ok {
				t.Errorf("%s: container %s has no memory limit", name, c.Name)
				continue
			}
			if req := r.Requests[corev1.ResourceMemory]; lim.Cmp(req) < 0 {
				t.Errorf("%s: container %s requests %s memory above its limit %s", name, c.Name, req.String(), lim.String())
			}
		}
	}
}

func TestEveryImageIsPinned(t *testing.T) {
	for name, pod := range renderings() {
		for _, c := range pod.Containers {
			if err := PinnedImage(c.Image); err != nil {
				t.Errorf("%s: container %s: %v", name, c.Name, err)
			}
		}
	}
}

// privileges is the table of docs/security.md: the capabilities each
// container may have, by the option that gives them.
var privileges = map[string][][]string{
	ContainerDaemon:      {nil, {"MAC_ADMIN"}},               // enableAppArmor
	ContainerBpfRecorder: {{"BPF", "PERFMON", "SYS_PTRACE"}}, // always
	ContainerLogEnricher: {nil, {"AUDIT_READ"}},              // logEnricherSource Bpf
	// SYS_PTRACE: reading /proc/<pid>/environ and exe of other processes;
	// NET_ADMIN: listening to exec events.
	ContainerJSONEnricher: {{"SYS_PTRACE", "NET_ADMIN"}, {"SYS_PTRACE", "NET_ADMIN", "AUDIT_READ"}}, // logEnricherSource Bpf
	ContainerWebhook:      {nil},
}

func TestEveryContainersCapabilitiesAreInTheTable(t *testing.T) {
	for name, pod := range renderings() {
		for _, c := range pod.Containers {
			sc := c.SecurityContext
			if c.Name == ContainerSelinuxd {
				// The one privileged container: loading SELinux policy needs
				// all of selinuxfs and the policy store.
				if sc == nil || sc.Privileged == nil || !*sc.Privileged {
					t.Errorf("%s: selinuxd is not privileged: %+v", name, sc)
				}
				continue
			}
			if sc == nil || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("%s: container %s does not drop ALL capabilities: %+v", name, c.Name, sc)
				continue
			}
			if sc.Privileged != nil && *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: container %s may be privileged or escalate: %+v", name, c.Name, sc)
			}
			got := caps(&c)
			allowed, known := privileges[c.Name]
			if !known || !slices.ContainsFunc(allowed, func(a []string) bool { return slices.Equal(a, got) }) {
				t.Errorf("%s: container %s has capabilities %v, not in the table %v", name, c.Name, got, allowed)
			}
			if slices.Contains(got, "SYS_ADMIN") {
				t.Errorf("%s: container %s has CAP_SYS_ADMIN", name, c.Name)
			}
		}
	}
}

func TestNoNodeContainerServesMetricsUnauthenticated(t *testing.T) {
	for name, pod := range renderings() {
		for _, c := range pod.Containers {
			if c.Name != ContainerBpfRecorder {
				continue
			}
			// The bpf-recorder has no metrics server: it pushes its metrics
			// to the daemon, which serves them authenticated.
			for _, p := range c.Ports {
				if p.Name != "bpf-health" {
					t.Errorf("%s: bpf-recorder exposes port %s (%d)", name, p.Name, p.ContainerPort)
				}
			}
			for _, a := range c.Args {
				if strings.HasPrefix(a, "--metrics") || a == "--insecure-metrics" {
					t.Errorf("%s: bpf-recorder has metrics flag %s", name, a)
				}
			}
		}
	}
}

func TestPinnedImage(t *testing.T) {
	for _, tc := range []struct {
		sentence, ref, err string
	}{
		{"accepts a release tag", "quay.io/security-profiles-operator/selinuxd:v0.5.2", ""},
		{"accepts a digest", "quay.io/x/selinuxd@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""},
		{"accepts a registry with a port and a tag", "localhost:5000/selinuxd:v1", ""},
		{"refuses the tag latest, naming the image", "quay.io/security-profiles-operator/selinuxd:latest", `"quay.io/security-profiles-operator/selinuxd:latest" uses the moving tag latest`},
		{"refuses no tag", "quay.io/security-profiles-operator/selinuxd", "has no tag"},
		{"refuses a registry port without a tag", "localhost:5000/selinuxd", "has no tag"},
		{"refuses an empty reference", "", "empty"},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			err := PinnedImage(tc.ref)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("PinnedImage(%q) = %v", tc.ref, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("PinnedImage(%q) = %v, want an error with %q", tc.ref, err, tc.err)
			}
		})
	}
}

func TestCompleteResources(t *testing.T) {
	q := resource.MustParse
	def := DefaultDaemonResources()
	for _, tc := range []struct {
		sentence  string
		user      corev1.ResourceRequirements
		wantReq   corev1.ResourceList
		wantLimit corev1.ResourceList
	}{{
		sentence:  "keeps what the user gives for every resource",
		user:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q("1"), corev1.ResourceMemory: q("1Gi")}, Limits: corev1.ResourceList{corev1.ResourceMemory: q("2Gi")}},
		wantReq:   corev1.ResourceList{corev1.ResourceCPU: q("1"), corev1.ResourceMemory: q("1Gi")},
		wantLimit: corev1.ResourceList{corev1.ResourceMemory: q("2Gi")},
	}, {
		sentence:  "adds the default requests, lowered to a smaller user limit",
		user:      corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: q("32Mi")}},
		wantReq:   corev1.ResourceList{corev1.ResourceCPU: q("20m"), corev1.ResourceMemory: q("32Mi")},
		wantLimit: corev1.ResourceList{corev1.ResourceMemory: q("32Mi")},
	}, {
		sentence:  "adds the default memory limit, raised to a larger user request",
		user:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: q("512Mi")}},
		wantReq:   corev1.ResourceList{corev1.ResourceCPU: q("20m"), corev1.ResourceMemory: q("512Mi")},
		wantLimit: corev1.ResourceList{corev1.ResourceMemory: q("512Mi")},
	}} {
		t.Run(tc.sentence, func(t *testing.T) {
			got := CompleteResources(tc.user, def)
			for name, w := range tc.wantReq {
				if g := got.Requests[name]; g.Cmp(w) != 0 {
					t.Errorf("request %s = %s, want %s", name, g.String(), w.String())
				}
			}
			for name, w := range tc.wantLimit {
				if g := got.Limits[name]; g.Cmp(w) != 0 {
					t.Errorf("limit %s = %s, want %s", name, g.String(), w.String())
				}
			}
			if len(got.Requests) != len(tc.wantReq) || len(got.Limits) != len(tc.wantLimit) {
				t.Errorf("got %v, want requests %v limits %v", got, tc.wantReq, tc.wantLimit)
			}
		})
	}
}
