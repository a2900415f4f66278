package v1alpha1

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/secprofiles/spo/api/internal/roundtrip"
	v1 "github.com/secprofiles/spo/api/v1"
)

func abstract() v1.AppArmorAbstract {
	return v1.AppArmorAbstract{
		Executable: &v1.AppArmorExecutablesRules{
			AllowedExecutables: []v1.AppArmorPath{"/usr/sbin/nginx"},
			AllowedLibraries:   []v1.AppArmorPath{"/lib/x86_64-linux-gnu/libc.so.6"},
		},
		Filesystem: &v1.AppArmorFsRules{
			ReadOnlyPaths:  []v1.AppArmorPath{"/etc/nginx/**"},
			WriteOnlyPaths: []v1.AppArmorPath{"/var/log/nginx/*.log"},
			ReadWritePaths: []v1.AppArmorPath{"/var/cache/nginx/**"},
		},
		Network: &v1.AppArmorNetworkRules{
			AllowRaw:  ptr.To(false),
			Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: ptr.To(true), AllowUDP: ptr.To(false)},
		},
		Capability: &v1.AppArmorCapabilityRules{AllowedCapabilities: []string{"net_bind_service", "setuid"}},
	}
}

func appArmorStatus() v1.AppArmorProfileStatus {
	return v1.AppArmorProfileStatus{ProfileStatusBase: v1.ProfileStatusBase{
		Status: v1.ProfileStateInstalled, Conditions: ready(), ActiveWorkloads: []string{"web/nginx-0"},
	}}
}

// appArmorHub is a v1 AppArmorProfile with every field set.
func appArmorHub(state v1.ProfileEnabledState, mode v1.AppArmorMode) *v1.AppArmorProfile {
	return &v1.AppArmorProfile{
		ObjectMeta: meta("nginx", "", ""),
		Spec: v1.AppArmorProfileSpec{
			ProfileSpecBase: v1.ProfileSpecBase{State: state},
			Abstract:        abstract(),
			Mode:            mode,
		},
		Status: appArmorStatus(),
	}
}

// appArmorSpoke is a v1alpha1 AppArmorProfile with every field set.
func appArmorSpoke(disabled, complain bool, annotation string) *AppArmorProfile {
	return &AppArmorProfile{
		ObjectMeta: meta("nginx", "", annotation),
		Spec:       AppArmorProfileSpec{Disabled: disabled, Abstract: abstract(), ComplainMode: complain},
		Status:     appArmorStatus(),
	}
}

func TestAppArmorProfileConversion(t *testing.T) {
	run(t, map[string]conversionCase{
		"keeps a v1 state Disabled and mode Complain through v1alpha1's booleans": {
			from: appArmorHub(v1.ProfileDisabled, v1.AppArmorComplain), want: appArmorSpoke(true, true, ""),
		},
		"keeps a v1 state Enabled and mode Enforce as false booleans, with nothing in the annotation": {
			from: appArmorHub(v1.ProfileEnabled, v1.AppArmorEnforce), want: appArmorSpoke(false, false, ""),
		},
		"keeps a v1 state and mode that were never defaulted through the annotation": {
			from: appArmorHub("", ""), want: appArmorSpoke(false, false, `{"state":"","mode":""}`),
		},
		"reads v1alpha1's disabled and complainMode as state Disabled and mode Complain": {
			from: appArmorSpoke(true, true, ""), want: appArmorHub(v1.ProfileDisabled, v1.AppArmorComplain),
		},
		"reads v1alpha1's false booleans as state Enabled and mode Enforce": {
			from: appArmorSpoke(false, false, ""), want: appArmorHub(v1.ProfileEnabled, v1.AppArmorEnforce),
		},
		"lets a v1alpha1 client that sets disabled win over a kept state, keeping the mode": {
			from: appArmorSpoke(true, false, `{"state":"","mode":""}`), want: appArmorHub(v1.ProfileDisabled, ""), oneWay: true,
		},
	})
}

func FuzzAppArmorProfileConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha1 AppArmorProfile"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.AppArmorProfile{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &AppArmorProfile{}, &v1.AppArmorProfile{})

		s := &AppArmorProfile{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.AppArmorProfile{}, &AppArmorProfile{})
	})
}
