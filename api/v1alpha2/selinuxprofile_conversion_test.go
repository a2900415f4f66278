package v1alpha2

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/secprofiles/spo/api/internal/lossless"
	"github.com/secprofiles/spo/api/internal/roundtrip"
	v1 "github.com/secprofiles/spo/api/v1"
)

// meta is metadata with every field a conversion must carry over, and the
// given conversion-data annotation unless it is empty.
func meta(annotation string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:              "nginx",
		UID:               "0b7c2d4e-3f9a-4e51-8c6d-2a1b0e9f8d77",
		ResourceVersion:   "42",
		Generation:        3,
		CreationTimestamp: metav1.NewTime(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)),
		Labels:            map[string]string{"app": "nginx"},
		Annotations:       map[string]string{"team": "web"},
		Finalizers:        []string{"spo.x-k8s.io/in-use"},
	}
	if annotation != "" {
		m.Annotations[lossless.Annotation] = annotation
	}
	return m
}

func status() v1.SelinuxProfileStatus {
	return v1.SelinuxProfileStatus{
		ProfileStatusBase: v1.ProfileStatusBase{
			Status: v1.ProfileStateInProgress,
			Conditions: []metav1.Condition{{
				Type: v1.ConditionReady, Status: metav1.ConditionFalse, Reason: "InProgress",
				Message: "1 of 2 nodes", ObservedGeneration: 3,
				LastTransitionTime: metav1.NewTime(time.Date(2026, 5, 1, 12, 1, 0, 0, time.UTC)),
			}},
			ActiveWorkloads: []string{"web/nginx-0"},
		},
		Usage: "nginx.process",
	}
}

func inherit() []v1.PolicyRef {
	return []v1.PolicyRef{{Kind: v1.PolicyRefSystem, Name: "container"}, {Kind: v1.PolicyRefSelinuxProfile, Name: "net"}}
}

func allow() map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet {
	return map[v1.LabelKey]map[v1.ObjectClassKey]v1.PermissionSet{
		"@self":   {"tcp_socket": {"listen", "accept"}},
		"var_log": {"file": {"append", "open"}, "dir": {"search"}},
	}
}

// hub is a v1 SelinuxProfile with every field set.
func hub(state v1.ProfileEnabledState, mode v1.SelinuxMode) *v1.SelinuxProfile {
	return &v1.SelinuxProfile{
		ObjectMeta: meta(""),
		Spec: v1.SelinuxProfileSpec{
			ProfileSpecBase: v1.ProfileSpecBase{State: state},
			Inherit:         inherit(),
			Mode:            mode,
			Allow:           allow(),
		},
		Status: status(),
	}
}

// spoke is a v1alpha2 SelinuxProfile with every field set.
func spoke(disabled, permissive bool, annotation string) *SelinuxProfile {
	return &SelinuxProfile{
		ObjectMeta: meta(annotation),
		Spec:       SelinuxProfileSpec{Disabled: disabled, Inherit: inherit(), Permissive: permissive, Allow: allow()},
		Status:     status(),
	}
}

func rawHub(state v1.ProfileEnabledState) *v1.RawSelinuxProfile {
	return &v1.RawSelinuxProfile{
		ObjectMeta: meta(""),
		Spec: v1.RawSelinuxProfileSpec{
			ProfileSpecBase: v1.ProfileSpecBase{State: state},
			Policy:          "(blockinherit container)\n(allow process var_log_t (file (open append)))",
		},
		Status: status(),
	}
}

func rawSpoke(disabled bool, annotation string) *RawSelinuxProfile {
	return &RawSelinuxProfile{
		ObjectMeta: meta(annotation),
		Spec:       RawSelinuxProfileSpec{Disabled: disabled, Policy: rawHub("").Spec.Policy},
		Status:     status(),
	}
}

func TestSelinuxProfileConversion(t *testing.T) {
	tests := map[string]struct {
		from, want runtime.Object
		oneWay     bool
	}{
		"keeps a v1 state Disabled and mode Permissive through v1alpha2's booleans": {
			from: hub(v1.ProfileDisabled, v1.SelinuxPermissive), want: spoke(true, true, ""),
		},
		"keeps a v1 state Enabled and mode Enforcing as false booleans, with nothing in the annotation": {
			from: hub(v1.ProfileEnabled, v1.SelinuxEnforcing), want: spoke(false, false, ""),
		},
		"keeps a v1 state and mode that were never defaulted through the annotation": {
			from: hub("", ""), want: spoke(false, false, `{"state":"","mode":""}`),
		},
		"reads v1alpha2's disabled and permissive as state Disabled and mode Permissive": {
			from: spoke(true, true, ""), want: hub(v1.ProfileDisabled, v1.SelinuxPermissive),
		},
		"reads v1alpha2's false booleans as state Enabled and mode Enforcing": {
			from: spoke(false, false, ""), want: hub(v1.ProfileEnabled, v1.SelinuxEnforcing),
		},
		"lets a v1alpha2 client that sets permissive win over a kept mode": {
			from: spoke(false, true, `{"state":"","mode":""}`), want: hub("", v1.SelinuxPermissive), oneWay: true,
		},
		"drops an annotation that only partly decodes as a whole": {
			from: spoke(false, false, `{"state":"","mode":true}`), want: hub(v1.ProfileEnabled, v1.SelinuxEnforcing), oneWay: true,
		},
		"keeps a v1 RawSelinuxProfile state Disabled through v1alpha2's disabled": {
			from: rawHub(v1.ProfileDisabled), want: rawSpoke(true, ""),
		},
		"keeps a v1 RawSelinuxProfile state that was never defaulted through the annotation": {
			from: rawHub(""), want: rawSpoke(false, `{"state":""}`),
		},
		"reads a v1alpha2 RawSelinuxProfile's disabled false as state Enabled": {
			from: rawSpoke(false, ""), want: rawHub(v1.ProfileEnabled),
		},
		"drops a RawSelinuxProfile annotation it cannot read instead of failing the conversion": {
			from: rawSpoke(true, "[]"), want: rawHub(v1.ProfileDisabled), oneWay: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			roundtrip.Check(t, tc.from, tc.want, tc.oneWay)
		})
	}
}

func FuzzSelinuxProfileConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha2 SelinuxProfile"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.SelinuxProfile{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &SelinuxProfile{}, &v1.SelinuxProfile{})

		s := &SelinuxProfile{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.SelinuxProfile{}, &SelinuxProfile{})
	})
}

func FuzzRawSelinuxProfileConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha2 RawSelinuxProfile"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.RawSelinuxProfile{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &RawSelinuxProfile{}, &v1.RawSelinuxProfile{})

		s := &RawSelinuxProfile{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.RawSelinuxProfile{}, &RawSelinuxProfile{})
	})
}
