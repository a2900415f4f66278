package v1alpha1

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/secprofiles/spo/api/internal/roundtrip"
	v1 "github.com/secprofiles/spo/api/v1"
)

func resources() *corev1.ResourceRequirements {
	return &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
}

func webhookOptions() []v1.WebhookOptions {
	return []v1.WebhookOptions{{
		Name:              "binding.spo.x-k8s.io",
		FailurePolicy:     ptr.To(admissionregistrationv1.Fail),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"spo.x-k8s.io/enable-binding": "true"}},
		ObjectSelector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
	}}
}

func tolerations() []corev1.Toleration {
	return []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
}

func affinity() *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/os", Operator: corev1.NodeSelectorOpIn, Values: []string{"linux"}}},
		}}},
	}}
}

func spodStatus() v1.SPODStatus { return v1.SPODStatus{State: v1.SPODRunning, Conditions: ready()} }

// spodHub is a v1 SPOD with every field set; raw and source are the two
// fields v1alpha1 has no place for.
func spodHub(raw bool, source v1.LogEnricherSource) *v1.SecurityProfilesOperatorDaemon {
	return &v1.SecurityProfilesOperatorDaemon{
		ObjectMeta: meta(v1.SPODName, "security-profiles-operator", ""),
		Spec: v1.SPODSpec{
			Verbosity:                  2,
			EnableProfiling:            true,
			EnableMemoryOptimization:   true,
			EnableAppArmor:             true,
			HostProcVolumePath:         "/host/proc",
			DaemonResourceRequirements: resources(),
			Selinux: v1.SelinuxConfig{
				Enable:                   true,
				EnableRawSelinuxProfiles: rawSelinux(raw),
				TypeTag:                  "spc_t",
				Options:                  &v1.SelinuxOptions{AllowedSystemProfiles: []string{"container", "net_container"}},
			},
			Enricher: v1.EnricherConfig{
				EnableLogEnricher:  true,
				LogEnricherSource:  source,
				LogEnricherFilters: `[{"priority":100,"level":"Metadata"}]`,
				EnableBpfRecorder:  true,
			},
			Webhook:    v1.WebhookConfig{StaticConfig: true, Options: webhookOptions()},
			Scheduling: v1.SchedulingConfig{Tolerations: tolerations(), Affinity: affinity(), PriorityClassName: "system-node-critical"},
			Security: v1.SecurityConfig{
				AllowedSyscalls:       []string{"read", "write", "exit_group"},
				AllowedSeccompActions: []v1.SeccompAction{v1.ActAllow, v1.ActErrno},
			},
		},
		Status: spodStatus(),
	}
}

// rawSelinux is enableRawSelinuxProfiles as a v1 client sets it: unset
// for true, the default.
func rawSelinux(raw bool) *bool {
	if raw {
		return nil
	}
	return ptr.To(false)
}

// spodSpoke is spodHub in v1alpha1's flat form, with the given annotation.
func spodSpoke(annotation string) *SecurityProfilesOperatorDaemon {
	return &SecurityProfilesOperatorDaemon{
		ObjectMeta: meta(v1.SPODName, "security-profiles-operator", annotation),
		Spec: SPODSpec{
			Verbosity:                  2,
			EnableProfiling:            true,
			EnableMemoryOptimization:   true,
			EnableSelinux:              true,
			SelinuxTypeTag:             "spc_t",
			SelinuxOptions:             &v1.SelinuxOptions{AllowedSystemProfiles: []string{"container", "net_container"}},
			EnableLogEnricher:          true,
			LogEnricherFilters:         `[{"priority":100,"level":"Metadata"}]`,
			EnableBpfRecorder:          true,
			EnableAppArmor:             true,
			HostProcVolumePath:         "/host/proc",
			DaemonResourceRequirements: resources(),
			StaticWebhookConfig:        true,
			WebhookOptions:             webhookOptions(),
			Tolerations:                tolerations(),
			Affinity:                   affinity(),
			PriorityClassName:          "system-node-critical",
			AllowedSyscalls:            []string{"read", "write", "exit_group"},
			AllowedSeccompActions:      []v1.SeccompAction{v1.ActAllow, v1.ActErrno},
		},
		Status: spodStatus(),
	}
}

