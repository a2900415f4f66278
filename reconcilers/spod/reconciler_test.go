package spod_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/reconcilers/spod"
)

var spodKey = client.ObjectKey{Namespace: namespace, Name: v1.SPODName}
var dsKey = client.ObjectKey{Namespace: namespace, Name: spod.DaemonSetName}
var webhookKey = client.ObjectKey{Namespace: namespace, Name: spod.WebhookName}

var _ = Describe("the spod reconciler", Ordered, func() {
	// Every spec starts from the default SPOD and its DaemonSet.
	BeforeEach(func(ctx SpecContext) {
		// The reconciler writes the SPOD's status meanwhile: a conflict
		// only means reading it again.
		Eventually(func() error {
			s := getSPOD(ctx)
			s.Spec = spod.Default(namespace).Spec
			return k8s.Update(ctx, s)
		}).Should(Succeed())
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon}))
	})

	It("creates the missing SPOD with the defaults", func(ctx SpecContext) {
		s := getSPOD(ctx)
		Expect(s.Spec).To(Equal(spod.Default(namespace).Spec))
		Eventually(events(ctx, "Defaulted")).ShouldNot(BeEmpty())
	})

	It("applies exactly the golden DaemonSet for the default SPOD, owned by the SPOD", func(ctx SpecContext) {
		s := getSPOD(ctx)
		want := golden("default.yaml")
		live := getDaemonSet(ctx)

		Expect(live.Labels).To(Equal(want.Labels))
		Expect(live.OwnerReferences).To(ConsistOf(*metav1.NewControllerRef(s, v1.GroupVersion.WithKind("SecurityProfilesOperatorDaemon"))))
		// Every field spo sets is as set; the rest are the API server's
		// defaults. Lists are compared whole.
		Expect(equality.Semantic.DeepDerivative(want.Spec, live.Spec)).To(BeTrue(), "live spec:\n%s", toYAML(live.Spec))
		Expect(len(live.Spec.Template.Spec.Containers)).To(Equal(len(want.Spec.Template.Spec.Containers)))
		Expect(len(live.Spec.Template.Spec.Volumes)).To(Equal(len(want.Spec.Template.Spec.Volumes)))
		Expect(live.Spec.Template.Spec.Containers[0].Args).To(Equal(want.Spec.Template.Spec.Containers[0].Args))
		Expect(live.Spec.Template.Spec.HostPID).To(BeFalse())
		Expect(live.Spec.Template.Spec.HostNetwork).To(BeFalse())

		managers := map[string]metav1.ManagedFieldsOperationType{}
		for _, m := range live.ManagedFields {
			managers[m.Manager] = m.Operation
		}
		Expect(managers).To(HaveKeyWithValue(spod.FieldManager, metav1.ManagedFieldsOperationApply))
	})

	It("applies the webhook server's Deployment, Service and PodDisruptionBudget as the golden files say, owned by the SPOD", func(ctx SpecContext) {
		owner := *metav1.NewControllerRef(getSPOD(ctx), v1.GroupVersion.WithKind("SecurityProfilesOperatorDaemon"))
		for file, obj := range map[string]client.Object{
			"webhook-deployment.yaml": &appsv1.Deployment{},
			"webhook-service.yaml":    &corev1.Service{},
			"webhook-pdb.yaml":        &policyv1.PodDisruptionBudget{},
		} {
			want := obj.DeepCopyObject().(client.Object)
			data, err := os.ReadFile(filepath.Join("testdata", file))
			Expect(err).NotTo(HaveOccurred())
			Expect(yaml.Unmarshal(data, want)).To(Succeed())
			Eventually(func() error { return k8s.Get(ctx, webhookKey, obj) }).Should(Succeed())
			Expect(obj.GetOwnerReferences()).To(ConsistOf(owner), file)
			Expect(obj.GetLabels()).To(Equal(want.GetLabels()), file)
			Expect(equality.Semantic.DeepDerivative(specOf(want), specOf(obj))).To(BeTrue(), "%s: live spec:\n%s", file, toYAML(specOf(obj)))
		}
	})

	It("does not write the DaemonSet when nothing changed", func(ctx SpecContext) {
		before := getDaemonSet(ctx).ResourceVersion
		// A change to the SPOD that does not change the DaemonSet.
		Eventually(func() error {
			s := getSPOD(ctx)
			s.Annotations = map[string]string{"note": "touched"}
			return k8s.Update(ctx, s)
		}).Should(Succeed())
		Consistently(func() string { return getDaemonSet(ctx).ResourceVersion }, "2s").Should(Equal(before))
	})

	It("adds the bpf recorder with its privileges and hostPID, and removes them again", func(ctx SpecContext) {
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher.EnableBpfRecorder = true })
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon, spod.ContainerBpfRecorder}))
		ds := getDaemonSet(ctx)
		Expect(ds.Spec.Template.Spec.HostPID).To(BeTrue())
		Expect(ds.Spec.Template.Spec.Containers[1].SecurityContext.Capabilities.Add).To(
			Equal(spod.BpfRecorderCapabilities))

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher.EnableBpfRecorder = false })
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon}))
		ds = getDaemonSet(ctx)
		Expect(ds.Spec.Template.Spec.HostPID).To(BeFalse())
		Expect(volumeNames(ds)).NotTo(ContainElement("host-proc"))
	})

	It("adds the log enricher with its filters, and on the netlink source CAP_AUDIT_READ and hostNetwork", func(ctx SpecContext) {
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Enricher.EnableLogEnricher = true
			s.Enricher.LogEnricherFilters = `[{"action":"drop","namespace":"kube-system"}]`
		})
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon, spod.ContainerLogEnricher}))
		c := getDaemonSet(ctx).Spec.Template.Spec.Containers[1]
		Expect(c.Args).To(ContainElement("--source=auditd"))
		Expect(c.Env).To(ContainElement(corev1.EnvVar{Name: "SPO_ENRICHER_FILTERS", Value: `[{"action":"drop","namespace":"kube-system"}]`}))

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher.LogEnricherSource = spod.SourceBpf })
		Eventually(func() bool { return getDaemonSet(ctx).Spec.Template.Spec.HostNetwork }).Should(BeTrue())
		c = getDaemonSet(ctx).Spec.Template.Spec.Containers[1]
		Expect(c.Args).To(ContainElement("--source=netlink"))
		Expect(c.SecurityContext.Capabilities.Add).To(Equal([]corev1.Capability{"AUDIT_READ"}))

		// Back to auditd's log: no host network and no node port is left.
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher.LogEnricherSource = spod.SourceAuditd })
		Eventually(func() bool { return getDaemonSet(ctx).Spec.Template.Spec.HostNetwork }).Should(BeFalse())
		ds := getDaemonSet(ctx)
		Expect(ds.Spec.Template.Spec.DNSPolicy).To(Equal(corev1.DNSClusterFirst))
		for _, c := range ds.Spec.Template.Spec.Containers {
			for _, p := range c.Ports {
				Expect(p.HostPort).To(BeZero(), "%s port %s", c.Name, p.Name)
			}
		}

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher = spod.Default(namespace).Spec.Enricher })
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon}))
		ds = getDaemonSet(ctx)
		Expect(ds.Spec.Template.Spec.HostNetwork).To(BeFalse())
		Expect(ds.Spec.Template.Spec.HostPID).To(BeFalse())
	})

	It("reverts a hand edit of the DaemonSet", func(ctx SpecContext) {
		want := getDaemonSet(ctx).Spec.Template.Spec.Containers[0].Args
		Eventually(func() error {
			ds := getDaemonSet(ctx)
			ds.Spec.Template.Spec.Containers[0].Args = []string{"daemon", "--verbosity=10"}
			ds.Spec.Template.Spec.Containers[0].Image = "evil.example/spo"
			return k8s.Update(ctx, ds)
		}).Should(Succeed())
		Eventually(func() []string { return getDaemonSet(ctx).Spec.Template.Spec.Containers[0].Args }).Should(Equal(want))
		Expect(getDaemonSet(ctx).Spec.Template.Spec.Containers[0].Image).To(Equal(image))
	})

	It("reports Creating until the rollout is done, then Running with Ready True and an Event", func(ctx SpecContext) {
		Eventually(state(ctx)).Should(Equal(v1.SPODCreating))
		ready := meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		Expect(ready).NotTo(BeNil())
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))

		// envtest has no DaemonSet controller or kubelet: report the
		// rollout as they would.
		ds := getDaemonSet(ctx)
		ds.Status = appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: 2,
			CurrentNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberReady: 1, NumberAvailable: 1}
		Expect(k8s.Status().Update(ctx, ds)).To(Succeed())
		Eventually(func() string {
			return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady).Message
		}).Should(Equal("1 of 2 daemon pods are ready"))
		Expect(getSPOD(ctx).Status.State).To(Equal(v1.SPODCreating))

		ds = getDaemonSet(ctx)
		ds.Status.NumberReady, ds.Status.NumberAvailable = 2, 2
		Expect(k8s.Status().Update(ctx, ds)).To(Succeed())
		// The daemon is ready; the webhook server is not yet.
		Eventually(func() string {
			return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady).Message
		}).Should(Equal("the Deployment controller has not seen the webhook's Deployment yet"))

		webhook := &appsv1.Deployment{}
		Expect(k8s.Get(ctx, webhookKey, webhook)).To(Succeed())
		webhook.Status = appsv1.DeploymentStatus{ObservedGeneration: webhook.Generation, Replicas: 2,
			UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}
		Expect(k8s.Status().Update(ctx, webhook)).To(Succeed())
		Eventually(state(ctx)).Should(Equal(v1.SPODRunning))
		ready = meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		Expect(ready.Status).To(Equal(metav1.ConditionTrue))
		Expect(ready.Reason).To(Equal("Running"))
		Eventually(events(ctx, "Running")).ShouldNot(BeEmpty())

		// A new template is Updating until the controller has seen it.
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Verbosity = 2 })
		Eventually(state(ctx)).Should(Equal(v1.SPODUpdating))
	})

	It("reports Error with the API server's message when the DaemonSet is refused, and recovers when fixed", func(ctx SpecContext) {
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Scheduling.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: "Sometimes"}},
				}}},
			}}
		})
		Eventually(state(ctx)).Should(Equal(v1.SPODError))
		ready := meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Message).To(ContainSubstring(`"Sometimes": not a valid selector operator`))
		Eventually(events(ctx, "Error")).ShouldNot(BeEmpty())

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Scheduling.Affinity = nil })
		Eventually(state(ctx)).ShouldNot(Equal(v1.SPODError))
	})

	It("reports Error InvalidLogEnricherFilters with an Event and leaves the DaemonSet alone on unparsable filters, and accepts SPO's format", func(ctx SpecContext) {
		before := getDaemonSet(ctx).Spec.Template
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Enricher.EnableLogEnricher = true
			s.Enricher.LogEnricherFilters = `[{"priority":1,"level":"Verbose","matchKeys":["namespace"]}]`
		})
		Eventually(state(ctx)).Should(Equal(v1.SPODError))
		ready := meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		Expect(ready.Reason).To(Equal(spod.ReasonInvalidLogEnricherFilters))
		Expect(ready.Message).To(ContainSubstring(`spec.enricher.logEnricherFilters: log filter 0: field "level"`))
		Eventually(events(ctx, spod.ReasonInvalidLogEnricherFilters)).ShouldNot(BeEmpty())
		Consistently(func() corev1.PodTemplateSpec { return getDaemonSet(ctx).Spec.Template }, "2s").Should(Equal(before))

		spoFilters := `[{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["kube-system"]}]`
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher.LogEnricherFilters = spoFilters })
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon, spod.ContainerLogEnricher}))
		Expect(getDaemonSet(ctx).Spec.Template.Spec.Containers[1].Env).To(ContainElement(corev1.EnvVar{Name: "SPO_ENRICHER_FILTERS", Value: spoFilters}))
		Eventually(state(ctx)).ShouldNot(Equal(v1.SPODError))
	})

	It("adds the json-enricher with its options, and reports Error InvalidJsonEnricherFilters with an Event on unparsable filters", func(ctx SpecContext) {
		before := getDaemonSet(ctx).Spec.Template
		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Enricher.EnableJsonEnricher = true
			s.Enricher.JsonEnricherFilters = `[{"action":"explode"}]`
		})
		Eventually(state(ctx)).Should(Equal(v1.SPODError))
		ready := meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionReady)
		Expect(ready.Reason).To(Equal(spod.ReasonInvalidJsonEnricherFilters))
		Expect(ready.Message).To(ContainSubstring("spec.enricher.jsonEnricherFilters"))
		Eventually(events(ctx, spod.ReasonInvalidJsonEnricherFilters)).ShouldNot(BeEmpty())
		Expect(getDaemonSet(ctx).Spec.Template).To(Equal(before))

		updateSPOD(ctx, func(s *v1.SPODSpec) {
			s.Enricher.JsonEnricherFilters = `[{"action":"drop","namespace":"kube-system"}]`
			s.Enricher.JsonEnricherOptions = &v1.JsonEnricherOptions{AuditLogPath: ptr.To("/var/log/spo/exec.log")}
		})
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon, spod.ContainerJSONEnricher}))
		c := getDaemonSet(ctx).Spec.Template.Spec.Containers[1]
		Expect(c.Args).To(ContainElements("json-enricher", "--audit-log-path=/var/log/spo/exec.log", "--audit-log-maxsize=100", "--interval-seconds=60"))
		Expect(c.SecurityContext.Capabilities.Add).To(Equal([]corev1.Capability{"SYS_PTRACE", "NET_ADMIN"}))
		Expect(getDaemonSet(ctx).Spec.Template.Spec.HostNetwork).To(BeTrue(), "exec events come in the host network namespace only")
		// The CRD's defaults, as SPO's: 60 s and 100 MB.
		opts := getSPOD(ctx).Spec.Enricher.JsonEnricherOptions
		Expect(*opts.AuditLogIntervalSeconds).To(BeEquivalentTo(60))
		Expect(*opts.AuditLogMaxSize).To(BeEquivalentTo(100))
		Eventually(state(ctx)).ShouldNot(Equal(v1.SPODError))

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Enricher = spod.Default(namespace).Spec.Enricher })
		Eventually(containerNames(ctx)).Should(Equal([]string{spod.ContainerDaemon}))
	})

	It("says custom SELinux templates are unsupported with a condition and a Warning Event, and drops the condition when unset", func(ctx SpecContext) {
		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Selinux.CustomTemplatesConfigMap = "flatcar-templates" })
		Eventually(func() *metav1.Condition {
			return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionCustomTemplates)
		}).ShouldNot(BeNil())
		c := meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionCustomTemplates)
		Expect(c.Status).To(Equal(metav1.ConditionFalse))
		Expect(c.Reason).To(Equal(spod.ReasonCustomTemplatesUnsupported))
		Expect(c.Message).To(ContainSubstring("flatcar-templates"))
		Eventually(events(ctx, spod.ReasonCustomTemplatesUnsupported)).ShouldNot(BeEmpty())

		updateSPOD(ctx, func(s *v1.SPODSpec) { s.Selinux.CustomTemplatesConfigMap = "" })
		Eventually(func() *metav1.Condition {
			return meta.FindStatusCondition(getSPOD(ctx).Status.Conditions, spod.ConditionCustomTemplates)
		}).Should(BeNil())
	})

	It("ignores a SecurityProfilesOperatorDaemon in another namespace", func(ctx SpecContext) {
		other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "elsewhere-"}}
		Expect(k8s.Create(ctx, other)).To(Succeed())
		s := spod.Default(other.Name)
		s.Spec.Enricher.EnableBpfRecorder = true
		Expect(k8s.Create(ctx, s)).To(Succeed())
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: other.Name, Name: spod.DaemonSetName}, &appsv1.DaemonSet{})
		}, "2s").ShouldNot(Succeed())
		Expect(getSPOD(ctx).Spec.Enricher.EnableBpfRecorder).To(BeFalse())
	})

	It("creates the SPOD again when it is deleted, and the DaemonSet follows the new owner", func(ctx SpecContext) {
		old := getSPOD(ctx)
		Expect(k8s.Delete(ctx, old)).To(Succeed())
		Eventually(func() bool {
			s := &v1.SecurityProfilesOperatorDaemon{}
			return k8s.Get(ctx, spodKey, s) == nil && s.UID != old.UID
		}).Should(BeTrue())
		s := getSPOD(ctx)
		Eventually(func() []types { return owners(getDaemonSet(ctx)) }).Should(Equal([]types{types(s.UID)}))
	})

	DescribeTable("refuses an invalid SPOD with the API server's message",
		func(ctx SpecContext, name string, spec map[string]any, message string) {
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": v1.GroupVersion.String(), "kind": "SecurityProfilesOperatorDaemon",
				"metadata": map[string]any{"name": name, "namespace": namespace},
				"spec":     spec,
			}}
			err := k8s.Create(ctx, u)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("a name other than spod", "other", map[string]any{}, "metadata.name must be spod"),
		Entry("an unknown log enricher source", "spod", map[string]any{"enricher": map[string]any{"logEnricherSource": "Journald"}},
			`Unsupported value: "Journald": supported values: "Auditd", "Bpf"`),
		Entry("a verbosity above 10", "spod", map[string]any{"verbosity": 11}, "should be less than or equal to 10"),
		Entry("an unknown webhook failure policy", "spod", map[string]any{"webhook": map[string]any{"options": []any{
			map[string]any{"name": "binding.spo.x-k8s.io", "failurePolicy": "Sometimes"}}}},
			`Unsupported value: "Sometimes": supported values: "Ignore", "Fail"`),
		Entry("a relative hostProcVolumePath", "spod", map[string]any{"hostProcVolumePath": "proc"}, "should match '^/'"),
		Entry("a webhook spo does not have (SPO's older podexec one)", "spod", map[string]any{"webhook": map[string]any{"options": []any{
			map[string]any{"name": "podexec.spo.io"}}}}, `Unsupported value: "podexec.spo.io"`),
		Entry("a customTemplatesConfigMap that is not a ConfigMap name", "spod", map[string]any{"selinux": map[string]any{
			"customTemplatesConfigMap": "Not_A_Name"}}, "spec.selinux.customTemplatesConfigMap"),
	)
})

