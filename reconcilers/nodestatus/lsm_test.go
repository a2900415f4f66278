package nodestatus

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestPublishUsage(t *testing.T) {
	for name, tt := range map[string]struct {
		profile v1.Profile
		usage   func(v1.Profile) string
		want    string
	}{
		"a SelinuxProfile publishes its process type": {
			&v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "web"}},
			func(p v1.Profile) string { return p.(*v1.SelinuxProfile).Status.Usage }, "web.process"},
		"a RawSelinuxProfile publishes its process type": {
			&v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "raw"}},
			func(p v1.Profile) string { return p.(*v1.RawSelinuxProfile).Status.Usage }, "raw.process"},
		"a disabled profile publishes nothing pods could be bound to": {
			&v1.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: "off"},
				Spec:   v1.SelinuxProfileSpec{ProfileSpecBase: v1.ProfileSpecBase{State: v1.ProfileDisabled}},
				Status: v1.SelinuxProfileStatus{Usage: "off.process"}},
			func(p v1.Profile) string { return p.(*v1.SelinuxProfile).Status.Usage }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			publishUsage(tt.profile, nil)
			if got := tt.usage(tt.profile); got != tt.want {
				t.Errorf("usage = %q, want %q", got, tt.want)
			}
		})
	}
}
