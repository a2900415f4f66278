package spod

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
)

func jsonEnricherSPOD() *v1.SecurityProfilesOperatorDaemon {
	s := Default(testParams.Namespace)
	s.UID = "0b5c3e9e-5f3c-4c55-9d0a-5a3c1c1d2e3f"
	s.Spec.Enricher = v1.EnricherConfig{EnableJsonEnricher: true, LogEnricherSource: SourceAuditd,
		JsonEnricherFilters: `[{"action":"drop","namespace":"kube-system"}]`,
		JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/spo/exec.log"), AuditLogIntervalSeconds: ptr.To[int32](30),
			AuditLogMaxSize: ptr.To[int32](50), AuditLogMaxBackups: ptr.To[int32](3), AuditLogMaxAge: ptr.To[int32](7)}}
	return s
}

func TestJSONEnricherGolden(t *testing.T) {
	Golden(t, "json-enricher.yaml", DaemonSet(jsonEnricherSPOD(), testParams))
}

func TestJSONEnricherRendering(t *testing.T) {
	pod := DaemonSet(jsonEnricherSPOD(), testParams).Spec.Template.Spec
	i := slices.IndexFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == ContainerJSONEnricher })
	if i < 0 {
		t.Fatal("no json-enricher container")
	}
	c := pod.Containers[i]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"json-enricher", "--source=auditd", "--proc=/host/proc", "--audit-log-path=/var/log/spo/exec.log",
		"--audit-log-maxsize=50", "--audit-log-maxbackup=3", "--audit-log-maxage=7", "--interval-seconds=30"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %s", args, want)
		}
	}
	if !pod.HostPID {
		t.Error("no hostPID: audit records name host pids")
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "SPO_JSON_ENRICHER_FILTERS" }) {
		t.Error("filters not passed")
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == jsonLogVolume && m.MountPath == "/var/log/spo" }) {
		t.Errorf("the log directory is not mounted: %+v", c.VolumeMounts)
	}
	// The log enricher off: only the JSON enricher needs the audit log.
	if n := len(slices.DeleteFunc(slices.Clone(pod.Volumes), func(v corev1.Volume) bool { return v.Name != "audit-log" })); n != 1 {
		t.Errorf("%d audit-log volumes", n)
	}

	// With the log enricher on too, the volume is shared, not doubled.
	both := jsonEnricherSPOD()
	both.Spec.Enricher.EnableLogEnricher = true
	pod = DaemonSet(both, testParams).Spec.Template.Spec
	if n := len(slices.DeleteFunc(slices.Clone(pod.Volumes), func(v corev1.Volume) bool { return v.Name != "audit-log" })); n != 1 {
		t.Errorf("%d audit-log volumes with both enrichers", n)
	}

	// Stdout without auditLogPath: no file flags, no volume.
	plain := Default(testParams.Namespace)
	plain.Spec.Enricher = v1.EnricherConfig{EnableJsonEnricher: true,
		JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogMaxSize: ptr.To[int32](5)}}
	pod = DaemonSet(plain, testParams).Spec.Template.Spec
	c = pod.Containers[len(pod.Containers)-1]
	if strings.Contains(strings.Join(c.Args, " "), "--audit-log-") {
		t.Errorf("file flags without a file: %q", c.Args)
	}
	// No auditLogIntervalSeconds, or no options at all: SPO's 60.
	for _, o := range []*v1.JsonEnricherOptions{plain.Spec.Enricher.JsonEnricherOptions, nil} {
		plain.Spec.Enricher.JsonEnricherOptions = o
		c = DaemonSet(plain, testParams).Spec.Template.Spec.Containers[len(pod.Containers)-1]
		if !slices.Contains(c.Args, "--interval-seconds=60") {
			t.Errorf("options %+v: args %q, want --interval-seconds=60", o, c.Args)
		}
	}
}

func TestInvalidJSONEnricher(t *testing.T) {
	for _, tc := range []struct {
		sentence string
		enricher v1.EnricherConfig
		reason   string
		field    string
	}{
		{"valid filters and path render", v1.EnricherConfig{JsonEnricherFilters: `[{"action":"drop","namespace":"x"}]`,
			JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/spo/exec.log")}}, "", ""},
		{"unparsable filters put the SPOD in Error", v1.EnricherConfig{JsonEnricherFilters: `[{"level":"Verbose"}]`},
			ReasonInvalidJsonEnricherFilters, "spec.enricher.jsonEnricherFilters"},
		{"a file in / would mount the node's root", v1.EnricherConfig{JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/exec.log")}},
			ReasonInvalidJsonEnricherOptions, "spec.enricher.jsonEnricherOptions.auditLogPath"},
		{"a path that climbs is refused", v1.EnricherConfig{JsonEnricherOptions: &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/../../etc/x")}},
			ReasonInvalidJsonEnricherOptions, "spec.enricher.jsonEnricherOptions.auditLogPath"},
	} {
		t.Run(tc.sentence, func(t *testing.T) {
			s, ok := Invalid(v1.SPODSpec{Enricher: tc.enricher})
			if ok != (tc.reason == "") {
				t.Fatalf("ok = %v (%+v)", ok, s)
			}
			if !ok && (s.State != v1.SPODError || s.Reason != tc.reason || !strings.Contains(s.Message, tc.field)) {
				t.Errorf("got %+v", s)
			}
		})
	}
}