type types string

func owners(ds *appsv1.DaemonSet) []types {
	var out []types
	for _, o := range ds.OwnerReferences {
		out = append(out, types(o.UID))
	}
	return out
}

func getSPOD(ctx context.Context) *v1.SecurityProfilesOperatorDaemon {
	s := &v1.SecurityProfilesOperatorDaemon{}
	Eventually(func() error { return k8s.Get(ctx, spodKey, s) }).Should(Succeed())
	return s
}

func updateSPOD(ctx context.Context, edit func(*v1.SPODSpec)) {
	Eventually(func() error {
		s := getSPOD(ctx)
		edit(&s.Spec)
		return k8s.Update(ctx, s)
	}).Should(Succeed())
}

func getDaemonSet(ctx context.Context) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{}
	Eventually(func() error { return k8s.Get(ctx, dsKey, ds) }).Should(Succeed())
	return ds
}

func containerNames(ctx context.Context) func() []string {
	return func() []string {
		var out []string
		for _, c := range getDaemonSet(ctx).Spec.Template.Spec.Containers {
			out = append(out, c.Name)
		}
		return out
	}
}

func volumeNames(ds *appsv1.DaemonSet) []string {
	var out []string
	for _, v := range ds.Spec.Template.Spec.Volumes {
		out = append(out, v.Name)
	}
	return out
}

