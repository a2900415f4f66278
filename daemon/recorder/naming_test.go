package recorder_test

import (
	"strings"
	"testing"

	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/webhooks/recording"
)

func annotation(rec, container string) recording.Annotation {
	return recording.Annotation{Prefix: recording.PrefixBpf, Recording: rec, Container: container, Nonce: "ab12c", Unix: 1700000000}
}

func TestProfileName(t *testing.T) {
	tests := map[string]struct {
		pod, generateName string
		partial           bool
		want              string
	}{
		"a pod without generateName gets the bare name":                   {"web", "", false, "rec-app"},
		"a partial pod without generateName gets the nonce":               {"web", "", true, "rec-app-ab12c"},
		"a pod from generateName gets the generated suffix":               {"web-7d9f-x2k4p", "web-7d9f-", false, "rec-app-x2k4p"},
		"a partial pod from generateName gets the generated suffix":       {"web-7d9f-x2k4p", "web-7d9f-", true, "rec-app-x2k4p"},
		"a pod whose name does not start with generateName is named bare": {"other", "web-", false, "rec-app"},
		"a pod named exactly its generateName is named bare":              {"web-", "web-", false, "rec-app"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := recorder.ProfileName(annotation("rec", "app"), tc.pod, tc.generateName, tc.partial); got != tc.want {
				t.Errorf("ProfileName = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckNames(t *testing.T) {
	long := strings.Repeat("r", 64)
	tests := map[string]struct {
		recording, profile string
		ok                 bool
	}{
		"a short recording and a valid name are fine": {"rec", "rec-app", true},
		"a 63-character recording name is fine":       {strings.Repeat("r", 63), strings.Repeat("r", 63) + "-app", true},
		"a 64-character recording name is refused":    {long, long + "-app", false},
		"a profile name longer than 253 is refused":   {"rec", strings.Repeat("a", 254), false},
		"a profile name with upper case is refused":   {"rec", "Rec-app", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := recorder.CheckNames(annotation(tc.recording, "app"), tc.profile)
			if (err == nil) != tc.ok {
				t.Errorf("CheckNames = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestProfileLabels(t *testing.T) {
	tests := map[string]struct {
		partial bool
		want    map[string]string
	}{
		"a profile that is not partial has the recording's labels (spo's and SPO's) and UID": {false, map[string]string{
			"spo.x-k8s.io/recording": "rec", "spo.x-k8s.io/recording-namespace": "ns", "spo.x-k8s.io/container": "app",
			"spo.x-k8s.io/recording-uid": "rec-uid", "spo.x-k8s.io/recording-id": "rec", "spo.x-k8s.io/container-id": "app",
		}},
		"a partial profile is also labelled partial": {true, map[string]string{
			"spo.x-k8s.io/recording": "rec", "spo.x-k8s.io/recording-namespace": "ns", "spo.x-k8s.io/container": "app",
			"spo.x-k8s.io/recording-uid": "rec-uid", "spo.x-k8s.io/partial": "true",
			"spo.x-k8s.io/recording-id": "rec", "spo.x-k8s.io/container-id": "app",
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := recorder.ProfileLabels(&recorder.State{Recording: "rec", Namespace: "ns", Container: "app",
				RecordingUID: "rec-uid", Partial: tc.partial})
			if len(got) != len(tc.want) {
				t.Fatalf("labels = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("label %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
