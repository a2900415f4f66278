package spod

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testParams = Params{Namespace: "security-profiles-operator", Image: "registry.example/spo:v1"}

// Golden compares the apply request's body for an object — what spo
// claims — with testdata/name, or rewrites it with -update.
func Golden(t *testing.T, name string, ds client.Object) {
	t.Helper()
	body, err := ApplyObject(ds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.Marshal(body.Object)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func allEnabled() *v1.SecurityProfilesOperatorDaemon {
	s := Default(testParams.Namespace)
	s.UID = "0b5c3e9e-5f3c-4c55-9d0a-5a3c1c1d2e3f"
	s.Spec.Verbosity = 3
	s.Spec.EnableProfiling = true
	s.Spec.EnableAppArmor = true
	s.Spec.Selinux.Enable = true
	s.Spec.Enricher = v1.EnricherConfig{EnableLogEnricher: true, EnableBpfRecorder: true, LogEnricherSource: SourceBpf,
		LogEnricherFilters: `[{"action":"drop","namespace":"kube-system"}]`}
	return s
}

func TestDaemonSetGolden(t *testing.T) {
	Golden(t, "default.yaml", DaemonSet(Default(testParams.Namespace), testParams))
	Golden(t, "all-enabled.yaml", DaemonSet(allEnabled(), testParams))
	Golden(t, "webhook-deployment.yaml", WebhookDeployment(Default(testParams.Namespace), testParams))
	Golden(t, "webhook-service.yaml", WebhookService(Default(testParams.Namespace), testParams))
	Golden(t, "webhook-pdb.yaml", WebhookPodDisruptionBudget(Default(testParams.Namespace), testParams))
	Golden(t, "metrics-service.yaml", MetricsService(Default(testParams.Namespace), testParams))
	Golden(t, "servicemonitor.yaml", ServiceMonitor(Default(testParams.Namespace), testParams))
	if p := WebhookDeployment(Default(testParams.Namespace), testParams).Spec.Template.Spec.Containers[0].StartupProbe; p == nil {
		t.Error("the webhook container has no startup probe")
	}
}

func TestDaemonSetIsPure(t *testing.T) {
	spod := allEnabled()
	before := spod.DeepCopy()
	a, b := DaemonSet(spod, testParams), DaemonSet(spod, testParams)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two calls differ:\n%s", diff)
	}
	a.Spec.Template.Spec.Tolerations[0].Key = "changed"
	if diff := cmp.Diff(before, spod); diff != "" {
		t.Errorf("the SPOD changed:\n%s", diff)
	}
}

func container(ds *appsv1.DaemonSet, name string) *corev1.Container {
	for i, c := range ds.Spec.Template.Spec.Containers {
		if c.Name == name {
			return &ds.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

func names[T any](items []T, name func(T) string) []string {
	var out []string
	for _, i := range items {
		out = append(out, name(i))
	}
	return out
}

func containerNames(ds *appsv1.DaemonSet) []string {
	return names(ds.Spec.Template.Spec.Containers, func(c corev1.Container) string { return c.Name })
}

func volumeNames(ds *appsv1.DaemonSet) []string {
	return names(ds.Spec.Template.Spec.Volumes, func(v corev1.Volume) string { return v.Name })
}

func caps(c *corev1.Container) []string {
	if c == nil || c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
		return nil
	}
	return names(c.SecurityContext.Capabilities.Add, func(c corev1.Capability) string { return string(c) })
}

func TestDaemonSet(t *testing.T) {
	for _, tc := range []struct {
		sentence string
		edit     func(*v1.SPODSpec)
		check    func(t *testing.T, ds *appsv1.DaemonSet)
	}{{
		sentence: "the default SPOD runs the daemon alone, without capabilities, host namespaces or host /proc",
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, containerNames(ds), []string{ContainerDaemon})
			want(t, volumeNames(ds), []string{"seccomp", "state", "sockets"})
			want(t, caps(container(ds, ContainerDaemon)), nil)
			pod := ds.Spec.Template.Spec
			if pod.HostPID || pod.HostNetwork || pod.HostIPC {
				t.Errorf("host namespaces: pid %v network %v ipc %v", pod.HostPID, pod.HostNetwork, pod.HostIPC)
			}
			want(t, container(ds, ContainerDaemon).Args, []string{"daemon", "--kubelet-dir=/var/lib/kubelet", "--state-dir=/var/lib/spo", "--verbosity=0"})
		},
	}, {
		sentence: "security.signatureVerification mounts the named Secret and ConfigMap keys into the daemon (optional: a missing one is reported, not fatal), so daemons need no Secret access",
		edit: func(s *v1.SPODSpec) {
			s.Security.SignatureVerification = &v1.SignatureVerification{
				PublicKeySecretRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "signers"}, Key: "cosign.pub"},
				TrustedRootConfigMapRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "sigstore"}, Key: "trusted_root.json"},
			}
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, volumeNames(ds), []string{"seccomp", "state", "sockets", "oci-trust"})
			vol := ds.Spec.Template.Spec.Volumes[3].Projected
			if vol == nil || len(vol.Sources) != 2 {
				t.Fatalf("oci-trust volume: %+v", ds.Spec.Template.Spec.Volumes[3])
			}
			sec, cm := vol.Sources[0].Secret, vol.Sources[1].ConfigMap
			if sec == nil || sec.Name != "signers" || !*sec.Optional || sec.Items[0] != (corev1.KeyToPath{Key: "cosign.pub", Path: "public-key.pem"}) {
				t.Errorf("secret projection: %+v", sec)
			}
			if cm == nil || cm.Name != "sigstore" || !*cm.Optional || cm.Items[0] != (corev1.KeyToPath{Key: "trusted_root.json", Path: "trusted-root.json"}) {
				t.Errorf("configmap projection: %+v", cm)
			}
			d := container(ds, ContainerDaemon)
			if !slices.Contains(d.Args, "--oci-trust-dir=/etc/spo/oci-trust") {
				t.Errorf("daemon args %v", d.Args)
			}
			if !slices.ContainsFunc(d.VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.Name == "oci-trust" && m.MountPath == "/etc/spo/oci-trust" && m.ReadOnly
			}) {
				t.Errorf("daemon mounts %+v", d.VolumeMounts)
			}
		},
	}, {
		sentence: "enableBpfRecorder adds the bpf-recorder with CAP_BPF, PERFMON and SYS_PTRACE, hostPID and the host's /proc",
		edit:     func(s *v1.SPODSpec) { s.Enricher.EnableBpfRecorder = true },
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, containerNames(ds), []string{ContainerDaemon, ContainerBpfRecorder})
			want(t, caps(container(ds, ContainerBpfRecorder)), []string{"BPF", "PERFMON", "SYS_PTRACE"})
			want(t, caps(container(ds, ContainerDaemon)), nil)
			if !ds.Spec.Template.Spec.HostPID || ds.Spec.Template.Spec.HostNetwork {
				t.Error("want hostPID and no hostNetwork")
			}
			want(t, container(ds, ContainerBpfRecorder).Args, []string{"bpf-recorder", "--proc=/host/proc", "--verbosity=0"})
		},
	}, {
		sentence: "enableLogEnricher with source Auditd follows auditd's log read-only, with hostPID, no capability and no hostNetwork",
		edit: func(s *v1.SPODSpec) {
			s.Enricher.EnableLogEnricher = true
			s.Enricher.LogEnricherFilters = `[{"action":"drop"}]`
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, containerNames(ds), []string{ContainerDaemon, ContainerLogEnricher})
			c := container(ds, ContainerLogEnricher)
			want(t, c.Args, []string{"log-enricher", "--source=auditd", "--proc=/host/proc", "--verbosity=0"})
			want(t, caps(c), nil)
			want(t, names(c.Env, func(e corev1.EnvVar) string { return e.Name + "=" + e.Value }),
				[]string{"NODE_NAME=", "SPO_NAMESPACE=", `SPO_ENRICHER_FILTERS=[{"action":"drop"}]`})
			if !ds.Spec.Template.Spec.HostPID || ds.Spec.Template.Spec.HostNetwork {
				t.Error("want hostPID and no hostNetwork")
			}
			want(t, volumeNames(ds), []string{"seccomp", "state", "sockets", "host-proc", "audit-log"})
			for _, v := range ds.Spec.Template.Spec.Volumes {
				// A node without auditd yet still runs the daemon pod.
				if v.Name == "audit-log" && *v.HostPath.Type != corev1.HostPathDirectoryOrCreate {
					t.Errorf("audit-log hostPath type %s, want %s", *v.HostPath.Type, corev1.HostPathDirectoryOrCreate)
				}
			}
		},
	}, {
		sentence: "enableLogEnricher with source Bpf reads the audit netlink group: CAP_AUDIT_READ and hostNetwork",
		edit: func(s *v1.SPODSpec) {
			s.Enricher.EnableLogEnricher = true
			s.Enricher.LogEnricherSource = SourceBpf
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			c := container(ds, ContainerLogEnricher)
			want(t, c.Args[:2], []string{"log-enricher", "--source=netlink"})
			want(t, caps(c), []string{"AUDIT_READ"})
			if !ds.Spec.Template.Spec.HostNetwork || ds.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
				t.Error("want hostNetwork with DNS policy ClusterFirstWithHostNet")
			}
			if slices.Contains(volumeNames(ds), "audit-log") {
				t.Error("the netlink source needs no audit log")
			}
		},
	}, {
		sentence: "selinux.enable points the daemon at selinuxd's socket and policy directory on the node; selinuxd runs in DaemonSets of its own",
		edit:     func(s *v1.SPODSpec) { s.Selinux.Enable = true },
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, containerNames(ds), []string{ContainerDaemon})
			want(t, volumeNames(ds)[len(volumeNames(ds))-2:], []string{"selinux-policy", "selinuxd-socket"})
			d := container(ds, ContainerDaemon)
			if !slices.Contains(d.Args, "--selinuxd-socket=/var/run/selinuxd/selinuxd.sock") || d.SecurityContext.Privileged != nil {
				t.Errorf("daemon: args %v, security context %+v", d.Args, d.SecurityContext)
			}
		},
	}, {
		sentence: "enableAppArmor gives the daemon alone CAP_MAC_ADMIN, securityfs and an unconfined AppArmor profile",
		edit:     func(s *v1.SPODSpec) { s.EnableAppArmor = true },
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			d := container(ds, ContainerDaemon)
			want(t, caps(d), []string{"MAC_ADMIN"})
			if d.SecurityContext.AppArmorProfile == nil || d.SecurityContext.AppArmorProfile.Type != corev1.AppArmorProfileTypeUnconfined {
				t.Errorf("AppArmor profile %+v", d.SecurityContext.AppArmorProfile)
			}
			want(t, volumeNames(ds), []string{"seccomp", "state", "sockets", "securityfs"})
			if ds.Spec.Template.Spec.HostPID {
				t.Error("AppArmor needs no hostPID")
			}
		},
	}, {
		sentence: "verbosity and enableProfiling reach every container's flags",
		edit: func(s *v1.SPODSpec) {
			s.Verbosity, s.EnableProfiling = 4, true
			s.Enricher.EnableBpfRecorder, s.Enricher.EnableLogEnricher = true, true
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			for _, c := range []string{ContainerDaemon, ContainerBpfRecorder, ContainerLogEnricher} {
				args := container(ds, c).Args
				if !slices.Contains(args, "--verbosity=4") || !slices.Contains(args, "--enable-profiling") {
					t.Errorf("%s: %v", c, args)
				}
			}
		},
	}, {
		sentence: "every container with a health endpoint has a startup probe on /healthz; selinuxd, which has none, has no probes",
		edit: func(s *v1.SPODSpec) {
			s.Enricher.EnableBpfRecorder, s.Enricher.EnableLogEnricher, s.Selinux.Enable = true, true, true
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			for _, c := range ds.Spec.Template.Spec.Containers {
				if c.Name == ContainerSelinuxd {
					if c.StartupProbe != nil || c.LivenessProbe != nil || c.ReadinessProbe != nil {
						t.Errorf("selinuxd has probes")
					}
					continue
				}
				p := c.StartupProbe
				if p == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port != c.LivenessProbe.HTTPGet.Port || p.FailureThreshold < 10 {
					t.Errorf("%s: startup probe %+v", c.Name, p)
				}
			}
		},
	}, {
		sentence: "enableInsecureMetricsAccess passes --insecure-metrics to every spo container that serves metrics, and only when set",
		edit: func(s *v1.SPODSpec) {
			s.EnableInsecureMetricsAccess = true
			s.Enricher.EnableBpfRecorder, s.Enricher.EnableLogEnricher, s.Selinux.Enable = true, true, true
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			for _, c := range []string{ContainerDaemon, ContainerLogEnricher} {
				if !slices.Contains(container(ds, c).Args, "--insecure-metrics") {
					t.Errorf("%s: %v", c, container(ds, c).Args)
				}
			}
			// The bpf-recorder serves no metrics: it would refuse the flag.
			if args := container(ds, ContainerBpfRecorder).Args; slices.Contains(args, "--insecure-metrics") {
				t.Errorf("bpf-recorder: %v", args)
			}
			spod := Default(testParams.Namespace)
			spod.Spec.EnableInsecureMetricsAccess = true
			if args := WebhookDeployment(spod, testParams).Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "--insecure-metrics") {
				t.Errorf("webhook: %v", args)
			}
			for _, c := range DaemonSet(Default(testParams.Namespace), testParams).Spec.Template.Spec.Containers {
				if slices.Contains(c.Args, "--insecure-metrics") {
					t.Errorf("%s without enableInsecureMetricsAccess: %v", c.Name, c.Args)
				}
			}
		},
	}, {
		sentence: "scheduling and daemonResourceRequirements come from the SPOD",
		edit: func(s *v1.SPODSpec) {
			s.Scheduling.PriorityClassName = "high"
			s.Scheduling.Tolerations = []corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}}
			s.Scheduling.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}}
			s.DaemonResourceRequirements = &corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			if pod.PriorityClassName != "high" || pod.Tolerations[0].Key != "a" || pod.Affinity.NodeAffinity == nil {
				t.Errorf("scheduling: %q %v %v", pod.PriorityClassName, pod.Tolerations, pod.Affinity)
			}
			r := container(ds, ContainerDaemon).Resources
			if r.Limits.Memory().String() != "1Gi" || r.Requests.Memory().String() != "48Mi" {
				t.Errorf("resources %v", r)
			}
		},
	}, {
		sentence: "hostProcVolumePath is the host path mounted as the recorders' /proc",
		edit: func(s *v1.SPODSpec) {
			s.HostProcVolumePath = "/host-proc"
			s.Enricher.EnableBpfRecorder = true
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			for _, v := range ds.Spec.Template.Spec.Volumes {
				if v.Name == "host-proc" && v.HostPath.Path != "/host-proc" {
					t.Errorf("host-proc from %s", v.HostPath.Path)
				}
			}
		},
	}, {
		sentence: "imagePullSecrets reach the daemon's pods and the webhook server's",
		edit:     func(s *v1.SPODSpec) { s.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}} },
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, ds.Spec.Template.Spec.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "registry"}})
			s := Default(testParams.Namespace)
			s.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
			want(t, WebhookDeployment(s, testParams).Spec.Template.Spec.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "registry"}})
		},
	}, {
		sentence: "selinux.typeTag is the SELinux type of every spo container, init containers too, and selinuxd keeps spc_t",
		edit: func(s *v1.SPODSpec) {
			s.Selinux.TypeTag = "spo_t"
			s.Selinux.Enable = true
			s.Enricher.EnableBpfRecorder, s.Enricher.EnableLogEnricher, s.Enricher.EnableJsonEnricher = true, true, true
		},
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			want(t, len(pod.Containers), 4)
			for _, c := range append(pod.InitContainers, pod.Containers...) {
				if c.SecurityContext == nil {
					t.Fatalf("%s has no security context", c.Name)
				}
				want(t, c.SecurityContext.SELinuxOptions, &corev1.SELinuxOptions{Type: "spo_t"})
			}
			// An init container added later is tagged too.
			inits := []corev1.Container{{Name: "init"}}
			tagContainers(inits, "spo_t")
			want(t, inits[0].SecurityContext.SELinuxOptions, &corev1.SELinuxOptions{Type: "spo_t"})
			spod := Default(testParams.Namespace)
			spod.Spec.Selinux = v1.SelinuxConfig{Enable: true, TypeTag: "spo_t"}
			for _, d := range SelinuxdDaemonSets(spod, testParams, map[string]string{"el9": "x/selinuxd:v1"}) {
				want(t, d.Spec.Template.Spec.Containers[0].SecurityContext.SELinuxOptions, &corev1.SELinuxOptions{Type: "spc_t"})
			}
		},
	}, {
		sentence: "no typeTag leaves the SELinux type to the runtime",
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			if o := container(ds, ContainerDaemon).SecurityContext.SELinuxOptions; o != nil {
				t.Errorf("seLinuxOptions %+v", o)
			}
		},
	}, {
		sentence: "enableMemoryOptimization passes --memory-optimization to the daemon",
		edit:     func(s *v1.SPODSpec) { s.EnableMemoryOptimization = true },
		check: func(t *testing.T, ds *appsv1.DaemonSet) {
			want(t, container(ds, ContainerDaemon).Args,
				[]string{"daemon", "--kubelet-dir=/var/lib/kubelet", "--state-dir=/var/lib/spo", "--verbosity=0", "--memory-optimization"})
		},
	}} {
		t.Run(tc.sentence, func(t *testing.T) {
			spod := Default(testParams.Namespace)
			if tc.edit != nil {
				tc.edit(&spod.Spec)
			}
			tc.check(t, DaemonSet(spod, testParams))
		})
	}
}

func want[T any](t *testing.T, got, want T) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}
