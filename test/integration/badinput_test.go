package integration

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// counterValue reads a counter of this process's registry.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	Expect(c.Write(&m)).To(Succeed())
	return m.GetCounter().GetValue()
}

func seccompProfile(name string, spec v1.SeccompProfileSpec) *v1.SeccompProfile {
	return &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}

func allow(names ...string) v1.SeccompSyscall {
	return v1.SeccompSyscall{Names: names, Action: v1.ActAllow}
}

// What a user sees for each kind of bad profile. Whatever can be checked
// without a node is refused by the API server; the rest ends in status
// Error on the profile, with the node's reason. Nothing is ever written.
var _ = Describe("Bad SeccompProfiles", Ordered, ContinueOnFailure, func() {
	ctx := context.Background()

	BeforeAll(func() {
		spod := &v1.SecurityProfilesOperatorDaemon{
			ObjectMeta: metav1.ObjectMeta{Name: v1.SPODName, Namespace: operatorNamespace},
			Spec:       v1.SPODSpec{Security: v1.SecurityConfig{AllowedSyscalls: []string{"read", "write", "exit_group"}}},
		}
		Expect(k8s.Create(ctx, spod)).To(Succeed())
		DeferCleanup(func() { deleteAndWait(ctx, spod) })
		// The daemons learn about the SPOD through their caches; a canary
		// that only the SPOD forbids says when both nodes apply it. (A
		// profile written before a policy tightens is kept on the node and
		// reported Error: removing it would break pods already using it.)
		canary := seccompProfile("spod-canary", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
			Syscalls: []v1.SeccompSyscall{allow("ptrace")}})
		Expect(k8s.Create(ctx, canary)).To(Succeed())
		Eventually(func() []string {
			var reasons []string
			for _, node := range nodes() {
				if ns, err := nodeStatus(ctx, "spod-canary", node)(); err == nil {
					reasons = append(reasons, ns.Status.Reason)
				}
			}
			return reasons
		}).Should(Equal([]string{"SyscallNotAllowed", "SyscallNotAllowed"}))
		deleteAndWait(ctx, canary)
	})

	It("counts the nodes' refusals in SPO's seccomp_profile_error_total in SPO's words, and spo's reason beside", func() {
		// Both nodes refused the canary above (SyscallNotAllowed).
		Expect(counterValue(spodmetrics.SeccompProfileError.WithLabelValues("InvalidSeccompProfile"))).
			To(BeNumerically(">=", 2))
		Expect(counterValue(spodmetrics.ErrorReasons.WithLabelValues("seccomp", "SyscallNotAllowed"))).
			To(BeNumerically(">=", 2))
	})

	DescribeTable("refused by the API server, with a message naming the field",
		func(p *v1.SeccompProfile, want string) {
			err := k8s.Create(ctx, p)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(Equal(want))
			Expect(filesFor(p.Name)).To(BeEmpty())
		},
		Entry("an unknown action",
			seccompProfile("bad-action", v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_PANIC"}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "bad-action" is invalid: [spec.defaultAction: Unsupported value: "SCMP_ACT_PANIC": supported values: `+actions+rulesNotChecked),
		Entry("errnoRet with an action that does not return an errno",
			seccompProfile("bad-errno", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				{Names: []string{"read"}, Action: v1.ActAllow, ErrnoRet: ptrTo(uint(1))}}}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "bad-errno" is invalid: spec.syscalls[0]: Invalid value: errnoRet is only allowed with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE`),
		Entry("more than 6 argument conditions",
			seccompProfile("bad-args", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Syscalls: []v1.SeccompSyscall{
				{Names: []string{"read"}, Action: v1.ActAllow, Args: sevenArgs()}}}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "bad-args" is invalid: [spec.syscalls[0].args: Too many: 7: must have at most 6 items`+rulesNotChecked),
		Entry("an unknown architecture",
			seccompProfile("bad-arch", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, Architectures: []v1.SeccompArch{"SCMP_ARCH_Z80"}}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "bad-arch" is invalid: [spec.architectures[0]: Unsupported value: "SCMP_ARCH_Z80": supported values: `+architectures+rulesNotChecked),
		Entry("a name that would escape the directory",
			seccompProfile("../../etc/passwd", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "../../etc/passwd" is invalid: metadata.name: Invalid value: "../../etc/passwd": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`),
		Entry("a profile that names itself as base",
			seccompProfile("loop", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "loop"}),
			`SeccompProfile.security-profiles-operator.x-k8s.io "loop" is invalid: spec.baseProfileName: Invalid value: must not name the profile itself`),
	)

	DescribeTable("refused by the nodes, with status Error, the reason and the message",
		func(ps []*v1.SeccompProfile, wantReason, want string) {
			for _, p := range ps {
				Expect(k8s.Create(ctx, p)).To(Succeed())
				DeferCleanup(func() { deleteAndWait(ctx, p) })
			}
			name := ps[0].Name
			// Error shows as soon as one node reports it; wait for both.
			Eventually(func() *metav1.Condition {
				p, err := getSeccomp(ctx, name)()
				if err != nil {
					return nil
				}
				return meta(p.Status.Conditions, v1.ConditionReady)
			}).Should(And(
				HaveField("Reason", wantReason),
				HaveField("Message", "node-a: "+want+"; node-b: "+want),
			))
			Expect(seccompState(ctx, name)()).To(Equal(v1.ProfileStateError))
			for _, node := range nodes() {
				ns, err := nodeStatus(ctx, name, node)()
				Expect(err).NotTo(HaveOccurred())
				Expect(ns.Status).To(Equal(v1.SecurityProfileNodeStatusStatus{Status: v1.ProfileStateError, Reason: wantReason, Message: want}))
			}
			for _, p := range ps {
				Expect(filesFor(p.Name)).To(BeEmpty())
			}
			Expect(warningEvents(ctx, name)).To(ContainElement(wantReason))
		},
		Entry("a cycle of base profiles",
			[]*v1.SeccompProfile{
				seccompProfile("cycle-a", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "cycle-b"}),
				seccompProfile("cycle-b", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "cycle-a"}),
			},
			"BaseProfileCycle", `spec.baseProfileName: base profiles form a cycle: cycle-a -> cycle-b -> cycle-a`),
		Entry("a base profile that does not exist",
			[]*v1.SeccompProfile{seccompProfile("orphan", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "missing"})},
			"BaseProfileNotFound", `spec.baseProfileName: base profile "missing" not found (chain orphan -> missing)`),
		Entry("a syscall outside the SPOD's allowedSyscalls",
			[]*v1.SeccompProfile{seccompProfile("too-much", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
				Syscalls: []v1.SeccompSyscall{allow("read", "ptrace")}})},
			"SyscallNotAllowed", `spec.syscalls[0].names[1]: syscall "ptrace" is not in the SecurityProfilesOperatorDaemon's security.allowedSyscalls`),
		Entry("a base profile that allows a syscall outside the SPOD's allowedSyscalls",
			[]*v1.SeccompProfile{
				seccompProfile("inherits-too-much", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno, BaseProfileName: "base-too-much",
					Syscalls: []v1.SeccompSyscall{allow("read")}}),
				seccompProfile("base-too-much", v1.SeccompProfileSpec{DefaultAction: v1.ActErrno,
					Syscalls: []v1.SeccompSyscall{allow("ptrace")}}),
			},
			"SyscallNotAllowed", `spec.baseProfileName: merged with its base profiles: spec.syscalls[0].names[0]: syscall "ptrace" is not in the SecurityProfilesOperatorDaemon's security.allowedSyscalls`),
	)
})

// warningEvents lists the reasons of the Warning events about a profile.
func warningEvents(ctx context.Context, name string) []string {
	list := &eventsv1.EventList{}
	Expect(k8s.List(ctx, list, client.InNamespace("default"))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Type == "Warning" {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

func sevenArgs() []v1.SeccompArg {
	args := make([]v1.SeccompArg, 7)
	for i := range args {
		args[i] = v1.SeccompArg{Index: uint(min(i, 5)), Op: "SCMP_CMP_EQ"}
	}
	return args
}

// The API server's own wording, which users see verbatim.
const (
	rulesNotChecked = `, <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]`
	actions         = `"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"`
	architectures   = `"SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"`
)