func state(ctx context.Context) func() v1.SPODState {
	return func() v1.SPODState { return getSPOD(ctx).Status.State }
}

// events are the Events about the SPOD with the reason.
func events(ctx context.Context, reason string) func() []eventsv1.Event {
	return func() []eventsv1.Event {
		var list eventsv1.EventList
		Expect(k8s.List(ctx, &list, client.InNamespace(namespace))).To(Succeed())
		return slices.DeleteFunc(list.Items, func(e eventsv1.Event) bool {
			return e.Reason != reason || e.Regarding.Kind != "SecurityProfilesOperatorDaemon"
		})
	}
}

func golden(name string) *appsv1.DaemonSet {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	Expect(err).NotTo(HaveOccurred())
	ds := &appsv1.DaemonSet{}
	Expect(yaml.Unmarshal(data, ds)).To(Succeed())
	return ds
}

func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec
	case *corev1.Service:
		return o.Spec
	case *policyv1.PodDisruptionBudget:
		return o.Spec
	}
	panic(obj)
}

func toYAML(v any) string {
	out, _ := yaml.Marshal(v)
	return string(out)
}

var _ = Describe("the built-in profiles", func() {
	It("keeps the log-everything profile Logs recordings run under, and undoes its deletion", func(ctx SpecContext) {
		p := &v1.SeccompProfile{}
		key := client.ObjectKey{Name: "log-enricher-trace"}
		Eventually(func() error { return k8s.Get(ctx, key, p) }).Should(Succeed())
		Expect(p.Spec.DefaultAction).To(Equal(v1.ActLog))
		uid := p.UID
		Expect(k8s.Delete(ctx, p)).To(Succeed())
		Eventually(func() (bool, error) {
			err := k8s.Get(ctx, key, p)
			return err == nil && p.UID != uid && p.DeletionTimestamp == nil, client.IgnoreNotFound(err)
		}).Should(BeTrue())
	})
})
