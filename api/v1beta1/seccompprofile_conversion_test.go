package v1beta1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/secprofiles/spo/api/internal/lossless"
	"github.com/secprofiles/spo/api/internal/roundtrip"
	v1 "github.com/secprofiles/spo/api/v1"
)

// meta is metadata with every field a conversion must carry over.
func meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              "nginx",
		UID:               "4f8a7f0e-0d3c-4c39-9d5e-6d1e0f3b2a11",
		ResourceVersion:   "42",
		Generation:        3,
		CreationTimestamp: metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)),
		Labels:            map[string]string{"spo.x-k8s.io/partial": "true"},
		Annotations:       map[string]string{"team": "web"},
		Finalizers:        []string{"spo.x-k8s.io/in-use", "node.spo.x-k8s.io/node-a"},
	}
}

// hub is a v1 SeccompProfile with every field set.
func hub(state v1.ProfileEnabledState) *v1.SeccompProfile {
	return &v1.SeccompProfile{
		ObjectMeta: meta(),
		Spec: v1.SeccompProfileSpec{
			ProfileSpecBase:  v1.ProfileSpecBase{State: state},
			BaseProfileName:  "runc-v1.2",
			DefaultAction:    v1.ActErrno,
			Architectures:    []v1.SeccompArch{"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"},
			ListenerPath:     "/run/seccomp-agent.sock",
			ListenerMetadata: "tenant=web",
			Syscalls: []v1.SeccompSyscall{
				{Names: []string{"read", "write"}, Action: v1.ActAllow},
				{Names: []string{"mkdir"}, Action: v1.ActErrno, ErrnoRet: ptr.To[uint](0)},
				{Names: []string{"personality"}, Action: v1.ActAllow, Args: []v1.SeccompArg{
					{Index: 0, Value: 0xffffffff, ValueTwo: 8, Op: "SCMP_CMP_MASKED_EQ"},
				}},
			},
			Flags: []v1.SeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
		},
		Status: v1.SeccompProfileStatus{
			ProfileStatusBase: v1.ProfileStatusBase{
				Status: v1.ProfileStateInstalled,
				Conditions: []metav1.Condition{{
					Type: v1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Installed",
					Message: "2 of 2 nodes", ObservedGeneration: 3,
					LastTransitionTime: metav1.NewTime(time.Date(2026, 5, 1, 12, 1, 0, 0, time.UTC)),
				}},
				ActiveWorkloads: []string{"web/nginx-0"},
			},
			Path:             "/var/lib/kubelet/seccomp/operator/nginx.json",
			LocalhostProfile: "operator/nginx.json",
		},
	}
}

// spoke is hub(state) as v1beta1 shows it, with the annotation a kept
// value produces.
func spoke(disabled bool, annotation string) *SeccompProfile {
	h := hub("")
	p := &SeccompProfile{
		ObjectMeta: meta(),
		Spec: SeccompProfileSpec{
			Disabled:         disabled,
			BaseProfileName:  h.Spec.BaseProfileName,
			DefaultAction:    h.Spec.DefaultAction,
			Architectures:    h.Spec.Architectures,
			ListenerPath:     h.Spec.ListenerPath,
			ListenerMetadata: h.Spec.ListenerMetadata,
			Syscalls:         h.Spec.Syscalls,
			Flags:            h.Spec.Flags,
		},
		Status: h.Status,
	}
	if annotation != "" {
		p.Annotations[lossless.Annotation] = annotation
	}
	return p
}

func TestSeccompProfileConversion(t *testing.T) {
	tests := map[string]struct {
		from, want runtime.Object
		oneWay     bool
	}{
		"keeps a v1 state Disabled through v1beta1's disabled": {
			from: hub(v1.ProfileDisabled), want: spoke(true, ""),
		},
		"keeps a v1 state Enabled as disabled false, with nothing in the annotation": {
			from: hub(v1.ProfileEnabled), want: spoke(false, ""),
		},
		"keeps a v1 state that was never defaulted through the annotation": {
			from: hub(""), want: spoke(false, `{"state":""}`),
		},
		"reads v1beta1's disabled true as state Disabled": {
			from: spoke(true, ""), want: hub(v1.ProfileDisabled),
		},
		"reads v1beta1's disabled false as state Enabled": {
			from: spoke(false, ""), want: hub(v1.ProfileEnabled),
		},
		"lets a v1beta1 client that sets disabled win over a kept state": {
			from: spoke(true, `{"state":""}`), want: hub(v1.ProfileDisabled), oneWay: true,
		},
		"drops an annotation it cannot read instead of failing the conversion": {
			from: spoke(false, `{"state":`), want: hub(v1.ProfileEnabled), oneWay: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			roundtrip.Check(t, tc.from, tc.want, tc.oneWay)
		})
	}
}

func FuzzSeccompProfileConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1beta1 SeccompProfile"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.SeccompProfile{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &SeccompProfile{}, &v1.SeccompProfile{})

		s := &SeccompProfile{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.SeccompProfile{}, &SeccompProfile{})
	})
}