func TestSPODConversion(t *testing.T) {
	run(t, map[string]conversionCase{
		"moves v1's grouped settings into v1alpha1's flat fields, keeping nothing when v1alpha1 implies the rest": {
			from: spodHub(true, "Auditd"), want: spodSpoke(""),
		},
		"keeps v1-only fields through the annotation": {
			from: spodHub(false, "Bpf"), want: spodSpoke(`{"enableRawSelinuxProfiles":false,"logEnricherSource":"Bpf"}`),
		},
		"keeps a log enricher source that was never defaulted through the annotation": {
			from: spodHub(true, ""), want: spodSpoke(`{"logEnricherSource":""}`),
		},
		"keeps enableInsecureMetricsAccess through the annotation": {
			from: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(true, "Auditd")
				h.Spec.EnableInsecureMetricsAccess = true
				return h
			}(),
			want: spodSpoke(`{"enableInsecureMetricsAccess":true}`),
		},
		"keeps the JSON enricher's settings through the annotation": {
			from: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(true, "Auditd")
				h.Spec.Enricher.EnableJsonEnricher = true
				h.Spec.Enricher.JsonEnricherFilters = `[{"action":"drop"}]`
				h.Spec.Enricher.JsonEnricherOptions = &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/spo/x.log")}
				h.Spec.Enricher.EnableExecMetadata = ptr.To(false)
				return h
			}(),
			want: spodSpoke(`{"enableJsonEnricher":true,"jsonEnricherFilters":"[{\"action\":\"drop\"}]","jsonEnricherOptions":{"auditLogPath":"/var/log/spo/x.log"},"enableExecMetadata":false}`),
		},
		"moves SPO v1alpha1's top-level disableOciArtifactSignatureVerification into v1's security": {
			from: func() *SecurityProfilesOperatorDaemon {
				s := spodSpoke("")
				s.Spec.DisableOCIArtifactSignatureVerification = true
				return s
			}(),
			want: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(true, "Auditd")
				h.Spec.Security.DisableOCIArtifactSignatureVerification = ptr.To(true)
				return h
			}(),
		},
		"keeps v1's signer settings through the annotation": {
			from: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(true, "Auditd")
				h.Spec.Security.DisableOCIArtifactSignatureVerification = ptr.To(false)
				h.Spec.Security.AllowedIdentityRegexp = "^a$"
				return h
			}(),
			want: spodSpoke(`{"disableOciArtifactSignatureVerificationFalse":true,"allowedIdentityRegexp":"^a$"}`),
		},
		"keeps v1's registry credentials for OCI base profiles through the annotation": {
			from: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(true, "Auditd")
				h.Spec.Security.OCIArtifactPullSecrets = []v1.PullSecretReference{{Name: "ghcr"}, {Name: "quay"}}
				return h
			}(),
			want: spodSpoke(`{"ociArtifactPullSecrets":[{"name":"ghcr"},{"name":"quay"}]}`),
		},
		"reads v1alpha1's enableSelinux as SELinux with raw profiles and the log enricher as reading auditd": {
			from: spodSpoke(""), want: spodHub(true, "Auditd"),
		},
		"restores v1-only fields after a v1alpha1 client changed other fields": {
			from: func() *SecurityProfilesOperatorDaemon {
				s := spodSpoke(`{"enableRawSelinuxProfiles":false,"logEnricherSource":"Bpf"}`)
				s.Spec.Verbosity = 5
				return s
			}(),
			want: func() *v1.SecurityProfilesOperatorDaemon {
				h := spodHub(false, "Bpf")
				h.Spec.Verbosity = 5
				return h
			}(),
			oneWay: true,
		},
	})
}

func FuzzSPODConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha1 SecurityProfilesOperatorDaemon"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.SecurityProfilesOperatorDaemon{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &SecurityProfilesOperatorDaemon{}, &v1.SecurityProfilesOperatorDaemon{})

		s := &SecurityProfilesOperatorDaemon{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.SecurityProfilesOperatorDaemon{}, &SecurityProfilesOperatorDaemon{})
	})
}
