package v1alpha1

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/secprofiles/spo/api/internal/roundtrip"
	v1 "github.com/secprofiles/spo/api/v1"
)

func selector() *metav1.LabelSelector {
	return &metav1.LabelSelector{
		MatchLabels:      map[string]string{"app": "nginx"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "edge"}}},
	}
}

// bindingHub and bindingSpoke are the same ProfileBinding, every field set,
// with the given annotation on the v1alpha1 one.
func bindingHub() *v1.ProfileBinding {
	return &v1.ProfileBinding{
		ObjectMeta: meta("nginx", "web", ""),
		Spec: v1.ProfileBindingSpec{
			ProfileRef:  v1.ProfileRef{Kind: v1.BindingSeccompProfile, Name: "nginx"},
			Image:       "registry.example/nginx:1.27",
			PodSelector: selector(),
		},
		Status: v1.ProfileBindingStatus{ActiveWorkloads: []string{"web/nginx-0", "web/nginx-1"}},
	}
}

func bindingSpoke(annotation string) *ProfileBinding {
	h := bindingHub()
	return &ProfileBinding{ObjectMeta: meta("nginx", "web", annotation), Spec: h.Spec, Status: h.Status}
}

func recordingHub() *v1.ProfileRecording {
	return &v1.ProfileRecording{
		ObjectMeta: meta("nginx", "web", ""),
		Spec: v1.ProfileRecordingSpec{
			Kind:                         v1.RecordingSeccompProfile,
			Recorder:                     v1.RecorderBpf,
			MergeStrategy:                v1.MergeContainers,
			PodSelector:                  *selector(),
			Containers:                   []string{"nginx", "sidecar"},
			DisableProfileAfterRecording: true,
		},
		Status: v1.ProfileRecordingStatus{ActiveWorkloads: []string{"web/nginx-0"}},
	}
}

func recordingSpoke(annotation string) *ProfileRecording {
	h := recordingHub()
	return &ProfileRecording{ObjectMeta: meta("nginx", "web", annotation), Spec: h.Spec, Status: h.Status}
}

func TestProfileBindingAndRecordingConversion(t *testing.T) {
	run(t, map[string]conversionCase{
		"copies every field of a v1 ProfileBinding":       {from: bindingHub(), want: bindingSpoke("")},
		"copies every field of a v1alpha1 ProfileBinding": {from: bindingSpoke(""), want: bindingHub()},
		"never lets a copied conversion-data annotation reach a v1 ProfileBinding": {
			from: bindingSpoke(`{"state":""}`), want: bindingHub(), oneWay: true,
		},
		"copies every field of a v1 ProfileRecording":       {from: recordingHub(), want: recordingSpoke("")},
		"copies every field of a v1alpha1 ProfileRecording": {from: recordingSpoke(""), want: recordingHub()},
		"never lets a copied conversion-data annotation reach a v1 ProfileRecording": {
			from: recordingSpoke(`{"state":""}`), want: recordingHub(), oneWay: true,
		},
	})
}

func FuzzProfileBindingConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha1 ProfileBinding"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.ProfileBinding{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &ProfileBinding{}, &v1.ProfileBinding{})

		s := &ProfileBinding{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.ProfileBinding{}, &ProfileBinding{})
	})
}

func FuzzProfileRecordingConversion(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("v1alpha1 ProfileRecording"))
	f.Add([]byte{0xff, 0x00, 0x7f, 0x80, 0x01, 0xfe, 0x10, 0x20})
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &v1.ProfileRecording{}
		roundtrip.Fill(data, h)
		roundtrip.HubSpokeHub(t, h, &ProfileRecording{}, &v1.ProfileRecording{})

		s := &ProfileRecording{}
		roundtrip.Fill(data, s)
		roundtrip.SpokeHubSpoke(t, s, &v1.ProfileRecording{}, &ProfileRecording{})
	})
}
